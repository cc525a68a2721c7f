/**
 * The sample app's HTTP server: `/` greets, `/healthz` says the process is alive, `/readyz` says it
 * takes traffic (503 once draining). Prometheus metrics are served on a second listener
 * (`listenMetrics`, port 9090 in the image), never on the app port: the app port is what the ingress
 * publishes on the app's public host, and metrics are for Prometheus only. Every request is counted,
 * timed and logged as one JSON line. `drain()` stops taking traffic and closes once in-flight
 * requests finish, so a rollout loses no request.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** One JSON object per line on the given stream (stdout in the container, collected by Alloy). */
export function jsonLogger(level: LogLevel, write: (line: string) => void = (l) => process.stdout.write(l)) {
    const min = LEVELS.indexOf(level);
    return (at: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
        if (LEVELS.indexOf(at) >= min) {
            write(`${JSON.stringify({ time: new Date().toISOString(), level: at, msg, ...fields })}\n`);
        }
    };
}
export type Logger = ReturnType<typeof jsonLogger>;

export interface HelloOptions {
    /** Text `/` answers with. @default "hello" */
    readonly greeting?: string;
    readonly log?: Logger;
    /** Longest wait for in-flight requests when draining, ms. @default 20000 */
    readonly drainTimeoutMs?: number;
}

/** Routes with a fixed label value, so the metrics' cardinality stays bounded. */
const ROUTES = new Set(["/", "/healthz", "/readyz"]);

export class HelloServer {
    public readonly registry = new Registry();
    private readonly server: Server;
    private readonly metricsServer: Server;
    private readonly requests: Counter<"method" | "route" | "code">;
    private readonly duration: Histogram<"method" | "route" | "code">;
    private readonly log: Logger;
    private draining = false;
    private closed?: Promise<void>;

    constructor(private readonly options: HelloOptions = {}) {
        this.log = options.log ?? jsonLogger("info");
        collectDefaultMetrics({ register: this.registry });
        this.requests = new Counter({
            name: "http_requests_total",
            help: "HTTP requests served, by method, route and status code.",
            labelNames: ["method", "route", "code"],
            registers: [this.registry],
        });
        this.duration = new Histogram({
            name: "http_request_duration_seconds",
            help: "HTTP request latency in seconds, by method, route and status code.",
            labelNames: ["method", "route", "code"],
            buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
            registers: [this.registry],
        });
        this.server = createServer((req, res) => void this.handle(req, res));
        this.metricsServer = createServer((req, res) => void this.serveMetrics(req, res));
        // Keep-alive connections idle longer than NGINX's upstream keepalive timeout (60s) would
        // be closed under it; 65s avoids 502s on a reused connection.
        this.server.keepAliveTimeout = 65_000;
    }

    /** Listens on host:port (port 0 picks a free one); resolves to the bound port. */
    async listen(port: number, host = "0.0.0.0"): Promise<number> {
        const bound = await bind(this.server, port, host);
        this.log("info", "listening", { host, port: bound });
        return bound;
    }

    /** Serves `/metrics` (Prometheus text format) on its own port; resolves to the bound port. */
    async listenMetrics(port: number, host = "0.0.0.0"): Promise<number> {
        const bound = await bind(this.metricsServer, port, host);
        this.log("info", "metrics listening", { host, port: bound });
        return bound;
    }

    /** Whether `/readyz` still answers 200. */
    get ready(): boolean {
        return !this.draining;
    }

    /**
     * Graceful drain: `/readyz` fails, new connections are refused, idle keep-alive connections are
     * closed, in-flight requests finish; after `drainTimeoutMs` the rest are cut.
     */
    drain(): Promise<void> {
        if (this.closed) return this.closed;
        this.draining = true;
        this.log("info", "draining");
        this.closed = new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
                this.log("warn", "drain timeout: closing remaining connections");
                this.server.closeAllConnections();
            }, this.options.drainTimeoutMs ?? 20_000);
            timer.unref();
            this.server.close(() => {
                clearTimeout(timer);
                this.log("info", "stopped");
                resolve();
            });
            this.server.closeIdleConnections();
            // Scrapes are short: the metrics listener just stops.
            if (this.metricsServer.listening) {
                this.metricsServer.close();
                this.metricsServer.closeIdleConnections();
            }
        });
        return this.closed;
    }

    private async serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const path = new URL(req.url ?? "/", "http://localhost").pathname;
        if (path !== "/metrics") {
            return this.send(res, 404, "text/plain", "not found\n");
        }
        try {
            this.send(res, 200, this.registry.contentType, await this.registry.metrics());
        } catch (err) {
            this.log("error", "metrics failed", { error: (err as Error).message });
            if (!res.headersSent) this.send(res, 500, "text/plain", "internal error\n");
        }
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const started = process.hrtime.bigint();
        const path = new URL(req.url ?? "/", "http://localhost").pathname;
        const route = ROUTES.has(path) ? path : "other";
        if (this.draining) {
            // Tell keep-alive clients (NGINX) to open a new connection, to another pod.
            res.setHeader("Connection", "close");
        }
        try {
            await this.respond(req, res, path);
        } catch (err) {
            this.log("error", "request failed", { path, error: (err as Error).message });
            if (!res.headersSent) this.send(res, 500, "text/plain", "internal error\n");
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const labels = { method: req.method ?? "GET", route, code: String(res.statusCode) };
        this.requests.inc(labels);
        this.duration.observe(labels, seconds);
        if (route !== "/healthz" && route !== "/readyz") {
            this.log("info", "request", { method: labels.method, path, status: res.statusCode, durationMs: Math.round(seconds * 1000 * 100) / 100 });
        }
    }

    private async respond(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
        if (req.method !== "GET" && req.method !== "HEAD") {
            res.setHeader("Allow", "GET, HEAD");
            return this.send(res, 405, "text/plain", "method not allowed\n");
        }
        switch (path) {
            case "/":
                return this.send(res, 200, "application/json", `${JSON.stringify({ message: this.options.greeting ?? "hello" })}\n`);
            case "/healthz":
                return this.send(res, 200, "text/plain", "ok\n");
            case "/readyz":
                return this.draining ? this.send(res, 503, "text/plain", "draining\n") : this.send(res, 200, "text/plain", "ready\n");
            default:
                return this.send(res, 404, "text/plain", "not found\n");
        }
    }

    private send(res: ServerResponse, status: number, type: string, body: string): void {
        res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
        res.end(body);
    }
}

function bind(server: Server, port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
}
