/**
 * Issue 25 (a supply chain that verifies): the rules the delivery workflows follow, each with a
 * check that fails on the old workflows (docs/security.md, "Findings of issue 25").
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { evaluateStack, PROJECT_DIR } from "../harness";
import { dir, holdsCredentials, load, runsOnPullRequest, workflows, type Workflow } from "./workflowModel";

/** CODEOWNERS patterns as this file uses them: `/dir/` (everything below), `/file`, and `*` within one path segment. */
function owned(patterns: readonly string[], file: string): boolean {
    return patterns.some((p) => {
        const anchored = p.startsWith("/") ? p.slice(1) : p;
        if (anchored.endsWith("/")) return file.startsWith(anchored);
        return new RegExp(`^${anchored.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`).test(file);
    });
}

/** The project files an `npm run <script>` executes: the script's entry file and everything it imports, transitively. */
function filesRunBy(script: string): string[] {
    const pkg = JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const command = pkg.scripts[script] ?? "";
    const entries = [...command.matchAll(/(?:^|\s)(scripts\/[\w./-]+\.(?:ts|js))/g)].map((m) => m[1]);
    const seen = new Set<string>();
    const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        const text = readFileSync(join(PROJECT_DIR, file), "utf8");
        // The render loads the program by path (offline/render.ts: require(join(PROJECT_DIR, "index.ts"))).
        if (/join\(PROJECT_DIR, "index\.ts"\)/.test(text)) visit("index.ts");
        for (const [, spec] of text.matchAll(/(?:from|require\()\s*"(\.{1,2}\/[^"]+)"/g)) {
            const base = join(file, "..", spec).replace(/\\/g, "/");
            const found = [`${base}.ts`, `${base}.js`, `${base}/index.ts`, base].find((f) => existsSync(join(PROJECT_DIR, f)) && !f.endsWith(".json"));
            if (found) visit(found);
        }
    };
    [...entries, ...(command.includes("./scripts/register.js") ? ["scripts/register.js"] : [])].forEach(visit);
    return [...seen];
}

describe("CODEOWNERS covers everything the credentialed workflows run (issue 25, item 6)", () => {
    const patterns = readFileSync(join(PROJECT_DIR, ".github", "CODEOWNERS"), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.startsWith("#"))
        .map((l) => l.trim().split(/\s+/)[0]);
    const scriptsRun = [
        ...new Set(
            workflows.flatMap((file) =>
                Object.values(load(file).jobs)
                    .filter((j) => holdsCredentials(j) || file === "pr-comment.yml")
                    .flatMap((j) => j.steps.flatMap((s) => [...(s.run ?? "").matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((m) => m[1]))),
            ),
        ),
    ].sort();

    it("finds the npm scripts those jobs run (scan gate, deploy CLIs, render, plan diff, PR comment, verify)", () => {
        expect(scriptsRun).toEqual(
            expect.arrayContaining(["app:scan-gate", "app:info", "app:set-image", "app:rollback", "app:canary", "render", "verify", "pr-comment"]),
        );
    });

    it.each(scriptsRun)("every file `npm run %s` executes has a code owner", (script) => {
        const files = filesRunBy(script);
        expect(files.length).toBeGreaterThan(0);
        expect(files.filter((f) => !owned(patterns, f))).toEqual([]);
    });

    it("the check fails the old CODEOWNERS, which named the PR comment's script but not components/, platform/ or the scan gate", () => {
        const old = [
            "/.github/",
            "/policy/",
            "/Pulumi.*.yaml",
            "/Pulumi.yaml",
            "/renovate.json",
            "/scripts/lib/prComment.ts",
            "/scripts/lib/planDiff.ts",
            "/scripts/pr-comment.ts",
            "/package.json",
            "/package-lock.json",
        ];
        expect(filesRunBy("app:scan-gate").filter((f) => !owned(old, f))).toEqual(
            expect.arrayContaining(["scripts/harbor-scan-gate.ts", "scripts/lib/harborScan.ts", "components/registry/harborApi.ts"]),
        );
        expect(filesRunBy("render").some((f) => f.startsWith("platform/") && !owned(old, f))).toBe(true);
    });
});

/** Issue 25, item 6: such a job runs no package install scripts (`npm ci --ignore-scripts`, plugins installed explicitly). */
function installScriptProblems(file: string, wf: Workflow): string[] {
    return Object.entries(wf.jobs)
        .filter(([, job]) => holdsCredentials(job))
        .flatMap(([name, job]) =>
            job.steps
                .filter((s) => /\bnpm (ci|install|i)\b/.test(s.run ?? "") && !(s.run ?? "").includes("--ignore-scripts"))
                .map((s) => `${file} ${name}: "${s.run}" runs install scripts in a job with credentials`),
        );
}

/**
 * Issue 25, item 6: such a job passes no credential to later steps through GITHUB_ENV or a file: a
 * secret written to a file is removed by the same step (trap ... rm), registry logins go to a
 * DOCKER_CONFIG of that step, and a docker/login-action login ends with `docker logout`.
 */
function credentialFileProblems(file: string, wf: Workflow): string[] {
    const problems: string[] = [];
    for (const [name, job] of Object.entries(wf.jobs).filter(([, j]) => holdsCredentials(j))) {
        job.steps.forEach((step, i) => {
            const run = step.run ?? "";
            if (/>>\s*"?\$\{?GITHUB_ENV/.test(run)) problems.push(`${file} ${name}: step ${i} writes to GITHUB_ENV`);
            if (/--show-secrets[^\n|]*>/.test(run) && !/trap '[^']*rm /.test(run)) problems.push(`${file} ${name}: step ${i} leaves a secret in a file`);
            if (/\b(oras|cosign|docker) login\b/.test(run) && !/DOCKER_CONFIG="\$\(mktemp -d\)"|export DOCKER_CONFIG="\$WORK/.test(run))
                problems.push(`${file} ${name}: step ${i} logs in to a registry outside a step-local DOCKER_CONFIG`);
            if (step.uses?.startsWith("docker/login-action@") && !job.steps.slice(i + 1).some((s) => /^docker logout\b/.test(s.run ?? "")))
                problems.push(`${file} ${name}: docker/login-action without a docker logout`);
        });
    }
    return problems;
}

/** Issue 25, item 6: a job that runs a pull request's code (its checkout) holds no write token. */
function prCodeWriteProblems(file: string, wf: Workflow): string[] {
    return Object.entries(wf.jobs)
        .filter(([, job]) => runsOnPullRequest(wf, job) && job.steps.some((s) => s.uses?.startsWith("actions/checkout@") && s.with?.ref === undefined))
        .flatMap(([name, job]) =>
            Object.entries({ ...wf.permissions, ...job.permissions })
                .filter(([, v]) => v === "write")
                .map(([k]) => `${file} ${name}: runs PR code with ${k}: write`),
        );
}

describe("delivery hardening (issue 25, item 6)", () => {
    it.each(workflows)("%s runs no install scripts in a job that can mint an OIDC token or holds credentials", (file) => {
        expect(installScriptProblems(file, load(file))).toEqual([]);
    });

    it.each(workflows)("%s passes no credential to later steps through GITHUB_ENV or a file", (file) => {
        expect(credentialFileProblems(file, load(file))).toEqual([]);
    });

    it.each(workflows)("%s gives no write token to a job that runs a pull request's code", (file) => {
        expect(prCodeWriteProblems(file, load(file))).toEqual([]);
    });

    it("the three checks fail the old workflows: npm ci with OIDC, the kubeconfig through GITHUB_ENV, oras login to ~/.docker, the commenting preview", () => {
        const old = parse(
            [
                "on: { pull_request: {}, push: {} }",
                "jobs:",
                "  up:",
                "    environment: production",
                "    permissions: { contents: read, id-token: write }",
                "    steps:",
                "      - run: npm ci",
                "      - run: npm ci --prefix policy",
                "      - env: { P: '${{ secrets.PULUMI_ACCESS_TOKEN }}' }",
                "        run: |",
                '          oras login "$host" --username u --password-stdin <<<"$p"',
                '          pulumi stack output kubeconfig --show-secrets --stack prod > "$RUNNER_TEMP/kubeconfig"',
                '          echo "KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"',
                "  preview-dev:",
                "    if: github.event.pull_request.head.repo.full_name == github.repository",
                "    environment: dev-preview",
                "    permissions: { contents: read, pull-requests: write }",
                "    steps:",
                "      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8",
                "        with: { persist-credentials: false }",
                "      - run: npm ci",
            ].join("\n"),
        ) as Workflow;
        expect(installScriptProblems("old.yml", old)).toEqual([
            'old.yml up: "npm ci" runs install scripts in a job with credentials',
            'old.yml up: "npm ci --prefix policy" runs install scripts in a job with credentials',
            'old.yml preview-dev: "npm ci" runs install scripts in a job with credentials',
        ]);
        expect(credentialFileProblems("old.yml", old)).toEqual([
            "old.yml up: step 2 writes to GITHUB_ENV",
            "old.yml up: step 2 leaves a secret in a file",
            "old.yml up: step 2 logs in to a registry outside a step-local DOCKER_CONFIG",
        ]);
        expect(prCodeWriteProblems("old.yml", old)).toEqual(["old.yml preview-dev: runs PR code with pull-requests: write"]);
    });

    it("installs the Pulumi plugins the skipped install scripts would have, at the SDKs' own versions, before any Pulumi step", () => {
        for (const file of ["up.yml", "preview.yml", "promote.yml", "rollback.yml"]) {
            for (const [name, job] of Object.entries(load(file).jobs).filter(([, j]) => j.steps.some((s) => s.uses?.startsWith("pulumi/actions@")))) {
                const plugins = job.steps.findIndex((s) =>
                    (s.run ?? "").includes('pulumi plugin install resource "$pkg" "$(node -p "require(\'@pulumi/$pkg/package.json\').version")"'),
                );
                const firstPulumi = job.steps.findIndex(
                    (s) => s.with?.command !== undefined || /\bpulumi (up|preview|stack)\b|app:(rollback|canary)/.test(s.run ?? ""),
                );
                expect([file, name, plugins > 0 && plugins < firstPulumi]).toEqual([file, name, true]);
                expect(job.steps[plugins].run).toMatch(/for pkg in kubernetes command random tls; do/);
            }
        }
    });
});

describe("promotion and rollback verify the signer (issue 25, item 2)", () => {
    const identityTemplate =
        "${{ github.server_url }}/${{ github.repository }}/.github/workflows/app.yml@refs/heads/${{ github.event.repository.default_branch }}";

    it.each(["promote.yml", "rollback.yml"])("%s pins the signer to this repository's app.yml on the default branch and GitHub's OIDC issuer", (file) => {
        expect(load(file).env).toEqual({ SIGNER_IDENTITY: identityTemplate, SIGNER_ISSUER: "https://token.actions.githubusercontent.com" });
        const text = readFileSync(join(dir, file), "utf8");
        // Every verification names both; none goes without.
        const calls = [...text.matchAll(/cosign (verify|verify-attestation) ([^\n]*)/g)];
        expect(calls.length).toBeGreaterThanOrEqual(2);
        for (const [, , args] of calls) expect(args).toContain('--certificate-identity "$SIGNER_IDENTITY" --certificate-oidc-issuer "$SIGNER_ISSUER"');
        expect(text).not.toMatch(/--certificate-identity-regexp|--insecure-ignore/);
    });

    it("the identity promotion pins is the one the prod render's admission policy names", async () => {
        // The stack files name github.com/example-org/platform, default branch main.
        const expanded = identityTemplate
            .replace("${{ github.server_url }}", "https://github.com")
            .replace("${{ github.repository }}", "example-org/platform")
            .replace("${{ github.event.repository.default_branch }}", "main");
        const { resources } = await evaluateStack("prod");
        const policy = resources.find(
            (r) => r.type === "kubernetes:policy.sigstore.dev/v1beta1:ClusterImagePolicy" && r.name === "prod-admission-platform-signed-apps",
        )!;
        expect(
            (policy.inputs as { spec: { authorities: { keyless?: { identities: { subject: string; issuer: string }[] } }[] } }).spec.authorities[0].keyless!
                .identities,
        ).toEqual([{ issuer: "https://token.actions.githubusercontent.com", subject: expanded }]);
    });

    it("promote verifies every manifest and the provenance at the source before copying, verifies the copy, and waits for the region's scan before up", () => {
        const wf = load("promote.yml");
        // One region job over the prod-lane stacks (npm run -s ci:stacks), one region at a time.
        for (const stack of ["region"]) {
            const steps = wf.jobs[stack].steps;
            const at = (pred: (r: string) => boolean) => steps.findIndex((s) => pred(s.run ?? ""));
            const verify = at(
                (r) =>
                    r.includes('verify "$src@$DIGEST"') &&
                    r.includes("for child in $(oras manifest fetch") &&
                    r.includes("cosign verify-attestation --type slsaprovenance02"),
            );
            const copy = at((r) => r.includes('oras cp -r --registry-config "$DOCKER_CONFIG/config.json" "$src@$DIGEST"'));
            const setImage = at((r) => r.includes("npm run -s app:set-image --"));
            const up = steps.findIndex((s) => s.with?.command === "up");
            expect([stack, verify > 0, copy > verify, setImage > copy, up > setImage]).toEqual([stack, true, true, true, true]);
            // The verification step holds only the source's pull robot; the copy verifies what the region will run, then its scan.
            expect(Object.keys(steps[verify].env ?? {}).sort()).toEqual(["SOURCE_REGISTRY_PASSWORD", "SOURCE_REGISTRY_USERNAME"]);
            const copyRun = steps[copy].run!;
            const after = copyRun.slice(copyRun.indexOf("oras cp -r"));
            expect(after).toContain('cosign verify --certificate-identity "$SIGNER_IDENTITY" --certificate-oidc-issuer "$SIGNER_ISSUER" "$dst@$DIGEST"');
            expect(after).toContain('npm run -s app:scan-gate -- "${dst%%/*}" "$project/$(image "$STACK" repository)@$DIGEST" --policy-of "$STACK"');
            // The region's CI robot of the app's project only.
            expect(copyRun).toContain('pulumi stack output registryRobots --show-secrets --json --stack "$STACK" | jq -c --arg p "$project" \'.[$p]\'');
        }
    });

    it("promote takes only the digest dev runs on the default branch, unless an override says why (logged, and in the record PR)", () => {
        const wf = load("promote.yml");
        const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { default?: string }> }).inputs;
        expect(inputs.override_reason.default).toBe("");
        const resolve = wf.jobs.resolve;
        expect(resolve.steps[0].with).toMatchObject({ "fetch-depth": 0 });
        const step = resolve.steps.find((s) => s.id === "digest")!;
        expect(step.env).toMatchObject({ REASON: "${{ inputs.override_reason }}", DEFAULT_BRANCH: "${{ github.event.repository.default_branch }}" });
        expect(step.run).toContain('git show "origin/$DEFAULT_BRANCH:Pulumi.dev.yaml" > "$RUNNER_TEMP/Pulumi.dev.yaml"');
        expect(step.run).toContain('--stack-file "$RUNNER_TEMP/Pulumi.dev.yaml"');
        expect(step.run).toMatch(/if \[ "\$digest" != "\$dev" \]; then\n\s+if \[ -z "\$REASON" \]; then\n[^\n]*::error::[^\n]*\n\s+exit 1/);
        expect(step.run).toContain('echo "::warning::override: $override"');
        expect(String(wf.jobs.record.steps.find((s) => s.uses?.startsWith("peter-evans/create-pull-request@"))?.with?.body)).toContain(
            "needs.resolve.outputs.override",
        );
    });
});
