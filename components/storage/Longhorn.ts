import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CHARTS } from "../../charts/versions";
import { installChart } from "../lib/chart";
import { IngressTlsContext, mergeableTlsIngress } from "../lib/ingress";
import type { ScrapeTarget } from "../lib/metrics";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import { apiServerFlow, type Flow, type NetworkNeeds, type Route, type OwnedNamespace } from "../lib/flows";
import { endpointPort } from "../lib/networkPolicy";
import { BACKUP_SECRET, LONGHORN_MANAGER, LONGHORN_UI_SERVICE, type LonghornSettings, longhornValues, recurringJobs, UI_AUTH_SECRET } from "./longhornValues";
import { NAMESPACES } from "../../charts/namespaces";

/** Port the Longhorn UI container listens on (longhorn chart 1.12.1 deployment-ui.yaml, behind Service port 80). */
const LONGHORN_UI_PORT = 8000;

export interface LonghornArgs extends NamespacePolicyArgs {
    /** Replicas, data path, backups and UI. */
    readonly config: LonghornSettings;
    readonly ingress: IngressTlsContext;
    readonly highAvailability: boolean;
    /** Protect the release and keep volumes on PVC deletion (prod). */
    readonly protect: boolean;
    /** Resources the release waits for (the ClusterIssuer of its UI certificate). @default [] */
    readonly after?: pulumi.Resource[];
}

/** Namespace Longhorn runs in (its chart expects this one). */
export const LONGHORN_NAMESPACE = NAMESPACES.longhorn;

/**
 * Longhorn as the default StorageClass: replicas by profile, recurring snapshots and S3 backups,
 * and its UI (which has no login of its own) behind the TLS ingress with basic auth.
 */
export class Longhorn extends pulumi.ComponentResource implements NetworkNeeds {
    /** UI URL, when published. */
    public readonly uiUrl?: string;
    /** UI basic-auth password for user `admin` (secret). */
    public readonly uiPassword?: pulumi.Output<string>;
    /** The chart release: workloads needing the default StorageClass wait for it. */
    public readonly release: k8s.helm.v3.Release;
    /** longhorn-manager's metrics, for the monitoring stack installed after it. */
    public readonly scrapeTargets: readonly ScrapeTarget[];
    public readonly flows: readonly Flow[];
    /** longhorn.<domain>, when the UI is published. */
    public readonly routes: readonly Route[];
    public readonly ownedNamespaces: readonly OwnedNamespace[];

    constructor(name: string, args: LonghornArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:Longhorn", name, {}, opts);
        const namespace = LONGHORN_NAMESPACE;
        this.scrapeTargets = [
            {
                name: "longhorn",
                namespace,
                selector: { app: "longhorn-manager" },
                port: "manager",
                pods: { app: "longhorn-manager" },
                podPort: LONGHORN_MANAGER.port,
                jobLabel: "app",
            },
        ];
        const longhorn = args.config;
        const ns = platformNamespace(
            `${name}-ns`,
            {
                name: namespace,
                podSecurity: "privileged",
                reason: "Longhorn's manager, engine and CSI plugin run privileged with host mounts to attach block devices",
                podSecurityVersion: args.podSecurityVersion,
            },
            { parent: this },
        );
        this.ownedNamespaces = [{ name: namespace, object: ns }];
        this.flows = longhornFlows(namespace, longhorn);
        this.routes = longhorn.ui.enabled ? [{ host: longhorn.ui.host, backend: { namespace, pods: { app: "longhorn-ui" } }, port: LONGHORN_UI_PORT }] : [];
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
        let uiAuth: k8s.core.v1.Secret | undefined;
        if (longhorn.ui.enabled) {
            // Not protected: a new password only changes the UI's basic-auth Secret.
            const password = new random.RandomPassword(`${name}-ui-password`, { length: 24, special: false }, { parent: this });
            uiAuth = new k8s.core.v1.Secret(
                `${name}-ui-auth`,
                {
                    metadata: { name: UI_AUTH_SECRET, namespace: ns.metadata.name },
                    // The F5 controller reads htpasswd Secrets of this type for basic auth.
                    type: "nginx.org/htpasswd",
                    stringData: pulumi.secret({ htpasswd: pulumi.interpolate`admin:${password.bcryptHash}` }),
                },
                { parent: this },
            );
            this.uiUrl = `https://${longhorn.ui.host}`;
            this.uiPassword = pulumi.secret(password.result);
        }
        const release = (this.release = installChart(
            `${name}-release`,
            {
                chart: CHARTS.longhorn,
                namespace: ns.metadata.name,
                values: longhornValues({ config: args.config, highAvailability: args.highAvailability, keepVolumes: args.protect }),
                timeoutSeconds: 900,
            },
            { parent: this, dependsOn, protect: args.protect },
        ));
        if (uiAuth) {
            // The chart's own Ingress is one Ingress, so its basic auth would cover the ACME challenge
            // path too: a master/minion pair puts the auth on `/` only (lib/ingress.ts).
            mergeableTlsIngress(
                `${name}-ui-ingress`,
                args.ingress,
                {
                    name: "longhorn-ui",
                    namespace: ns.metadata.name,
                    host: longhorn.ui.host,
                    serviceName: LONGHORN_UI_SERVICE.name,
                    servicePort: LONGHORN_UI_SERVICE.port,
                    locationAnnotations: { "nginx.org/basic-auth-secret": UI_AUTH_SECRET, "nginx.org/basic-auth-realm": "Longhorn" },
                },
                // The Service comes with the release, the Certificate from the issuer.
                { parent: this, dependsOn: [release, uiAuth, ...(args.after ?? [])] },
            );
        }
        for (const job of recurringJobs(args.config, namespace)) {
            const jobName = (job.metadata as { name: string }).name;
            new k8s.apiextensions.CustomResource(`${name}-${jobName}`, job as k8s.apiextensions.CustomResourceArgs, { parent: this, dependsOn: [release] });
        }
        this.registerOutputs({ uiUrl: this.uiUrl });
    }
}

/**
 * Longhorn's traffic. Inside the namespace its parts talk on ports assigned at run time (engines to
 * replicas across nodes on the instance managers' port ranges), so the namespace admits itself.
 * From the nodes: the API server calls the admission webhook, which fails closed, and kernel NFS
 * clients mount RWX volumes from the share-managers. Out: the API server and the backup target.
 * The manager's API (9500, no authentication) is reached by Prometheus (metrics) and, through the
 * service proxy, by `npm run verify`: the Platform derives both.
 */
function longhornFlows(namespace: string, longhorn: LonghornSettings): Flow[] {
    const manager = { namespace, pods: { app: "longhorn-manager" } };
    const flows: Flow[] = [
        {
            name: "Longhorn parts -> each other",
            from: { namespace },
            to: { namespace },
            ports: "all",
            why: "managers, instance managers (engines and replicas), CSI and UI",
            cite: "longhorn/longhorn@v1.12.1:chart/templates/",
        },
        {
            name: "API server -> Longhorn admission webhook",
            from: "nodes",
            to: manager,
            ports: [9502],
            why: "Longhorn objects and their PVCs are admitted by it (fail closed)",
            cite: "longhorn/longhorn@v1.12.1:chart/templates/daemonset-sa.yaml",
        },
        {
            name: "kernel NFS clients -> Longhorn share-manager",
            from: "nodes",
            to: { namespace, pods: { "longhorn.io/component": "share-manager" } },
            ports: [2049],
            why: "RWX volumes are NFS mounts made by the kernel of the node that runs the consuming pod",
        },
        apiServerFlow({ namespace }, "Longhorn"),
    ];
    if (longhorn.backup) {
        const port = endpointPort(longhorn.backup.endpoint) ?? 443;
        flows.push({
            name: "Longhorn -> backup target",
            from: { namespace },
            to: longhorn.backup.endpoint ? "outside" : "internet",
            ports: [port],
            why: "recurring backups to the S3 bucket",
        });
    }
    return flows;
}
