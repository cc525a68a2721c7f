/**
 * The canary's load step: GET requests to the app's public host at a fixed, bounded rate while a
 * weight step waits for its analysis, so the canary's share of them gives the analysis requests to
 * judge (the analysis needs `--min-requests` canary requests per window). The requests go through
 * the same path as users' (DNS, the ingress controller, the VirtualServer's split), so the canary
 * receives about `weight`% of them. Off (0 per second) by default in prod, where apps have real
 * traffic (config/schemaApps.ts CANARY_LOAD_DEFAULT_RPS); never a load test (at most 50 per second).
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { CliIo } from "./cliIo";

export interface LoadPlan {
    /** `https://<host><path>` (or a loopback `http://` URL in tests). */
    readonly url: string;
    readonly requestsPerSecond: number;
}

export interface LoadResult {
    /** Requests started. */
    readonly sent: number;
    /** Answered with a status below 500. */
    readonly ok: number;
    /** 5xx, connection errors and timeouts. */
    readonly failed: number;
}

/** Requests in flight at most, per request per second: a slow host slows the load down instead of piling up connections. */
const IN_FLIGHT_PER_RPS = 4;
const REQUEST_TIMEOUT_MS = 10_000;

/** One GET; resolves to the status code, or 0 when it failed before an answer. */
export type Getter = (url: string) => Promise<number>;

export function validateLoadUrl(url: string): string {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new Error(`canary load: expected an http(s) URL, got "${url}"`);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
        throw new Error(`canary load: expected an http(s) URL, got "${url}"`);
    }
    return parsed.toString();
}

/** A GET with Node's own HTTP(S) client: certificates are verified, bodies read and discarded. */
const nodeGetter: Getter = (url) =>
    new Promise((resolve) => {
        const request = url.startsWith("https:") ? httpsRequest : httpRequest;
        const req = request(url, { method: "GET", timeout: REQUEST_TIMEOUT_MS, headers: { "user-agent": "platform-canary-load" } }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
            res.on("error", () => resolve(0));
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", () => resolve(0));
        req.end();
    });

/**
 * Sends `requestsPerSecond` GETs per second for `durationMs` (paced by `io.sleep`, so tests run it
 * without waiting), stopping early when `signal` aborts. Waits for the requests still in flight.
 */
export async function generateLoad(
    plan: LoadPlan,
    durationMs: number,
    io: Pick<CliIo, "sleep" | "now">,
    opts: { signal?: AbortSignal; get?: Getter } = {},
): Promise<LoadResult> {
    const get = opts.get ?? nodeGetter;
    const gap = 1000 / plan.requestsPerSecond;
    const limit = Math.max(1, Math.ceil(plan.requestsPerSecond * IN_FLIGHT_PER_RPS));
    const total = Math.floor((durationMs / 1000) * plan.requestsPerSecond);
    const pending = new Set<Promise<void>>();
    let sent = 0;
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < total && !opts.signal?.aborted; i++) {
        if (pending.size >= limit) {
            await Promise.race(pending);
        }
        sent++;
        const tracked: Promise<void> = get(plan.url)
            .then((status) => {
                if (status > 0 && status < 500) ok++;
                else failed++;
            })
            .finally(() => pending.delete(tracked));
        pending.add(tracked);
        await io.sleep(gap);
    }
    await Promise.all(pending);
    return { sent, ok, failed };
}
