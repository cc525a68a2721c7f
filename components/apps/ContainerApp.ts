import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IngressTlsContext } from "../lib/ingress";
import type { Resources } from "../lib/resources";
import type { Flow, NetworkNeeds, Route } from "../lib/flows";
import { type AppPeer, appFlows, type ServicePeer } from "./appNetwork";
import { type AppMeta, observeApp, publishApp } from "./appResources";
import {
    appLabels,
    type Autoscaling,
    canaryScale,
    deploymentSpec,
    hpaSpec,
    type HttpProbe,
    pdbSpec,
    type PodSpecInput,
    resolveProbes,
    type Scale,
    serviceSpec,
    type Track,
} from "./appWorkload";

/** Credentials for pulling the app's image: a pull-only robot made for it, or ones you already hold. */
export type PullCredentials = { readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> };

export interface ContainerAppArgs {
    /** Name of the Kubernetes objects (DNS-1123 label, at most 40 characters). @default the resource name */
    readonly appName?: string;
    /** Namespace, which must exist and enforce `restricted` Pod Security. */
    readonly namespace: pulumi.Input<string>;
    /**
     * Namespace name as plain text (NetworkPolicy selectors, alert labels, dashboard queries).
     * @default the `namespace` input when it is a string
     */
    readonly namespaceName?: string;
    /** The image: a registry host, a path inside it and exactly one of `digest` and `tag`. */
    readonly image: {
        /** Registry host, e.g. the platform's `registry.example.com` (stack output `registryUrl`). */
        readonly registry: string;
        /** `<project>/<repository>`. */
        readonly path: string;
        /** `sha256:...`. Required unless `tag` is set. */
        readonly digest?: string;
        /** A tag; for development only, the prod stack refuses it. */
        readonly tag?: string;
    };
    /** Credentials the kubelet pulls with; stored in a dockerconfigjson Secret. @default no pull secret (public image) */
    readonly pullCredentials?: PullCredentials;
    /** Container port serving HTTP. @default 8080 */
    readonly port?: number;
    /** Extra named ports on the container and the Service. @default [] */
    readonly ports?: readonly { readonly name: string; readonly port: number }[];
    /** Where the app is published; undefined keeps it cluster-internal (no route). */
    readonly publish?: {
        /** Public host (a name inside the platform domain, so DNS and certificates cover it). */
        readonly host: string;
        /** Path prefixes routed to the app. @default ["/"] */
        readonly paths?: readonly string[];
        /** IngressClass and ClusterIssuer (stack outputs `ingressClass`, `clusterIssuer`). */
        readonly ingress: IngressTlsContext;
        /**
         * The kind of the app's one routing object, for its whole life (docs/adr/0020): an F5 NGINX
         * `VirtualServer` with an explicit Certificate (the platform's controller; a canary only changes
         * its upstreams and weights), or a plain TLS `Ingress` for other controllers, which cannot
         * run a canary. Changing it on a running app hands the host from one object to another.
         * @default "virtualServer"
         */
        readonly routing?: "virtualServer" | "ingress";
        /**
         * A name that already resolves to the same ingress controller (the platform uses its Harbor
         * host): external-dns cannot read VirtualServers, so the host gets a DNSEndpoint CNAME to it.
         * @default no DNSEndpoint (no external-dns, or DNS managed elsewhere)
         */
        readonly dnsTarget?: string;
    };
    /** Fixed replicas (ignored with `autoscaling`). @default 1 */
    readonly replicas?: number;
    /** HorizontalPodAutoscaler targets; replaces `replicas`. @default no HPA */
    readonly autoscaling?: Autoscaling;
    /** CPU/memory requests and a memory limit (required: the scheduler and the footprint count them). */
    readonly resources: Resources;
    /** Plain environment variables. @default {} */
    readonly env?: Readonly<Record<string, string>>;
    /** Files mounted read-only at /etc/<name> from a ConfigMap. @default none */
    readonly config?: Readonly<Record<string, string>>;
    /** Secret environment variables (Pulumi secrets), from a Secret through secretKeyRef. @default none */
    readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
    /** HTTP probes. @default readiness GET /readyz, liveness GET /healthz, startup GET /healthz (60s) */
    readonly probes?: { readonly readiness?: HttpProbe; readonly liveness?: HttpProbe; readonly startup?: HttpProbe };
    /** A PersistentVolumeClaim mounted at `mountPath` (one pod: the rollout recreates). @default none */
    readonly volume?: { readonly size: string; readonly mountPath: string; readonly storageClass?: string };
    /** Prometheus endpoint; with `monitoring.serviceMonitor` a ServiceMonitor scrapes it. @default none */
    readonly metrics?: { readonly port?: number; readonly path?: string };
    /** What the platform's monitoring offers; all off by default (no Prometheus Operator CRDs assumed). */
    readonly monitoring?: {
        /** Create a ServiceMonitor (when `metrics` is set) and a PrometheusRule. @default false */
        readonly prometheus?: boolean;
        /**
         * Namespace of the Grafana dashboard ConfigMap (sidecar label): the one the Grafana sidecar
         * watches, which need not be the app's (the platform's Grafana reads `monitoring` only).
         * @default no dashboard
         */
        readonly dashboardNamespace?: pulumi.Input<string>;
        /** Add a Loki logs panel to the dashboard. @default false */
        readonly logs?: boolean;
        /** p95 upstream latency alert threshold in ms. @default 500 */
        readonly latencyMs?: number;
        /** Resources the monitoring objects wait for (the kube-prometheus-stack release: CRDs). @default [] */
        readonly after?: pulumi.Resource[];
    };
    /**
     * What the app's pods call (its `flows`; the Platform turns every component's flows into
     * NetworkPolicies, docs/adr/0018). @default nothing
     */
    readonly calls?: {
        /** Apps this one calls (with their ports). @default [] */
        readonly apps?: readonly AppPeer[];
        /** Platform services this one calls. @default [] */
        readonly services?: readonly ServicePeer[];
        /** Public addresses on HTTPS, plus these ports. @default no internet */
        readonly internet?: { readonly ports?: readonly number[] };
    };
    /**
     * Canary: a second Deployment (`<name>-canary`, scaled with its weight: see `canaryScale`) and its
     * Service, to which the VirtualServer sends `weight` percent of the requests. @default none
     */
    readonly canary?: { readonly digest: string; readonly weight: number };
    /**
     * Resources the Deployments and the published objects wait for: the namespace, the registry,
     * and whatever installs the CRDs they use (the ingress controller for a VirtualServer,
     * cert-manager for a Certificate, external-dns for a DNSEndpoint). @default []
     */
    readonly after?: pulumi.Resource[];
}

/** The component's type token: part of every app resource's URN (a targeted `pulumi up` of one app names it). */
export const CONTAINER_APP_TYPE = "platform:apps:ContainerApp";

/**
 * One container application: a restricted, zero-downtime Deployment (and a canary one), Service,
 * one routing object for its life (an F5 NGINX VirtualServer with its Certificate, or a TLS Ingress),
 * HPA, PDB, flows (NetworkPolicies), image pull Secret, ServiceMonitor, PrometheusRule and Grafana dashboard. Usable from any Pulumi program with a Kubernetes provider;
 * `platform:apps` builds one per entry. The Deployment is awaited: a rollout that never becomes
 * ready fails the update with the pods' reasons.
 */
export class ContainerApp extends pulumi.ComponentResource implements Omit<NetworkNeeds, "ownedNamespaces"> {
    /** What its pods need (Prometheus, its calls); the route's flows are derived from `routes`. */
    public readonly flows: readonly Flow[];
    /** Its host, when published. */
    public readonly routes: readonly Route[];
    /** Full image reference of the stable track. */
    public readonly image: string;
    /** `https://<host>` when published. */
    public readonly url?: string;
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    public readonly canaryDeployment?: k8s.apps.v1.Deployment;
    public readonly canaryService?: k8s.core.v1.Service;

    constructor(name: string, args: ContainerAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super(CONTAINER_APP_TYPE, name, {}, opts);
        const appName = args.appName ?? name;
        const namespaceName = checkArgs(name, args);
        const port = args.port ?? 8080;
        const ports = args.ports ?? [];
        this.image = imageReference(args.image, args.image.digest, args.image.tag);
        const child = { parent: this };
        const meta = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: appLabels(appName).labels });

        const { pod, inputs } = podInputs(this, name, args, { name: appName, image: this.image, port, ports }, meta);
        const after = [...(args.after ?? []), ...inputs];
        // Awaited (no skipAwait annotation): `pulumi up` fails with the pods' reasons if the rollout never becomes ready.
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            { metadata: meta(appName), spec: deploymentSpec(pod, "stable", args.autoscaling ? undefined : (args.replicas ?? 1)) },
            { ...child, dependsOn: after },
        );
        this.service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta(appName), spec: serviceSpec(appName, "stable", port, ports) }, child);
        const stableScale: Scale = args.autoscaling ? { autoscaling: args.autoscaling } : { replicas: args.replicas ?? 1 };
        this.scale(name, appName, appName, "stable", stableScale, !args.volume, meta);
        if (args.canary) {
            const canaryName = `${appName}-canary`;
            const scale = canaryScale(args.canary.weight, stableScale);
            this.canaryDeployment = new k8s.apps.v1.Deployment(
                `${name}-canary-deployment`,
                {
                    metadata: meta(canaryName),
                    spec: deploymentSpec({ ...pod, image: imageReference(args.image, args.canary.digest, undefined) }, "canary", scale.replicas),
                },
                { ...child, dependsOn: after },
            );
            this.canaryService = new k8s.core.v1.Service(
                `${name}-canary-service`,
                { metadata: meta(canaryName), spec: serviceSpec(appName, "canary", port, ports) },
                child,
            );
            this.scale(`${name}-canary`, appName, canaryName, "canary", scale, true, meta);
        }
        if (args.publish) {
            this.url = `https://${args.publish.host}`;
            // The canary's pool and Service exist (the Deployment is awaited) before the weight moves to them.
            const canary = [this.canaryDeployment, this.canaryService].filter((r): r is NonNullable<typeof r> => r !== undefined);
            publishApp(this, name, appName, args, port, meta, [this.deployment, this.service, ...canary]);
        }
        const metricsPort = args.metrics ? (args.metrics.port ?? port) : undefined;
        const network = appFlows({
            name: appName,
            namespace: namespaceName,
            port,
            metricsPort,
            host: args.publish?.host,
            callsApps: args.calls?.apps ?? [],
            callsServices: args.calls?.services ?? [],
            internet: args.calls?.internet && { ports: args.calls.internet.ports ?? [] },
        });
        this.flows = network.flows;
        this.routes = network.routes;
        observeApp(this, name, appName, namespaceName, args, port, ports, metricsPort, meta);
        this.registerOutputs({ image: this.image, url: this.url });
    }

    /** One track's HorizontalPodAutoscaler (with autoscaling) and PodDisruptionBudget (two pods or more). */
    private scale(name: string, appName: string, objectName: string, track: Track, scale: Scale, withPdb: boolean, meta: AppMeta): void {
        const child = { parent: this };
        if (scale.autoscaling) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, { metadata: meta(objectName), spec: hpaSpec(objectName, scale.autoscaling) }, child);
        }
        const pdb = pdbSpec(appName, scale.autoscaling?.min ?? scale.replicas ?? 1, track);
        if (pdb && withPdb) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(objectName), spec: pdb }, child);
        }
    }
}

/** The namespace name as plain text; throws on Args no app can run with (before any child exists). */
function checkArgs(name: string, args: ContainerAppArgs): string {
    const namespaceName = args.namespaceName ?? (typeof args.namespace === "string" ? args.namespace : undefined);
    if (namespaceName === undefined) {
        throw new Error(`ContainerApp ${name}: namespaceName is required when namespace is an Output`);
    }
    if ((args.image.digest === undefined) === (args.image.tag === undefined)) {
        throw new Error(`ContainerApp ${name}: image needs exactly one of digest and tag`);
    }
    if (args.canary && !args.publish) {
        throw new Error(`ContainerApp ${name}: a canary splits published traffic; set publish`);
    }
    if (args.canary && args.publish?.routing === "ingress") {
        throw new Error(`ContainerApp ${name}: a canary needs publish.routing "virtualServer" (an Ingress cannot split traffic)`);
    }
    return namespaceName;
}

/** `<registry>/<path>@<digest>`, or `:<tag>` without a digest. */
function imageReference(image: ContainerAppArgs["image"], digest: string | undefined, tag: string | undefined): string {
    return `${image.registry}/${image.path}${digest ? `@${digest}` : `:${tag}`}`;
}

/**
 * What the pods read (pull secret, env Secret, ConfigMap), which the Deployments wait for, then the
 * data volume's claim; returns those inputs and the pod spec (`container` and what it reads).
 */
function podInputs(
    parent: pulumi.Resource,
    name: string,
    args: ContainerAppArgs,
    container: Pick<PodSpecInput, "name" | "image" | "port" | "ports">,
    meta: AppMeta,
): { pod: PodSpecInput; inputs: pulumi.Resource[] } {
    const appName = container.name;
    const child = { parent };
    const inputs: pulumi.Resource[] = [];
    let pullSecretName: string | undefined;
    if (args.pullCredentials) {
        const { username, password } = args.pullCredentials;
        const dockerConfig = pulumi
            .all([username, password])
            .apply(([u, p]) =>
                JSON.stringify({ auths: { [args.image.registry]: { username: u, password: p, auth: Buffer.from(`${u}:${p}`).toString("base64") } } }),
            );
        pullSecretName = `${appName}-pull`;
        inputs.push(
            new k8s.core.v1.Secret(
                `${name}-pull`,
                {
                    metadata: meta(pullSecretName),
                    type: "kubernetes.io/dockerconfigjson",
                    stringData: { ".dockerconfigjson": pulumi.secret(dockerConfig) },
                },
                child,
            ),
        );
    }
    const secrets = args.secrets ?? {};
    const secretKeys = Object.keys(secrets);
    if (secretKeys.length > 0) {
        inputs.push(new k8s.core.v1.Secret(`${name}-secrets`, { metadata: meta(`${appName}-env`), type: "Opaque", stringData: pulumi.secret(secrets) }, child));
    }
    const configFiles = args.config ?? {};
    if (Object.keys(configFiles).length > 0) {
        inputs.push(new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta(`${appName}-config`), data: { ...configFiles } }, child));
    }
    if (args.volume) {
        new k8s.core.v1.PersistentVolumeClaim(
            `${name}-data`,
            {
                metadata: meta(`${appName}-data`),
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    resources: { requests: { storage: args.volume.size } },
                    ...(args.volume.storageClass ? { storageClassName: args.volume.storageClass } : {}),
                },
            },
            // local-path and Longhorn bind on first consumer: the claim binds once the Deployment's pod
            // exists, so the two are created side by side. The provider counts a Pending claim of a
            // WaitForFirstConsumer class as ready (pulumi-kubernetes #3130); a dependsOn is not needed.
            child,
        );
    }
    const pod: PodSpecInput = {
        ...container,
        resources: args.resources,
        env: args.env ?? {},
        secretKeys,
        secretName: secretKeys.length > 0 ? `${appName}-env` : undefined,
        configMapName: Object.keys(configFiles).length > 0 ? `${appName}-config` : undefined,
        probes: resolveProbes(args.probes ?? {}),
        volume: args.volume ? { claimName: `${appName}-data`, mountPath: args.volume.mountPath } : undefined,
        pullSecretName,
    };
    return { pod, inputs };
}
