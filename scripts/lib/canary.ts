/**
 * Canary analysis: the canary's error ratio and p95 latency in Prometheus, compared with the
 * thresholds from the stack file, and the decision the promotion workflow acts on.
 *
 * Metrics: the F5 NGINX Ingress Controller (OSS build, `controller.enableLatencyMetrics: true` in
 * components/edge/ingressValues.ts) exports one histogram per upstream server,
 * `nginx_ingress_controller_upstream_server_response_latency_ms`, labelled with the upstream's
 * `code` (its HTTP status) and, for a VirtualServer, `resource_type="virtualserver"`,
 * `resource_name`, `resource_namespace` and `service` (the Kubernetes Service of the split).
 * The canary split points at its own Service, so the `service` label isolates its traffic. See
 * test/contracts/f5-nginx-app-traffic.contract.test.ts for the upstream source this relies on, and
 * docs/adr/0015-app-delivery-promotion-and-canary.md for what it cannot see.
 *
 * Prometheus is never exposed: the promotion workflow reaches it with `kubectl port-forward` and
 * `httpQuerier` on loopback (the platform's NetworkPolicies admit nobody to it over the pod network),
 * and `kubectlQuerier` goes through the Kubernetes API service proxy (`kubectl get --raw`) on
 * clusters without those policies.
 */
import { request } from "node:http";
import { LATENCY_METRIC } from "../../components/apps/appObservability";
import type { CliIo } from "./cliIo";

/**
 * kube-prometheus-stack's Prometheus Service for the platform's release (`kps` in namespace
 * `monitoring`, components/monitoring/MonitoringStack.ts): the chart names it
 * `<fullname>-prometheus` with fullname `<release>-kube-prometheus-stack` (truncated to 26
 * characters) and names its port after `prometheus.prometheusSpec.portName` (`http-web`).
 */
export function prometheusService(release = "kps", namespace = "monitoring"): { namespace: string; name: string; port: string } {
    const chart = "kube-prometheus-stack";
    const fullname = (release.includes(chart) ? release : `${release}-${chart}`).slice(0, 26).replace(/-+$/, "");
    return { namespace, name: `${fullname}-prometheus`, port: "http-web" };
}

export const PROMETHEUS = prometheusService();

/** The API server path that proxies a Prometheus instant query. */
export function serviceProxyQueryPath(query: string, service = PROMETHEUS): string {
    return `/api/v1/namespaces/${service.namespace}/services/http:${service.name}:${service.port}/proxy/api/v1/query?query=${encodeURIComponent(query)}`;
}

export interface CanaryTarget {
    /** Namespace of the app (and its VirtualServer). */
    readonly namespace: string;
    /** VirtualServer name. */
    readonly virtualServer: string;
    /** The canary Deployment's Service, the split's upstream. */
    readonly service: string;
}

export interface Thresholds {
    readonly maxErrorRatio: number;
    readonly maxLatencyP95Ms: number;
    /** Fewer requests than this in the window is "not enough traffic" (hold), not a pass. @default 20 */
    readonly minRequests?: number;
}

/** The three PromQL instant queries the analysis runs, over `window` (e.g. `5m`). */
export function canaryQueries(target: CanaryTarget, window: string): { requests: string; errorRatio: string; latencyP95Ms: string } {
    if (!/^\d+[smh]$/.test(window)) {
        throw new Error(`canary window: expected a Prometheus duration such as 5m, got "${window}"`);
    }
    const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
    const sel = `resource_type="virtualserver",resource_namespace="${label(target.namespace)}",resource_name="${label(target.virtualServer)}",service="${label(target.service)}"`;
    const count = `${LATENCY_METRIC}_count{${sel}}`;
    return {
        requests: `sum(increase(${count}[${window}]))`,
        // No 5xx series at all is a ratio of 0, not "no data".
        errorRatio: `(sum(rate(${LATENCY_METRIC}_count{${sel},code=~"5.."}[${window}])) or vector(0)) / sum(rate(${count}[${window}]))`,
        latencyP95Ms: `histogram_quantile(0.95, sum by (le) (rate(${LATENCY_METRIC}_bucket{${sel}}[${window}])))`,
    };
}

/** Prometheus's instant-query response (`/api/v1/query`). */
export interface PromResponse {
    readonly status: "success" | "error";
    readonly data?: {
        readonly resultType: string;
        readonly result: readonly { readonly metric: Record<string, string>; readonly value: readonly [number, string] }[];
    };
    readonly error?: string;
    readonly errorType?: string;
}

/** The single value of a scalar-like vector result; undefined when empty or not a number. */
function singleValue(res: PromResponse, what: string): number | undefined {
    if (res.status !== "success" || !res.data) {
        throw new Error(`Prometheus query for ${what} failed: ${res.errorType ?? "error"}: ${res.error ?? "no data field"}`);
    }
    if (res.data.resultType !== "vector") {
        throw new Error(`Prometheus query for ${what}: expected a vector result, got ${res.data.resultType}`);
    }
    if (res.data.result.length === 0) {
        return undefined;
    }
    const value = Number(res.data.result[0].value[1]);
    return Number.isFinite(value) ? value : undefined;
}

/**
 * What an analysis concludes:
 * - `pass`: enough requests, error ratio and p95 at or under the thresholds: go to the next step;
 * - `fail`: a threshold broken: roll back;
 * - `hold`: not enough traffic: the canary served some requests, fewer than the minimum, so nothing
 *   can be concluded yet: keep the weight and analyse another window;
 * - `no-data`: Prometheus has no series of the canary's upstream at all: no request reached it, or
 *   the query does not match what Prometheus stores. Not a pass: roll back.
 */
export type Verdict = "pass" | "fail" | "hold" | "no-data";

export interface Decision {
    readonly verdict: Verdict;
    readonly reasons: string[];
    readonly requests?: number;
    readonly errorRatio?: number;
    readonly latencyP95Ms?: number;
}

/** Pass only with enough traffic, an error ratio and a p95 at or under the thresholds. */
export function decide(res: { requests: PromResponse; errorRatio: PromResponse; latencyP95Ms: PromResponse }, t: Thresholds): Decision {
    const requests = singleValue(res.requests, "request count");
    const errorRatio = singleValue(res.errorRatio, "error ratio");
    const latencyP95Ms = singleValue(res.latencyP95Ms, "p95 latency");
    const minRequests = t.minRequests ?? 20;
    const figures = { requests, errorRatio, latencyP95Ms };
    if (requests === undefined) {
        return {
            verdict: "no-data",
            reasons: [
                "no data: Prometheus has no series of the canary's upstream: no request reached the canary, or the query's labels do not match the stored series (see docs/app-delivery.md, \"No data\")",
            ],
            ...figures,
        };
    }
    if (requests < minRequests) {
        return {
            verdict: "hold",
            reasons: [`not enough traffic: the canary served ${Math.round(requests)} requests in the window, the analysis needs at least ${minRequests}`],
            ...figures,
        };
    }
    const reasons: string[] = [];
    let verdict: Verdict = "pass";
    if (errorRatio === undefined) {
        reasons.push("no data: the error ratio could not be computed");
        verdict = "no-data";
    } else if (errorRatio > t.maxErrorRatio) {
        reasons.push(`error ratio ${errorRatio.toFixed(4)} is above maxErrorRatio ${t.maxErrorRatio}`);
        verdict = "fail";
    }
    if (latencyP95Ms === undefined) {
        reasons.push("no data: the p95 latency could not be computed");
        verdict = verdict === "fail" ? "fail" : "no-data";
    } else if (latencyP95Ms > t.maxLatencyP95Ms) {
        reasons.push(`p95 latency ${Math.round(latencyP95Ms)} ms is above maxLatencyP95Ms ${t.maxLatencyP95Ms}`);
        verdict = "fail";
    }
    return { verdict, reasons, ...figures };
}

export type Querier = (query: string) => Promise<PromResponse>;

/** Queries through the Kubernetes API service proxy with kubectl (the kubeconfig's credentials). */
export function kubectlQuerier(io: CliIo, kubeconfig: string, service = PROMETHEUS): Querier {
    return async (query) => {
        const res = await io.exec("kubectl", ["--kubeconfig", kubeconfig, "get", "--raw", serviceProxyQueryPath(query, service)], { capture: true });
        if (res.code !== 0) {
            throw new Error(`kubectl get --raw (Prometheus ${service.namespace}/${service.name} through the API service proxy) failed with exit ${res.code}`);
        }
        return JSON.parse(res.stdout) as PromResponse;
    };
}

/** Queries a Prometheus URL directly (a `kubectl port-forward` on loopback, or tests). */
export function httpQuerier(baseUrl: string): Querier {
    return (query) =>
        new Promise((resolve, reject) => {
            const url = new URL(`/api/v1/query?query=${encodeURIComponent(query)}`, baseUrl);
            if (url.protocol !== "http:") {
                reject(new Error(`--prometheus-url: expected http://127.0.0.1:<port> (a port-forward), got ${baseUrl}`));
                return;
            }
            const req = request(url, { method: "GET", timeout: 30_000 }, (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => {
                    try {
                        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as PromResponse);
                    } catch {
                        reject(new Error(`Prometheus at ${baseUrl} answered HTTP ${res.statusCode} without JSON`));
                    }
                });
            });
            req.on("timeout", () => req.destroy(new Error("request timed out")));
            req.on("error", reject);
            req.end();
        });
}

/** Runs the three queries and decides. */
export async function analyse(query: Querier, target: CanaryTarget, window: string, t: Thresholds): Promise<Decision> {
    const q = canaryQueries(target, window);
    const [requests, errorRatio, latencyP95Ms] = await Promise.all([query(q.requests), query(q.errorRatio), query(q.latencyP95Ms)]);
    return decide({ requests, errorRatio, latencyP95Ms }, t);
}

/** `10,50,100` -> [10, 50, 100]: rising integer percentages ending at 100. */
export function parseSteps(text: string): number[] {
    const steps = text.split(",").map((s) => Number(s.trim()));
    const ok =
        steps.length > 0 && steps.every((s, i) => Number.isInteger(s) && s > 0 && s <= 100 && (i === 0 || s > steps[i - 1])) && steps[steps.length - 1] === 100;
    if (!ok) {
        throw new Error(`--steps: expected rising percentages ending at 100, such as 10,50,100; got "${text}"`);
    }
    return steps;
}
