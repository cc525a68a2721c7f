/**
 * The platform's footprint: CPU and memory requests per component, from what the program sets —
 * Helm release values, the ClickHouse installations and raw workload objects. In values, every
 * object with `resources.requests` is one workload; its replica count is the nearest `replicas` /
 * `replicaCount` at or above it (1 if none), and DaemonSets count once per node. A Deployment a
 * HorizontalPodAutoscaler scales counts at the HPA's minimum; its maximum is shown beside. Chart defaults
 * the program does not override are not seen: every workload the platform configures sets requests.
 * Init containers do not add: a pod reserves the larger of its biggest init container and the sum
 * of its containers (Kubernetes' effective request), and every init container the platform sets
 * asks for less than the containers of its pod (Grafana's plugin copier: 32Mi beside 256Mi).
 */
import type { RecordedResource } from "./mocks";
import { parseQuantity, rawManifests, type Requests } from "./manifests";

/** Values paths (per chart) whose workload is a DaemonSet, besides objects that say `kind: daemonset`. */
const PER_NODE: Readonly<Record<string, readonly string[]>> = {
    "kube-prometheus-stack": ["prometheus-node-exporter"],
    deepflow: ["deepflow-agent"],
    longhorn: ["longhornManager"],
};

/**
 * Values paths (per chart) of Jobs that run once during an install and finish: a finished pod
 * (Succeeded or Failed) holds no requests, since the scheduler counts only pods still running, so
 * they are not part of the steady footprint. cert-manager's startupapicheck is a post-install hook Job
 * (cert-manager/cert-manager@v1.21.1 deploy/charts/cert-manager/templates/startupapicheck-job.yaml).
 */
const RUN_TO_COMPLETION: Readonly<Record<string, readonly string[]>> = {
    "cert-manager": ["startupapicheck"],
};

/** Values keys holding init containers (see the header: they never add to a pod's request here). */
const INIT_CONTAINER_KEYS: readonly string[] = ["initContainers", "extraInitContainers"];

/** Values paths (per chart) whose replica count the chart takes from another key. */
const REPLICAS_FROM: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    // deepflow-server's replicas default to "{{ .Values.global.replicas }}".
    deepflow: { server: "global.replicas" },
    // Alloy's and its reloader's containers run in every controller replica.
    alloy: { alloy: "controller.replicas", configReloader: "controller.replicas" },
    // Loki's rules sidecar runs in every single-binary pod.
    loki: { sidecar: "singleBinary.replicas" },
};

const at = (values: unknown, dotted: string): unknown => dotted.split(".").reduce<unknown>((v, k) => (isObj(v) ? v[k] : undefined), values);

export interface ComponentFootprint {
    /** The component resource the workloads belong to (the Release's or object's parent). */
    readonly component: string;
    /** Requests of workloads with a fixed replica count; an autoscaled one at its minimum. */
    readonly fixed: Requests;
    /** Requests of one replica of each DaemonSet (counted once per node). */
    readonly perNode: Requests;
    /** Autoscaled workloads (a HorizontalPodAutoscaler targets them): their replica range and requests of one pod. */
    readonly autoscaled?: readonly AutoscaledWorkload[];
}

/** A Deployment an HPA scales: counted at `min` replicas, shown with `max`. */
export interface AutoscaledWorkload {
    readonly name: string;
    readonly min: number;
    readonly max: number;
    /** Requests of one pod. */
    readonly pod: Requests;
}

/**
 * The replica range of each Deployment a HorizontalPodAutoscaler scales, by `namespace/name`. The
 * HPA sets the replica count of a target that leaves `spec.replicas` unset; `minReplicas` defaults to 1
 * (kubernetes/kubernetes@v1.36.0 staging/src/k8s.io/api/autoscaling/v2/types.go, HorizontalPodAutoscalerSpec).
 */
function autoscalerRanges(resources: readonly Pick<RecordedResource, "type" | "inputs">[]): Map<string, { min: number; max: number }> {
    const ranges = new Map<string, { min: number; max: number }>();
    for (const m of rawManifests(resources.filter((r) => r.type.startsWith("kubernetes:autoscaling/")))) {
        const target = at(m, "spec.scaleTargetRef") as { kind?: string; name?: string } | undefined;
        const max = count(at(m, "spec.maxReplicas"));
        if (m.kind !== "HorizontalPodAutoscaler" || target?.kind !== "Deployment" || typeof target.name !== "string" || max === undefined) continue;
        ranges.set(`${String(at(m, "metadata.namespace") ?? "")}/${target.name}`, { min: count(at(m, "spec.minReplicas")) ?? 1, max });
    }
    return ranges;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const count = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined);

function add(into: Requests, requests: unknown, times: number): void {
    if (!isObj(requests)) return;
    into.cpu += times * parseQuantity((requests.cpu as string | number | undefined) ?? 0);
    into.memory += times * parseQuantity((requests.memory as string | number | undefined) ?? 0);
}

/** Walks chart values: every `resources.requests` with the nearest replica count above it. */
function walkValues(
    value: unknown,
    path: string[],
    replicas: number,
    perNode: boolean,
    chart: string,
    out: { fixed: Requests; perNode: Requests },
    root: unknown = value,
): void {
    if (Array.isArray(value)) {
        value.forEach((v) => walkValues(v, path, replicas, perNode, chart, out, root));
        return;
    }
    if (!isObj(value) || (RUN_TO_COMPLETION[chart] ?? []).includes(path.join("."))) return;
    const inherited = REPLICAS_FROM[chart]?.[path.join(".")];
    const here = count(value.replicas) ?? count(value.replicaCount) ?? (inherited ? count(at(root, inherited)) : undefined) ?? replicas;
    const daemon = perNode || String(value.kind).toLowerCase() === "daemonset" || (PER_NODE[chart] ?? []).includes(path.join("."));
    if (isObj(value.resources) && isObj(value.resources.requests)) {
        add(daemon ? out.perNode : out.fixed, value.resources.requests, daemon ? 1 : here);
    }
    for (const [key, v] of Object.entries(value)) {
        if (key !== "resources" && !INIT_CONTAINER_KEYS.includes(key)) walkValues(v, [...path, key], here, daemon, chart, out, root);
    }
}

/** Pods of an Altinity installation: shards x replicas of its pod template's containers. */
function installationPods(spec: Obj, out: Requests): void {
    const clusters = ((spec.configuration as Obj | undefined)?.clusters ?? []) as { layout?: { shardsCount?: number; replicasCount?: number } }[];
    const pods = clusters.reduce((n, c) => n + (c.layout?.shardsCount ?? 1) * (c.layout?.replicasCount ?? 1), 0);
    const templates = ((spec.templates as Obj | undefined)?.podTemplates ?? []) as { spec?: { containers?: { resources?: { requests?: unknown } }[] } }[];
    for (const t of templates) {
        for (const c of t.spec?.containers ?? []) add(out, c.resources?.requests, pods);
    }
}

export function footprint(resources: readonly Pick<RecordedResource, "type" | "parent" | "inputs">[]): ComponentFootprint[] {
    const byComponent = new Map<string, { fixed: Requests; perNode: Requests; autoscaled: AutoscaledWorkload[] }>();
    const slot = (r: Pick<RecordedResource, "parent">) => {
        const key = r.parent ?? "(root)";
        let s = byComponent.get(key);
        if (!s) {
            s = { fixed: { cpu: 0, memory: 0 }, perNode: { cpu: 0, memory: 0 }, autoscaled: [] };
            byComponent.set(key, s);
        }
        return s;
    };
    const ranges = autoscalerRanges(resources);
    for (const r of resources) {
        if (r.type === "kubernetes:helm.sh/v3:Release") {
            const inputs = r.inputs as { chart?: string; values?: unknown };
            walkValues(inputs.values, [], 1, false, String(inputs.chart), slot(r));
        } else if (/^kubernetes:clickhouse(-keeper)?\.altinity\.com\/v1:ClickHouse(Keeper)?Installation$/.test(r.type)) {
            installationPods((r.inputs as { spec?: Obj }).spec ?? {}, slot(r).fixed);
        } else {
            const [m] = rawManifests([r]);
            if (m) {
                const spec = (m.spec ?? {}) as { replicas?: number; template?: { spec?: { containers?: { resources?: { requests?: unknown } }[] } } };
                const daemon = m.kind === "DaemonSet";
                // An autoscaled Deployment runs at least its HPA's minReplicas: count those, remember the max.
                const range =
                    m.kind === "Deployment" && spec.replicas === undefined
                        ? ranges.get(`${String(at(m, "metadata.namespace") ?? "")}/${String(at(m, "metadata.name"))}`)
                        : undefined;
                const pod: Requests = { cpu: 0, memory: 0 };
                for (const c of spec.template?.spec?.containers ?? []) add(pod, c.resources?.requests, 1);
                const into = daemon ? slot(r).perNode : slot(r).fixed;
                const replicas = daemon ? 1 : (spec.replicas ?? range?.min ?? 1);
                into.cpu += replicas * pod.cpu;
                into.memory += replicas * pod.memory;
                if (range) slot(r).autoscaled.push({ name: String(at(m, "metadata.name")), ...range, pod });
            }
        }
    }
    return [...byComponent.entries()]
        .filter(([, s]) => s.fixed.cpu + s.fixed.memory + s.perNode.cpu + s.perNode.memory > 0)
        .map(([component, { autoscaled, ...s }]) => ({ component, ...s, ...(autoscaled.length > 0 ? { autoscaled } : {}) }));
}

/** Requests of the autoscaled workloads above their minimum, when every one runs at its maximum. */
export function autoscaledHeadroom(rows: readonly ComponentFootprint[]): Requests {
    return rows
        .flatMap((r) => r.autoscaled ?? [])
        .reduce((t, w) => ({ cpu: t.cpu + (w.max - w.min) * w.pod.cpu, memory: t.memory + (w.max - w.min) * w.pod.memory }), { cpu: 0, memory: 0 });
}

/** Total requests on a cluster of `nodes` nodes. */
export function totalRequests(rows: readonly ComponentFootprint[], nodes: number): Requests {
    return rows.reduce((t, r) => ({ cpu: t.cpu + r.fixed.cpu + nodes * r.perNode.cpu, memory: t.memory + r.fixed.memory + nodes * r.perNode.memory }), {
        cpu: 0,
        memory: 0,
    });
}

/** Persistent volume claims of one component: requested bytes, times the replicas that each get one. */
export interface ComponentStorage {
    readonly component: string;
    readonly bytes: number;
}

/**
 * Values paths (per chart) of claims the chart does not create in the given values: Harbor keeps
 * its registry PVC only with filesystem image storage (S3 otherwise).
 */
const UNUSED_CLAIMS: Readonly<Record<string, (values: unknown) => readonly string[]>> = {
    harbor: (values) => (at(values, "persistence.imageChartStorage.type") === "filesystem" ? [] : ["persistence.persistentVolumeClaim.registry"]),
};

const quantity = (v: unknown): number | undefined => (typeof v === "string" && /^[0-9.]+(Ki|Mi|Gi|Ti|k|M|G|T)?$/.test(v) ? parseQuantity(v) : undefined);

/**
 * Claims in chart values: a PVC spec (`resources.requests.storage`) anywhere, or a `size` under a
 * `persistence` / `persistentVolumeClaim` key, skipped below `enabled: false`; times the nearest
 * replica count above it (each replica of a StatefulSet gets its own claim).
 */
function walkStorage(value: unknown, path: string[], replicas: number, chart: string, root: unknown, skip: readonly string[]): number {
    if (Array.isArray(value)) {
        return value.reduce<number>((n, v) => n + walkStorage(v, path, replicas, chart, root, skip), 0);
    }
    if (!isObj(value) || value.enabled === false || skip.includes(path.join("."))) return 0;
    const inherited = REPLICAS_FROM[chart]?.[path.join(".")];
    const here = count(value.replicas) ?? count(value.replicaCount) ?? (inherited ? count(at(root, inherited)) : undefined) ?? replicas;
    let bytes = 0;
    const claim = isObj(value.resources) && isObj(value.resources.requests) ? quantity(value.resources.requests.storage) : undefined;
    if (claim !== undefined) bytes += here * claim;
    const size = path.some((p) => p === "persistence" || p === "persistentVolumeClaim") ? quantity(value.size) : undefined;
    if (size !== undefined) bytes += here * size;
    for (const [key, v] of Object.entries(value)) {
        if (key !== "resources") bytes += walkStorage(v, [...path, key], here, chart, root, skip);
    }
    return bytes;
}

/** Storage requested through PVCs per component: chart values, ClickHouse installations, raw claims and StatefulSets. */
export function storageClaims(resources: readonly Pick<RecordedResource, "type" | "parent" | "inputs">[]): ComponentStorage[] {
    const byComponent = new Map<string, number>();
    const addTo = (r: Pick<RecordedResource, "parent">, bytes: number) => {
        if (bytes > 0) byComponent.set(r.parent ?? "(root)", (byComponent.get(r.parent ?? "(root)") ?? 0) + bytes);
    };
    const templates = (list: unknown) =>
        (Array.isArray(list) ? list : []).reduce<number>((n, t) => n + (quantity(at(t, "spec.resources.requests.storage")) ?? 0), 0);
    for (const r of resources) {
        if (r.type === "kubernetes:helm.sh/v3:Release") {
            const inputs = r.inputs as { chart?: string; values?: unknown };
            const chart = String(inputs.chart);
            addTo(r, walkStorage(inputs.values, [], 1, chart, inputs.values, UNUSED_CLAIMS[chart]?.(inputs.values) ?? []));
        } else if (/^kubernetes:clickhouse(-keeper)?\.altinity\.com\/v1:ClickHouse(Keeper)?Installation$/.test(r.type)) {
            const spec = ((r.inputs as { spec?: Obj }).spec ?? {}) as Obj;
            const clusters = (at(spec, "configuration.clusters") ?? []) as { layout?: { shardsCount?: number; replicasCount?: number } }[];
            const pods = clusters.reduce((n, c) => n + (c.layout?.shardsCount ?? 1) * (c.layout?.replicasCount ?? 1), 0);
            addTo(r, pods * templates(at(spec, "templates.volumeClaimTemplates")));
        } else {
            const [m] = rawManifests([r]);
            if (m?.kind === "PersistentVolumeClaim") addTo(r, quantity(at(m, "spec.resources.requests.storage")) ?? 0);
            if (m?.kind === "StatefulSet") addTo(r, (count(at(m, "spec.replicas")) ?? 1) * templates(at(m, "spec.volumeClaimTemplates")));
        }
    }
    return [...byComponent.entries()].map(([component, bytes]) => ({ component, bytes }));
}

/** What one host should offer the platform's pods (requests only: k3s itself and the OS come on top). */
export interface HostSizing {
    readonly nodes: number;
    /** Pod requests per host: DaemonSets plus an even share of everything else. */
    readonly cpu: number;
    readonly memory: number;
    /** Volume data per host: with Longhorn each volume's replicas spread over the hosts; with local-path up to all of it on one host. */
    readonly disk: number;
    /** Copies of each volume (Longhorn replicas; 1 for node-local storage). */
    readonly volumeCopies: number;
    /** Whether `disk` assumes an even spread (Longhorn) or the worst case of one host holding every claim. */
    readonly spread: boolean;
}

/**
 * Per-host sizing from the footprint and the claims: CPU and memory are the DaemonSets' requests
 * plus an even share of the rest; disk is the claims times the storage's copies, spread over the
 * hosts when the storage replicates (Longhorn), else all on one host (the worst case of local-path).
 */
export function hostSizing(
    rows: readonly ComponentFootprint[],
    claims: readonly ComponentStorage[],
    opts: { readonly nodes: number; readonly volumeCopies?: number },
): HostSizing {
    const nodes = Math.max(1, opts.nodes);
    const total = totalRequests(rows, nodes);
    const bytes = claims.reduce((n, c) => n + c.bytes, 0);
    const copies = opts.volumeCopies ?? 1;
    const spread = opts.volumeCopies !== undefined;
    return { nodes, cpu: total.cpu / nodes, memory: total.memory / nodes, disk: spread ? (bytes * copies) / nodes : bytes, volumeCopies: copies, spread };
}

/** Replicas of each Longhorn volume, when the render installs Longhorn (its default class count). */
export function longhornCopies(resources: readonly Pick<RecordedResource, "type" | "inputs">[]): number | undefined {
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as { chart?: string }).chart === "longhorn");
    if (!release) return undefined;
    const values = (release.inputs as { values?: unknown }).values;
    return count(at(values, "persistence.defaultClassReplicaCount")) ?? count(at(values, "defaultSettings.defaultReplicaCount")) ?? 3;
}
