import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CHARTS } from "../../charts/versions";
import { installChart } from "../lib/chart";
import type { OwnedNamespace } from "../lib/flows";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import { DEEPFLOW_DEFAULT_REGISTRY, DEEPFLOW_NAMESPACE, DEEPFLOW_RELEASE, deepflowValues } from "./deepflowValues";

/** DeepFlow's own settings (it stores its data in the platform ClickHouse). */
export interface DeepFlowSettings {
    /** Registry and path of DeepFlow's images; default: DEEPFLOW_DEFAULT_REGISTRY. */
    readonly imageRegistry?: string;
}

export interface DeepFlowArgs extends NamespacePolicyArgs {
    readonly config: DeepFlowSettings;
    /** The platform ClickHouse: its per-shard Services' cluster IPs and the `deepflow` user's password. */
    readonly clickhouse: { readonly ips: readonly pulumi.Input<string>[]; readonly password: pulumi.Input<string> };
    readonly protect: boolean;
    /** Resources the release waits for: ClickHouse serving. */
    readonly after: pulumi.Resource[];
}

/** DeepFlow server, app, MySQL and eBPF agents, storing into the platform ClickHouse. */
export class DeepFlow extends pulumi.ComponentResource {
    /** Its namespace (the Platform's NetworkPolicies are created in it). */
    public readonly ownedNamespace: OwnedNamespace;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: DeepFlowArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:monitoring:DeepFlow", name, {}, opts);
        const ns = platformNamespace(
            `${name}-ns`,
            {
                name: DEEPFLOW_NAMESPACE,
                podSecurity: "privileged",
                reason: "the deepflow-agent DaemonSet loads eBPF programs and captures packets (SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE...)",
                podSecurityVersion: args.podSecurityVersion,
            },
            { parent: this },
        );
        this.ownedNamespace = { name: DEEPFLOW_NAMESPACE, object: ns };
        const mysql = new random.RandomPassword(`${name}-mysql-password`, { length: 32, special: false }, { parent: this, protect: args.protect });
        this.release = installChart(
            `${name}-release`,
            {
                chart: CHARTS.deepflow,
                releaseName: DEEPFLOW_RELEASE,
                namespace: ns.metadata.name,
                values: deepflowValues({
                    imageRegistry: args.config.imageRegistry ?? DEEPFLOW_DEFAULT_REGISTRY,
                    clickhouseIps: args.clickhouse.ips,
                    passwords: { clickhouse: pulumi.secret(args.clickhouse.password), mysql: pulumi.secret(mysql.result) },
                }),
                timeoutSeconds: 900,
            },
            // MySQL's PVC holds DeepFlow's metadata (agents, groups).
            { parent: this, dependsOn: args.after, protect: args.protect },
        );
        this.registerOutputs({});
    }
}
