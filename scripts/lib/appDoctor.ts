/**
 * `npm run app:doctor`: what shipping one app needs, checked offline where the repository can tell
 * (the app's source, every stack file the delivery workflows use) and listed where it cannot (GitHub
 * environments and secrets, what the runners can reach). The checklist it follows is
 * docs/app-delivery.md, "Checklist: ship an app".
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parsePlatformConfig, type PlatformConfig } from "../../config/config";
import { publicAddressOf } from "../../config/reachability";
import { readStackFile } from "../../offline/stackfile";
import { CiStack, ciStacks } from "./ciStacks";

export type Verdict = "ok" | "warn" | "FAIL";

export interface Finding {
    readonly verdict: Verdict;
    readonly text: string;
}

export interface DoctorSection {
    readonly title: string;
    readonly findings: readonly Finding[];
}

export interface DoctorReport {
    readonly sections: readonly DoctorSection[];
    /** What cannot be seen offline: GitHub settings and network paths, one line each. */
    readonly checkYourself: readonly string[];
}

const PLACEHOLDER_DIGEST = `sha256:${"0".repeat(64)}`;
const ok = (text: string): Finding => ({ verdict: "ok", text });
const warn = (text: string): Finding => ({ verdict: "warn", text });
const fail = (text: string): Finding => ({ verdict: "FAIL", text });

/** Test files the platform's jest would run for an app without a test script (jest.config.js: apps/<app>/test). */
function jestTests(dir: string): number {
    const walk = (d: string): number =>
        readdirSync(d).reduce((n, f) => {
            const path = join(d, f);
            return n + (statSync(path).isDirectory() ? walk(path) : /\.test\.ts$/.test(f) ? 1 : 0);
        }, 0);
    return existsSync(join(dir, "test")) ? walk(join(dir, "test")) : 0;
}

/** apps/<app>/: what the `app` workflow's detect, test and build jobs need. */
function sourceFindings(projectDir: string, app: string): Finding[] {
    const dir = join(projectDir, "apps", app);
    if (!existsSync(dir)) {
        return [
            fail(
                `apps/${app}/ does not exist: the app workflow builds apps/<name>/ (a Dockerfile and a package.json); for another language or repository see docs/app-delivery.md, "Where the source lives"`,
            ),
        ];
    }
    const findings: Finding[] = [];
    const missing = ["Dockerfile", "package.json"].filter((f) => !existsSync(join(dir, f)));
    findings.push(
        missing.length === 0
            ? ok(`apps/${app}/Dockerfile and package.json (the app workflow picks up only directories with both)`)
            : fail(`apps/${app}/ has no ${missing.join(" and no ")}: the app workflow ignores it (scripts/lib/changedApps.ts)`),
    );
    if (!existsSync(join(dir, "package-lock.json")))
        findings.push(
            fail(`apps/${app}/package-lock.json is missing: the test job runs \`npm ci\` there (run \`npm install\` in apps/${app} and commit the lockfile)`),
        );
    if (existsSync(join(dir, "package.json"))) {
        const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { scripts?: Record<string, string> };
        const tests = jestTests(dir);
        if (pkg.scripts?.test !== undefined) findings.push(ok(`tests: its own \`npm test\` (${pkg.scripts.test})`));
        else if (tests > 0) findings.push(ok(`tests: ${tests} file(s) under apps/${app}/test, run by the platform's jest (no test script)`));
        else findings.push(fail(`no tests: no \`test\` script and no apps/${app}/test/*.test.ts; the test job fails, an app is never published untested`));
    }
    return findings;
}

/** One stack's file: valid, declares the app where the delivery expects it, and what will bite. */
function stackFindings(projectDir: string, app: string, stack: CiStack, source: boolean): Finding[] {
    const file = `Pulumi.${stack.stack}.yaml`;
    let config: PlatformConfig;
    try {
        config = parsePlatformConfig(readStackFile(projectDir, stack.stack).config);
    } catch (err) {
        const problems = (err as { problems?: readonly string[] }).problems ?? [(err as Error).message];
        return [fail(`${file} does not validate (npm run render -- ${stack.stack}): ${problems.join("; ")}`)];
    }
    const findings: Finding[] = [ok(`${file} validates`)];
    const entry = config.apps.find((a) => a.name === app);
    if (entry === undefined) {
        const role = source ? "the app workflow publishes its image with this stack's names and deploys it here first" : "promotion deploys the digest here";
        return [...findings, fail(`${file} has no platform:apps entry "${app}": ${role} (README, "Deploy your application")`)];
    }
    findings.push(
        ok(
            `platform:apps has ${app}: namespace ${entry.namespace}, image ${config.harbor.host}/${entry.image.project}/${entry.image.repository}, https://${entry.host}`,
        ),
    );
    const robot = config.harbor.robot;
    if (robot === undefined)
        findings.push(fail(`${file} has no platform:harbor.robot: the CI robot that pushes (app workflow) and that promotion logs in with`));
    else if (!robot.projects.includes(entry.image.project))
        findings.push(fail(`the CI robot robot$${robot.name} may not push to project ${entry.image.project}: add it to platform:harbor.robot.projects`));
    else findings.push(ok(`the CI robot robot$${robot.name} may push to and pull from project ${entry.image.project}`));
    if (entry.image.digest === PLACEHOLDER_DIGEST) {
        findings.push(
            warn(
                `image.digest is the all-zero placeholder: \`pulumi up\` of ${stack.stack} fails at ${app} until a built digest is in (${source ? "merge the app workflow's pull request after the first build" : "promote once dev runs a built image"})`,
            ),
        );
    }
    if (source && config.tls.issuer === "selfSigned") {
        findings.push(
            warn(
                `tls.issuer selfSigned: GitHub-hosted runners do not trust ${config.harbor.host}'s certificate, so docker push fails; use a public issuer for ${stack.stack} or a runner that trusts the platform CA`,
            ),
        );
    }
    const k3s = config.cluster.mode === "k3s" ? config.cluster.k3s : undefined;
    if (k3s && [...k3s.servers, ...k3s.agents].every((n) => publicAddressOf(n) === undefined)) {
        findings.push(
            warn(
                `no node of ${stack.stack} has a public address: GitHub-hosted runners cannot reach ${config.harbor.host} or the Kubernetes API; run these jobs on a self-hosted runner in that network (docs/app-delivery.md, "Runners")`,
            ),
        );
    }
    return findings;
}

/** What GitHub must hold for this app's delivery, by the stack convention (docs/delivery.md). */
function githubChecklist(stacks: readonly CiStack[], source: CiStack | undefined): string[] {
    const backend = "PULUMI_ACCESS_TOKEN (Pulumi Cloud) or PULUMI_BACKEND_URL";
    const lines = [
        `environment \`registry\` (deployment branch main): secrets HARBOR_USERNAME, HARBOR_PASSWORD = the ${source?.stack ?? "dev"} stack's CI robot (\`pulumi stack output registryRobot --show-secrets --stack ${source?.stack ?? "dev"}\`)`,
    ];
    for (const s of stacks) {
        const refs = s.lane === "prod" ? "deployment refs: v* tags; required reviewers" : "deployment branch main";
        const copy = s.from ? `; SOURCE_REGISTRY_USERNAME, SOURCE_REGISTRY_PASSWORD = the ${s.from} stack's CI robot` : "";
        lines.push(`environment \`${s.environment}\` (${refs}): ${s.passphrase}, ${backend}${copy}`);
    }
    for (const preview of ["dev-preview", "prod-preview"] as const) {
        const names = stacks.filter((s) => s.previewEnvironment === preview).map((s) => s.passphrase);
        if (names.length > 0) lines.push(`environment \`${preview}\`: ${names.join(", ")}, ${backend}`);
    }
    lines.push(
        'runners: GitHub-hosted ones reach Harbor (HTTPS 443) and, for promote and rollback, the Kubernetes API (6443) over the internet; otherwise a self-hosted runner (docs/app-delivery.md, "Runners")',
        "a `v*` release tag on main to dispatch promote and prod rollbacks on; optionally a GitHub App token for the digest pull requests to start `ci`",
    );
    return lines;
}

export function appDoctor(projectDir: string, app: string): DoctorReport {
    const stacks = ciStacks(projectDir);
    const source = stacks.find((s) => s.stack === "dev");
    const sections: DoctorSection[] = [{ title: `source apps/${app}`, findings: sourceFindings(projectDir, app) }];
    if (source === undefined) {
        sections.push({
            title: "stack dev",
            findings: [fail("no Pulumi.dev.yaml: the app workflow publishes to the dev stack's Harbor and promotion starts from it")],
        });
    }
    for (const s of [...(source ? [source] : []), ...stacks.filter((x) => x.lane === "prod")]) {
        const role = s === source ? "the app workflow publishes here" : `promoted from ${s.from}`;
        sections.push({ title: `stack ${s.stack} (${role}; environment ${s.environment})`, findings: stackFindings(projectDir, app, s, s === source) });
    }
    return { sections, checkYourself: githubChecklist([...(source ? [source] : []), ...stacks.filter((x) => x.lane === "prod")], source) };
}
