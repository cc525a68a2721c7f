/**
 * A stand-in for a deployed platform, on loopback only: a Kubernetes API server (bearer-token
 * auth, the read paths `verify` uses, the service proxy that drops `Authorization` as the real one
 * does) with fake Prometheus, Alertmanager, Grafana, Loki, ClickHouse, DeepFlow and Longhorn
 * behind it, and Harbor over HTTPS with a throwaway CA made by openssl for each run.
 *
 * What it serves is a `FakeState` (fakeState.ts): `healthy()` is a platform where every check passes.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { type FakeState, type Json, SECRETS, TOKEN } from "./fakeState";

const REGISTRY_TOKEN = "registry-bearer-token-9z8y7x";

const list = (items: Json[]) => ({ apiVersion: "v1", kind: "List", items });

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
        // A new P-256 key, unencrypted.
        const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        run(["req", "-x509", ...newKey, "-keyout", p("ca.key"), "-out", this.caFile, "-days", "2", "-subj", "/CN=verify test CA"]);
        run(["req", ...newKey, "-keyout", p("tls.key"), "-out", p("tls.csr"), "-subj", `/CN=${hosts[0]}`]);
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
