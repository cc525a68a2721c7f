/**
 * The offline render's files (format in DESIGN.md): resources.json, manifests.yaml, summary.txt
 * (reachability.txt is offline/reachability.ts, policy.txt offline/policyReport.ts).
 * Pure functions of the recorded resources, so two evaluations give byte-identical files.
 */
import { stringify } from "yaml";
import { autoscaledHeadroom, footprint, hostSizing, longhornCopies, storageClaims, totalRequests } from "./footprint";
import { charts, rawManifests } from "./manifests";
import type { RecordedResource } from "./mocks";
import { leftToDoLines, networkFlowsLine, type SummaryContext } from "./summarySections";

/** resources.json: in the order given (the evaluation lists them in component-tree order); type, name, parent, dependsOn, inputs (+ options when set). */
export function resourcesJson(resources: readonly RecordedResource[]): string {
    const rows = resources.map((r) => ({
        type: r.type,
        name: r.name,
        parent: r.parent,
        dependsOn: r.dependsOn,
        inputs: r.inputs,
        ...(Object.keys(r.options).length > 0 ? { options: r.options } : {}),
    }));
    return JSON.stringify(rows, null, 2) + "\n";
}

/** manifests.yaml: one YAML document per raw object, in the order given (component-tree order). */
export function manifestsYaml(resources: readonly RecordedResource[]): string {
    return rawManifests(resources)
        .map((m) => "---\n" + stringify(m, { lineWidth: 0 }))
        .join("");
}

/** Longest chain of dependsOn edges (a resource with no dependencies has depth 0). */
function dependencyDepth(resources: readonly RecordedResource[]): number {
    const byName = new Map(resources.map((r) => [r.name, r]));
    const memo = new Map<string, number>();
    const depth = (name: string, seen: Set<string>): number => {
        const cached = memo.get(name);
        if (cached !== undefined) {
            return cached;
        }
        if (seen.has(name)) {
            throw new Error(`dependency cycle through ${name}`);
        }
        seen.add(name);
        const deps = byName.get(name)?.dependsOn.filter((d) => byName.has(d)) ?? [];
        const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((dep) => depth(dep, seen)));
        seen.delete(name);
        memo.set(name, d);
        return d;
    };
    return resources.reduce((max, r) => Math.max(max, depth(r.name, new Set())), 0);
}

function tree(resources: readonly RecordedResource[]): string[] {
    const children = new Map<string | null, RecordedResource[]>();
    for (const r of resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const lines: string[] = [];
    const walk = (parent: string | null, indent: string) => {
        for (const r of children.get(parent) ?? []) {
            lines.push(`${indent}${r.name}  (${r.type})`);
            walk(r.name, indent + "  ");
        }
    };
    walk(null, "");
    return lines;
}

export function formatCpu(cores: number): string {
    return `${Math.round(cores * 1000)}m`;
}

export function formatMemory(bytes: number): string {
    return `${Math.round(bytes / 1024 ** 2)}Mi`;
}

function formatDisk(bytes: number): string {
    return `${Math.round(bytes / 1024 ** 3)}Gi`;
}

/** Sizing guidance per host: the footprint's requests spread over the nodes, disk from the PVC sizes. */
function sizingLines(resources: readonly RecordedResource[], nodes: number | undefined): string[] {
    const rows = footprint(resources);
    const claims = storageClaims(resources);
    const copies = longhornCopies(resources);
    const size = hostSizing(rows, claims, { nodes: nodes ?? 1, volumeCopies: copies });
    const claimed = claims.reduce((n, c) => n + c.bytes, 0);
    const hosts = nodes === undefined ? "per node of the existing cluster, counted as 1 node" : `per host, ${nodes} host${nodes === 1 ? "" : "s"}`;
    const autoscaled = rows.flatMap((r) => r.autoscaled ?? []);
    const headroom = autoscaledHeadroom(rows);
    return [
        `sizing (${hosts}; pod requests of the parts that are on, k3s and the OS come on top):`,
        `  cpu ${formatCpu(size.cpu)}, memory ${formatMemory(size.memory)} (DaemonSets on every host + an even share of the rest${autoscaled.length > 0 ? "; autoscaled apps at their minimum" : ""})`,
        ...(autoscaled.length > 0
            ? [
                  `  autoscaled apps at their maximum add cpu ${formatCpu(headroom.cpu / size.nodes)}, memory ${formatMemory(headroom.memory / size.nodes)} per host ` +
                      `(${autoscaled.map((w) => `${w.name} ${w.min}-${w.max} replicas`).join(", ")})`,
              ]
            : []),
        `  disk ${formatDisk(size.disk)} for volumes: ${formatDisk(claimed)} of PVCs ` +
            (size.spread
                ? `x ${size.volumeCopies} Longhorn replicas spread over the hosts`
                : size.nodes === 1
                  ? "on the one host"
                  : "on node-local storage: each volume on the host its pod runs, up to all of it on one"),
        ...claims.map((c) => `    ${c.component}: ${formatDisk(c.bytes)}`),
    ];
}

/**
 * summary.txt: what is left to do (secrets, DNS names, alert receivers, protected resources), sizing,
 * component tree, counts by type, charts, requests, dependency depth, outputs. `context` (the stack
 * file as written) feeds the secrets, receivers and ingress addresses.
 */
export function summaryText(stack: string, resources: readonly RecordedResource[], outputs: Record<string, unknown>, context?: SummaryContext): string {
    const counts = new Map<string, number>();
    for (const r of resources) {
        counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    }
    const chartList = charts(resources);
    const rows = footprint(resources);
    const nodes = Array.isArray(outputs.nodes) ? outputs.nodes.length : undefined;
    const total = totalRequests(rows, nodes ?? 1);
    const perNode = totalRequests(
        rows.map((r) => ({ ...r, fixed: { cpu: 0, memory: 0 } })),
        1,
    );
    const lines = [
        `stack: ${stack}`,
        `resources: ${resources.length}`,
        ...networkFlowsLine(context?.networkFlows),
        "",
        ...leftToDoLines(resources, context),
        ...sizingLines(resources, nodes),
        "",
        "component tree:",
        ...tree(resources).map((l) => `  ${l}`),
        "",
        "resources by type:",
        ...[...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `  ${String(n).padStart(4)}  ${t}`),
        "",
        "charts:",
        ...(chartList.length === 0 ? ["  (none)"] : chartList.map((c) => `  ${c.name}: ${c.chart} ${c.version}${c.repo ? ` from ${c.repo}` : ""}`)),
        "",
        "footprint (requests by component; DaemonSets once per node):",
        ...rows.map(
            (r) =>
                `  ${r.component}: cpu ${formatCpu(r.fixed.cpu)}, memory ${formatMemory(r.fixed.memory)}` +
                (r.perNode.cpu + r.perNode.memory > 0 ? ` + per node cpu ${formatCpu(r.perNode.cpu)}, memory ${formatMemory(r.perNode.memory)}` : "") +
                (r.autoscaled ?? [])
                    .map(
                        (w) =>
                            ` (${w.name}: ${w.min} of ${w.min}-${w.max} replicas; at ${w.max}: cpu ${formatCpu(r.fixed.cpu + (w.max - w.min) * w.pod.cpu)}, memory ${formatMemory(r.fixed.memory + (w.max - w.min) * w.pod.memory)})`,
                    )
                    .join(""),
        ),
        `  total on ${nodes === undefined ? "1 node (node count unknown: existing cluster)" : `${nodes} node${nodes === 1 ? "" : "s"}`}: cpu ${formatCpu(total.cpu)}, memory ${formatMemory(total.memory)} (per node: cpu ${formatCpu(perNode.cpu)}, memory ${formatMemory(perNode.memory)})`,
        "",
        `dependency depth: ${dependencyDepth(resources)}`,
        "",
        "stack outputs:",
        ...Object.keys(outputs)
            .sort()
            .map((k) => `  ${k}: ${JSON.stringify(outputs[k])}`),
        "",
    ];
    return lines.join("\n");
}
