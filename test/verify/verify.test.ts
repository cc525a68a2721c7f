/**
 * `npm run verify` against a fake platform on loopback (verifyRun.ts): the command as a whole, its
 * exit codes, --json, kubeconfig sources and secret masking. The checks one by one: verifyChecks.test.ts.
 */
import { readFileSync } from "node:fs";
import * as net from "node:net";
import { CHECKS } from "../../scripts/lib/verify/catalog";
import { type Report, useFakePlatform } from "./verifyRun";

const { fake, verify } = useFakePlatform();

describe("verify: the command", () => {
    it("documents every check in --help and exits 0", async () => {
        const res = await verify(["--help"]);
        expect(res.code).toBe(0);
        for (const c of CHECKS) {
            expect(res.stdout).toContain(c.name);
            expect(res.stdout).toContain(c.description);
        }
        expect(res.stdout).toMatch(/Exit codes: 0 .* 1 .* 2 cannot connect/);
    });

    it("passes a healthy prod platform: progress lines, then the table, exit 0", async () => {
        const res = await verify(["prod", "--kubeconfig", fake.kubeconfig(), "--ca-file", fake.caFile]);
        expect(res.code).toBe(0);
        expect(res.stderr).toMatch(/verify prod: cluster https:\/\/127.0.0.1:\d+/);
        expect(res.stderr).toContain("[ok  ] cluster.nodes: 4 node(s) Ready at v1.36.4+k3s1");
        expect(res.stdout).toMatch(/^CHECK\s+RESULT\s+DETAIL\s+HINT$/m);
        for (const c of CHECKS) expect(res.stdout).toMatch(new RegExp(`^${c.name.replace(".", "\\.")}\\s+pass\\s`, "m"));
        expect(res.stdout).toContain(`${CHECKS.length} passed, 0 failed, 0 skipped`);
    });

    it("exits 1 with the failing check's hint in the table when one check fails", async () => {
        fake.state.harbor.manifests.clear();
        const res = await verify(["prod", "--kubeconfig", fake.kubeconfig(), "--ca-file", fake.caFile]);
        expect(res.code).toBe(1);
        expect(res.stdout).toMatch(/^harbor\.proxy-cache\s+fail\s+GET manifest.*Harbor must reach the upstream registry/m);
        expect(res.stdout).toContain(`${CHECKS.length - 1} passed, 1 failed, 0 skipped`);
    });

    it("--json gives the whole result as one document on stdout", async () => {
        const res = await verify(["prod", "--json", "--kubeconfig", fake.kubeconfig(), "--ca-file", fake.caFile]);
        const report = JSON.parse(res.stdout) as Report & { stack: string; server: string };
        expect(report).toMatchObject({ stack: "prod", ok: true, exitCode: 0, server: fake.apiUrl });
        expect(report.checks.map((c) => c.check)).toEqual(CHECKS.map((c) => c.name));
    });

    it("skips the checks of parts a stack turns off (dev: local-path storage, k3s snapshots on)", async () => {
        const res = await verify([
            "dev",
            "--json",
            "--only",
            "longhorn.volumes,longhorn.backup-target,cluster.etcd-snapshots",
            "--kubeconfig",
            fake.kubeconfig(),
        ]);
        const rows = (JSON.parse(res.stdout) as Report).checks;
        expect(rows.map((r) => [r.check, r.result])).toEqual([
            ["longhorn.volumes", "skip"],
            ["longhorn.backup-target", "skip"],
            ["cluster.etcd-snapshots", "pass"],
        ]);
        expect(rows[0].detail).toContain("runs when storage.class is longhorn");
        expect(res.code).toBe(0);
    });

    it("exits 2 when it cannot connect, in text and in --json", async () => {
        const server = net.createServer();
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as net.AddressInfo).port;
        await new Promise((r) => server.close(r));
        const text = await verify(["prod", "--kubeconfig", fake.kubeconfig(`https://127.0.0.1:${port}`)]);
        expect(text.code).toBe(2);
        expect(text.stderr).toMatch(/cannot connect to the cluster: cannot reach https:\/\/127.0.0.1:\d+: .*ECONNREFUSED/);
        const json = await verify(["prod", "--json", "--kubeconfig", fake.kubeconfig(`https://127.0.0.1:${port}`)]);
        expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, exitCode: 2, error: expect.stringContaining("cannot connect"), checks: [] });
    });

    it("exits 2 when the API server refuses the kubeconfig's credentials", async () => {
        const res = await verify(["prod", "--kubeconfig", fake.kubeconfig(fake.apiUrl, "wrong-token")]);
        expect(res.code).toBe(2);
        expect(res.stderr).toContain("refused the kubeconfig's credentials (HTTP 401)");
    });

    it("exits 2 on bad usage or a missing stack file, naming the problem", async () => {
        expect((await verify([])).stderr).toContain("which stack?");
        expect((await verify(["prod", "--only", "nope"])).stderr).toContain("--only: unknown check nope");
        const missing = await verify(["nosuchstack", "--kubeconfig", fake.kubeconfig()]);
        expect(missing.code).toBe(2);
        expect(missing.stderr).toContain("no stack file");
    });

    it("reads the kubeconfig from $KUBECONFIG, else from the stack output through the Pulumi CLI", async () => {
        expect((await verify(["prod", "--only", "cluster.nodes"], {}, { KUBECONFIG: fake.kubeconfig() })).code).toBe(0);
        const asked: string[] = [];
        const kubeconfig = readFileSync(fake.kubeconfig(), "utf8");
        const res = await verify(["prod", "--only", "cluster.nodes"], { pulumiOutput: (stack) => (asked.push(stack), kubeconfig) });
        expect(asked).toEqual(["prod"]);
        expect(res.code).toBe(0);
        expect(res.stderr).toContain("kubeconfig from pulumi stack output kubeconfig -s prod");
        const none = await verify(["prod"]);
        expect(none.code).toBe(2);
        expect(none.stderr).toContain("no kubeconfig: pass --kubeconfig <file>, set KUBECONFIG, or install the pulumi CLI");
    });

    it("masks every credential it read, even when a service echoes one back", async () => {
        // This ClickHouse echoes the key it was sent in its error; the Secret holds a stale password.
        const stale = "Stale-ClickHouse-Pw-000";
        fake.state.secrets["clickhouse/clickhouse-users"].grafana = Buffer.from(stale).toString("base64");
        for (const argv of [["prod", "--json"], ["prod"]]) {
            const res = await verify([
                ...argv,
                "--only",
                "clickhouse.query,grafana.datasources,harbor.proxy-cache",
                "--kubeconfig",
                fake.kubeconfig(),
                "--ca-file",
                fake.caFile,
            ]);
            expect(res.code).toBe(1);
            expect(res.stdout + res.stderr).toContain("****");
            expect(res.stdout + res.stderr).not.toContain(stale);
        }
    });
});
