/**
 * `npm run verify` against a fake platform on loopback (test/verify/fakeCluster.ts): a pass and a
 * fail case for every check, exit codes, --json, kubeconfig sources and secret masking. A guard
 * refuses any socket to a non-loopback address, so nothing here can reach a real host.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import { parse } from "yaml";
import { run, type VerifyDeps } from "../../scripts/verify";
import { CHECKS } from "../../scripts/lib/verify/catalog";
import { PROJECT_DIR } from "../harness";
import { FakeCluster, grafana, healthy, SECRETS, TOKEN } from "./fakeCluster";

const NOW = new Date("2026-11-30T12:00:00Z");
const ALL_GROUPS = readdirSync(join(PROJECT_DIR, "charts", "rules"))
    .filter((f) => f.endsWith("-alerts.yaml"))
    .flatMap((f) => (parse(readFileSync(join(PROJECT_DIR, "charts", "rules", f), "utf8")) as { groups: { name: string }[] }).groups.map((g) => g.name));

const loopbackLookup = ((_host: string, options: unknown, cb: (...a: unknown[]) => void) => {
    const callback = typeof options === "function" ? (options as typeof cb) : cb;
    if (typeof options === "object" && options !== null && (options as { all?: boolean }).all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
    else callback(null, "127.0.0.1", 4);
}) as unknown as net.LookupFunction;

let fake: FakeCluster;
const outputs: string[] = [];

/** Every socket must go to loopback. */
const originalConnect = net.Socket.prototype.connect;
beforeAll(async () => {
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
        const opts = args[0] as { host?: string; port?: number; lookup?: unknown } | number;
        const host = typeof opts === "object" ? opts.host : (args[1] as string | undefined);
        // A public host name is fine only when the tests' resolver turns it into loopback.
        const viaLoopbackLookup = typeof opts === "object" && opts.lookup === loopbackLookup;
        if (host !== undefined && !viaLoopbackLookup && !["127.0.0.1", "localhost", "::1"].includes(host)) throw new Error(`test tried to connect to ${host}`);
        return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;
    fake = new FakeCluster(healthy(NOW, ALL_GROUPS));
    await fake.start();
});
afterAll(async () => {
    net.Socket.prototype.connect = originalConnect;
    await fake.stop();
    // No test printed a credential, whatever it broke.
    const all = outputs.join("\n");
    for (const secret of [
        SECRETS.harborAdmin,
        SECRETS.grafanaAdmin,
        SECRETS.clickhouseGrafana,
        TOKEN,
        "s3ss10n-c00k1e-v4lue",
        "registry-bearer-token-9z8y7x",
    ]) {
        expect(all).not.toContain(secret);
    }
});
beforeEach(() => {
    fake.state = healthy(NOW, ALL_GROUPS);
});

interface Outcome {
    code: number;
    stdout: string;
    stderr: string;
}

async function verify(argv: string[], deps: VerifyDeps = {}, env: Record<string, string> = {}): Promise<Outcome> {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await run(
        argv,
        { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: { PATH: "", ...env } },
        {
            lookup: loopbackLookup,
            publicPort: fake.harborPort,
            resolveHost: async () => ["127.0.0.1"],
            now: () => NOW,
            ...deps,
        },
    );
    const out = { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
    outputs.push(out.stdout, out.stderr);
    return out;
}

interface Report {
    ok: boolean;
    exitCode: number;
    error?: string;
    checks: { check: string; result: string; detail: string; hint?: string }[];
}

/** Runs one check on the prod stack file, returning its row of the JSON report. */
async function check(name: string, extra: string[] = [], deps: VerifyDeps = {}) {
    const res = await verify(["prod", "--json", "--only", name, "--kubeconfig", fake.kubeconfig(), "--ca-file", fake.caFile, ...extra], deps);
    const report = JSON.parse(res.stdout) as Report;
    expect({ error: report.error, checks: report.checks.length }).toEqual({ error: undefined, checks: 1 });
    if (process.env.VERIFY_DEBUG) console.log(JSON.stringify(report.checks[0]));
    return { ...report.checks[0], code: res.code };
}

describe("verify: each check passes on a healthy platform and fails on the fault it exists for", () => {
    it.each(CHECKS.map((c) => c.name))("%s passes on the healthy fake", async (name) => {
        const row = await check(name);
        expect(row).toMatchObject({ check: name, result: "pass", code: 0, detail: expect.any(String) });
        expect(row.detail).not.toMatch(/^(cannot|HTTP)/);
        expect(row.hint).toBeUndefined();
    });

    const cases: [string, string, (s: FakeCluster["state"]) => void, RegExp][] = [
        [
            "cluster.nodes",
            "a node not Ready",
            (s) => ((s.nodes[1].status as { conditions: unknown[] }).conditions = [{ type: "Ready", status: "False", reason: "KubeletNotReady" }]),
            /prod-server-2 not Ready \(KubeletNotReady\)/,
        ],
        [
            "cluster.nodes",
            "a node at another k3s version",
            (s) => ((s.nodes[3].status as { nodeInfo: unknown }).nodeInfo = { kubeletVersion: "v1.35.2+k3s1" }),
            /prod-agent-1 runs v1.35.2\+k3s1, config says v1.36.4\+k3s1/,
        ],
        [
            "cluster.workloads",
            "a CrashLoopBackOff pod",
            (s) =>
                ((s.pods[6].status as Record<string, unknown>).containerStatuses = [
                    {
                        name: "core",
                        ready: false,
                        restartCount: 7,
                        state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container" } },
                    },
                ]),
            /harbor\/harbor-main-abc12: CrashLoopBackOff: back-off 5m0s.*\(container core, 7 restarts\)/,
        ],
        [
            "cluster.workloads",
            "an ImagePullBackOff pod",
            (s) =>
                ((s.pods[0].status as Record<string, unknown>).containerStatuses = [
                    { name: "controller", ready: false, state: { waiting: { reason: "ImagePullBackOff" } } },
                ]),
            /system-upgrade\/system-upgrade-main-abc12: ImagePullBackOff \(container controller\)/,
        ],
        [
            "cluster.workloads",
            "a Pending pod that cannot be scheduled",
            (s) =>
                (s.pods[4].status = {
                    phase: "Pending",
                    conditions: [
                        { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/4 nodes are available: 4 Insufficient memory." },
                    ],
                }),
            /monitoring\/monitoring-main-abc12: Pending: Unschedulable - 0\/4 nodes are available: 4 Insufficient memory/,
        ],
        [
            "cluster.workloads",
            "a Deployment short of replicas",
            (s) => (s.apps.deployments[2].status = { readyReplicas: 1 }),
            /cert-manager\/cert-manager-main 1\/2 ready/,
        ],
        [
            "cluster.workloads",
            "a DaemonSet not on every node",
            (s) => (s.apps.daemonsets[0].status = { desiredNumberScheduled: 4, numberAvailable: 3 }),
            /logging\/alloy 3\/4 available/,
        ],
        [
            "tls.certificates",
            "a certificate about to expire",
            (s) => ((s.certificates![0].status as Record<string, unknown>).notAfter = new Date(NOW.getTime() + 5 * 86_400_000).toISOString()),
            /harbor\/harbor-tls expires in 5 day\(s\)/,
        ],
        [
            "tls.certificates",
            "a certificate not issued",
            (s) =>
                ((s.certificates![1].status as Record<string, unknown>).conditions = [
                    { type: "Ready", status: "False", reason: "DoesNotExist", message: "Issuing certificate as Secret does not exist" },
                ]),
            /monitoring\/monitoring-tls not Ready \(DoesNotExist: Issuing certificate/,
        ],
        ["tls.certificates", "cert-manager not installed", (s) => (s.certificates = undefined), /Certificate API is not installed/],
        ["edge.ingresses", "an Ingress without an address", (s) => (s.ingresses[0].status = {}), /harbor\/harbor-ingress has no address/],
        [
            "harbor.health",
            "an unhealthy Harbor component",
            (s) =>
                (s.harbor.health = {
                    status: "unhealthy",
                    components: [
                        { name: "core", status: "healthy" },
                        { name: "redis", status: "unhealthy", error: "dial tcp: connection refused" },
                    ],
                }),
            /Harbor is unhealthy: redis unhealthy \(dial tcp: connection refused\)/,
        ],
        [
            "harbor.proxy-cache",
            "a proxy-cache project missing",
            (s) => (s.harbor.projects = s.harbor.projects.filter((p) => p.name !== "quay")),
            /missing proxy-cache project\(s\): quay \(quay.io\)/,
        ],
        [
            "harbor.proxy-cache",
            "a project that is not a proxy cache",
            (s) => (s.harbor.projects.find((p) => p.name === "ghcr")!.registry_id = null),
            /ghcr \(ghcr.io\) is not a proxy cache/,
        ],
        [
            "harbor.proxy-cache",
            "no manifest through the proxy cache",
            (s) => s.harbor.manifests.clear(),
            /GET manifest k8s\/pause:3.10 through the proxy cache: HTTP 404/,
        ],
        [
            "grafana.datasources",
            "an unhealthy datasource",
            (s) => (s.services["monitoring/kps-grafana:80"] = grafana(["prometheus", "alertmanager", "loki", "clickhouse", "deepflow"], ["loki"])),
            /Loki: loki: connection refused/,
        ],
        [
            "grafana.datasources",
            "a datasource not provisioned",
            (s) => (s.services["monitoring/kps-grafana:80"] = grafana(["prometheus", "alertmanager", "loki", "deepflow"])),
            /datasource 'clickhouse' missing/,
        ],
        [
            "grafana.datasources",
            "the admin Secret no longer matches",
            (s) => (s.secrets["monitoring/grafana-admin"]["admin-password"] = Buffer.from("an-old-password").toString("base64")),
            /admin login refused \(HTTP 401\)/,
        ],
        [
            "prometheus.targets",
            "a scrape target down",
            (s) =>
                (s.services["monitoring/kps-kube-prometheus-stack-prometheus:9090"] = () => ({
                    status: 200,
                    body: {
                        data: {
                            activeTargets: [
                                { labels: { job: "kubelet", instance: "127.0.0.1:10250" }, health: "down", lastError: "context deadline exceeded" },
                            ],
                        },
                    },
                })),
            /1 of 1 target\(s\) down: kubelet \(127.0.0.1:10250: context deadline exceeded\)/,
        ],
        [
            "prometheus.rules",
            "a platform rule group not loaded",
            (s) =>
                (s.services["monitoring/kps-kube-prometheus-stack-prometheus:9090"] = () => ({
                    status: 200,
                    body: { data: { groups: ALL_GROUPS.filter((g) => g !== "platform.certificates").map((name) => ({ name, rules: [] })) } },
                })),
            /not loaded: platform.certificates/,
        ],
        [
            "alertmanager.config",
            "the platform configuration not loaded",
            (s) =>
                (s.services["monitoring/kps-kube-prometheus-stack-alertmanager:9093"] = () => ({
                    status: 200,
                    body: { config: { original: "route:\n  receiver: default\nreceivers:\n  - name: default\n" } },
                })),
            /receiver 'null' missing; receiver 'warning' missing; receiver 'critical' missing \(loaded: default\)/,
        ],
        [
            "logs.loki",
            "Loki not ready",
            (s) => (s.services["logging/loki:3100"] = () => ({ status: 503, body: "Ingester not ready: waiting for 15s after being ready" })),
            /Loki \/ready: HTTP 503 Ingester not ready/,
        ],
        [
            "logs.loki",
            "no line in the last 5 minutes",
            (s) =>
                (s.services["logging/loki:3100"] = ({ path }) =>
                    path === "/ready" ? { status: 200, body: "ready" } : { status: 200, body: { data: { result: [] } } }),
            /ready, but no log line in the last 5 minutes/,
        ],
        [
            "clickhouse.query",
            "the grafana user's password rejected",
            (s) => (s.secrets["clickhouse/clickhouse-users"].grafana = Buffer.from("Stale-ClickHouse-Pw-000").toString("base64")),
            /HTTP 516 .*Authentication failed/,
        ],
        [
            "deepflow.server",
            "the server unhealthy",
            (s) => (s.services["deepflow/deepflow-server:20417"] = () => ({ status: 500, body: "mysql: connection refused" })),
            /\/v1\/health\/: HTTP 500 mysql: connection refused/,
        ],
        ["deepflow.server", "no ready endpoint behind the Service", (s) => delete s.services["deepflow/deepflow-server:20417"], /HTTP 503/],
        [
            "longhorn.volumes",
            "a degraded volume",
            (s) =>
                (s.services["longhorn-system/longhorn-backend:9500"] = () => ({
                    status: 200,
                    body: {
                        data: [
                            {
                                name: "pvc-1",
                                state: "attached",
                                robustness: "degraded",
                                kubernetesStatus: { namespace: "harbor", pvcName: "data-harbor-registry" },
                            },
                        ],
                    },
                })),
            /harbor\/data-harbor-registry degraded/,
        ],
        [
            "longhorn.backup-target",
            "the backup target unavailable",
            (s) =>
                (s.services["longhorn-system/longhorn-backend:9500"] = () => ({
                    status: 200,
                    body: {
                        data: [
                            {
                                name: "default",
                                backupTargetURL: "s3://example-platform-volumes@eu-central-1/prod",
                                available: false,
                                message: "failed to list: AccessDenied",
                            },
                        ],
                    },
                })),
            /default \(s3:\/\/example-platform-volumes@eu-central-1\/prod\) unavailable: failed to list: AccessDenied/,
        ],
        [
            "cluster.etcd-snapshots",
            "the newest snapshot too old",
            (s) => ((s.snapshots![0].status as Record<string, unknown>).creationTime = new Date(NOW.getTime() - 9 * 3_600_000).toISOString()),
            /is 9h old; schedule '0 \*\/6 \* \* \*' allows 6h30m/,
        ],
        ["cluster.etcd-snapshots", "no snapshot at all", (s) => (s.snapshots = []), /no etcd snapshot yet/],
    ];

    it.each(cases)("%s fails on %s", async (name, _what, breakIt, detail) => {
        breakIt(fake.state);
        const row = await check(name);
        expect(row).toMatchObject({ check: name, result: "fail", code: 1 });
        expect(row.detail).toMatch(detail);
        expect(row.hint).toEqual(expect.any(String));
    });

    it("every check has at least one fail case above", () => {
        expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(CHECKS.map((c) => c.name)));
    });

    it("edge.ingresses fails when DNS points a host elsewhere (prod has DNS on)", async () => {
        const row = await check("edge.ingresses", [], { resolveHost: async (h) => (h === "grafana.example.com" ? ["127.0.0.9"] : ["127.0.0.1"]) });
        expect(row).toMatchObject({ result: "fail", detail: expect.stringMatching(/grafana.example.com resolves to 127.0.0.9, the Ingress has 127.0.0.1/) });
    });

    describe("tls.certificates names the IAM permission when a DNS-01 challenge is stuck on Route53", () => {
        // Challenge.status.reason as cert-manager v1.21.1 writes it: pkg/controller/acmechallenges/sync.go
        // Sync sets `ch.Status.Reason = stabilizeSolverErrorMessage(err)` when Present fails. The GetChange
        // poll error passes through util.WaitFor (pkg/issuer/acme/dns/util/wait.go), which keeps only its
        // string, so AWS's AccessDenied text survives; route53.go wraps the other calls' errors with %w, so
        // stabilizeSolverErrorMessage replaces the AWS part and only smithy-go's OperationError prefix
        // (`operation error <service>: <operation>, `, aws/smithy-go@v1.27.3 errors.go) remains.
        const GET_CHANGE_DENIED =
            "Time limit exceeded. Last error: failed to query Route 53 change status: operation error Route 53: GetChange, https response error StatusCode: 403, " +
            "RequestID: 0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9, api error AccessDenied: User: arn:aws:iam::123456789012:user/platform-dns is not authorized to perform: " +
            "route53:GetChange on resource: arn:aws:route53:::change/C0123456789ABCDEFGHIJ because no identity-based policy allows the route53:GetChange action";
        const CHANGE_REDACTED =
            "failed to change Route 53 record set: operation error Route 53: ChangeResourceRecordSets, <redacted AWS SDK error: http.ResponseError: see events and logs for details>";
        const stuck = (s: FakeCluster["state"], reason: string) => {
            (s.certificates![0].status as Record<string, unknown>).conditions = [
                { type: "Ready", status: "False", reason: "DoesNotExist", message: "Issuing certificate as Secret does not exist" },
            ];
            s.challenges = [
                {
                    metadata: { name: "harbor-tls-1-3344556677-1122334455", namespace: "harbor" },
                    spec: { dnsName: "registry.example.com", type: "DNS-01" },
                    status: { processing: true, presented: false, state: "pending", reason },
                },
            ];
        };

        it("route53:GetChange denied: names the action, its resource and the docs section", async () => {
            stuck(fake.state, GET_CHANGE_DENIED);
            const row = await check("tls.certificates");
            expect(row).toMatchObject({
                result: "fail",
                detail: expect.stringMatching(
                    /harbor\/harbor-tls not Ready.*challenge harbor\/harbor-tls-1-3344556677-1122334455 \(registry.example.com, pending\): Time limit exceeded/,
                ),
            });
            expect(row.hint).toBe(
                "Route53 denied cert-manager route53:GetChange: the DNS credential's IAM policy must allow route53:GetChange on arn:aws:route53:::change/* (docs/security.md#route53-iam-policy)",
            );
        });

        it("a redacted Route53 error: names the operation and where AWS's message is", async () => {
            stuck(fake.state, CHANGE_REDACTED);
            const row = await check("tls.certificates");
            expect(row.hint).toMatch(
                /^Route53 refused cert-manager's ChangeResourceRecordSets call .*describe challenge.*route53:ChangeResourceRecordSets on arn:aws:route53:::hostedzone\/<zone id> \(docs\/security.md#route53-iam-policy\)$/,
            );
        });

        it("a challenge stuck for another reason keeps the general hint", async () => {
            // pkg/controller/acmechallenges/readiness.go ("Waiting for %s challenge propagation: %s") and
            // pkg/issuer/acme/dns/dns.go Check ("DNS record for %q not yet propagated"), v1.21.1.
            stuck(fake.state, 'Waiting for DNS-01 challenge propagation: DNS record for "registry.example.com" not yet propagated');
            const row = await check("tls.certificates");
            expect(row).toMatchObject({ result: "fail", detail: expect.stringContaining("not yet propagated") });
            expect(row.hint).toMatch(/^kubectl -n <ns> describe certificate/);
        });
    });

    it("harbor.health fails when the certificate is not trusted (no --ca-file, public CA issuer)", async () => {
        const res = await verify(["prod", "--json", "--only", "harbor.health", "--kubeconfig", fake.kubeconfig()]);
        const row = (JSON.parse(res.stdout) as Report).checks[0];
        expect(row).toMatchObject({ result: "fail", detail: expect.stringMatching(/cannot reach https:\/\/registry.example.com.*certificate/i) });
        expect(row.hint).toMatch(/--ca-file/);
    });

    it("harbor.health trusts the platform CA from the cluster on a selfSigned stack", async () => {
        const res = await verify(["dev", "--json", "--only", "harbor.health", "--kubeconfig", fake.kubeconfig()]);
        expect((JSON.parse(res.stdout) as Report).checks[0]).toMatchObject({ result: "pass", detail: expect.stringContaining("registry.dev.example.com") });
    });

    it("prometheus.targets tolerates a job named by --allow-down", async () => {
        fake.state.services["monitoring/kps-kube-prometheus-stack-prometheus:9090"] = () => ({
            status: 200,
            body: {
                data: {
                    activeTargets: [
                        { labels: { job: "kube-proxy" }, health: "down" },
                        { labels: { job: "kubelet" }, health: "up" },
                    ],
                },
            },
        });
        expect(await check("prometheus.targets", ["--allow-down", "kube-proxy"])).toMatchObject({ result: "pass" });
    });

    it("longhorn.volumes lists detached volumes without failing", async () => {
        fake.state.services["longhorn-system/longhorn-backend:9500"] = () => ({
            status: 200,
            body: { data: [{ name: "pvc-2", state: "detached", robustness: "unknown" }] },
        });
        expect(await check("longhorn.volumes")).toMatchObject({ result: "pass", detail: "1 volume(s), attached ones healthy, 1 detached" });
    });
});

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
