/**
 * Minimal HTTP(S) client on node:http/https: the Kubernetes client's TLS and auth settings apply
 * to it unchanged, and tests can aim it at loopback with their own CA and resolver.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { LookupFunction } from "node:net";
import { rootCertificates } from "node:tls";

export interface HttpResponse {
    readonly status: number;
    readonly headers: IncomingHttpHeaders;
    readonly body: string;
}

export interface HttpRequest {
    readonly method?: string;
    readonly headers?: Record<string, string>;
    readonly body?: string;
}

/** Could not reach the server at all (DNS, TCP, TLS, timeout), as opposed to an HTTP error status. */
export class ConnectionError extends Error {
    constructor(
        readonly url: string,
        cause: Error,
    ) {
        super(`cannot reach ${url}: ${cause.message}`);
        this.name = "ConnectionError";
    }
}

const TIMEOUT_MS = 15_000;
const MAX_BODY = 8 * 1024 * 1024;

/** One request; `base` carries TLS material and headers (merged under `req.headers`). */
export function send(url: URL, req: HttpRequest, base: RequestOptions = {}): Promise<HttpResponse> {
    const secure = url.protocol === "https:";
    const options: RequestOptions = {
        ...base,
        method: req.method ?? "GET",
        headers: { ...(base.headers as Record<string, string> | undefined), ...req.headers },
        timeout: TIMEOUT_MS,
    };
    return new Promise((resolve, reject) => {
        const call = (secure ? httpsRequest : httpRequest)(url, options, (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on("data", (c: Buffer) => {
                size += c.length;
                if (size <= MAX_BODY) chunks.push(c);
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", (err) => reject(new ConnectionError(url.origin, err)));
        });
        call.on("timeout", () => call.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000}s`)));
        call.on("error", (err) => reject(new ConnectionError(url.origin, err)));
        if (req.body !== undefined) call.write(req.body);
        call.end();
    });
}

/** HTTPS to public hosts: the system's root CAs plus extra ones (the platform CA, an ACME test CA). */
export interface PublicHttp {
    request(url: string, req?: HttpRequest): Promise<HttpResponse>;
}

export interface PublicHttpOptions {
    /** PEM CAs trusted on top of the system's. */
    readonly extraCa?: readonly string[];
    /** Name resolution for public hosts (tests: loopback). @default the system resolver */
    readonly lookup?: LookupFunction;
    /** Port every public URL is sent to (tests: the fake's port; TLS still checks the host name). @default the URL's */
    readonly port?: number;
}

export function publicHttp(options: PublicHttpOptions = {}): PublicHttp {
    const ca = options.extraCa && options.extraCa.length > 0 ? [...rootCertificates, ...options.extraCa] : undefined;
    return {
        request: (url, req = {}) => {
            const target = new URL(url);
            if (options.port !== undefined) target.port = String(options.port);
            return send(target, req, { ...(ca ? { ca } : {}), ...(options.lookup ? { lookup: options.lookup } : {}) });
        },
    };
}

/** `JSON.parse` that names what it was parsing instead of throwing a bare SyntaxError. */
export function parseJson<T>(res: HttpResponse, what: string): T {
    try {
        return JSON.parse(res.body) as T;
    } catch {
        throw new Error(`${what}: expected JSON, got HTTP ${res.status} ${JSON.stringify(res.body.slice(0, 80))}`);
    }
}
