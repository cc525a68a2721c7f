/**
 * The rendered-plan diff a PR comment shows: per stack, resources added / changed / removed,
 * chart version bumps and the change in requested CPU and memory, between two render outputs.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { footprint, totalRequests } from "./footprint";
import { charts } from "./manifests";
import { formatCpu, formatMemory } from "./output";

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
    readonly changed: { resource: string; fields: string[] }[];
    readonly chartBumps: { release: string; chart: string; from: string; to: string }[];
    /** Requests of the whole cluster, DaemonSets once per node (base, head). */
    readonly requests: { cpu: [number, number]; memory: [number, number] };
    /** Cluster nodes (k3s mode) added and removed; absent in artifacts written before it existed. */
    readonly nodes?: { readonly count: [number, number]; readonly added: string[]; readonly removed: string[] };
}

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

export function diffStack(stack: string, base: RenderedResource[] | undefined, head: RenderedResource[] | undefined): StackDiff {
    const before = new Map((base ?? []).map((r) => [key(r), r]));
    const after = new Map((head ?? []).map((r) => [key(r), r]));
    const added = [...after.keys()].filter((k) => !before.has(k));
    const removed = [...before.keys()].filter((k) => !after.has(k));
    const changed = [...after.keys()]
        .filter((k) => before.has(k))
        .map((k) => ({ resource: k, fields: changedFields(before.get(k)!, after.get(k)!) }))
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
        list("changed", d.changed.map((c) => `${c.resource}: ${c.fields.join(", ")}`));
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
