/**
 * The platform's footprint: CPU and memory requests per component, from what the program sets —
 * Helm release values, the ClickHouse installations and raw workload objects. In values, every
 * object with `resources.requests` is one workload; its replica count is the nearest `replicas` /
 * `replicaCount` at or above it (1 if none), and DaemonSets count once per node. Chart defaults
 * the program does not override are not seen: every workload the platform configures sets requests.
 * Init containers count as if they kept running (a slight overcount).
 */
import type { RecordedResource } from "./mocks";
import { parseQuantity, rawManifests, type Requests } from "./manifests";

/** Values paths (per chart) whose workload is a DaemonSet, besides objects that say `kind: daemonset`. */
const PER_NODE: Readonly<Record<string, readonly string[]>> = {
    "kube-prometheus-stack": ["prometheus-node-exporter"],
    deepflow: ["deepflow-agent"],
    longhorn: ["longhornManager"],
};

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
    /** Requests of workloads with a fixed replica count. */
    readonly fixed: Requests;
    /** Requests of one replica of each DaemonSet (counted once per node). */
    readonly perNode: Requests;
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
function walkValues(value: unknown, path: string[], replicas: number, perNode: boolean, chart: string, out: { fixed: Requests; perNode: Requests }, root: unknown = value): void {
    if (Array.isArray(value)) {
        value.forEach((v) => walkValues(v, path, replicas, perNode, chart, out, root));
        return;
    }
    if (!isObj(value)) return;
    const inherited = REPLICAS_FROM[chart]?.[path.join(".")];
    const here = count(value.replicas) ?? count(value.replicaCount) ?? (inherited ? count(at(root, inherited)) : undefined) ?? replicas;
    const daemon = perNode || String(value.kind).toLowerCase() === "daemonset" || (PER_NODE[chart] ?? []).includes(path.join("."));
    if (isObj(value.resources) && isObj(value.resources.requests)) {
        add(daemon ? out.perNode : out.fixed, value.resources.requests, daemon ? 1 : here);
    }
    for (const [key, v] of Object.entries(value)) {
        if (key !== "resources") walkValues(v, [...path, key], here, daemon, chart, out, root);
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
    const byComponent = new Map<string, { fixed: Requests; perNode: Requests }>();
    const slot = (r: Pick<RecordedResource, "parent">) => {
        const key = r.parent ?? "(root)";
        let s = byComponent.get(key);
        if (!s) {
            s = { fixed: { cpu: 0, memory: 0 }, perNode: { cpu: 0, memory: 0 } };
            byComponent.set(key, s);
        }
        return s;
    };
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
                for (const c of spec.template?.spec?.containers ?? []) add(daemon ? slot(r).perNode : slot(r).fixed, c.resources?.requests, daemon ? 1 : (spec.replicas ?? 1));
            }
        }
    }
    return [...byComponent.entries()]
        .filter(([, s]) => s.fixed.cpu + s.fixed.memory + s.perNode.cpu + s.perNode.memory > 0)
        .map(([component, s]) => ({ component, ...s }));
}

/** Total requests on a cluster of `nodes` nodes. */
export function totalRequests(rows: readonly ComponentFootprint[], nodes: number): Requests {
    return rows.reduce((t, r) => ({ cpu: t.cpu + r.fixed.cpu + nodes * r.perNode.cpu, memory: t.memory + r.fixed.memory + nodes * r.perNode.memory }), { cpu: 0, memory: 0 });
}
