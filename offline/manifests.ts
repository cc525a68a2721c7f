/**
 * Pure readings of the recorded resources shared by the render files, the footprint and the plan
 * diff: which records are raw Kubernetes objects, which charts are installed, resource quantities.
 */
import type { RecordedResource } from "./mocks";

/** `kubernetes:apps/v1:Deployment` -> true; providers, Helm releases/charts and YAML groups -> false. */
function isRawKubernetesObject(type: string): boolean {
    const match = /^kubernetes:([^:]+):([A-Za-z]+)$/.exec(type);
    if (!match) {
        return false;
    }
    const group = match[1];
    return !group.startsWith("helm.sh/") && !group.startsWith("yaml/") && !group.startsWith("kustomize/");
}

/** The Kubernetes objects the program creates directly, as they would be applied. */
export function rawManifests(resources: readonly Pick<RecordedResource, "type" | "inputs">[]): Record<string, unknown>[] {
    return resources.filter((r) => isRawKubernetesObject(r.type)).map((r) => ({ ...r.inputs }));
}

/** A chart release the program installs, as shown in the summary (the pinned chart itself is charts/versions.ts ChartRef). */
export interface InstalledChart {
    readonly name: string;
    readonly chart: string;
    readonly version: string;
    readonly repo?: string;
}

export function charts(resources: readonly Pick<RecordedResource, "type" | "name" | "inputs">[]): InstalledChart[] {
    return resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart")
        .map((r) => {
            const inputs = r.inputs as { chart?: string; version?: string; repositoryOpts?: { repo?: string } };
            return { name: r.name, chart: String(inputs.chart), version: String(inputs.version ?? "UNPINNED"), repo: inputs.repositoryOpts?.repo };
        });
}

/** Kubernetes quantity -> number (CPU in cores, memory in bytes). */
export function parseQuantity(q: string | number): number {
    if (typeof q === "number") {
        return q;
    }
    const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
    if (!match) {
        throw new Error(`not a Kubernetes quantity: ${q}`);
    }
    const units: Record<string, number> = {
        "": 1,
        m: 1e-3,
        k: 1e3,
        M: 1e6,
        G: 1e9,
        T: 1e12,
        Ki: 1024,
        Mi: 1024 ** 2,
        Gi: 1024 ** 3,
        Ti: 1024 ** 4,
    };
    const factor = units[match[2]];
    if (factor === undefined) {
        throw new Error(`unknown quantity unit in ${q}`);
    }
    return Number(match[1]) * factor;
}

export interface Requests {
    cpu: number;
    memory: number;
}
