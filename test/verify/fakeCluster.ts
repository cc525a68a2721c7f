/**
 * A stand-in for a deployed platform, on loopback only: a Kubernetes API server (bearer-token
 * auth, the read paths `verify` uses, the service proxy that drops `Authorization` as the real one
 * does) with fake Prometheus, Alertmanager, Grafana, Loki, ClickHouse, DeepFlow and Longhorn
 * behind it, and Harbor over HTTPS with a throwaway CA made by openssl for each run.
 *
 * `healthy()` starts from a platform where every check passes; a test breaks one thing in `state`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
const REGISTRY_TOKEN = "registry-bearer-token-9z8y7x";

type Json = Record<string, unknown>;
type Handler = (req: { method: string; path: string; query: URLSearchParams; headers: IncomingMessage["headers"]; body: string }) => {
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

const list = (items: Json[]) => ({ apiVersion: "v1", kind: "List", items });
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

function reply(res: ServerResponse, out: { status: number; body: unknown; headers?: Record<string, string | string[]> }): void {
    const text = typeof out.body === "string" ? out.body : JSON.stringify(out.body);
    res.writeHead(out.status, { "Content-Type": typeof out.body === "string" ? "text/plain" : "application/json", ...out.headers });
    res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
}

export class FakeCluster {
    readonly requests: { path: string; headers: IncomingMessage["headers"] }[] = [];
    private api?: Server;
    private harborServer?: Server;
    private dir = mkdtempSync(join(tmpdir(), "verify-fake-"));
    apiUrl = "";
    harborPort = 0;
    /** The throwaway CA that signed Harbor's certificate (PEM file path). */
    caFile = join(this.dir, "ca.pem");

    constructor(public state: FakeState) {}

    async start(): Promise<void> {
        // One certificate from the throwaway CA for the API server (127.0.0.1) and Harbor's hosts.
        const { key, cert } = this.makeCertificates(["registry.example.com", "registry.dev.example.com"]);
        this.api = createHttpsServer({ key, cert }, (req, res) => void this.handleApi(req, res));
        await new Promise<void>((r) => this.api!.listen(0, "127.0.0.1", r));
        this.apiUrl = `https://127.0.0.1:${(this.api.address() as AddressInfo).port}`;
        this.harborServer = createHttpsServer({ key, cert }, (req, res) => void this.handleHarbor(req, res));
        await new Promise<void>((r) => this.harborServer!.listen(0, "127.0.0.1", r));
        this.harborPort = (this.harborServer.address() as AddressInfo).port;
    }

    async stop(): Promise<void> {
        await Promise.all([this.api, this.harborServer].map((s) => new Promise((r) => (s ? s.close(r) : r(undefined)))));
        rmSync(this.dir, { recursive: true, force: true });
    }

    /** A kubeconfig for the fake API with the bearer token it accepts. */
    kubeconfig(server = this.apiUrl, token = TOKEN): string {
        const path = join(this.dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
        writeFileSync(
            path,
            stringify({
                apiVersion: "v1",
                kind: "Config",
                clusters: [{ name: "fake", cluster: { server, "certificate-authority-data": Buffer.from(readFileSync(this.caFile)).toString("base64") } }],
                users: [{ name: "fake", user: { token } }],
                contexts: [{ name: "fake", context: { cluster: "fake", user: "fake" } }],
                "current-context": "fake",
            }),
        );
        return path;
    }

    private makeCertificates(hosts: string[]): { key: string; cert: string } {
        const p = (f: string) => join(this.dir, f);
        const run = (args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
        run([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            p("ca.key"),
            "-out",
            this.caFile,
            "-days",
            "2",
            "-subj",
            "/CN=verify test CA",
        ]);
        run([
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            p("tls.key"),
            "-out",
            p("tls.csr"),
            "-subj",
            `/CN=${hosts[0]}`,
        ]);
        writeFileSync(p("ext.cnf"), `subjectAltName=${[...hosts.map((h) => `DNS:${h}`), "IP:127.0.0.1"].join(",")}\n`);
        run([
            "x509",
            "-req",
            "-in",
            p("tls.csr"),
            "-CA",
            this.caFile,
            "-CAkey",
            p("ca.key"),
            "-CAcreateserial",
            "-out",
            p("tls.crt"),
            "-days",
            "2",
            "-extfile",
            p("ext.cnf"),
        ]);
        SECRETS.platformCa = readFileSync(this.caFile, "utf8");
        return { key: readFileSync(p("tls.key"), "utf8"), cert: readFileSync(p("tls.crt"), "utf8") };
    }

    private async handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const url = new URL(req.url ?? "/", "http://fake");
        const body = await readBody(req);
        this.requests.push({ path: url.pathname, headers: req.headers });
        if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply(res, { status: 401, body: { kind: "Status", message: "Unauthorized" } });
        if (this.state.apiStatus) return reply(res, { status: this.state.apiStatus, body: { kind: "Status", message: "forbidden by the test" } });
        const path = url.pathname;
        const s = this.state;
        let m: RegExpExecArray | null;
        if (path === "/version") return reply(res, { status: 200, body: { gitVersion: "v1.36.4+k3s1" } });
        if (path === "/api/v1/nodes") return reply(res, { status: 200, body: list(s.nodes) });
        if ((m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets|daemonsets)$/.exec(path))) {
            const [, ns, kind] = m;
            return reply(res, { status: 200, body: list(s.apps[kind as keyof FakeState["apps"]].filter((o) => (o.metadata as Json).namespace === ns)) });
        }
        if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(path)))
            return reply(res, { status: 200, body: list(s.pods.filter((o) => (o.metadata as Json).namespace === m![1])) });
        if (path === "/apis/cert-manager.io/v1/certificates")
            return reply(
                res,
                s.certificates
                    ? { status: 200, body: list(s.certificates) }
                    : { status: 404, body: { message: "the server could not find the requested resource" } },
            );
        if (path === "/apis/acme.cert-manager.io/v1/challenges") return reply(res, { status: 200, body: list(s.challenges) });
        if ((m = /^\/apis\/networking.k8s.io\/v1\/namespaces\/([^/]+)\/ingresses$/.exec(path)))
            return reply(res, { status: 200, body: list(s.ingresses.filter((o) => (o.metadata as Json).namespace === m![1])) });
        if (path === "/apis/k3s.cattle.io/v1/etcdsnapshotfiles")
            return reply(res, s.snapshots ? { status: 200, body: list(s.snapshots) } : { status: 404, body: { message: "not found" } });
        if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(path))) {
            const data =
                s.secrets[`${m[1]}/${m[2]}`] ??
                (m[1] === "cert-manager" && m[2] === "platform-root-ca" && SECRETS.platformCa
                    ? { "ca.crt": Buffer.from(SECRETS.platformCa).toString("base64") }
                    : undefined);
            return reply(
                res,
                data ? { status: 200, body: { kind: "Secret", data } } : { status: 404, body: { kind: "Status", message: `secrets "${m[2]}" not found` } },
            );
        }
        if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/services\/(?:http:)?([^/:]+):(\d+)\/proxy(\/.*)?$/.exec(path))) {
            const handler = s.services[`${m[1]}/${m[2]}:${m[3]}`];
            if (!handler) return reply(res, { status: 503, body: { kind: "Status", message: `no endpoints available for service "${m[2]}"` } });
            // Like kube-apiserver: the credentials used to authenticate are not passed on.
            const headers = { ...req.headers };
            delete headers.authorization;
            return reply(res, handler({ method: req.method ?? "GET", path: m[4] ?? "/", query: url.searchParams, headers, body }));
        }
        return reply(res, { status: 404, body: { kind: "Status", message: "the server could not find the requested resource" } });
    }

    private handleHarbor(req: IncomingMessage, res: ServerResponse): void {
        const url = new URL(req.url ?? "/", "https://registry.example.com");
        const h = this.state.harbor;
        const basic = `Basic ${Buffer.from(`admin:${SECRETS.harborAdmin}`).toString("base64")}`;
        if (url.pathname === "/api/v2.0/health") return reply(res, { status: 200, body: h.health });
        if (url.pathname === "/api/v2.0/projects") {
            if (req.headers.authorization !== basic) return reply(res, { status: 401, body: { errors: [{ code: "UNAUTHORIZED" }] } });
            return reply(res, { status: 200, body: h.projects.filter((p) => p.name === url.searchParams.get("name")) });
        }
        if (url.pathname === "/v2/") {
            return reply(res, {
                status: 401,
                body: {},
                headers: { "www-authenticate": `Bearer realm="https://${req.headers.host?.split(":")[0]}/service/token",service="harbor-registry"` },
            });
        }
        if (url.pathname === "/service/token") {
            if (req.headers.authorization !== basic) return reply(res, { status: 401, body: {} });
            return reply(res, { status: 200, body: { token: REGISTRY_TOKEN, scope: url.searchParams.get("scope") } });
        }
        const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
        if (m) {
            if (req.headers.authorization !== `Bearer ${REGISTRY_TOKEN}`) return reply(res, { status: 401, body: {} });
            return h.manifests.has(`${m[1]}:${m[2]}`)
                ? reply(res, { status: 200, body: { schemaVersion: 2 }, headers: { "docker-content-digest": "sha256:0123456789abcdef0123456789abcdef" } })
                : reply(res, { status: 404, body: { errors: [{ code: "MANIFEST_UNKNOWN" }] } });
        }
        return reply(res, { status: 404, body: {} });
    }
}
