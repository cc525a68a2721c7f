/**
 * Pure builders for a ContainerApp's workload objects: labels, the pod template (restricted Pod
 * Security by construction), the Deployment, Service, HPA, PDB and PVC specs. No resources are
 * created here, so each branch is tested on its own.
 */
import type * as k8sInput from "@pulumi/kubernetes/types/input";
import type { Resources } from "../lib/resources";

/** Seconds the pod keeps serving after it is told to stop, while endpoints and NGINX upstreams drop it. */
export const PRE_STOP_SECONDS = 10;
/** Grace period: the preStop delay plus the app's own drain (the sample app drains in under 15s). */
export const TERMINATION_GRACE_SECONDS = 45;
/** Writable scratch directory on a read-only root filesystem. */
const TMP_MOUNT = "/tmp";

export type Track = "stable" | "canary";

export interface HttpProbe {
    readonly path: string;
    readonly port?: number;
    readonly periodSeconds?: number;
    readonly failureThreshold?: number;
    readonly initialDelaySeconds?: number;
}

/** What the pod template is built from (a subset of ContainerAppArgs, defaults resolved). */
export interface PodSpecInput {
    readonly name: string;
    readonly image: string;
    readonly port: number;
    readonly ports: readonly { readonly name: string; readonly port: number }[];
    readonly resources: Resources;
    readonly env: Readonly<Record<string, string>>;
    /** Secret env names, read from `secretName`. */
    readonly secretKeys: readonly string[];
    readonly secretName?: string;
    /** ConfigMap mounted read-only at /etc/<name>. */
    readonly configMapName?: string;
    readonly probes: { readonly readiness: HttpProbe; readonly liveness: HttpProbe; readonly startup: HttpProbe };
    readonly volume?: { readonly claimName: string; readonly mountPath: string };
    readonly pullSecretName?: string;
}

/** Labels every object of the app carries; `selector` picks one track's pods. */
export function appLabels(name: string, track?: Track): { labels: Record<string, string>; selector: Record<string, string> } {
    const selector = { "app.kubernetes.io/name": name, ...(track ? { "platform/track": track } : {}) };
    return { labels: { ...selector, "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "platform-apps" }, selector };
}

/** Probe defaults: readiness /readyz every 5s, liveness /healthz every 10s, startup /healthz for up to 60s. */
export function resolveProbes(probes: { readiness?: HttpProbe; liveness?: HttpProbe; startup?: HttpProbe }): PodSpecInput["probes"] {
    return {
        readiness: probes.readiness ?? { path: "/readyz", periodSeconds: 5, failureThreshold: 3 },
        liveness: probes.liveness ?? { path: "/healthz", periodSeconds: 10, failureThreshold: 3 },
        startup: probes.startup ?? { path: "/healthz", periodSeconds: 2, failureThreshold: 30 },
    };
}

function probe(p: HttpProbe, port: number): k8sInput.core.v1.Probe {
    return {
        httpGet: { path: p.path, port: p.port ?? port },
        periodSeconds: p.periodSeconds ?? 10,
        failureThreshold: p.failureThreshold ?? 3,
        ...(p.initialDelaySeconds !== undefined ? { initialDelaySeconds: p.initialDelaySeconds } : {}),
        timeoutSeconds: 2,
    };
}

/**
 * The pod template: meets the `restricted` Pod Security Standard (non-root, read-only root
 * filesystem with an emptyDir at /tmp, all capabilities dropped, RuntimeDefault seccomp, no
 * ServiceAccount token), drains before it stops, and spreads across nodes and zones.
 */
function podTemplate(input: PodSpecInput, track: Track): k8sInput.core.v1.PodTemplateSpec {
    const { labels, selector } = appLabels(input.name, track);
    const env: k8sInput.core.v1.EnvVar[] = [
        ...Object.entries(input.env)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, value]) => ({ name, value })),
        ...[...input.secretKeys].sort().map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: input.secretName!, key } } })),
    ];
    const volumes: k8sInput.core.v1.Volume[] = [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }];
    const mounts: k8sInput.core.v1.VolumeMount[] = [{ name: "tmp", mountPath: TMP_MOUNT }];
    if (input.configMapName) {
        volumes.push({ name: "config", configMap: { name: input.configMapName } });
        mounts.push({ name: "config", mountPath: `/etc/${input.name}`, readOnly: true });
    }
    if (input.volume) {
        volumes.push({ name: "data", persistentVolumeClaim: { claimName: input.volume.claimName } });
        mounts.push({ name: "data", mountPath: input.volume.mountPath });
    }
    const spread = (topologyKey: string, when: "DoNotSchedule" | "ScheduleAnyway") => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: when,
        labelSelector: { matchLabels: selector },
    });
    return {
        metadata: { labels },
        spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
            ...(input.pullSecretName ? { imagePullSecrets: [{ name: input.pullSecretName }] } : {}),
            // Nodes first (a node loss takes one replica), zones best effort (single-zone clusters still schedule).
            topologySpreadConstraints: [spread("kubernetes.io/hostname", "ScheduleAnyway"), spread("topology.kubernetes.io/zone", "ScheduleAnyway")],
            containers: [
                {
                    name: input.name,
                    image: input.image,
                    imagePullPolicy: "IfNotPresent",
                    ports: [
                        { name: "http", containerPort: input.port, protocol: "TCP" },
                        ...input.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" })),
                    ],
                    env,
                    resources: { requests: { ...input.resources.requests }, limits: { ...input.resources.limits } },
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        readOnlyRootFilesystem: true,
                        runAsNonRoot: true,
                        capabilities: { drop: ["ALL"] },
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    readinessProbe: probe(input.probes.readiness, input.port),
                    livenessProbe: probe(input.probes.liveness, input.port),
                    startupProbe: probe(input.probes.startup, input.port),
                    // Keep serving while the endpoint removal reaches kube-proxy and NGINX; `sleep` needs no shell in the image.
                    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
                    volumeMounts: mounts,
                },
            ],
            volumes,
        },
    };
}

/** Deployment spec: a rollout never removes a ready pod before its replacement is ready. */
export function deploymentSpec(input: PodSpecInput, track: Track, replicas: number | undefined): k8sInput.apps.v1.DeploymentSpec {
    const { selector } = appLabels(input.name, track);
    return {
        // Left out under an HPA, which owns the count.
        ...(replicas !== undefined ? { replicas } : {}),
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        // A RWO volume cannot attach to two pods: replace instead of surge.
        strategy: input.volume ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        progressDeadlineSeconds: 300,
        template: podTemplate(input, track),
    };
}

export function serviceSpec(name: string, track: Track, port: number, ports: PodSpecInput["ports"]): k8sInput.core.v1.ServiceSpec {
    return {
        type: "ClusterIP",
        selector: appLabels(name, track).selector,
        ports: [
            { name: "http", port, targetPort: "http", protocol: "TCP" },
            ...ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" })),
        ],
    };
}

export interface Autoscaling {
    readonly min: number;
    readonly max: number;
    /** Target average CPU utilisation, % of requests. */
    readonly cpu?: number;
    /** Target average memory utilisation, % of requests. */
    readonly memory?: number;
}

export function hpaSpec(deploymentName: string, a: Autoscaling): k8sInput.autoscaling.v2.HorizontalPodAutoscalerSpec {
    const target = (name: string, value: number) => ({ type: "Resource", resource: { name, target: { type: "Utilization", averageUtilization: value } } });
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
        minReplicas: a.min,
        maxReplicas: a.max,
        metrics: [...(a.cpu !== undefined ? [target("cpu", a.cpu)] : []), ...(a.memory !== undefined ? [target("memory", a.memory)] : [])],
        // Scale down slowly so a short lull does not undo a scale-up.
        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    };
}

/** A PDB when at least two pods of a track run: one may go at a time (node drains, k3s upgrades). */
export function pdbSpec(name: string, leastReplicas: number, track: Track = "stable"): k8sInput.policy.v1.PodDisruptionBudgetSpec | undefined {
    return leastReplicas >= 2 ? { maxUnavailable: 1, selector: { matchLabels: appLabels(name, track).selector } } : undefined;
}

/**
 * How many pods a track runs: a fixed count, an autoscaler's bounds, or both (the count the
 * Deployment is applied with, which the autoscaler then owns).
 */
export type Scale = { readonly replicas: number; readonly autoscaling?: Autoscaling } | { readonly replicas?: undefined; readonly autoscaling: Autoscaling };

/** Above this weight the canary takes more than half of the requests: it runs a pool as large as the stable one. */
const CANARY_FULL_SCALE_ABOVE = 50;

/**
 * The canary's pool at a given weight. Up to 50 % it runs its share of the stable pool (at least
 * one pod); above 50 % it scales like the stable Deployment (the same replicas, or an HPA with the
 * same bounds), so the p95 the analysis measures comes from a realistic pool and one pod never
 * takes most of the traffic. The canary Deployment is applied before the VirtualServer that moves
 * the weight (it waits for the rollout), so the pool is there before the traffic is.
 */
export function canaryScale(weight: number, stable: Scale): Scale {
    if (weight > CANARY_FULL_SCALE_ABOVE) {
        // With an HPA the Deployment is also applied at the autoscaler's minimum: the rollout the
        // VirtualServer waits for then has the full pool ready before the weight moves (an HPA alone
        // would scale up only after the traffic arrived).
        return stable.autoscaling ? { replicas: stable.autoscaling.min, autoscaling: stable.autoscaling } : stable;
    }
    const base = stable.autoscaling?.min ?? stable.replicas ?? 1;
    return { replicas: Math.max(1, Math.ceil((base * weight) / 100)) };
}
