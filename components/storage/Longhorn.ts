import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CHARTS } from "../../charts/versions";
import type { StorageConfig } from "../../stacks/config";
import { installChart } from "../lib/chart";
import { IngressTlsContext, ingressTls } from "../lib/ingress";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import { egressTo, INGRESS_NAMESPACE } from "../lib/networkPolicy";
import { BACKUP_SECRET, LONGHORN_MANAGER, longhornValues, recurringJobs, UI_AUTH_SECRET } from "./longhornValues";

export interface LonghornArgs extends NamespacePolicyArgs {
    readonly config: StorageConfig;
    readonly ingress: IngressTlsContext;
    readonly highAvailability: boolean;
    /** Protect the release and keep volumes on PVC deletion (prod). */
    readonly protect: boolean;
    /** Resources the release waits for (the ClusterIssuer of its UI certificate). @default [] */
    readonly after?: pulumi.Resource[];
    /** @default false */
    readonly serviceMonitor?: boolean;
}

/**
 * Longhorn as the default StorageClass: replicas by profile, recurring snapshots and S3 backups,
 * and its UI (which has no login of its own) behind the TLS ingress with basic auth.
 */
/** Namespace Longhorn runs in (its chart expects this one). */
export const LONGHORN_NAMESPACE = "longhorn-system";

export class Longhorn extends pulumi.ComponentResource {
    /** UI URL, when published. */
    public readonly uiUrl?: string;
    /** UI basic-auth password for user `admin` (secret). */
    public readonly uiPassword?: pulumi.Output<string>;
    /** The chart release: workloads needing the default StorageClass wait for it. */
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: LonghornArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:Longhorn", name, {}, opts);
        const namespace = LONGHORN_NAMESPACE;
        const { longhorn } = args.config;
        const ns = platformNamespace(
            `${name}-ns`,
            {
                name: namespace,
                podSecurity: "privileged",
                reason: "Longhorn's manager, engine and CSI plugin run privileged with host mounts to attach block devices",
                podSecurityVersion: args.podSecurityVersion,
                networkPolicy: args.networkPolicies ? { allow: [{ namespaces: [INGRESS_NAMESPACE] }], metricsPorts: [LONGHORN_MANAGER.port], egress: egressTo(args.clusterCidrs) } : undefined,
            },
            { parent: this },
        );
        const dependsOn: pulumi.Resource[] = [...(args.after ?? [])];
        if (longhorn.backup) {
            dependsOn.push(
                new k8s.core.v1.Secret(
                    `${name}-backup-secret`,
                    {
                        metadata: { name: BACKUP_SECRET, namespace: ns.metadata.name },
                        type: "Opaque",
                        stringData: pulumi.secret({
                            AWS_ACCESS_KEY_ID: longhorn.backup.accessKey,
                            AWS_SECRET_ACCESS_KEY: longhorn.backup.secretKey,
                            ...(longhorn.backup.endpoint ? { AWS_ENDPOINTS: longhorn.backup.endpoint } : {}),
                        }),
                    },
                    { parent: this },
                ),
            );
        }
        let ui;
        if (longhorn.ui.enabled) {
            const password = new random.RandomPassword(`${name}-ui-password`, { length: 24, special: false }, { parent: this, protect: args.protect });
            dependsOn.push(
                new k8s.core.v1.Secret(
                    `${name}-ui-auth`,
                    {
                        metadata: { name: UI_AUTH_SECRET, namespace: ns.metadata.name },
                        // The F5 controller reads htpasswd Secrets of this type for basic auth.
                        type: "nginx.org/htpasswd",
                        stringData: pulumi.secret({ htpasswd: pulumi.interpolate`admin:${password.bcryptHash}` }),
                    },
                    { parent: this },
                ),
            );
            ui = ingressTls(args.ingress, longhorn.ui.host, "longhorn", {
                "nginx.org/basic-auth-secret": UI_AUTH_SECRET,
                "nginx.org/basic-auth-realm": "Longhorn",
            });
            this.uiUrl = `https://${longhorn.ui.host}`;
            this.uiPassword = pulumi.secret(password.result);
        }
        const release = (this.release = installChart(
            `${name}-release`,
            {
                chart: CHARTS.longhorn,
                namespace: ns.metadata.name,
                values: longhornValues({ config: args.config, ui, highAvailability: args.highAvailability, keepVolumes: args.protect, serviceMonitor: args.serviceMonitor ?? false }),
                timeoutSeconds: 900,
            },
            { parent: this, dependsOn, protect: args.protect },
        ));
        for (const job of recurringJobs(args.config, namespace)) {
            const jobName = (job.metadata as { name: string }).name;
            new k8s.apiextensions.CustomResource(`${name}-${jobName}`, job as k8s.apiextensions.CustomResourceArgs, { parent: this, dependsOn: [release] });
        }
        this.registerOutputs({ uiUrl: this.uiUrl });
    }
}
