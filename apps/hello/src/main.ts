/**
 * Entry point: configuration from the environment (PORT, METRICS_PORT, HOST, LOG_LEVEL, GREETING), SIGTERM/SIGINT
 * start a graceful drain. Kubernetes sends SIGTERM after the pod's preStop delay, by when the
 * endpoint is already gone from Services and NGINX upstreams.
 */
import { HelloServer, jsonLogger, type LogLevel } from "./server";

const level = (["debug", "info", "warn", "error"] as const).find((l) => l === process.env.LOG_LEVEL) ?? ("info" satisfies LogLevel);
const log = jsonLogger(level);
const port = Number(process.env.PORT ?? 8080);
const server = new HelloServer({ greeting: process.env.GREETING, log });

for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
        log("info", "signal received", { signal });
        void server.drain().then(() => process.exit(0));
    });
}

const metricsPort = Number(process.env.METRICS_PORT ?? 9090);
const host = process.env.HOST ?? "0.0.0.0";
Promise.all([server.listen(port, host), server.listenMetrics(metricsPort, host)]).catch((err: unknown) => {
    log("error", "cannot listen", { port, metricsPort, error: (err as Error).message });
    process.exit(1);
});
