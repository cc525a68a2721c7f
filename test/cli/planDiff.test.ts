import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMENT_MARKER, diffMarkdown, diffRenders, diffStack, RenderedResource } from "../../offline/planDiff";
import { run } from "../../scripts/plan-diff";

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
        const d = diffStack(
            "dev",
            [release("1.19.0"), ns("a"), ns("gone"), deployment("100m", "128Mi")],
            [release("1.19.1"), ns("a", { x: "y" }), ns("new"), deployment("200m", "128Mi")],
        );
        expect(d.status).toBe("changed");
        expect(d.added).toEqual(["kubernetes:core/v1:Namespace new"]);
        expect(d.removed).toEqual(["kubernetes:core/v1:Namespace gone"]);
        expect(d.changed).toEqual([
            {
                resource: "kubernetes:helm.sh/v3:Release dev-harbor-release",
                fields: ["inputs.version"],
                values: [{ path: "version", from: "1.19.0", to: "1.19.1" }],
            },
            { resource: "kubernetes:core/v1:Namespace a", fields: ["inputs.metadata"], values: [{ path: "metadata.labels.x", from: "(none)", to: "y" }] },
            {
                resource: "kubernetes:apps/v1:Deployment web",
                fields: ["inputs.spec"],
                values: [{ path: "spec.template.spec.containers.0.resources.requests.cpu", from: "100m", to: "200m" }],
            },
        ]);
        expect(d.chartBumps).toEqual([{ release: "dev-harbor-release", chart: "harbor", from: "1.19.0", to: "1.19.1" }]);
        expect(d.requests.cpu).toEqual([0.2, 0.4]);
        const md = diffMarkdown([d]);
        expect(md.startsWith(COMMENT_MARKER)).toBe(true);
        expect(md).toContain("### `dev` — changed (+1 ~3 -1)");
        expect(md).toContain("chart **harbor** (dev-harbor-release): 1.19.0 → 1.19.1");
        expect(md).toContain("cpu 200m → 400m, memory 256Mi → 256Mi");
        // Each changed field with its old and new value (issue 27, item 6: the fields alone were listed).
        expect(md).toContain(
            "- `kubernetes:apps/v1:Deployment web: inputs.spec`\n  - `spec.template.spec.containers.0.resources.requests.cpu`: `100m` → `200m`",
        );
        expect(md).toContain("  - `version`: `1.19.0` → `1.19.1`");
    });

    it("shows old and new values but never a secret: Pulumi secrets, Secret data and credential-named keys are masked", () => {
        const secret = (stringData: Record<string, string>, values: Record<string, unknown>): RenderedResource => ({
            type: "kubernetes:core/v1:Secret",
            name: "creds",
            parent: "dev",
            dependsOn: [],
            inputs: { kind: "Secret", stringData, metadata: { annotations: values } },
        });
        const chart = (values: Record<string, unknown>): RenderedResource => ({ ...release("1.19.1"), inputs: { chart: "harbor", version: "1.19.1", values } });
        const d = diffStack(
            "dev",
            [
                secret({ token: "old-plain-token" }, { note: "a" }),
                chart({ harborAdminPassword: "[secret]", database: { internal: { password: "old-db-pass" } }, logLevel: "info" }),
            ],
            [
                secret({ token: "new-plain-token" }, { note: "b" }),
                chart({ harborAdminPassword: "[secret]x", database: { internal: { password: "new-db-pass" } }, logLevel: "debug" }),
            ],
        );
        const values = d.changed.flatMap((c) => c.values ?? []);
        expect(values).toEqual(
            expect.arrayContaining([
                { path: "stringData.token", from: "[secret]", to: "[secret]" },
                { path: "metadata.annotations.note", from: "a", to: "b" },
                { path: "values.harborAdminPassword", from: "[secret]", to: "[secret]" },
                { path: "values.database.internal.password", from: "[secret]", to: "[secret]" },
                { path: "values.logLevel", from: "info", to: "debug" },
            ]),
        );
        const md = diffMarkdown([d]);
        for (const plain of ["old-plain-token", "new-plain-token", "old-db-pass", "new-db-pass", "[secret]x"]) expect(md).not.toContain(plain);
    });

    it("marks stacks that appear, disappear or did not change", () => {
        const diffs = diffRenders(
            new Map([
                ["dev", [ns("a")]],
                ["old", [ns("a")]],
            ]),
            new Map([
                ["dev", [ns("a")]],
                ["prod-eu", [ns("a")]],
            ]),
        );
        expect(diffs.map((d) => `${d.stack}:${d.status}`)).toEqual(["dev:unchanged", "old:deleted", "prod-eu:new"]);
    });

    it("counts added nodes, with their DaemonSets in the cluster's requests", () => {
        const install = (node: string): RenderedResource => ({
            type: "command:remote:Command",
            name: `prod-cluster-${node}-install`,
            parent: "prod-cluster",
            dependsOn: [],
            inputs: { create: `set -e\ncluster-init: true\nnode-name: ${node}\nnode-ip: 10.0.0.1\n` },
        });
        const daemon: RenderedResource = {
            type: "kubernetes:apps/v1:DaemonSet",
            name: "agent",
            parent: "prod",
            dependsOn: [],
            inputs: { kind: "DaemonSet", spec: { template: { spec: { containers: [{ resources: { requests: { cpu: "100m", memory: "64Mi" } } }] } } } },
        };
        const d = diffStack("prod", [install("s1"), install("s2"), daemon], [install("s1"), install("s2"), install("a3"), daemon]);
        expect(d.nodes).toEqual({ count: [2, 3], added: ["a3"], removed: [] });
        expect(d.requests.cpu[0]).toBeCloseTo(0.2);
        expect(d.requests.cpu[1]).toBeCloseTo(0.3);
        const md = diffMarkdown([d]);
        expect(md).toContain("(+1 ~0 -0, nodes 2 → 3)");
        expect(md).toContain("- nodes: +`a3`");
    });
});

describe("plan-diff CLI", () => {
    const io = () => {
        const out: string[] = [];
        const err: string[] = [];
        return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
    };
    const renderDir = (stacks: Record<string, RenderedResource[]>) => {
        const dir = mkdtempSync(join(tmpdir(), "plan-diff-"));
        for (const [stack, resources] of Object.entries(stacks)) {
            mkdirSync(join(dir, stack));
            writeFileSync(join(dir, stack, "resources.json"), JSON.stringify(resources));
        }
        return dir;
    };

    it("takes the out/ folder of several stacks, or one stack's folder", async () => {
        const base = renderDir({ dev: [ns("a")], prod: [ns("a")] });
        const head = renderDir({ dev: [ns("a"), ns("b")], prod: [ns("a")] });
        const all = io();
        expect(await run([base, head], all.io)).toBe(0);
        expect(all.out.join("\n")).toContain("### `dev` — changed (+1 ~0 -0)");
        expect(all.out.join("\n")).toContain("### `prod` — unchanged");
        const one = io();
        expect(await run([join(base, "dev"), join(head, "dev"), "--json"], one.io)).toBe(0);
        expect(JSON.parse(one.out.join("\n"))).toMatchObject({ stacks: [{ stack: "dev", status: "changed", added: ["kubernetes:core/v1:Namespace b"] }] });
    });

    it("fails with exit 2 on a missing folder instead of showing every stack as new", async () => {
        const head = renderDir({ dev: [ns("a")] });
        const r = io();
        expect(await run([join(head, "no-such-dir"), head], r.io)).toBe(2);
        expect(r.err.join("\n")).toContain("no such folder");
        expect(r.out).toEqual([]);
    });

    it("fails with exit 2 when neither folder holds a render", async () => {
        const r = io();
        expect(await run([renderDir({}), renderDir({})], r.io)).toBe(2);
        expect(r.err.join("\n")).toContain("no stacks rendered");
    });
});
