/**
 * The rendered-plan diff a PR comment shows: per stack, resources added / changed / removed,
 * chart version bumps and the change in requested CPU and memory, between two render outputs.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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
    readonly requests: { cpu: [number, number]; memory: [number, number] };
}

/** Stack name -> resources, from a directory of renders (out/<stack>/resources.json). */
export function readRenders(dir: string): Map<string, RenderedResource[]> {
    const renders = new Map<string, RenderedResource[]>();
    if (!existsSync(dir)) {
        return renders;
    }
    for (const stack of readdirSync(dir).sort()) {
        const file = join(dir, stack, "resources.json");
        if (existsSync(file)) {
            renders.set(stack, JSON.parse(readFileSync(file, "utf8")) as RenderedResource[]);
        }
    }
    return renders;
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
    // DaemonSets counted once: the diff is about what changed, not the node count.
    const r0 = totalRequests(footprint(base ?? []), 1);
    const r1 = totalRequests(footprint(head ?? []), 1);
    const status = base === undefined ? "new" : head === undefined ? "deleted" : added.length + removed.length + changed.length > 0 ? "changed" : "unchanged";
    return { stack, status, added, removed, changed, chartBumps, requests: { cpu: [r0.cpu, r1.cpu], memory: [r0.memory, r1.memory] } };
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
        const summary = `+${d.added.length} ~${d.changed.length} -${d.removed.length}`;
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
        for (const b of d.chartBumps) {
            lines.push(`- chart **${b.chart}** (${b.release}): ${b.from} → ${b.to}`);
        }
        const [c0, c1] = d.requests.cpu;
        const [m0, m1] = d.requests.memory;
        if (c0 !== c1 || m0 !== m1) {
            lines.push(`- requests (raw objects): cpu ${formatCpu(c0)} → ${formatCpu(c1)}, memory ${formatMemory(m0)} → ${formatMemory(m1)}`);
        }
        lines.push("");
    }
    return lines.join("\n");
}
