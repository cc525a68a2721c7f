/**
 * The rendered-plan diff a PR comment shows: per stack, resources added / changed / removed,
 * chart version bumps and the change in requested CPU and memory, between two render outputs.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { footprint, totalRequests } from "./footprint";
import { charts } from "./manifests";
import { formatCpu, formatMemory } from "./output";
import { isSecretLikeKey } from "../config/secretLeaves";

/** One row of resources.json. */
export interface RenderedResource {
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    readonly dependsOn: string[];
    readonly inputs: Record<string, unknown>;
    readonly options?: Record<string, unknown>;
}

export interface StackDiff {
    readonly stack: string;
    /** `new` / `deleted` when the stack exists on one side only. */
    readonly status: "changed" | "unchanged" | "new" | "deleted";
    readonly added: string[];
    readonly removed: string[];
    /**
     * Changed resources: the top-level fields, and (absent in artifacts written before it existed)
     * each changed leaf with its old and new value, secrets masked (`valueChanges`).
     */
    readonly changed: { resource: string; fields: string[]; values?: ValueChange[] }[];
    readonly chartBumps: { release: string; chart: string; from: string; to: string }[];
    /** Requests of the whole cluster, DaemonSets once per node (base, head). */
    readonly requests: { cpu: [number, number]; memory: [number, number] };
    /** Cluster nodes (k3s mode) added and removed; absent in artifacts written before it existed. */
    readonly nodes?: { readonly count: [number, number]; readonly added: string[]; readonly removed: string[] };
}

/** One changed leaf: its path (`spec.replicas`, `values.controller.image.tag`, list items by index) and the values before and after. */
export interface ValueChange {
    readonly path: string;
    /** The value as text: a string as is, a number or boolean as JSON, `(none)` when absent, a secret masked. */
    readonly from: string;
    readonly to: string;
}

/** What a masked value shows: never the value, whether it was a Pulumi secret or only looks like one. */
export const MASKED = "[secret]";
/** Leaves listed per resource, and characters per value (a long script or certificate is cut). */
const MAX_VALUES = 25;
const MAX_VALUE = 120;

/** A render folder is missing or holds no render (a usage error: exit 2). */
export class RenderFolderError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RenderFolderError";
    }
}

/**
 * Stack name -> resources, from one stack's render folder (out/<stack>/resources.json: the stack is
 * the folder's name) or a folder of them (out/: every <stack>/resources.json). A missing folder is
 * an error, never "every stack is new".
 */
export function readRenders(dir: string): Map<string, RenderedResource[]> {
    if (!existsSync(dir)) {
        throw new RenderFolderError(`no such folder: ${dir} (render first: npm run render -- <stack>)`);
    }
    const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as RenderedResource[];
    if (existsSync(join(dir, "resources.json"))) {
        return new Map([[basename(dir), read(join(dir, "resources.json"))]]);
    }
    const renders = new Map<string, RenderedResource[]>();
    for (const stack of readdirSync(dir).sort()) {
        const file = join(dir, stack, "resources.json");
        if (existsSync(file)) {
            renders.set(stack, read(file));
        }
    }
    return renders;
}

/**
 * The k3s nodes a render installs, by the `node-name:` line of each install command's k3s config
 * (components/cluster: one install Command per node). Empty for an existing cluster.
 */
function renderedNodes(resources: readonly RenderedResource[]): string[] {
    const names = new Set<string>();
    for (const r of resources) {
        const create = r.type === "command:remote:Command" ? r.inputs.create : undefined;
        const match = typeof create === "string" ? /^node-name: (\S+)$/m.exec(create) : null;
        if (match) names.add(match[1]);
    }
    return [...names];
}

const key = (r: RenderedResource) => `${r.type} ${r.name}`;

function changedFields(a: RenderedResource, b: RenderedResource): string[] {
    const fields: string[] = [];
    const inputKeys = [...new Set([...Object.keys(a.inputs), ...Object.keys(b.inputs)])].sort();
    for (const k of inputKeys) {
        if (JSON.stringify(a.inputs[k]) !== JSON.stringify(b.inputs[k])) {
            fields.push(`inputs.${k}`);
        }
    }
    if (JSON.stringify(a.dependsOn) !== JSON.stringify(b.dependsOn)) fields.push("dependsOn");
    if (a.parent !== b.parent) fields.push("parent");
    if (JSON.stringify(a.options ?? {}) !== JSON.stringify(b.options ?? {})) fields.push("options");
    return fields;
}

type Leaf = string | number | boolean | null;

/** Every scalar leaf of a value, by path (`a.b.0.c`); an empty object or list counts as a leaf. */
function leaves(value: unknown, path: string, out: Map<string, Leaf | "{}" | "[]">): void {
    if (Array.isArray(value)) {
        if (value.length === 0) out.set(path, "[]");
        // Indices as path segments (`containers.0.image`): the PR comment's safe alphabet has no brackets.
        value.forEach((v, i) => leaves(v, `${path}.${i}`, out));
    } else if (value !== null && typeof value === "object") {
        const entries = Object.entries(value);
        if (entries.length === 0) out.set(path, "{}");
        for (const [k, v] of entries) leaves(v, path === "" ? k : `${path}.${k}`, out);
    } else if (value !== undefined) {
        out.set(path, value as Leaf);
    }
}

/**
 * Whether a leaf must not be shown: a Pulumi secret (already "[secret]" in resources.json), any
 * value under a Kubernetes Secret's `data` / `stringData`, or a key that names a credential
 * (password, token, secretKey, privateKey, ...: config/secretLeaves.ts's rule).
 */
function isMasked(kind: unknown, path: string, value: unknown): boolean {
    if (value === MASKED) return true;
    if (kind === "Secret" && /^(data|stringData)(\.|$)/.test(path)) return true;
    return path.split(".").some((segment) => segment !== "" && isSecretLikeKey(segment));
}

function show(value: Leaf | "{}" | "[]" | undefined, masked: boolean): string {
    if (value === undefined) return "(none)";
    if (masked) return MASKED;
    if (value === "") return '""';
    // No backtick: the Markdown shows each value in a code span.
    const text = (typeof value === "string" ? value : JSON.stringify(value)).replace(/`/g, "'");
    return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

/** The changed leaves of two versions of a resource's inputs and options, old and new values side by side. */
function valueChanges(a: RenderedResource, b: RenderedResource): ValueChange[] {
    const before = new Map<string, Leaf | "{}" | "[]">();
    const after = new Map<string, Leaf | "{}" | "[]">();
    leaves(a.inputs, "", before);
    leaves(b.inputs, "", after);
    leaves(a.options ?? {}, "options", before);
    leaves(b.options ?? {}, "options", after);
    const kind = b.inputs.kind ?? a.inputs.kind;
    // An empty map or list that gained (or lost) entries shows as those entries, not as itself.
    const hasChildren = (side: Map<string, unknown>, path: string) => [...side.keys()].some((k) => k.startsWith(`${path}.`));
    const emptied = (p: string) => (before.get(p) === undefined && hasChildren(before, p)) || (after.get(p) === undefined && hasChildren(after, p));
    const paths = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p) && !emptied(p));
    return paths.slice(0, MAX_VALUES).map((path) => {
        const masked = isMasked(kind, path, before.get(path)) || isMasked(kind, path, after.get(path));
        return { path, from: show(before.get(path), masked), to: show(after.get(path), masked) };
    });
}

export function diffStack(stack: string, base: RenderedResource[] | undefined, head: RenderedResource[] | undefined): StackDiff {
    const before = new Map((base ?? []).map((r) => [key(r), r]));
    const after = new Map((head ?? []).map((r) => [key(r), r]));
    const added = [...after.keys()].filter((k) => !before.has(k));
    const removed = [...before.keys()].filter((k) => !after.has(k));
    const changed = [...after.keys()]
        .filter((k) => before.has(k))
        .map((k) => ({ resource: k, fields: changedFields(before.get(k)!, after.get(k)!), values: valueChanges(before.get(k)!, after.get(k)!) }))
        .filter((c) => c.fields.length > 0);
    const baseCharts = new Map(charts(base ?? []).map((c) => [c.name, c]));
    const chartBumps = charts(head ?? [])
        .filter((c) => baseCharts.has(c.name) && baseCharts.get(c.name)!.version !== c.version)
        .map((c) => ({ release: c.name, chart: c.chart, from: baseCharts.get(c.name)!.version, to: c.version }));
    // DaemonSets once per node, so an added node shows in the totals (an existing cluster counts as 1).
    const n0 = renderedNodes(base ?? []);
    const n1 = renderedNodes(head ?? []);
    const r0 = totalRequests(footprint(base ?? []), Math.max(1, n0.length));
    const r1 = totalRequests(footprint(head ?? []), Math.max(1, n1.length));
    const nodes = { count: [n0.length, n1.length] as [number, number], added: n1.filter((n) => !n0.includes(n)), removed: n0.filter((n) => !n1.includes(n)) };
    const status = base === undefined ? "new" : head === undefined ? "deleted" : added.length + removed.length + changed.length > 0 ? "changed" : "unchanged";
    return { stack, status, added, removed, changed, chartBumps, requests: { cpu: [r0.cpu, r1.cpu], memory: [r0.memory, r1.memory] }, nodes };
}

export function diffRenders(base: Map<string, RenderedResource[]>, head: Map<string, RenderedResource[]>): StackDiff[] {
    const stacks = [...new Set([...base.keys(), ...head.keys()])].sort();
    return stacks.map((s) => diffStack(s, base.get(s), head.get(s)));
}

/** Marker the PR comment is found and updated by. */
export const COMMENT_MARKER = "<!-- platform-rendered-plan-diff -->";

export function diffMarkdown(diffs: readonly StackDiff[]): string {
    const lines = [COMMENT_MARKER, "## Rendered plan diff", ""];
    if (diffs.length === 0) {
        lines.push("No stacks rendered.");
    }
    for (const d of diffs) {
        const nodeChange = d.nodes && d.nodes.count[0] !== d.nodes.count[1] ? `, nodes ${d.nodes.count[0]} → ${d.nodes.count[1]}` : "";
        const summary = `+${d.added.length} ~${d.changed.length} -${d.removed.length}${nodeChange}`;
        lines.push(`### \`${d.stack}\` — ${d.status} (${summary})`, "");
        if (d.status === "unchanged") {
            continue;
        }
        const list = (title: string, items: string[]) => {
            if (items.length > 0) {
                lines.push(`<details><summary>${title} (${items.length})</summary>`, "", ...items.map((i) => `- \`${i}\``), "", "</details>", "");
            }
        };
        list("added", d.added);
        if (d.changed.length > 0) {
            // Each changed leaf with its old and new value (secrets masked); the fields alone before values existed.
            const items = d.changed.flatMap((c) => [
                `- \`${c.resource}: ${c.fields.join(", ")}\``,
                ...(c.values ?? []).map((v) => `  - \`${v.path}\`: \`${v.from}\` → \`${v.to}\``),
            ]);
            lines.push(`<details><summary>changed (${d.changed.length})</summary>`, "", ...items, "", "</details>", "");
        }
        list("removed", d.removed);
        if (d.nodes && d.nodes.added.length + d.nodes.removed.length > 0) {
            lines.push(`- nodes: ${[...d.nodes.added.map((n) => `+\`${n}\``), ...d.nodes.removed.map((n) => `-\`${n}\``)].join(", ")}`);
        }
        for (const b of d.chartBumps) {
            lines.push(`- chart **${b.chart}** (${b.release}): ${b.from} → ${b.to}`);
        }
        const [c0, c1] = d.requests.cpu;
        const [m0, m1] = d.requests.memory;
        if (c0 !== c1 || m0 !== m1) {
            lines.push(`- requests (whole cluster): cpu ${formatCpu(c0)} → ${formatCpu(c1)}, memory ${formatMemory(m0)} → ${formatMemory(m1)}`);
        }
        lines.push("");
    }
    return lines.join("\n");
}
