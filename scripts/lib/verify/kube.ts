/**
 * The cluster as `verify` sees it: GETs on the Kubernetes API, and HTTP to in-cluster Services
 * through the API server's service proxy (`/api/v1/namespaces/<ns>/services/<scheme>:<name>:<port>/proxy/`),
 * so one kubeconfig reaches Prometheus, Loki, ClickHouse and the rest without port-forwards.
 * Authentication (client certificates, tokens, exec plugins) is @kubernetes/client-node's.
 *
 * The API server's authentication filter drops the `Authorization` header before proxying, so
 * services behind the proxy are authenticated with their own headers or cookies, never basic auth.
 */
import type { RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { ConnectionError, type HttpRequest, type HttpResponse, parseJson, send } from "./http";

/** An in-cluster Service reached through the API server. */
export interface ServiceRef {
    readonly namespace: string;
    readonly name: string;
    readonly port: number;
    /** @default "http" */
    readonly scheme?: "http" | "https";
}

/** The API server answered with an error status. */
export class KubeError extends Error {
    constructor(
        readonly status: number,
        readonly path: string,
        message: string,
    ) {
        super(`${path}: HTTP ${status}${message ? ` ${message}` : ""}`);
        this.name = "KubeError";
    }
}

export interface KubeApi {
    /** The API server URL (shown in progress; never carries credentials). */
    readonly server: string;
    /** GET an API path, parsed; throws KubeError (HTTP error) or ConnectionError. */
    get<T>(path: string): Promise<T>;
    /** GET an API path, or undefined when it answers 404 (a CRD that is not installed). */
    getIfExists<T>(path: string): Promise<T | undefined>;
    /** HTTP to a Service through the API server's proxy; any status is returned, not thrown. */
    proxy(service: ServiceRef, path: string, req?: HttpRequest): Promise<HttpResponse>;
}

export function kubeApi(kc: KubeConfig): KubeApi {
    const server = kc.getCurrentCluster()!.server.replace(/\/+$/, "");
    let tls: Promise<RequestOptions> | undefined;
    const base = () =>
        (tls ??= (async () => {
            const opts: RequestOptions = {};
            await kc.applyToHTTPSOptions(opts);
            return opts;
        })());
    const call = async (path: string, req: HttpRequest = {}) =>
        send(new URL(server + path), { ...req, headers: { Accept: "application/json", ...req.headers } }, await base());
    const get = async <T>(path: string, allow404: boolean): Promise<T | undefined> => {
        const res = await call(path);
        if (res.status === 404 && allow404) return undefined;
        if (res.status !== 200) {
            throw new KubeError(res.status, path, statusMessage(res.body));
        }
        return parseJson<T>(res, path);
    };
    return {
        server,
        get: async <T>(path: string) => (await get<T>(path, false)) as T,
        getIfExists: <T>(path: string) => get<T>(path, true),
        proxy: (svc, path, req) => call(`${proxyPath(svc)}${path.startsWith("/") ? path : `/${path}`}`, req),
    };
}

/** The `message` of a Kubernetes Status body, else the start of the body. */
function statusMessage(body: string): string {
    try {
        return (JSON.parse(body) as { message?: string }).message ?? "";
    } catch {
        return body.slice(0, 120);
    }
}

function proxyPath(svc: ServiceRef): string {
    return `/api/v1/namespaces/${svc.namespace}/services/${svc.scheme ?? "http"}:${svc.name}:${svc.port}/proxy`;
}

/** Whether the API server answers at all: `/version` needs no permissions beyond authentication. */
export async function probe(api: KubeApi): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
    try {
        const v = await api.get<{ gitVersion?: string }>("/version");
        return { ok: true, version: v.gitVersion ?? "unknown" };
    } catch (err) {
        if (err instanceof ConnectionError) return { ok: false, reason: err.message };
        if (err instanceof KubeError && (err.status === 401 || err.status === 403)) {
            return { ok: false, reason: `the API server refused the kubeconfig's credentials (HTTP ${err.status})` };
        }
        return { ok: false, reason: (err as Error).message };
    }
}
