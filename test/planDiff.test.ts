import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMENT_MARKER, diffMarkdown, diffRenders, diffStack, RenderedResource } from "../offline/planDiff";
import { PROJECT_DIR } from "./harness";

const release = (version: string): RenderedResource => ({
    type: "kubernetes:helm.sh/v3:Release",
    name: "dev-harbor-release",
    parent: "dev-harbor",
    dependsOn: [],
    inputs: { chart: "harbor", version, values: {} },
});
const ns = (name: string, labels: Record<string, string> = {}): RenderedResource => ({
    type: "kubernetes:core/v1:Namespace",
    name,
    parent: "dev",
    dependsOn: [],
    inputs: { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } },
});
const deployment = (cpu: string, memory: string): RenderedResource => ({
    type: "kubernetes:apps/v1:Deployment",
    name: "web",
    parent: "dev",
    dependsOn: [],
    inputs: { kind: "Deployment", spec: { replicas: 2, template: { spec: { containers: [{ name: "a", resources: { requests: { cpu, memory } } }] } } } },
});

describe("rendered-plan diff", () => {
    it("lists added, changed (with the fields) and removed resources, chart bumps and footprint", () => {
        const d = diffStack("dev", [release("1.19.0"), ns("a"), ns("gone"), deployment("100m", "128Mi")], [release("1.19.1"), ns("a", { x: "y" }), ns("new"), deployment("200m", "128Mi")]);
        expect(d.status).toBe("changed");
        expect(d.added).toEqual(["kubernetes:core/v1:Namespace new"]);
        expect(d.removed).toEqual(["kubernetes:core/v1:Namespace gone"]);
        expect(d.changed).toEqual([
            { resource: "kubernetes:helm.sh/v3:Release dev-harbor-release", fields: ["inputs.version"] },
            { resource: "kubernetes:core/v1:Namespace a", fields: ["inputs.metadata"] },
            { resource: "kubernetes:apps/v1:Deployment web", fields: ["inputs.spec"] },
        ]);
        expect(d.chartBumps).toEqual([{ release: "dev-harbor-release", chart: "harbor", from: "1.19.0", to: "1.19.1" }]);
        expect(d.requests.cpu).toEqual([0.2, 0.4]);
        const md = diffMarkdown([d]);
        expect(md.startsWith(COMMENT_MARKER)).toBe(true);
        expect(md).toContain("### `dev` — changed (+1 ~3 -1)");
        expect(md).toContain("chart **harbor** (dev-harbor-release): 1.19.0 → 1.19.1");
        expect(md).toContain("cpu 200m → 400m, memory 256Mi → 256Mi");
    });

    it("marks stacks that appear, disappear or did not change", () => {
        const diffs = diffRenders(new Map([["dev", [ns("a")]], ["old", [ns("a")]]]), new Map([["dev", [ns("a")]], ["prod-eu", [ns("a")]]]));
        expect(diffs.map((d) => `${d.stack}:${d.status}`)).toEqual(["dev:unchanged", "old:deleted", "prod-eu:new"]);
    });

    it("works on two real renders through the CLI", () => {
        const base = mkdtempSync(join(tmpdir(), "diff-base-"));
        const head = mkdtempSync(join(tmpdir(), "diff-head-"));
        const run = (args: string[]) =>
            spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", ...args], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 120_000 });
        expect(run(["scripts/render.ts", "dev", "--out", join(base, "dev")]).status).toBe(0);
        cpSync(join(base, "dev"), join(head, "dev"), { recursive: true });
        // A reviewer's change: one more workload namespace.
        const file = join(head, "dev", "resources.json");
        const resources = JSON.parse(readFileSync(file, "utf8")) as RenderedResource[];
        resources.push(ns("dev-ns-team-b"));
        writeFileSync(file, JSON.stringify(resources));
        const result = run(["scripts/plan-diff.ts", base, head]);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("### `dev` — changed (+1 ~0 -0)");
        expect(result.stdout).toContain("`kubernetes:core/v1:Namespace dev-ns-team-b`");
        const same = run(["scripts/plan-diff.ts", base, base]);
        expect(same.stdout).toContain("### `dev` — unchanged (+0 ~0 -0)");
    });
});
