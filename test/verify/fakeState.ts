/**
 * What the fake platform (fakeCluster.ts) serves, as data a test edits: the Kubernetes objects, the
 * services behind the API server's proxy, Harbor's projects, and the credentials they accept.
 *
 * `healthy()` starts from a platform where every check passes; a test breaks one thing in `state`.
 */
import type { IncomingMessage } from "node:http";
import { stringify } from "yaml";
import { alertmanagerConfig } from "../../components/monitoring/alertmanagerConfig";

export const TOKEN = "fake-api-token-0123456789";
export const SECRETS = {
    harborAdmin: "Harbor-Admin-Pw-7f3k9q",
    grafanaAdmin: "Grafana-Admin-Pw-2m8x4z",
    clickhouseGrafana: "ClickHouse-Grafana-Pw-5t1w6e",
    platformCa: "",
};
const GRAFANA_SESSION = "grafana_session=s3ss10n-c00k1e-v4lue";

export type Json = Record<string, unknown>;
export type Handler = (req: { method: string; path: string; query: URLSearchParams; headers: IncomingMessage["headers"]; body: string }) => {
    status: number;
    body: unknown;
    headers?: Record<string, string | string[]>;
};

export interface FakeState {
    nodes: Json[];
    /** Namespaced objects: `<resource>` -> list (each has metadata.namespace). */
    apps: Record<"deployments" | "statefulsets" | "daemonsets", Json[]>;
    pods: Json[];
    certificates: Json[] | undefined;
    /** cert-manager ACME Challenges (acme.cert-manager.io/v1). */
    challenges: Json[];
    ingresses: Json[];
    snapshots: Json[] | undefined;
    secrets: Record<string, Record<string, string>>;
    /** Service handlers by `<ns>/<name>:<port>`. */
    services: Record<string, Handler>;
    harbor: {
        health: Json;
        projects: { name: string; registry_id: number | null }[];
        manifests: Set<string>;
    };
    /** Answer every API path with this status (e.g. 403) when set. */
    apiStatus?: number;
}

const daysFromNow = (now: Date, days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();

/** Proxy-cache projects of the default harbor config (config/schemaRegistry.ts DEFAULT_PROXY_CACHES). */
const PROXY_PROJECTS = ["dockerhub", "ghcr", "quay", "k8s"];

/** A healthy platform for Pulumi.prod.yaml (k3s v1.36.4+k3s1, every part on) at `now`. */
export function healthy(now: Date, ruleGroups: string[]): FakeState {
    const ns = [
        "system-upgrade",
        "ingress-nginx",
        "cert-manager",
        "longhorn-system",
        "monitoring",
        "external-dns",
        "harbor",
        "logging",
        "clickhouse",
        "deepflow",
    ];
    const ok = (kind: string) => (n: string) => ({
        kind,
        metadata: { name: `${n}-main`, namespace: n },
        spec: { replicas: 2 },
        status: { readyReplicas: 2, availableReplicas: 2 },
    });
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    return {
        nodes: ["prod-server-1", "prod-server-2", "prod-server-3", "prod-agent-1"].map((name) => ({
            metadata: { name },
            status: { conditions: [{ type: "Ready", status: "True" }], nodeInfo: { kubeletVersion: "v1.36.4+k3s1" } },
        })),
        apps: {
            deployments: ns.map(ok("Deployment")),
            statefulsets: [ok("StatefulSet")("monitoring")],
            daemonsets: [{ kind: "DaemonSet", metadata: { name: "alloy", namespace: "logging" }, status: { desiredNumberScheduled: 4, numberAvailable: 4 } }],
        },
        pods: ns.map((n) => ({
            metadata: { name: `${n}-main-abc12`, namespace: n },
            status: {
                phase: "Running",
                conditions: [{ type: "Ready", status: "True" }],
                containerStatuses: [{ name: "main", ready: true, restartCount: 0, state: { running: {} } }],
            },
        })),
        certificates: ["harbor", "monitoring", "longhorn-system"].map((n) => ({
            metadata: { name: `${n}-tls`, namespace: n },
            status: { notAfter: daysFromNow(now, 60), conditions: [{ type: "Ready", status: "True" }] },
        })),
        challenges: [],
        ingresses: [
            {
                metadata: { name: "harbor-ingress", namespace: "harbor" },
                spec: { rules: [{ host: "registry.example.com" }] },
                status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } },
            },
            {
                metadata: { name: "kps-grafana", namespace: "monitoring" },
                spec: { rules: [{ host: "grafana.example.com" }] },
                status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } },
            },
        ],
        snapshots: [
            {
                metadata: { name: "s3-etcd-snapshot-prod-server-1-1" },
                spec: {
                    snapshotName: "etcd-snapshot-prod-server-1-1",
                    nodeName: "s3",
                    location: "s3://example-platform-etcd/prod/etcd-snapshot-prod-server-1-1",
                },
                status: { creationTime: new Date(now.getTime() - 60 * 60_000).toISOString(), readyToUse: true },
            },
        ],
        secrets: {
            "harbor/harbor-admin": { HARBOR_ADMIN_PASSWORD: b64(SECRETS.harborAdmin) },
            "monitoring/grafana-admin": { "admin-user": b64("admin"), "admin-password": b64(SECRETS.grafanaAdmin) },
            "clickhouse/clickhouse-users": { grafana: b64(SECRETS.clickhouseGrafana), deepflow: b64("deepflow-pw-unused") },
        },
        services: {
            "monitoring/kps-kube-prometheus-stack-prometheus:9090": ({ path }) =>
                path === "/api/v1/targets"
                    ? {
                          status: 200,
                          body: {
                              status: "success",
                              data: {
                                  activeTargets: [
                                      { labels: { job: "node-exporter", instance: "127.0.0.1:9100" }, health: "up" },
                                      { labels: { job: "kubelet", instance: "127.0.0.1:10250" }, health: "up" },
                                  ],
                              },
                          },
                      }
                    : path === "/api/v1/rules"
                      ? {
                            status: 200,
                            body: { status: "success", data: { groups: ruleGroups.map((name) => ({ name, rules: [{ name: "x", health: "ok" }] })) } },
                        }
                      : { status: 404, body: "not found" },
            "monitoring/kps-kube-prometheus-stack-alertmanager:9093": ({ path }) =>
                path === "/api/v2/status"
                    ? { status: 200, body: { cluster: { status: "ready" }, config: { original: stringify(alertmanagerConfig({})) } } }
                    : { status: 404, body: "not found" },
            "monitoring/kps-grafana:80": grafana(["prometheus", "alertmanager", "loki", "clickhouse", "deepflow"]),
            "logging/loki:3100": ({ path }) =>
                path === "/ready"
                    ? { status: 200, body: "ready" }
                    : path === "/loki/api/v1/query_range"
                      ? {
                            status: 200,
                            body: {
                                status: "success",
                                data: { resultType: "streams", result: [{ stream: { cluster: "prod" }, values: [[String(now.getTime() * 1e6), "a line"]] }] },
                            },
                        }
                      : { status: 404, body: "not found" },
            "clickhouse/clickhouse:8123": ({ query, headers }) =>
                headers["x-clickhouse-user"] === "grafana" && headers["x-clickhouse-key"] === SECRETS.clickhouseGrafana && query.get("query") === "SELECT 1"
                    ? { status: 200, body: "1\n" }
                    : {
                          status: 516,
                          body: `Code: 516. DB::Exception: grafana: Authentication failed: password is incorrect (${String(headers["x-clickhouse-key"])})`,
                      },
            "deepflow/deepflow-server:20417": ({ path }) =>
                path === "/v1/health/" ? { status: 200, body: { OPT_STATUS: "SUCCESS" } } : { status: 404, body: "" },
            "longhorn-system/longhorn-backend:9500": ({ path }) =>
                path === "/v1/volumes"
                    ? {
                          status: 200,
                          body: {
                              data: [
                                  {
                                      name: "pvc-1",
                                      state: "attached",
                                      robustness: "healthy",
                                      kubernetesStatus: { namespace: "monitoring", pvcName: "prometheus-db" },
                                  },
                              ],
                          },
                      }
                    : path === "/v1/backuptargets"
                      ? {
                            status: 200,
                            body: { data: [{ name: "default", backupTargetURL: "s3://example-platform-volumes@eu-central-1/prod", available: true }] },
                        }
                      : { status: 404, body: "" },
        },
        harbor: {
            health: {
                status: "healthy",
                components: [
                    { name: "core", status: "healthy" },
                    { name: "registry", status: "healthy" },
                    { name: "database", status: "healthy" },
                ],
            },
            projects: [...PROXY_PROJECTS.map((name, i) => ({ name, registry_id: i + 1 })), { name: "platform", registry_id: null }],
            manifests: new Set(["k8s/pause:3.10"]),
        },
    };
}

/** Grafana: JSON login for a session cookie; datasources and their health with that cookie only. */
export function grafana(types: string[], unhealthy: string[] = []): Handler {
    return ({ method, path, headers, body }) => {
        if (path === "/login" && method === "POST") {
            const creds = JSON.parse(body || "{}") as { user?: string; password?: string };
            return creds.user === "admin" && creds.password === SECRETS.grafanaAdmin
                ? { status: 200, body: { message: "Logged in" }, headers: { "set-cookie": [`${GRAFANA_SESSION}; Path=/; HttpOnly`] } }
                : { status: 401, body: { message: "Invalid username or password" } };
        }
        if (!String(headers.cookie ?? "").includes(GRAFANA_SESSION)) return { status: 401, body: { message: "Unauthorized" } };
        if (path === "/api/datasources")
            return {
                status: 200,
                body: types.map((t) => ({ uid: t, name: t[0].toUpperCase() + t.slice(1), type: t === "clickhouse" ? "grafana-clickhouse-datasource" : t })),
            };
        const m = /^\/api\/datasources\/uid\/([^/]+)\/health$/.exec(path);
        if (m) {
            if (unhealthy.includes(m[1])) return { status: 400, body: { status: "ERROR", message: `${m[1]}: connection refused` } };
            if (m[1] === "alertmanager" || m[1] === "deepflow") return { status: 501, body: { message: "Health check not implemented" } };
            return { status: 200, body: { status: "OK", message: "Data source is working" } };
        }
        return { status: 404, body: { message: "Not found" } };
    };
}
