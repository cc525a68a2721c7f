import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../charts/versions";
import { installChart } from "../lib/chart";
import type { OwnedNamespace } from "../lib/flows";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import { type LogsSettings, LOGS_NAMESPACE, LOKI_RELEASE, LOKI_S3_SECRET, alloyValues, lokiValues } from "./logsValues";

export interface LogsArgs extends NamespacePolicyArgs {
    /** Retention, PVC size and optional S3 bucket. */
    readonly config: LogsSettings;
    /** `cluster` label on every log line (the stack's name). */
    readonly cluster: string;
    readonly highAvailability: boolean;
    readonly protect: boolean;
    /** Resources the releases wait for: kube-prometheus-stack (ServiceMonitor CRD). */
    readonly after: pulumi.Resource[];
}

/** Loki (logs store) and Grafana Alloy (pod logs + Kubernetes events) in the `logging` namespace. */
export class Logs extends pulumi.ComponentResource {
    /** Its namespace (the Platform's NetworkPolicies are created in it). */
    public readonly ownedNamespace: OwnedNamespace;
    public readonly loki: k8s.helm.v3.Release;
    public readonly alloy: k8s.helm.v3.Release;

    constructor(name: string, args: LogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:monitoring:Logs", name, {}, opts);
        const ns = platformNamespace(
            `${name}-ns`,
            {
                name: LOGS_NAMESPACE,
                podSecurityVersion: args.podSecurityVersion,
            },
            { parent: this },
        );
        this.ownedNamespace = { name: LOGS_NAMESPACE, object: ns };
        const before: pulumi.Resource[] = [...args.after];
        const s3 = args.config.s3;
        if (s3) {
            before.push(
                new k8s.core.v1.Secret(
                    `${name}-loki-s3`,
                    {
                        metadata: { name: LOKI_S3_SECRET, namespace: ns.metadata.name },
                        type: "Opaque",
                        stringData: pulumi.secret({ LOKI_S3_ACCESS_KEY_ID: s3.accessKey, LOKI_S3_SECRET_ACCESS_KEY: s3.secretKey }),
                    },
                    { parent: this },
                ),
            );
        }
        this.loki = installChart(
            `${name}-loki`,
            { chart: CHARTS.loki, releaseName: LOKI_RELEASE, namespace: ns.metadata.name, values: lokiValues(args.config, args.highAvailability) },
            // The PVC (and with it unshipped logs) goes with the release: protect it in prod.
            { parent: this, dependsOn: before, protect: args.protect },
        );
        this.alloy = installChart(
            `${name}-alloy`,
            { chart: CHARTS.alloy, releaseName: "alloy", namespace: ns.metadata.name, values: alloyValues(args.cluster, args.highAvailability) },
            { parent: this, dependsOn: [this.loki] },
        );
        this.registerOutputs({});
    }
}
