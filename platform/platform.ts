import * as k8s from "@pulumi/kubernetes";
import { isIP } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { afterNodeRestarts, ClusterK3s } from "../components/cluster/ClusterK3s";
import { CertManager } from "../components/edge/CertManager";
import { DnsRecords } from "../components/edge/DnsRecords";
import { IngressNginx } from "../components/edge/IngressNginx";
import { Harbor, harborMirrors, type RobotCredentials } from "../components/registry/Harbor";
import { Longhorn } from "../components/storage/Longhorn";
import { LONGHORN_HOST_REQUIREMENTS } from "../components/storage/longhornValues";
import { MonitoringStack } from "../components/monitoring/MonitoringStack";
import { DEEPFLOW_MIN_KERNEL } from "../components/monitoring/deepflowValues";
import type { IngressTlsContext } from "../components/lib/ingress";
import { platformNamespace, podSecurityVersion } from "../components/lib/namespace";
import { type ClusterNetwork, createNetworkPolicies, flowPolicySpecs, k3sClusterCidrs } from "../components/lib/networkPolicy";
import type { Flow, NetworkNeeds } from "../components/lib/flows";
import type { ScrapeTarget } from "../components/lib/metrics";
import type { PlatformConfig } from "../config/config";
import { platformFlows } from "./platformFlows";
import type { ProxyPart } from "./serviceProxy";
import { ContainerApp } from "../components/apps/ContainerApp";
import { appArgs, appComponentName, type AppOutput, appOutput, pullRobotName } from "./platformApps";
import { SignatureAdmission } from "../components/security/SignatureAdmission";
import { ADMISSION_NAMESPACE_LABEL } from "../components/security/admissionValues";
import { admissionArgs } from "./platformAdmission";

/** Stack outputs; the kubeconfig is a secret. */
export interface PlatformOutputs {
    readonly kubeconfig: pulumi.Output<string>;
    readonly apiEndpoint: pulumi.Output<string>;
    readonly nodes: pulumi.Output<{ name: string; host: string; role: string }[]>;
    readonly namespaces: pulumi.Output<string[]>;
    readonly ingressClass: string;
    readonly clusterIssuer: string;
    readonly registryUrl?: string;
    /** The CI robot per project (secrets), and the pull-only robots by name and project. */
    readonly registryRobots?: Readonly<Record<string, RobotCredentials>>;
    readonly registryPullRobots?: Readonly<Record<string, Readonly<Record<string, RobotCredentials>>>>;
    readonly registryAdminPassword?: pulumi.Output<string>;
    readonly storageUi?: { url: string; username: string; password: pulumi.Output<string> };
    readonly grafana?: { url: string; username: string; password: pulumi.Output<string> };
    /** Per app: URL, image, digest, previous digest (rollback) and canary. */
    readonly apps: Record<string, AppOutput>;
}

/** The Platform's type token (the root of every platform resource's URN; never change it without aliases). */
export const PLATFORM_TYPE = "platform:stack:Platform";

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
    /** Signature admission for the app namespaces (docs/adr/0022). */
    public readonly admission?: SignatureAdmission;
    public readonly apps: ReadonlyMap<string, ContainerApp>;
    /** IngressClass + ClusterIssuer every platform Ingress is built with (components/lib/ingress). */
    public readonly ingressTls: IngressTlsContext;
    public readonly outputs: PlatformOutputs;
    /** Every network flow the platform needs (docs/adr/0018); the NetworkPolicies are generated from them. */
    public readonly flows: readonly Flow[];
    /** The cluster network the policies are built for; undefined when NetworkPolicies are off. */
    public readonly network?: ClusterNetwork;

    constructor(name: string, config: PlatformConfig, opts?: pulumi.ComponentResourceOptions) {
        super(PLATFORM_TYPE, name, {}, opts);

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

        this.network = config.defaults.networkPolicies ? clusterNetwork(config.cluster) : undefined;
        const namespaces = new Map<string, k8s.core.v1.Namespace>();
        // Namespaces and their policies: a node restart waits for them (see applyRegistries below).
        const namespaceObjects: pulumi.Resource[] = [];
        // Workload namespaces opt in to signature admission; platform namespaces never do.
        const admissionLabels = config.admission.enabled && config.harbor.enabled ? ADMISSION_NAMESPACE_LABEL : {};
        for (const ns of config.namespaces) {
            const namespace = platformNamespace(
                `${name}-ns-${ns.name}`,
                { ...ns, labels: { ...ns.labels, ...admissionLabels }, podSecurityVersion: psaVersion },
                { parent: this, provider },
            );
            namespaces.set(ns.name, namespace);
            namespaceObjects.push(namespace);
        }
        this.namespaces = namespaces;

        // Components inherit the cluster's provider through `providers`, never build their own.
        const componentOpts = { parent: this, providers: { kubernetes: provider } };
        // Options of the components made after the registry mirrors, when nodes restart for them.
        let laterOpts: pulumi.ComponentResourceOptions = componentOpts;
        const { defaults } = config;
        this.certManager = new CertManager(
            `${name}-cert-manager`,
            {
                config: config.tls,
                ingressClass: config.ingress.className,
                replicas: defaults.replicas,
                highAvailability: defaults.highAvailability,
                podSecurityVersion: psaVersion,
            },
            // HTTP-01 challenges need the controller only when a certificate is ordered, later; the
            // controller waits for cert-manager's CRDs when it watches Certificates.
            componentOpts,
        );
        if (config.ingress.enabled) {
            this.ingress = new IngressNginx(
                `${name}-ingress`,
                {
                    config: config.ingress,
                    highAvailability: defaults.highAvailability,
                    podSecurityVersion: psaVersion,
                    // Every published app is a VirtualServer (docs/adr/0020): under HTTP-01 the controller's
                    // cert-manager integration routes the solver's Ingress into it. Decided by the issuer
                    // alone, so starting or ending a canary never changes (and restarts) the controller.
                    virtualServerChallenges: config.tls.issuer !== "selfSigned" && config.tls.acme?.solver === "http01",
                    certManagerCrds: this.certManager.crds,
                },
                componentOpts,
            );
        }
        this.ingressTls = { className: config.ingress.className, issuer: this.certManager.issuerName, http01EditInPlace: config.tls.acme?.solver === "http01" };
        // What every data-bearing component takes from the profile.
        const shared = {
            highAvailability: defaults.highAvailability,
            protect: defaults.protectStateful,
            podSecurityVersion: psaVersion,
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
            this.dns = new DnsRecords(`${name}-dns`, { config: config.dns, ownerId: name, podSecurityVersion: psaVersion }, componentOpts);
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
                // Applying the mirrors restarts k3s on every node, the provider's server included: the
                // restarts wait for every object made so far, and every object made later for them.
                const before = [
                    ...namespaceObjects,
                    ...[this.ingress, this.certManager, this.storage, this.dns, this.harbor].filter((c) => c !== undefined),
                    ...this.harbor.proxyProjects,
                ];
                const restarts = this.cluster.applyRegistries(harborMirrors(config.harbor, config.tls.issuer !== "selfSigned"), before);
                laterOpts = { ...componentOpts, transformations: [afterNodeRestarts(restarts)] };
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
                    scrapeTargets: scrapeTargetsOf(this),
                },
                laterOpts,
            );
        }
        if (this.harbor && config.admission.enabled) {
            this.admission = new SignatureAdmission(
                `${name}-admission`,
                {
                    ...admissionArgs(config, this.harbor.host),
                    replicas: defaults.replicas,
                    highAvailability: defaults.highAvailability,
                    podSecurityVersion: psaVersion,
                },
                laterOpts,
            );
        }
        const apps = new Map<string, ContainerApp>();
        const appOutputs: Record<string, AppOutput> = {};
        const harbor = this.harbor;
        // The schema refuses apps without Harbor, so with Harbor off there is none to build.
        if (harbor) {
            for (const app of config.apps) {
                const pull = harbor.pullRobot(`${appComponentName(name, app.name)}-pull-robot`, pullRobotName(app), app.image.project, { parent: this });
                const args = appArgs(
                    app,
                    config.apps,
                    {
                        registryHost: harbor.host,
                        ingress: this.ingressTls,
                        dnsTarget: this.dns ? harbor.host : undefined,
                        // Apps ship their own ServiceMonitors, whose CRD comes with kube-prometheus-stack.
                        monitoring: this.monitoring && {
                            dashboard: config.monitoring.grafana.enabled,
                            logs: config.monitoring.logs.enabled,
                            after: [this.monitoring.release],
                        },
                        storageClass: config.storage.class,
                    },
                    pull,
                );
                const namespace = namespaces.get(app.namespace);
                const built = new ContainerApp(
                    appComponentName(name, app.name),
                    // The namespace first; the images come from Harbor, the host through the controller, its
                    // certificate from the issuer and its DNSEndpoint kind from external-dns.
                    // The Namespace's name output makes every object of the app wait for it.
                    {
                        ...args,
                        namespace: namespace ? namespace.metadata.name : args.namespace,
                        namespaceName: app.namespace,
                        after: [
                            ...(namespace ? [namespace] : []),
                            harbor.release,
                            ...(this.ingress ? [this.ingress] : []),
                            ...this.certManager.ready,
                            ...(this.dns ? [this.dns] : []),
                            ...(this.admission?.policies ?? []),
                        ],
                    },
                    laterOpts,
                );
                apps.set(app.name, built);
                appOutputs[app.name] = appOutput(app, built, harbor.host);
            }
        }
        this.apps = apps;

        const parts: NetworkNeeds[] = [this.ingress, this.certManager, this.dns, this.harbor, this.storage, this.monitoring, this.admission].filter(
            (p): p is NonNullable<typeof p> => p !== undefined,
        );
        this.flows = platformFlows({
            parts: [...parts, ...apps.values()],
            scrapeTargets: parts.flatMap((p) => p.scrapeTargets ?? []),
            http01: config.tls.issuer !== "selfSigned" && config.tls.acme?.solver === "http01",
            proxyParts: proxyPartsOf(this, config.monitoring.grafana.enabled),
            apiServerPorts: config.cluster.mode === "existing" ? [443, 6443] : undefined,
        });
        if (this.network) {
            // One generator for every namespace the platform creates: its components' and the workload namespaces.
            const owned = [...[...namespaces].map(([n, object]) => ({ name: n, object })), ...parts.flatMap((p) => p.ownedNamespaces)];
            const specs = flowPolicySpecs(
                this.flows,
                owned.map((o) => o.name),
                this.network,
            );
            for (const { name: nsName, object } of owned) {
                // After the node restarts like every object created from here on (none of them overlaps one).
                createNetworkPolicies(`${name}-netpol-${nsName}`, object.metadata.name, specs.get(nsName) ?? [], {
                    parent: this,
                    provider,
                    transformations: laterOpts.transformations,
                });
            }
        }

        this.outputs = {
            kubeconfig: this.cluster.kubeconfig,
            apiEndpoint: this.cluster.apiEndpoint,
            nodes: this.cluster.nodes,
            namespaces: pulumi.output([...namespaces.values()].map((ns) => ns.metadata.name)),
            ingressClass: this.ingressTls.className,
            clusterIssuer: this.ingressTls.issuer,
            registryUrl: this.harbor?.url,
            registryRobots: this.harbor?.robots,
            registryPullRobots: this.harbor?.pullRobots,
            registryAdminPassword: this.harbor ? pulumi.secret(this.harbor.adminPassword) : undefined,
            grafana: this.monitoring?.grafana,
            apps: appOutputs,
            storageUi:
                this.storage?.uiUrl && this.storage.uiPassword ? { url: this.storage.uiUrl, username: "admin", password: this.storage.uiPassword } : undefined,
        };
        this.registerOutputs({ ...this.outputs });
    }
}

/** The cluster network the NetworkPolicies are generated for: k3s's CIDRs (or the existing cluster's), the node and API server addresses where config names them. */
function clusterNetwork(cluster: PlatformConfig["cluster"]): ClusterNetwork {
    if (cluster.mode === "existing") {
        const { podCidr, serviceCidr, nodeCidrMaskSize } = cluster.existing;
        // The schema requires both while NetworkPolicies are on.
        return { podCidr: podCidr ?? "", serviceCidr: serviceCidr ?? "", nodeMaskBits: nodeCidrMaskSize };
    }
    const k3s = cluster.k3s;
    const [podCidr, serviceCidr] = k3sClusterCidrs(k3s);
    // A node's private `address` is its node-ip (and, on servers, the API server's advertise address);
    // without one k3s picks an address itself, so the policies admit any address outside the cluster on those ports.
    const ips = (nodes: readonly { address?: string }[]) =>
        nodes.every((n) => n.address !== undefined && isIP(n.address) === 4) ? nodes.map((n) => n.address!) : undefined;
    return { podCidr, serviceCidr, nodeAddresses: ips([...k3s.servers, ...k3s.agents]), apiServerAddresses: ips(k3s.servers) };
}

/** What the platform's components expose to Prometheus; each declares its own. */
function scrapeTargetsOf(platform: Platform): ScrapeTarget[] {
    return [platform.certManager, platform.ingress, platform.storage, platform.dns, platform.harbor].flatMap((c) => c?.scrapeTargets ?? []);
}

/** The parts whose Services `npm run verify` reaches through the API server's proxy (platform/serviceProxy.ts). */
function proxyPartsOf(platform: Platform, grafana: boolean): Set<ProxyPart> {
    const monitoring = platform.monitoring;
    const on: [ProxyPart, boolean][] = [
        ["monitoring", monitoring !== undefined],
        ["grafana", monitoring !== undefined && grafana],
        ["logs", monitoring?.logs !== undefined],
        ["clickhouse", monitoring?.clickhouse !== undefined],
        ["deepflow", monitoring?.deepflow !== undefined],
        ["longhorn", platform.storage !== undefined],
    ];
    return new Set(on.filter(([, isOn]) => isOn).map(([part]) => part));
}
