import { spawn } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { HelloServer, jsonLogger } from "../src/server";

interface Reply {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
}

/** One request to the server on loopback; `agent: false` opens a fresh connection each time. */
function get(port: number, path: string, method = "GET"): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path, method, agent: false }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (body += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("error", reject);
        req.end();
    });
}

describe("hello app", () => {
    let server: HelloServer;
    let port: number;
    let metricsPort: number;
    const lines: string[] = [];

    beforeEach(async () => {
        lines.length = 0;
        server = new HelloServer({ greeting: "hi from test", log: jsonLogger("info", (l) => lines.push(l)), drainTimeoutMs: 2000 });
        port = await server.listen(0, "127.0.0.1");
        metricsPort = await server.listenMetrics(0, "127.0.0.1");
    });
    afterEach(() => server.drain());

    it("answers / with its greeting as JSON", async () => {
        const reply = await get(port, "/");
        expect(reply.status).toBe(200);
        expect(reply.headers["content-type"]).toBe("application/json");
        expect(JSON.parse(reply.body)).toEqual({ message: "hi from test" });
    });

    it("answers the liveness and readiness probes, and 404 / 405 for the rest", async () => {
        expect((await get(port, "/healthz")).status).toBe(200);
        expect(await get(port, "/readyz")).toMatchObject({ status: 200, body: "ready\n" });
        expect((await get(port, "/nope")).status).toBe(404);
        expect(await get(port, "/", "POST")).toMatchObject({ status: 405, headers: { allow: "GET, HEAD" } });
    });

    it("serves /metrics on its own port only: the app port (the public host) answers 404", async () => {
        expect((await get(port, "/metrics")).status).toBe(404);
        expect((await get(metricsPort, "/metrics")).status).toBe(200);
        expect((await get(metricsPort, "/")).status).toBe(404);
    });

    it("counts and times requests by route and status code in /metrics (Prometheus text format)", async () => {
        await get(port, "/");
        await get(port, "/");
        await get(port, "/missing/123");
        const metrics = await get(metricsPort, "/metrics");
        expect(metrics.status).toBe(200);
        expect(metrics.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
        expect(metrics.body).toContain('http_requests_total{method="GET",route="/",code="200"} 2');
        // Unknown paths share one label value: a scanner cannot blow up the series count.
        expect(metrics.body).toContain('http_requests_total{method="GET",route="other",code="404"} 1');
        expect(metrics.body).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/",code="200"\} \d/);
        expect(metrics.body).toContain('http_request_duration_seconds_count{method="GET",route="/",code="200"} 2');
        expect(metrics.body).toContain("process_cpu_seconds_total");
    });

    it("logs each request as one JSON line, without the probe and scrape noise", async () => {
        await get(port, "/");
        await get(port, "/healthz");
        const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines.every((l) => l.endsWith("\n"))).toBe(true);
        expect(records[0]).toMatchObject({ level: "info", msg: "listening", port });
        const requests = records.filter((r) => r.msg === "request");
        expect(requests).toHaveLength(1);
        expect(requests[0]).toMatchObject({ method: "GET", path: "/", status: 200 });
        expect(typeof requests[0].time).toBe("string");
        expect(typeof requests[0].durationMs).toBe("number");
    });

    it("drains on shutdown: readiness fails, the in-flight request completes, new connections are refused", async () => {
        // Hold a request open by making the app slow to answer it.
        const app = server as unknown as { respond: (...args: unknown[]) => Promise<void> };
        const original = app.respond.bind(server);
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        app.respond = async (...args: unknown[]) => {
            await gate;
            return original(...args);
        };
        const inFlight = get(port, "/");
        await new Promise((resolve) => setTimeout(resolve, 50));

        const stopped = server.drain();
        expect(server.ready).toBe(false);
        await expect(get(port, "/readyz")).rejects.toThrow(/ECONNREFUSED/);
        release();
        expect((await inFlight).status).toBe(200);
        await stopped;
        const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
        expect(messages).toEqual(expect.arrayContaining(["draining", "stopped"]));
        expect(messages.indexOf("stopped")).toBeGreaterThan(messages.indexOf("draining"));
    });
});

describe("hello app process", () => {
    it("starts from the environment, serves, and exits 0 after draining on SIGTERM", async () => {
        const main = join(__dirname, "..", "src", "main.ts");
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", main], {
            env: { ...process.env, PORT: "0", METRICS_PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", GREETING: "from env" },
            stdio: ["ignore", "pipe", "inherit"],
        });
        const lines: Record<string, unknown>[] = [];
        let buffer = "";
        const listening = new Promise<number>((resolve, reject) => {
            child.stdout.on("data", (chunk: Buffer) => {
                buffer += chunk.toString("utf8");
                for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
                    const record = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
                    buffer = buffer.slice(nl + 1);
                    lines.push(record);
                    if (record.msg === "listening") resolve(Number(record.port));
                }
            });
            child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
        });
        const port = await listening;
        expect(JSON.parse((await get(port, "/")).body)).toEqual({ message: "from env" });
        const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        expect(await exited).toBe(0);
        expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["signal received", "draining", "stopped"]));
        expect(lines.find((l) => l.msg === "signal received")).toMatchObject({ signal: "SIGTERM", level: "info" });
    });
});
