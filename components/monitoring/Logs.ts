import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../charts/versions";
import { installChart } from "../lib/chart";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import { API_SERVER_ONLY, egressTo, endpointPort, MONITORING_NAMESPACE } from "../lib/networkPolicy";
import { type LogsSettings, ALLOY_PORT, LOGS_NAMESPACE, LOKI_PORT, LOKI_RELEASE, LOKI_S3_SECRET, alloyValues, lokiValues } from "./logsValues";

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
    public readonly loki: k8s.helm.v3.Release;
    public readonly alloy: k8s.helm.v3.Release;

    constructor(name: string, args: LogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:monitoring:Logs", name, {}, opts);
        const ns = platformNamespace(
            `${name}-ns`,
            {
                name: LOGS_NAMESPACE,
                podSecurityVersion: args.podSecurityVersion,
                // Grafana queries Loki; Alloy pushes from inside the namespace (always allowed).
                networkPolicy: args.networkPolicies ? { allow: [{ namespaces: [MONITORING_NAMESPACE], ports: [LOKI_PORT] }], metricsPorts: [LOKI_PORT, ALLOY_PORT], egress: egressTo(args.clusterCidrs, { outside: logsOutside(args.config) }) } : undefined,
            },
            { parent: this },
        );
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

/** Loki reaches S3 (when chunks live there) and Alloy the API server; nothing else outside the cluster. */
function logsOutside(config: { readonly s3?: { readonly endpoint?: string } }): readonly number[] {
    return config.s3 ? [...API_SERVER_ONLY, endpointPort(config.s3.endpoint) ?? 443] : API_SERVER_ONLY;
}
