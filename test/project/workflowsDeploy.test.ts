/** The stack workflows: previews (preview.yml), deployments (up.yml) and the end-to-end run (e2e.yml). */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ciStacks } from "../../scripts/lib/ciStacks";
import { PROJECT_DIR } from "../harness";
import { dir, load, runsOnPullRequest, usesSecrets, type Workflow } from "./workflowModel";

/** The stack files in the project, by name. */
const stacks = readdirSync(PROJECT_DIR)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.slice("Pulumi.".length, -".yaml".length))
    .sort();

describe("GitHub Actions workflows", () => {
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
