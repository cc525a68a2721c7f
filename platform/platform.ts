import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { afterNodeRestarts, ClusterK3s, type ClusterK3sArgs } from "../components/cluster/ClusterK3s";
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
import type { ClusterNetwork } from "../components/lib/networkPolicy";
import type { Flow } from "../components/lib/flows";
import type { PlatformConfig } from "../config/config";
import { clusterNetwork, createPolicies, networkFlows, scrapeTargetsOf } from "./platformNetwork";
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

        this.cluster = new ClusterK3s(`${name}-cluster`, clusterArgs(name, config), { parent: this });
        const provider = this.cluster.provider;
        const step: Step = {
            name,
            config,
            parent: this,
            provider,
            psaVersion: podSecurityVersion(config.cluster.mode === "k3s" ? config.cluster.k3s.version : undefined),
            // Components inherit the cluster's provider through `providers`, never build their own.
            componentOpts: { parent: this, providers: { kubernetes: provider } },
        };
        this.network = config.defaults.networkPolicies ? clusterNetwork(config.cluster) : undefined;
        this.namespaces = createNamespaces(step);

        this.certManager = createCertManager(step);
        if (config.ingress.enabled) {
            this.ingress = createIngress(step, this.certManager);
        }
        this.ingressTls = { className: config.ingress.className, issuer: this.certManager.issuerName, http01EditInPlace: config.tls.acme?.solver === "http01" };
        if (config.storage.class === "longhorn") {
            this.storage = createStorage(step, this.ingressTls, this.certManager);
        }
        if (config.dns.provider !== "none") {
            this.dns = new DnsRecords(`${name}-dns`, { config: config.dns, ownerId: name, podSecurityVersion: step.psaVersion }, step.componentOpts);
        }
        // Options of the components made after the registry mirrors, when nodes restart for them.
        let laterOpts: pulumi.ComponentResourceOptions = step.componentOpts;
        if (config.harbor.enabled) {
            this.harbor = createHarbor(step, this.ingressTls, this.certManager, this.storage);
            laterOpts = mirrorRegistries(step, this, this.harbor);
        }

        if (config.monitoring.enabled) {
            this.monitoring = createMonitoring(step, this, laterOpts);
        }
        if (this.harbor && config.admission.enabled) {
            this.admission = createAdmission(step, this.harbor, laterOpts);
        }
        const apps = createApps(step, this, laterOpts);
        this.apps = apps.components;

        this.flows = networkFlows(this, config);
        if (this.network) {
            // After the node restarts like every object created from here on (none of them overlaps one).
            createPolicies(`${name}-netpol`, this, this.flows, this.network, { parent: this, provider, transformations: laterOpts.transformations });
        }

        this.outputs = platformOutputs(this, apps.outputs);
        this.registerOutputs({ ...this.outputs });
    }
}

/** What every step after the cluster shares. */
interface Step {
    /** The Platform's name (the stack's): every child is named `${name}-<role>`. */
    readonly name: string;
    readonly config: PlatformConfig;
    readonly parent: Platform;
    readonly provider: k8s.Provider;
    /** The Pod Security Standards version the namespaces pin (the cluster's Kubernetes minor). */
    readonly psaVersion: string;
    readonly componentOpts: pulumi.ComponentResourceOptions;
}

/** The cluster: k3s over SSH or an existing one, with what the platform's components need of its hosts. */
function clusterArgs(name: string, config: PlatformConfig): ClusterK3sArgs {
    const longhorn = config.storage.class === "longhorn";
    const deepflowOn = config.monitoring.deepflow.enabled;
    return {
        cluster: config.cluster,
        clusterName: name,
        protect: config.defaults.protectStateful,
        // Longhorn needs iSCSI/NFS on every node and replaces local-path as the default class.
        hostRequirements: longhorn ? LONGHORN_HOST_REQUIREMENTS : undefined,
        // DeepFlow's eBPF agent runs on every node.
        kernelRequirements: deepflowOn ? [{ version: DEEPFLOW_MIN_KERNEL, reason: "DeepFlow's eBPF agent (monitoring.deepflow)" }] : [],
        alsoDisable: longhorn ? ["local-storage"] : [],
    };
}

/** Every workload namespace of the config, with its Pod Security labels, in config order. */
function createNamespaces(step: Step): Map<string, k8s.core.v1.Namespace> {
    const { name, config, parent, provider } = step;
    const namespaces = new Map<string, k8s.core.v1.Namespace>();
    // Workload namespaces opt in to signature admission; platform namespaces never do.
    const admissionLabels = config.admission.enabled && config.harbor.enabled ? ADMISSION_NAMESPACE_LABEL : {};
    for (const ns of config.namespaces) {
        const namespace = platformNamespace(
            `${name}-ns-${ns.name}`,
            { ...ns, labels: { ...ns.labels, ...admissionLabels }, podSecurityVersion: step.psaVersion },
            { parent, provider },
        );
        namespaces.set(ns.name, namespace);
    }
    return namespaces;
}

/** What every data-bearing component takes from the profile. */
function sharedArgs(step: Step) {
    const { defaults } = step.config;
    return {
        highAvailability: defaults.highAvailability,
        protect: defaults.protectStateful,
        podSecurityVersion: step.psaVersion,
    };
}

function createCertManager(step: Step): CertManager {
    const { name, config } = step;
    return new CertManager(
        `${name}-cert-manager`,
        {
            config: config.tls,
            ingressClass: config.ingress.className,
            replicas: config.defaults.replicas,
            highAvailability: config.defaults.highAvailability,
            podSecurityVersion: step.psaVersion,
        },
        // HTTP-01 challenges need the controller only when a certificate is ordered, later; the
        // controller waits for cert-manager's CRDs when it watches Certificates.
        step.componentOpts,
    );
}

function createIngress(step: Step, certManager: CertManager): IngressNginx {
    const { name, config } = step;
    return new IngressNginx(
        `${name}-ingress`,
        {
            config: config.ingress,
            highAvailability: config.defaults.highAvailability,
            podSecurityVersion: step.psaVersion,
            // Every published app is a VirtualServer (docs/adr/0020): under HTTP-01 the controller's
            // cert-manager integration routes the solver's Ingress into it. Decided by the issuer
            // alone, so starting or ending a canary never changes (and restarts) the controller.
            virtualServerChallenges: config.tls.issuer !== "selfSigned" && config.tls.acme?.solver === "http01",
            certManagerCrds: certManager.crds,
        },
        step.componentOpts,
    );
}

function createStorage(step: Step, ingress: IngressTlsContext, certManager: CertManager): Longhorn {
    return new Longhorn(
        `${step.name}-storage`,
        {
            config: step.config.storage.longhorn,
            ingress,
            ...sharedArgs(step),
            // Its UI certificate comes from the issuer.
            after: certManager.ready,
        },
        step.componentOpts,
    );
}

function createHarbor(step: Step, ingress: IngressTlsContext, certManager: CertManager, storage: Longhorn | undefined): Harbor {
    const { name, config } = step;
    return new Harbor(
        `${name}-harbor`,
        {
            config: config.harbor,
            ingress,
            replicas: config.defaults.replicas,
            ...sharedArgs(step),
            insecureApi: config.tls.issuer === "selfSigned",
            // The registry's certificate comes from the issuer, and its PVCs from the default
            // StorageClass: with Longhorn (k3s local-path disabled) that class exists only after it.
            after: [...certManager.ready, ...(storage ? [storage.release] : [])],
        },
        step.componentOpts,
    );
}

/**
 * Points the k3s nodes' registry mirrors at Harbor (when config asks) and returns the options of
 * every component made after that: unchanged when the nodes do not restart.
 */
function mirrorRegistries(step: Step, platform: Platform, harbor: Harbor): pulumi.ComponentResourceOptions {
    const { config } = step;
    if (config.cluster.mode !== "k3s" || !config.harbor.mirrorNodes) {
        return step.componentOpts;
    }
    // Nodes pull through Harbor only once it is up; containerd falls back to upstream.
    // Applying the mirrors restarts k3s on every node, the provider's server included: the
    // restarts wait for every object made so far (the namespaces, whose policies come later,
    // among them), and every object made later for them.
    const before = [
        ...platform.namespaces.values(),
        ...[platform.ingress, platform.certManager, platform.storage, platform.dns, harbor].filter((c) => c !== undefined),
        ...harbor.proxyProjects,
    ];
    const restarts = platform.cluster.applyRegistries(harborMirrors(config.harbor, config.tls.issuer !== "selfSigned"), before);
    return { ...step.componentOpts, transformations: [afterNodeRestarts(restarts)] };
}

function createMonitoring(step: Step, platform: Platform, opts: pulumi.ComponentResourceOptions): MonitoringStack {
    const { name, config } = step;
    const k3s = config.cluster.mode === "k3s" ? config.cluster.k3s : undefined;
    const address = (n: { host: string; address?: string }) => n.address ?? n.host;
    return new MonitoringStack(
        `${name}-monitoring`,
        {
            config: config.monitoring,
            k3s: k3s && { servers: k3s.servers.map(address), nodes: [...k3s.servers, ...k3s.agents].map(address) },
            ingress: platform.ingressTls,
            ...sharedArgs(step),
            // The operator's admission webhook certificates come from cert-manager; Prometheus's,
            // Loki's and ClickHouse's PVCs from the default StorageClass (Longhorn's, when on).
            after: [...platform.certManager.ready, ...(platform.storage ? [platform.storage.release] : [])],
            clusterName: name,
            // What the platform's components expose; each declares its own.
            scrapeTargets: scrapeTargetsOf(platform),
        },
        opts,
    );
}

function createAdmission(step: Step, harbor: Harbor, opts: pulumi.ComponentResourceOptions): SignatureAdmission {
    const { name, config } = step;
    return new SignatureAdmission(
        `${name}-admission`,
        {
            ...admissionArgs(config, harbor.host),
            replicas: config.defaults.replicas,
            highAvailability: config.defaults.highAvailability,
            podSecurityVersion: step.psaVersion,
        },
        opts,
    );
}

/** Every app of the config with its pull robot, in config order, and the stack output of each. */
function createApps(
    step: Step,
    platform: Platform,
    opts: pulumi.ComponentResourceOptions,
): { components: Map<string, ContainerApp>; outputs: Record<string, AppOutput> } {
    const { name, config } = step;
    const components = new Map<string, ContainerApp>();
    const outputs: Record<string, AppOutput> = {};
    const { harbor, monitoring } = platform;
    // The schema refuses apps without Harbor, so with Harbor off there is none to build.
    if (!harbor) {
        return { components, outputs };
    }
    for (const app of config.apps) {
        const pull = harbor.pullRobot(`${appComponentName(name, app.name)}-pull-robot`, pullRobotName(app), app.image.project, { parent: platform });
        const args = appArgs(
            app,
            config.apps,
            {
                registryHost: harbor.host,
                ingress: platform.ingressTls,
                dnsTarget: platform.dns ? harbor.host : undefined,
                // Apps ship their own ServiceMonitors, whose CRD comes with kube-prometheus-stack.
                monitoring: monitoring && {
                    dashboard: config.monitoring.grafana.enabled,
                    logs: config.monitoring.logs.enabled,
                    after: [monitoring.release],
                },
                storageClass: config.storage.class,
            },
            pull,
        );
        const namespace = platform.namespaces.get(app.namespace);
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
                    ...(platform.ingress ? [platform.ingress] : []),
                    ...platform.certManager.ready,
                    ...(platform.dns ? [platform.dns] : []),
                    ...(platform.admission?.policies ?? []),
                ],
            },
            opts,
        );
        components.set(app.name, built);
        outputs[app.name] = appOutput(app, built, harbor.host);
    }
    return { components, outputs };
}

function platformOutputs(platform: Platform, apps: Record<string, AppOutput>): PlatformOutputs {
    const { cluster, harbor, storage } = platform;
    return {
        kubeconfig: cluster.kubeconfig,
        apiEndpoint: cluster.apiEndpoint,
        nodes: cluster.nodes,
        namespaces: pulumi.output([...platform.namespaces.values()].map((ns) => ns.metadata.name)),
        ingressClass: platform.ingressTls.className,
        clusterIssuer: platform.ingressTls.issuer,
        registryUrl: harbor?.url,
        registryRobots: harbor?.robots,
        registryPullRobots: harbor?.pullRobots,
        registryAdminPassword: harbor ? pulumi.secret(harbor.adminPassword) : undefined,
        grafana: platform.monitoring?.grafana,
        apps,
        storageUi: storage?.uiUrl && storage.uiPassword ? { url: storage.uiUrl, username: "admin", password: storage.uiPassword } : undefined,
    };
}
