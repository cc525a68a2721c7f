import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CHARTS } from "../../charts/versions";
import { installChart } from "../lib/chart";
import type { OwnedNamespace } from "../lib/flows";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import {
    CLICKHOUSE_CLUSTER,
    CLICKHOUSE_NAMESPACE,
    CLICKHOUSE_SERVICE,
    CLICKHOUSE_USERS,
    CLICKHOUSE_USERS_SECRET,
    clickhouseInstallationSpec,
    clickhouseOperatorValues,
    clickhouseServiceSpec,
    type ClickHouseSettings,
    keeperInstallationSpec,
    shardServiceName,
} from "./clickhouseValues";

export interface ClickHouseArgs extends NamespacePolicyArgs {
    readonly config: ClickHouseSettings;
    /** Password of the read-only `grafana` user (its Secret for Grafana lives in the monitoring namespace). */
    readonly grafanaPassword: pulumi.Input<string>;
    readonly protect: boolean;
    /** Resources the operator release waits for: kube-prometheus-stack (ServiceMonitor CRD). */
    readonly after: pulumi.Resource[];
    /** Create the `deepflow` writer user (DeepFlow on); without it no such user or password exists. @default false */
    readonly deepflowUser?: boolean;
}

/** The clickhouse-operator, one ClickHouseInstallation (+ Keeper when replicated) and its Service. */
export class ClickHouse extends pulumi.ComponentResource {
    /** Its namespace (the Platform's NetworkPolicies are created in it). */
    public readonly ownedNamespace: OwnedNamespace;
    public readonly installation: k8s.apiextensions.CustomResource;
    public readonly service: k8s.core.v1.Service;
    /** One Service per shard (DeepFlow writes to each by its cluster IP). */
    public readonly shardServices: k8s.core.v1.Service[];
    /** Password of the `deepflow` user (secret); undefined without `deepflowUser`. */
    public readonly deepflowPassword: pulumi.Output<string> | undefined;

    constructor(name: string, args: ClickHouseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:monitoring:ClickHouse", name, {}, opts);
        const deepflowUser = args.deepflowUser ?? false;
        const ns = platformNamespace(
            `${name}-ns`,
            {
                name: CLICKHOUSE_NAMESPACE,
                podSecurityVersion: args.podSecurityVersion,
            },
            { parent: this },
        );
        this.ownedNamespace = { name: CLICKHOUSE_NAMESPACE, object: ns };
        // Not protected: ClickHouse reads its users' passwords from the Secret, so a new one reaches both sides.
        const deepflow = deepflowUser ? new random.RandomPassword(`${name}-deepflow-password`, { length: 32, special: false }, { parent: this }) : undefined;
        this.deepflowPassword = deepflow && pulumi.secret(deepflow.result);
        const users = new k8s.core.v1.Secret(
            `${name}-users`,
            {
                metadata: { name: CLICKHOUSE_USERS_SECRET, namespace: ns.metadata.name },
                type: "Opaque",
                stringData: pulumi.secret({
                    ...(deepflow ? { [CLICKHOUSE_USERS.deepflow]: deepflow.result } : {}),
                    [CLICKHOUSE_USERS.grafana]: pulumi.output(args.grafanaPassword),
                }),
            },
            { parent: this },
        );
        const operator = installChart(
            `${name}-operator`,
            { chart: CHARTS.clickhouseOperator, releaseName: "clickhouse-operator", namespace: ns.metadata.name, values: clickhouseOperatorValues() },
            // Deleting it would take the CRDs' controller (and with it the installation) away.
            { parent: this, dependsOn: args.after, protect: args.protect },
        );
        const replicated = args.config.replicas > 1;
        const before: pulumi.Resource[] = [operator, users];
        if (replicated) {
            before.push(
                new k8s.apiextensions.CustomResource(
                    `${name}-keeper`,
                    {
                        apiVersion: "clickhouse-keeper.altinity.com/v1",
                        kind: "ClickHouseKeeperInstallation",
                        metadata: { name: CLICKHOUSE_CLUSTER, namespace: ns.metadata.name },
                        spec: keeperInstallationSpec(args.protect),
                    },
                    { parent: this, dependsOn: [operator], protect: args.protect },
                ),
            );
        }
        this.installation = new k8s.apiextensions.CustomResource(
            `${name}-installation`,
            {
                apiVersion: "clickhouse.altinity.com/v1",
                kind: "ClickHouseInstallation",
                metadata: { name: CLICKHOUSE_CLUSTER, namespace: ns.metadata.name },
                spec: clickhouseInstallationSpec(args.config, args.protect, deepflowUser),
            },
            { parent: this, dependsOn: before, protect: args.protect },
        );
        // Ready once a server behind it serves: the operator creates the servers after the CR, one by one.
        const service = (resource: string, serviceName: string, shard?: number) =>
            new k8s.core.v1.Service(
                resource,
                { metadata: { name: serviceName, namespace: ns.metadata.name }, spec: clickhouseServiceSpec(shard) },
                { parent: this, dependsOn: [this.installation], customTimeouts: { create: "20m" } },
            );
        this.service = service(`${name}-service`, CLICKHOUSE_SERVICE);
        this.shardServices = Array.from({ length: args.config.shards }, (_, i) => service(`${name}-shard-${i}`, shardServiceName(i), i));
        this.registerOutputs({});
    }
}
