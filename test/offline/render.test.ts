import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { fakeSecret } from "../../offline/mocks";
import { renderFiles, type RenderedFiles } from "../../offline/render";
import { run } from "../../scripts/render";
import { PROJECT_DIR } from "../harness";
import { sharedEvaluation, stackNames } from "../shared";

/** The render CLI in-process, as `npm run render -- <args>` runs it: exit code and output lines. */
async function renderCli(...args: string[]) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const status = await run(args, { out: (l) => stdout.push(l), err: (l) => stderr.push(l) });
    return { status, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
}

const STACKS = stackNames();
const FILES = ["resources.json", "manifests.yaml", "summary.txt", "policy.txt", "reachability.txt"] as const;
/** Each stack rendered from the two evaluations the global setup made in separate processes. */
const runs: Record<string, [RenderedFiles["files"], RenderedFiles["files"]]> = {};

beforeAll(() => {
    for (const stack of STACKS) {
        runs[stack] = [renderFiles(stack, sharedEvaluation(stack, "a")).files, renderFiles(stack, sharedEvaluation(stack, "b")).files];
    }
});

describe.each(STACKS)("npm run render -- %s", (stack) => {
    it("writes the five files, each of which parses", () => {
        const files = runs[stack][0];
        expect(Object.keys(files).sort()).toEqual([...FILES].sort());
        const resources = JSON.parse(files["resources.json"]) as Record<string, unknown>[];
        expect(resources.length).toBeGreaterThan(5);
        for (const r of resources) {
            expect(Object.keys(r).slice(0, 5)).toEqual(["type", "name", "parent", "dependsOn", "inputs"]);
        }
        const docs = parseAllDocuments(files["manifests.yaml"]);
        expect(docs.length).toBeGreaterThan(0);
        for (const doc of docs) {
            expect(doc.errors).toEqual([]);
            expect(doc.toJS()).toHaveProperty("kind");
        }
        const summary = files["summary.txt"];
        for (const section of [
            "component tree:",
            "resources by type:",
            "charts:",
            "footprint (requests by component; DaemonSets once per node):",
            "dependency depth:",
        ]) {
            expect(summary).toContain(section);
        }
        expect(summary).toContain(`resources: ${resources.length}`);
        const { flows } = sharedEvaluation(stack, "a");
        expect(summary).toMatch(
            new RegExp(`^network flows: ${flows.length} needed, (0 blocked|not checked: NetworkPolicies off) \\(reachability\\.txt\\)$`, "m"),
        );
        const reachability = files["reachability.txt"].split("\n");
        expect(reachability[0]).toBe(`reachability: ${stack}`);
        expect(reachability.filter((l) => / {2}(admitted|BLOCKED|no policy) {2}/.test(l))).toHaveLength(flows.length);
        expect(reachability).toContainEqual(expect.stringMatching(new RegExp(`^flows: ${flows.length} needed, `)));
    });

    it("passes the policy pack with zero violations", () => {
        expect(runs[stack][0]["policy.txt"]).toContain("violations: 0\n");
    });

    it("is byte-identical when evaluated twice, in two processes", () => {
        for (const file of FILES) {
            expect(runs[stack][1][file]).toBe(runs[stack][0][file]);
        }
    });

    it("shows secrets only as [secret]", () => {
        const files = runs[stack][0];
        const text = FILES.map((f) => files[f]).join("\n");
        const resources = JSON.parse(files["resources.json"]) as { type: string; name: string }[];
        for (const r of resources.filter((x) => x.type.startsWith("random:"))) {
            expect(text).not.toContain(fakeSecret("random", r.name));
        }
        expect(text).not.toContain("client-key-data");
        expect(text).not.toContain("[secure value of");
        const stackFile = parse(readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as unknown;
        for (const ciphertext of JSON.stringify(stackFile).match(/v1:[A-Za-z0-9+/=:]+/g) ?? []) {
            expect(text).not.toContain(ciphertext);
        }
        expect(text).toContain('"kubeconfig": "[secret]"');
    });
});

describe("render with invalid config", () => {
    it("exits 1, lists every problem by key on stderr, without a stack trace, and writes nothing", async () => {
        const dir = mkdtempSync(join(tmpdir(), "render-bad-"));
        const stackFile = join(dir, "Pulumi.bad.yaml");
        writeFileSync(
            stackFile,
            [
                "encryptionsalt: v1:c2FsdA==:v1:bm9uY2U=:Y2lwaGVy",
                "config:",
                "  platform:profile: prod",
                "  platform:domain: example.com",
                "  platform:cluster:",
                "    mode: k3s",
                "    k3s:",
                "      version: latest",
                "      ssh:",
                "        privateKey: not-a-secret",
                "      servers:",
                "        - {name: s1, host: 10.0.0.1}",
                "        - {name: s2, host: 10.0.0.2}",
                "",
            ].join("\n"),
        );
        const out = join(dir, "out");
        const { status, stderr, stdout } = await renderCli("bad", "--stack-file", stackFile, "--out", out);
        expect(status).toBe(1);
        expect(stdout).toBe("");
        expect(stderr).toContain("invalid stack configuration (6 problems)");
        expect(stderr).toContain("platform:cluster.k3s.servers[1].hostKey: required: pin the SSH host key of 10.0.0.2");
        expect(stderr).toContain("platform:cluster.k3s.version: expected a k3s release tag such as v1.36.4+k3s1");
        expect(stderr).toContain("platform:cluster.k3s.ssh.privateKey: must be a secret");
        expect(stderr).toContain("platform:cluster.k3s.servers: expected an odd number of servers");
        expect(stderr).toContain("platform:cluster.k3s.servers: expected at least 3 servers for the prod profile");
        expect(stderr).not.toMatch(/^\s+at /m);
        expect(stderr).not.toContain("not-a-secret");
        expect(existsSync(out)).toBe(false);
    });

    it("refuses a stack file that declares no secrets provider, naming the commands that set one (issue 25)", async () => {
        const dir = mkdtempSync(join(tmpdir(), "render-no-provider-"));
        const dev = parse(readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")) as Record<string, unknown>;
        delete dev.encryptionsalt;
        const stackFile = join(dir, "Pulumi.dev.yaml");
        writeFileSync(stackFile, stringify({ ...dev, secretsprovider: "passphrase" }));
        const { status, stderr } = await renderCli("dev", "--stack-file", stackFile, "--out", join(dir, "out"));
        expect(status).toBe(1);
        expect(stderr).toContain(`${stackFile}: declares no secrets provider`);
        expect(stderr).toContain("pulumi stack init <stack> --secrets-provider passphrase");
        expect(stderr).not.toMatch(/^\s+at /m);
    });

    it("refuses prod with a plain etcd S3 secret key beside encrypted ones (issue 13, item 5)", async () => {
        const dir = mkdtempSync(join(tmpdir(), "render-plain-secret-"));
        const prod = parse(readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8")) as {
            config: Record<string, { k3s: { etcdSnapshots: { s3: Record<string, unknown> } } }>;
        };
        prod.config["platform:cluster"].k3s.etcdSnapshots.s3.secretKey = "plain-etcd-secret-key";
        const stackFile = join(dir, "Pulumi.prod.yaml");
        writeFileSync(stackFile, stringify(prod));
        const { status, stderr } = await renderCli("prod", "--stack-file", stackFile, "--out", join(dir, "out"));
        expect(status).toBe(1);
        expect(stderr).toContain(
            "platform:cluster.k3s.etcdSnapshots.s3.secretKey: must be a secret but was given in plain text; " +
                "set it with: pulumi config set --secret --path 'cluster.k3s.etcdSnapshots.s3.secretKey' < file",
        );
        expect(stderr).not.toContain("plain-etcd-secret-key");
    });

    it("explains a missing stack file and a missing stack argument", async () => {
        const missing = await renderCli("nosuchstack");
        expect(missing.status).toBe(1);
        expect(missing.stderr).toContain("Pulumi.nosuchstack.yaml");
        expect(missing.stderr).not.toMatch(/^\s+at /m);
        const usage = await renderCli();
        expect(usage.status).toBe(2);
        expect(usage.stderr).toContain("usage: npm run render -- <stack>");
    });
});

describe("render of an internal-only stack (issue 27, item 1)", () => {
    it("exits 0 and prints the internal-only warning on stderr, before the line that says it rendered", async () => {
        const dir = mkdtempSync(join(tmpdir(), "render-internal-"));
        const stackFile = join(dir, "Pulumi.home.yaml");
        const dev = parse(readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
        const cluster = dev.config["platform:cluster"] as { k3s: { servers: { host: string }[] } };
        cluster.k3s.servers[0].host = "192.168.1.10";
        dev.config["platform:tls"] = { issuer: "letsencrypt", acme: { email: "ops@example.com" } };
        dev.config["platform:dns"] = {
            provider: "cloudflare",
            cloudflare: { apiToken: { secure: "v1:c2FsdHNhbHQ=:ZXhhbXBsZS1wbGFjZWhvbGRlci1jaXBoZXJ0ZXh0" } },
        };
        // Monitoring off (142 resources instead of 215): the warning comes from the nodes' addresses and the DNS zone.
        dev.config["platform:monitoring"] = { enabled: false };
        writeFileSync(stackFile, stringify(dev));
        const out = join(dir, "out");
        const { status, stderr, stdout } = await renderCli("home", "--stack-file", stackFile, "--out", out);
        expect(status).toBe(0);
        expect(stderr).toMatch(/^warning: platform:dns\.provider: internal only: reachable from your network, not from the internet\. .*192\.168\.1\.10/m);
        expect(stdout).toMatch(/rendered home: \d+ resources, 0 policy violations, 1 warning\(s\)/);
        expect(readFileSync(join(out, "summary.txt"), "utf8")).toContain("  internal only: reachable from your network, not from the internet");
    });
});

describe("render with a policy violation", () => {
    /** dev.yaml plus a privileged namespace outside the allow-list, as profile `profile`. */
    function seeded(profile: "dev" | "prod"): string {
        const dir = mkdtempSync(join(tmpdir(), `render-seeded-${profile}-`));
        const base = parse(readFileSync(join(PROJECT_DIR, `Pulumi.${profile}.yaml`), "utf8")) as { config: Record<string, unknown> };
        // Added beside the stack's own namespaces, which its apps live in.
        const namespaces = (base.config["platform:namespaces"] as unknown[] | undefined) ?? [];
        base.config["platform:namespaces"] = [...namespaces, { name: "hacks", podSecurity: "privileged", reason: "seeded violation" }];
        // Monitoring off (137/195 resources instead of 209/269): only the seeded Namespace is under test; "passes the policy
        // pack with zero violations" checks the stack file's own render, monitoring included.
        base.config["platform:monitoring"] = { enabled: false };
        const file = join(dir, `Pulumi.seeded.yaml`);
        writeFileSync(file, stringify(base));
        return file;
    }

    it("reports it in dev (advisory) and exits 0", async () => {
        const out = mkdtempSync(join(tmpdir(), "render-seeded-out-"));
        const { status, stderr } = await renderCli("seeded", "--stack-file", seeded("dev"), "--out", out);
        expect(status).toBe(0);
        expect(stderr).toContain("policy: 1 violation(s)");
        expect(readFileSync(join(out, "policy.txt"), "utf8")).toContain("[privileged-allowlist] Namespace hacks is privileged but not in the allow-list");
    });

    it("fails the render in prod (mandatory) with exit 3", async () => {
        const out = mkdtempSync(join(tmpdir(), "render-seeded-out-"));
        const { status } = await renderCli("seeded", "--stack-file", seeded("prod"), "--out", out);
        expect(status).toBe(3);
        expect(readFileSync(join(out, "policy.txt"), "utf8")).toMatch(/mandatory[\s\S]*violations: 1/);
    });
});

describe("the render CLI as a process (npm run render)", () => {
    /** The exact command of package.json's "render" script, run through a shell as npm does. */
    function npmRender(...args: string[]) {
        const script = (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.render;
        const result = spawnSync("sh", ["-c", `${script} "$@"`, "render", ...args], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 60_000 });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    }

    it("exits 2 with the usage, and 1 without a stack trace on a bad stack file", () => {
        const usage = npmRender();
        expect(usage.status).toBe(2);
        expect(usage.stderr).toContain("usage: npm run render -- <stack>");
        const dir = mkdtempSync(join(tmpdir(), "render-cli-"));
        writeFileSync(join(dir, "Pulumi.bad.yaml"), "config:\n  platform:profile: prod\n  platform:domain: [unclosed\n");
        const bad = npmRender("bad", "--stack-file", join(dir, "Pulumi.bad.yaml"), "--out", join(dir, "out"));
        expect(bad.status).toBe(1);
        expect(bad.stderr).toMatch(/Pulumi\.bad\.yaml:\d+:\d+/);
        expect(bad.stderr).not.toMatch(/^\s+at /m);
        expect(existsSync(join(dir, "out"))).toBe(false);
    });
});
