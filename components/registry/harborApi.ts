/**
 * A small client for Harbor's REST API v2.0 and the create/read/update/delete logic of the objects
 * the platform manages as code: registry endpoints and projects (plain or proxy cache); robot
 * accounts are in harborRobots.ts. Node built-ins only, because the dynamic provider that uses it is serialised into the
 * Pulumi state and run by the engine. Pulumi's closure serializer copies captured values property by
 * property: a Set arrives empty, and `class extends Error` becomes `Error.call(this, ...)`, losing the
 * message the provider host reports (@pulumi/pulumi 3.248.0 cmd/dynamic-provider/index.js). Hence
 * arrays and plain Errors; test/contracts/dynamic-provider.contract.test.ts runs the shipped text.
 */
import * as http from "node:http";
import * as https from "node:https";

export interface HarborConnection {
    /** `https://registry.example.com` */
    readonly url: string;
    readonly username: string;
    readonly password: string;
    /** Skip TLS verification (self-signed platform CA). */
    readonly insecure?: boolean;
    /** Attempts for connection errors and 502/503/504 while Harbor starts. @default 30 */
    readonly attempts?: number;
    /** Milliseconds between attempts. @default 10000 */
    readonly retryDelayMs?: number;
}

/** Harbor's error for one API call: its HTTP status and Harbor's own message. */
export type HarborApiError = Error & { readonly name: "HarborApiError"; readonly status: number; readonly operation: string };

export function harborApiError(status: number, operation: string, detail: string): HarborApiError {
    return Object.assign(new Error(`Harbor API ${operation} failed with HTTP ${status}: ${detail}`), { name: "HarborApiError" as const, status, operation });
}

export function isHarborApiError(err: unknown): err is HarborApiError {
    return err instanceof Error && err.name === "HarborApiError" && typeof (err as Partial<HarborApiError>).status === "number";
}

interface Response {
    readonly status: number;
    readonly body: unknown;
    readonly headers: http.IncomingHttpHeaders;
}

const RETRY_STATUS: readonly number[] = [502, 503, 504];

/** One API call; retries while Harbor is not reachable yet, then surfaces Harbor's error text. */
export async function call(conn: HarborConnection, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const attempts = conn.attempts ?? 30;
    const operation = `${method} ${path}`;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
            const res = await send(conn, method, path, body, headers);
            if (RETRY_STATUS.includes(res.status) && attempt < attempts) {
                lastError = harborApiError(res.status, operation, errorText(res.body));
            } else {
                return res;
            }
        } catch (err) {
            lastError = err;
            if (attempt === attempts) {
                break;
            }
        }
        await new Promise((resolve) => setTimeout(resolve, conn.retryDelayMs ?? 10_000));
    }
    if (isHarborApiError(lastError)) {
        throw lastError;
    }
    throw new Error(`Harbor API ${operation}: ${conn.url} unreachable after ${attempts} attempts: ${(lastError as Error)?.message ?? lastError}`);
}

function send(conn: HarborConnection, method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
    const url = new URL(`/api/v2.0${path}`, conn.url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const transport = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
        const req = transport.request(
            url,
            {
                method,
                headers: {
                    Accept: "application/json",
                    Authorization: `Basic ${Buffer.from(`${conn.username}:${conn.password}`).toString("base64")}`,
                    ...(payload ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } : {}),
                    ...headers,
                },
                rejectUnauthorized: !conn.insecure,
                timeout: 30_000,
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let parsed: unknown = text;
                    try {
                        parsed = text ? JSON.parse(text) : undefined;
                    } catch {
                        // keep the raw text (HTML error pages from a proxy in front of Harbor)
                    }
                    resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error("request timed out")));
        req.on("error", reject);
        if (payload) {
            req.write(payload);
        }
        req.end();
    });
}

export function errorText(body: unknown): string {
    const errors = (body as { errors?: { code?: string; message?: string }[] } | undefined)?.errors;
    if (Array.isArray(errors) && errors.length > 0) {
        return errors.map((e) => `${e.code ?? "ERROR"}: ${e.message ?? ""}`).join("; ");
    }
    return typeof body === "string" && body.length > 0 ? body.slice(0, 200) : "no error message";
}

/** Returns the response when its status is one of `ok`, else throws Harbor's error. */
export async function expect(
    conn: HarborConnection,
    ok: number[],
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
): Promise<Response> {
    const res = await call(conn, method, path, body, headers);
    if (!ok.includes(res.status)) {
        throw harborApiError(res.status, `${method} ${path}`, errorText(res.body));
    }
    return res;
}

/** The id at the end of a Location header (`/api/v2.0/projects/7` -> 7). */
function createdId(res: Response): number | undefined {
    const location = res.headers.location;
    const id = location ? Number(location.split("/").pop()) : NaN;
    return Number.isFinite(id) ? id : undefined;
}

// ---------------------------------------------------------------------------------------------
// Registry endpoints

/**
 * Harbor's adapter type and URL for an upstream; all but Docker Hub and GitHub's (quay.io too) are plain
 * v2 registries, as harbor-helm 1.19.1 permits no `quay` proxy cache (test/contracts/harbor-proxy-cache).
 */
export function endpointFor(upstream: string): { type: string; url: string } {
    switch (upstream) {
        case "docker.io":
            return { type: "docker-hub", url: "https://hub.docker.com" };
        case "ghcr.io":
            return { type: "github-ghcr", url: "https://ghcr.io" };
        default:
            return { type: "docker-registry", url: `https://${upstream}` };
    }
}

export interface RegistrySpec {
    readonly name: string;
    readonly type: string;
    readonly url: string;
}

export interface RegistryState extends RegistrySpec {
    readonly id: number;
}

interface ApiRegistry {
    id: number;
    name: string;
    type: string;
    url: string;
}

async function findRegistry(conn: HarborConnection, name: string): Promise<ApiRegistry | undefined> {
    const res = await expect(conn, [200], "GET", `/registries?q=${encodeURIComponent(`name=${name}`)}`);
    return (res.body as ApiRegistry[]).find((r) => r.name === name);
}

export async function createRegistry(conn: HarborConnection, spec: RegistrySpec): Promise<RegistryState> {
    const res = await call(conn, "POST", "/registries", { name: spec.name, type: spec.type, url: spec.url, insecure: false });
    if (res.status === 409) {
        // Created by an earlier run whose state was lost: adopt it and converge it to the spec.
        const existing = await findRegistry(conn, spec.name);
        if (!existing) {
            throw harborApiError(409, "POST /registries", errorText(res.body));
        }
        // Harbor's PUT cannot change a type (swagger RegistryUpdate): another type (an old `quay`) stays.
        if (existing.type !== spec.type) {
            throw harborApiError(
                409,
                "POST /registries",
                `${errorText(res.body)} (its type is ${existing.type}, not ${spec.type}, so it is not adopted: delete registry endpoint ${spec.name} in Harbor, then run up again)`,
            );
        }
        return updateRegistry(conn, existing.id, spec);
    }
    if (res.status !== 201) {
        throw harborApiError(res.status, "POST /registries", errorText(res.body));
    }
    const id = createdId(res) ?? (await findRegistry(conn, spec.name))?.id;
    if (id === undefined) {
        throw new Error(`Harbor created registry ${spec.name} but did not say its id`);
    }
    return { id, ...spec };
}

export async function readRegistry(conn: HarborConnection, id: number): Promise<RegistryState | undefined> {
    const res = await expect(conn, [200, 404], "GET", `/registries/${id}`);
    if (res.status === 404) {
        return undefined;
    }
    const r = res.body as ApiRegistry;
    return { id: r.id, name: r.name, type: r.type, url: r.url };
}

export async function updateRegistry(conn: HarborConnection, id: number, spec: RegistrySpec): Promise<RegistryState> {
    await expect(conn, [200], "PUT", `/registries/${id}`, { name: spec.name, url: spec.url, insecure: false });
    return { id, ...spec };
}

export async function deleteRegistry(conn: HarborConnection, id: number): Promise<void> {
    await expect(conn, [200, 404], "DELETE", `/registries/${id}`);
}

// ---------------------------------------------------------------------------------------------
// Projects

/** Severities Harbor's `prevent_vul` policy can block at (project metadata `severity`). */
export type HarborSeverity = "none" | "low" | "medium" | "high" | "critical";

export interface ProjectSpec {
    readonly name: string;
    readonly public: boolean;
    /** Registry endpoint id for a proxy-cache project. */
    readonly registryId?: number;
    /** Scan every pushed artifact (metadata `auto_scan`). Unset: Harbor's default (off). */
    readonly scanOnPush?: boolean;
    /** Refuse pulls of images without a cosign signature (metadata `enable_content_trust_cosign`). */
    readonly requireSignature?: boolean;
    /**
     * Refuse pulls of images with vulnerabilities at or above this severity (metadata `prevent_vul`
     * + `severity`). Unset or "none": no such policy.
     */
    readonly preventVulnerableSeverity?: HarborSeverity;
}

/**
 * The project metadata Harbor stores for a spec: keys and string values as in Harbor's API v2.0
 * `ProjectMetadata` (swagger.yaml at v2.15.1, the app version of harbor-helm 1.19.1; see
 * test/contracts/harbor-project-metadata.contract.test.ts). Policies the spec leaves unset are not sent, so
 * proxy-cache projects and projects configured before these keys existed keep Harbor's values.
 */
export function projectMetadata(spec: ProjectSpec): Record<string, string> {
    const metadata: Record<string, string> = { public: String(spec.public) };
    if (spec.scanOnPush !== undefined) {
        metadata.auto_scan = String(spec.scanOnPush);
    }
    if (spec.requireSignature !== undefined) {
        metadata.enable_content_trust_cosign = String(spec.requireSignature);
    }
    if (spec.preventVulnerableSeverity !== undefined) {
        const on = spec.preventVulnerableSeverity !== "none";
        metadata.prevent_vul = String(on);
        metadata.severity = spec.preventVulnerableSeverity;
    }
    return metadata;
}

export interface ProjectState extends ProjectSpec {
    readonly id: number;
}

interface ApiProject {
    project_id: number;
    name: string;
    registry_id?: number | null;
    metadata?: { public?: string; auto_scan?: string; enable_content_trust_cosign?: string; prevent_vul?: string; severity?: string };
}

const BY_NAME = { "X-Is-Resource-Name": "true" };

function toProjectState(p: ApiProject): ProjectState {
    const m = p.metadata ?? {};
    return {
        id: p.project_id,
        name: p.name,
        public: m.public === "true",
        ...(p.registry_id ? { registryId: p.registry_id } : {}),
        ...(m.auto_scan !== undefined ? { scanOnPush: m.auto_scan === "true" } : {}),
        ...(m.enable_content_trust_cosign !== undefined ? { requireSignature: m.enable_content_trust_cosign === "true" } : {}),
        ...(m.prevent_vul !== undefined ? { preventVulnerableSeverity: (m.prevent_vul === "true" ? (m.severity ?? "low") : "none") as HarborSeverity } : {}),
    };
}

export async function readProject(conn: HarborConnection, name: string): Promise<ProjectState | undefined> {
    const res = await expect(conn, [200, 404, 403], "GET", `/projects/${encodeURIComponent(name)}`, undefined, BY_NAME);
    return res.status === 200 ? toProjectState(res.body as ApiProject) : undefined;
}

export async function createProject(conn: HarborConnection, spec: ProjectSpec): Promise<ProjectState> {
    const body = {
        project_name: spec.name,
        metadata: projectMetadata(spec),
        ...(spec.registryId !== undefined ? { registry_id: spec.registryId } : {}),
    };
    const res = await call(conn, "POST", "/projects", body);
    if (res.status === 409) {
        const existing = await readProject(conn, spec.name);
        if (!existing || (existing.registryId ?? undefined) !== spec.registryId) {
            throw harborApiError(409, "POST /projects", `${errorText(res.body)} (and it is not the same kind of project, so it is not adopted)`);
        }
        return updateProject(conn, existing.id, spec);
    }
    if (res.status !== 201) {
        throw harborApiError(res.status, "POST /projects", errorText(res.body));
    }
    const created = await readProject(conn, spec.name);
    if (!created) {
        throw new Error(`Harbor created project ${spec.name} but cannot read it back`);
    }
    return created;
}

export async function updateProject(conn: HarborConnection, id: number, spec: ProjectSpec): Promise<ProjectState> {
    await expect(conn, [200], "PUT", `/projects/${id}`, { metadata: projectMetadata(spec) });
    return { id, ...spec };
}

export async function deleteProject(conn: HarborConnection, name: string): Promise<void> {
    await expect(conn, [200, 404], "DELETE", `/projects/${encodeURIComponent(name)}`, undefined, BY_NAME);
}
