/** The application delivery workflows: app.yml (build, scan, sign, publish), promote.yml and rollback.yml. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROMETHEUS } from "../../scripts/lib/canary";
import { ciStacks } from "../../scripts/lib/ciStacks";
import { PROJECT_DIR } from "../harness";
import { dir, load, type Step, usesSecrets } from "./workflowModel";

/** Per job, for the delivery workflows: which job holds which write, and why. */
const DELIVERY_JOB_WRITES: Record<string, Record<string, string[]>> = {
    "app.yml": { publish: ["id-token"], "dev-pr": ["contents", "pull-requests"] },
    "promote.yml": { record: ["contents", "pull-requests"] },
    "rollback.yml": { record: ["contents", "pull-requests"] },
};

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
