/**
 * `npm run verify` against a fake platform on loopback (verifyRun.ts): every check passes on the
 * healthy fake and fails on the fault it exists for. Checks' finer points: verifyCheckDetails.test.ts;
 * the command (exit codes, --json, kubeconfig sources, masking): verify.test.ts.
 */
import { CHECKS } from "../../scripts/lib/verify/catalog";
import type { FakeCluster } from "./fakeCluster";
import { grafana } from "./fakeState";
import { ALL_GROUPS, NOW, useFakePlatform } from "./verifyRun";

const { fake, check } = useFakePlatform();

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
});
