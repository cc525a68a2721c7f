/**
 * `npm run app:doctor -- <app>` (issue 27, item 3): the app delivery checklist of
 * docs/app-delivery.md, checked offline where the repository can tell, listed where it cannot.
 * Run against copies of the repository's stack files and the sample app, edited the way users get them wrong.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { run as doctor } from "../../scripts/app-doctor";
import { PROJECT_DIR } from "../harness";

type StackDoc = { config: Record<string, unknown> };

/** A project with Pulumi.yaml, the dev/prod/prod-eu stack files (each edited by `edit`) and apps/hello. */
function project(edit: (stack: string, doc: StackDoc) => void = () => undefined): string {
    const dir = mkdtempSync(join(tmpdir(), "app-doctor-"));
    cpSync(join(PROJECT_DIR, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    cpSync(join(PROJECT_DIR, "apps", "hello"), join(dir, "apps", "hello"), { recursive: true, filter: (src) => !src.includes("node_modules") });
    for (const stack of ["dev", "prod", "prod-eu"]) {
        const doc = parse(readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as StackDoc;
        edit(stack, doc);
        writeFileSync(join(dir, `Pulumi.${stack}.yaml`), stringify(doc));
    }
    return dir;
}

async function runDoctor(dir: string, app = "hello") {
    const out: string[] = [];
    const err: string[] = [];
    const status = await doctor([app], { out: (l) => out.push(l), err: (l) => err.push(l) }, dir);
    return { status, text: out.join("\n"), err: err.join("\n") };
}

describe("npm run app:doctor", () => {
    it("passes the sample app in the repository's stacks, warns about what still bites, and lists the GitHub settings by the stack convention", async () => {
        const { status, text } = await runDoctor(project());
        expect(status).toBe(0);
        const titles = text.split("\n").filter((l) => /^\S/.test(l));
        expect(titles.slice(0, 4)).toEqual([
            "source apps/hello",
            "stack dev (the app workflow publishes here; environment development)",
            "stack prod (promoted from dev; environment production)",
            "stack prod-eu (promoted from prod; environment production-eu)",
        ]);
        expect(text).toContain("  ok    the CI robot robot$ci may push to and pull from project apps");
        expect(text).toMatch(/^ {2}warn {2}image\.digest is the all-zero placeholder: `pulumi up` of prod fails at hello/m);
        expect(text).toMatch(/^ {2}warn {2}tls\.issuer selfSigned: GitHub-hosted runners do not trust registry\.dev\.example\.com's certificate/m);
        expect(text).toContain("environment `registry` (deployment branch main): secrets HARBOR_USERNAME, HARBOR_PASSWORD = the dev stack's CI robot");
        expect(text).toContain(
            "environment `production-eu` (deployment refs: v* tags; required reviewers): PULUMI_CONFIG_PASSPHRASE_PROD_EU, PULUMI_ACCESS_TOKEN (Pulumi Cloud) or PULUMI_BACKEND_URL; SOURCE_REGISTRY_USERNAME, SOURCE_REGISTRY_PASSWORD = the prod stack's CI robot",
        );
        expect(text).toMatch(/\n0 failed, \d+ warning\(s\)$/);
    });

    it("fails, naming the file, when a promoted-to stack lacks the app or its CI robot cannot push to the app's project", async () => {
        const dir = project((stack, doc) => {
            if (stack === "prod-eu") doc.config["platform:apps"] = [];
            if (stack === "prod") (doc.config["platform:harbor"] as { robot: { projects: string[] } }).robot.projects = ["platform"];
        });
        const { status, text } = await runDoctor(dir);
        expect(status).toBe(1);
        expect(text).toContain("  FAIL  the CI robot robot$ci may not push to project apps: add it to platform:harbor.robot.projects");
        expect(text).toContain('  FAIL  Pulumi.prod-eu.yaml has no platform:apps entry "hello": promotion deploys the digest here');
        expect(text).toMatch(/\n2 failed, \d+ warning\(s\)$/);
    });

    it("fails on a source the app workflow would skip or could not test, and on a stack file that does not validate", async () => {
        const dir = project((stack, doc) => {
            if (stack === "dev") (doc.config["platform:apps"] as { namespace: string }[])[0].namespace = "nowhere";
        });
        rmSync(join(dir, "apps", "hello", "package-lock.json"));
        rmSync(join(dir, "apps", "hello", "test"), { recursive: true });
        const { status, text } = await runDoctor(dir);
        expect(status).toBe(1);
        expect(text).toContain("  FAIL  apps/hello/package-lock.json is missing: the test job runs `npm ci` there");
        expect(text).toContain("  FAIL  no tests: no `test` script and no apps/hello/test/*.test.ts");
        expect(text).toMatch(
            / {2}FAIL {2}Pulumi\.dev\.yaml does not validate \(npm run render -- dev\): platform:apps\[0\]\.namespace: expected one of platform:namespaces/,
        );
        const missing = await runDoctor(dir, "billing");
        expect(missing.text).toContain("  FAIL  apps/billing/ does not exist: the app workflow builds apps/<name>/");
    });

    it("tells an internal-only stack to use a self-hosted runner", async () => {
        const dir = project((stack, doc) => {
            if (stack === "dev") (doc.config["platform:cluster"] as { k3s: { servers: { host: string }[] } }).k3s.servers[0].host = "192.168.1.10";
        });
        const { text } = await runDoctor(dir);
        expect(text).toContain(
            "  warn  no node of dev has a public address: GitHub-hosted runners cannot reach registry.dev.example.com or the Kubernetes API; run these jobs on a self-hosted runner",
        );
    });
});
