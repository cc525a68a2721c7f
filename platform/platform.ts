import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterK3s } from "../components/cluster/ClusterK3s";
import { CertManager } from "../components/edge/CertManager";
import { DnsRecords } from "../components/edge/DnsRecords";
import { IngressNginx } from "../components/edge/IngressNginx";
import { Harbor, harborMirrors } from "../components/registry/Harbor";
import { Longhorn } from "../components/storage/Longhorn";
import { LONGHORN_HOST_REQUIREMENTS } from "../components/storage/longhornValues";
import { MonitoringStack } from "../components/monitoring/MonitoringStack";
import { DEEPFLOW_MIN_KERNEL } from "../components/monitoring/deepflowValues";
import type { IngressTlsContext } from "../components/lib/ingress";
import { platformNamespace, podSecurityVersion } from "../components/lib/namespace";
import { type ClusterNetwork, egressTo, INGRESS_NAMESPACE, k3sClusterCidrs, MONITORING_NAMESPACE } from "../components/lib/networkPolicy";
import type { Flow } from "../components/lib/flows";

/** What workload namespaces may reach outside the cluster by default: HTTPS only (not the API server, not node ports). */
const WORKLOAD_OUTSIDE_PORTS = [443];
import type { PlatformConfig } from "../config/config";
import { ContainerApp } from "../components/apps/ContainerApp";
import { appArgs, type AppOutput, appOutput, pullRobotName } from "./platformApps";

/** Stack outputs; the kubeconfig is a secret. */
export interface PlatformOutputs {
    readonly kubeconfig: pulumi.Output<string>;
    readonly apiEndpoint: pulumi.Output<string>;
    readonly nodes: pulumi.Output<{ name: string; host: string; role: string }[]>;
    readonly namespaces: pulumi.Output<string[]>;
    readonly ingressClass: string;
    readonly clusterIssuer: string;
    readonly registryUrl?: string;
    readonly registryRobot?: { username: pulumi.Output<string>; secret: pulumi.Output<string | undefined> };
    readonly registryAdminPassword?: pulumi.Output<string>;
    readonly storageUi?: { url: string; username: string; password: pulumi.Output<string> };
    readonly grafana?: { url: string; username: string; password: pulumi.Output<string> };
    /** Per app: URL, image, digest, previous digest (rollback) and canary. */
    readonly apps: Record<string, AppOutput>;
}

/**
 * The whole platform for one stack: the cluster, then every namespace with its Pod Security
 * labels, then the components (each behind its own `enabled` toggle) on the cluster's provider.
 * Components receive only their typed config slice and the outputs they consume.
 */
export class Platform extends pulumi.ComponentResource {
    public readonly cluster: ClusterK3s;
    public readonly namespaces: ReadonlyMap<string, k8s.core.v1.Namespace>;
    public readonly ingress?: IngressNginx;
    public readonly certManager: CertManager;
    public readonly dns?: DnsRecords;
    public readonly harbor?: Harbor;
    public readonly storage?: Longhorn;
    public readonly monitoring?: MonitoringStack;
    public readonly apps: ReadonlyMap<string, ContainerApp>;
    /** IngressClass + ClusterIssuer every platform Ingress is built with (components/lib/ingress). */
    public readonly ingressTls: IngressTlsContext;
    public readonly outputs: PlatformOutputs;
    /** Every network flow the platform needs (placeholder until the flow model lands: issue 23). */
    public readonly flows: readonly Flow[] = [];
    /** The cluster network the NetworkPolicies are written for; undefined when they are off (placeholder). */
    public readonly network?: ClusterNetwork = undefined;

    constructor(name: string, config: PlatformConfig, opts?: pulumi.ComponentResourceOptions) {
        super("platform:stack:Platform", name, {}, opts);

        const longhorn = config.storage.class === "longhorn";
        const { monitoring } = config;
        const deepflowOn = monitoring.deepflow.enabled;
        this.cluster = new ClusterK3s(
            `${name}-cluster`,
            {
                cluster: config.cluster,
                clusterName: name,
                protect: config.defaults.protectStateful,
                // Longhorn needs iSCSI/NFS on every node and replaces local-path as the default class.
                hostRequirements: longhorn ? LONGHORN_HOST_REQUIREMENTS : undefined,
                // DeepFlow's eBPF agent runs on every node.
                kernelRequirements: deepflowOn ? [{ version: DEEPFLOW_MIN_KERNEL, reason: "DeepFlow's eBPF agent (monitoring.deepflow)" }] : [],
                alsoDisable: longhorn ? ["local-storage"] : [],
            },
            { parent: this },
        );
        const provider = this.cluster.provider;
        const psaVersion = podSecurityVersion(config.cluster.mode === "k3s" ? config.cluster.k3s.version : undefined);

        // With NetworkPolicies on and the cluster's CIDRs known (k3s), platform namespaces deny egress too.
        const k3sConfig = config.cluster.mode === "k3s" ? config.cluster.k3s : undefined;
        const clusterCidrs = config.defaults.networkPolicies && k3sConfig ? k3sClusterCidrs(k3sConfig) : undefined;
        const namespaces = new Map<string, k8s.core.v1.Namespace>();
        for (const ns of config.namespaces) {
            namespaces.set(
                ns.name,
                platformNamespace(
                    `${name}-ns-${ns.name}`,
                    {
                        ...ns,
                        podSecurityVersion: psaVersion,
                        // Workloads get traffic through the ingress controller and are scraped by Prometheus;
                        // they reach DNS, their own namespace and HTTPS outside the cluster, nothing else
                        // unless an app declares it (egress stays open where the cluster's CIDRs are unknown).
                        networkPolicy: config.defaults.networkPolicies
                            ? { allow: [{ namespaces: [INGRESS_NAMESPACE, MONITORING_NAMESPACE] }], egress: egressTo(clusterCidrs, { outside: WORKLOAD_OUTSIDE_PORTS }) }
                            : undefined,
                    },
                    { parent: this, provider },
                ),
            );
        }
        this.namespaces = namespaces;

        // Components inherit the cluster's provider through `providers`, never build their own.
        const componentOpts = { parent: this, providers: { kubernetes: provider } };
        const { defaults } = config;
        if (config.ingress.enabled) {
            this.ingress = new IngressNginx(
                `${name}-ingress`,
                {
                    config: config.ingress,
                    highAvailability: defaults.highAvailability,
                    podSecurityVersion: psaVersion,
                    networkPolicies: defaults.networkPolicies,
                    clusterCidrs,
                    // A canary's VirtualServer owns its host: HTTP-01 challenges for it need the controller's cert-manager integration.
                    virtualServerChallenges: config.apps.some((a) => a.canary !== undefined) && config.tls.acme?.solver === "http01",
                },
                componentOpts,
            );
        }
        this.certManager = new CertManager(
            `${name}-cert-manager`,
            {
                config: config.tls,
                ingressClass: config.ingress.className,
                replicas: defaults.replicas,
                highAvailability: defaults.highAvailability,
                podSecurityVersion: psaVersion,
                networkPolicies: defaults.networkPolicies,
                clusterCidrs,
            },
            // HTTP-01 challenges need the controller only when a certificate is ordered, later.
            componentOpts,
        );
        this.ingressTls = { className: config.ingress.className, issuer: this.certManager.issuerName, http01EditInPlace: config.tls.acme?.solver === "http01" };
        // What every data-bearing component takes from the profile.
        const shared = {
            highAvailability: defaults.highAvailability,
            protect: defaults.protectStateful,
            podSecurityVersion: psaVersion,
            networkPolicies: defaults.networkPolicies,
            clusterCidrs,
        };
        if (longhorn) {
            this.storage = new Longhorn(
                `${name}-storage`,
                {
                    config: config.storage.longhorn,
                    ingress: this.ingressTls,
                    ...shared,
                    // Its UI certificate comes from the issuer.
                    after: this.certManager.ready,
                },
                componentOpts,
            );
        }
        if (config.dns.provider !== "none") {
            this.dns = new DnsRecords(
                `${name}-dns`,
                { config: config.dns, ownerId: name, podSecurityVersion: psaVersion, networkPolicies: defaults.networkPolicies, clusterCidrs },
                componentOpts,
            );
        }
        if (config.harbor.enabled) {
            this.harbor = new Harbor(
                `${name}-harbor`,
                {
                    config: config.harbor,
                    ingress: this.ingressTls,
                    replicas: defaults.replicas,
                    ...shared,
                    insecureApi: config.tls.issuer === "selfSigned",
                    // The registry's certificate comes from the issuer, and its PVCs from the default
                    // StorageClass: with Longhorn (k3s local-path disabled) that class exists only after it.
                    after: [...this.certManager.ready, ...(this.storage ? [this.storage.release] : [])],
                },
                componentOpts,
            );
            if (config.cluster.mode === "k3s" && config.harbor.mirrorNodes) {
                // Nodes pull through Harbor only once it is up; containerd falls back to upstream.
                this.cluster.applyRegistries(harborMirrors(config.harbor, config.tls.issuer !== "selfSigned"), this.harbor.proxyProjects);
            }
        }

        if (config.monitoring.enabled) {
            const k3s = config.cluster.mode === "k3s" ? config.cluster.k3s : undefined;
            const address = (n: { host: string; address?: string }) => n.address ?? n.host;
            this.monitoring = new MonitoringStack(
                `${name}-monitoring`,
                {
                    config: config.monitoring,
                    k3s: k3s && { servers: k3s.servers.map(address), nodes: [...k3s.servers, ...k3s.agents].map(address) },
                    ingress: this.ingressTls,
                    ...shared,
                    // The operator's admission webhook certificates come from cert-manager; Prometheus's,
                    // Loki's and ClickHouse's PVCs from the default StorageClass (Longhorn's, when on).
                    after: [...this.certManager.ready, ...(this.storage ? [this.storage.release] : [])],
                    clusterName: name,
                    // What the platform's components expose; each declares its own.
                    scrapeTargets: [this.certManager, this.ingress, this.storage, this.dns, this.harbor].flatMap((c) => c?.scrapeTargets ?? []),
                },
                componentOpts,
            );
        }
        const apps = new Map<string, ContainerApp>();
        const appOutputs: Record<string, AppOutput> = {};
        const harbor = this.harbor;
        // The schema refuses apps without Harbor, so with Harbor off there is none to build.
        if (harbor) {
            for (const app of config.apps) {
                const pull = harbor.pullRobot(`${name}-app-${app.name}-pull-robot`, pullRobotName(app), app.image.project, { parent: this });
                const args = appArgs(app, config.apps, {
                    registryHost: harbor.host,
                    ingress: this.ingressTls,
                    dnsTarget: this.dns ? harbor.host : undefined,
                    // Apps ship their own ServiceMonitors, whose CRD comes with kube-prometheus-stack.
                    monitoring: this.monitoring && { dashboard: config.monitoring.grafana.enabled, logs: config.monitoring.logs.enabled, after: [this.monitoring.release] },
                    networkPolicies: defaults.networkPolicies,
                    clusterCidrs,
                    storageClass: config.storage.class,
                }, pull);
                const namespace = namespaces.get(app.namespace);
                const built = new ContainerApp(
                    `${name}-app-${app.name}`,
                    // The namespace first; the images come from Harbor, the host through the controller, its
                    // certificate from the issuer and, for a canary, its DNSEndpoint kind from external-dns.
                    // The Namespace's name output makes every object of the app wait for it.
                    { ...args, namespace: namespace ? namespace.metadata.name : args.namespace, namespaceName: app.namespace, after: [...(namespace ? [namespace] : []), harbor.release, ...(this.ingress ? [this.ingress] : []), ...this.certManager.ready, ...(this.dns ? [this.dns] : [])] },
                    componentOpts,
                );
                apps.set(app.name, built);
                appOutputs[app.name] = appOutput(app, built, harbor.host);
            }
        }
        this.apps = apps;

        this.outputs = {
            kubeconfig: this.cluster.kubeconfig,
            apiEndpoint: this.cluster.apiEndpoint,
            nodes: this.cluster.nodes,
            namespaces: pulumi.output([...namespaces.values()].map((ns) => ns.metadata.name)),
            ingressClass: this.ingressTls.className,
            clusterIssuer: this.ingressTls.issuer,
            registryUrl: this.harbor?.url,
            registryRobot: this.harbor?.robot,
            registryAdminPassword: this.harbor ? pulumi.secret(this.harbor.adminPassword) : undefined,
            grafana: this.monitoring?.grafana,
            apps: appOutputs,
            storageUi: this.storage?.uiUrl && this.storage.uiPassword ? { url: this.storage.uiUrl, username: "admin", password: this.storage.uiPassword } : undefined,
        };
        this.registerOutputs({ ...this.outputs });
    }
}
