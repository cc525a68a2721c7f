/**
 * An in-memory stand-in for Harbor's REST API v2.0 on loopback, for the provider's CRUD tests:
 * basic auth, 201 + Location on create, 409 on duplicate names, 404 on unknown ids, Harbor's error
 * body shape, and injected failures. It refuses what Harbor 2.15.1 as harbor-helm 1.19.1 deploys it
 * refuses (the rules below, each with its source), so a request real Harbor would reject fails here.
 * It does not ping an endpoint's URL (Harbor answers 400 "the registry is unhealthy" when it cannot).
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Registry types a proxy-cache project may use: harbor-helm@v1.19.1 (ae011519ef17a47478a3639d7680902c6adcb0a5)
 * templates/core/core-cm.yaml PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE (`quay` left the list in
 * v1.18.0, goharbor/harbor-helm#2223). Harbor reads it in src/lib/config/systemconfig.go and answers
 * 400 "unsupported registry type <type>" otherwise (goharbor/harbor@v2.15.1
 * src/server/v2.0/handler/project.go, validateProjectReq).
 */
export const PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE = [
    "docker-hub",
    "harbor",
    "azure-acr",
    "ali-acr",
    "aws-ecr",
    "google-gcr",
    "docker-registry",
    "github-ghcr",
    "jfrog-artifactory",
];

/**
 * Endpoint types with an adapter: the `RegisterFactory` calls in goharbor/harbor@v2.15.1
 * src/pkg/reg/adapter/<name>/ (names in src/pkg/reg/model/registry.go). Another type fails endpoint
 * creation with "adapter factory for <type> not found" (src/pkg/reg/adapter/adapter.go GetFactory,
 * reached from src/controller/registry/controller.go validate), a plain error, so HTTP 500.
 */
const ADAPTER_TYPES = [
    "ali-acr",
    "aws-ecr",
    "azure-acr",
    "docker-hub",
    "docker-registry",
    "dtr",
    "github-ghcr",
    "gitlab",
    "google-gcr",
    "harbor",
    "huawei-SWR",
    "jfrog-artifactory",
    "quay",
    "tencent-tcr",
    "volcengine-cr",
];

/** Project and robot names: src/pkg/project/manager.go (restrictedNameChars, 1..255) and src/server/v2.0/handler/robot.go validateName, at v2.15.1. */
const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * Project-scope robot accesses the fake knows: a part of `PoliciesMap[ScopeProject]` in
 * goharbor/harbor@v2.15.1 src/common/rbac/const.go (robot.go validate answers 400 "bad request
 * permission" for a pair outside it). Extend from that file when the provider asks for more.
 */
const PROJECT_ROBOT_ACCESS = [
    ...["read", "update", "delete", "list", "pull", "push"].map((a) => `repository:${a}`),
    ...["read", "create", "list", "delete"].map((a) => `artifact:${a}`),
    ...["create", "list", "delete"].map((a) => `tag:${a}`),
    ...["create", "read", "stop"].map((a) => `scan:${a}`),
    "artifact-addition:read",
];

/** Harbor's 400 for a robot's duration, level and permissions (src/server/v2.0/handler/robot.go validate), or undefined. */
function robotProblem(body: Record<string, unknown>): string | undefined {
    const permissions = (body.permissions ?? []) as { kind?: string; access?: { resource: string; action: string }[] }[];
    const duration = Number(body.duration);
    if (!(duration === -1 || duration > 0)) return `bad request error duration input: ${String(body.duration)}`;
    if (!["system", "project"].includes(String(body.level))) return `bad request error level input: ${String(body.level)}`;
    if (permissions.length === 0) return "bad request empty permission";
    // A project robot has exactly one permission, its project's.
    if (body.level === "project" && permissions.length > 1) return "bad request permission";
    for (const p of permissions) {
        if (!p.access?.length) return "bad request empty access";
        const unknown = p.kind === "project" ? p.access.find((a) => !PROJECT_ROBOT_ACCESS.includes(`${a.resource}:${a.action}`)) : undefined;
        if (unknown) return `bad request permission: ${unknown.resource}:${unknown.action}`;
    }
    return undefined;
}

interface Registry {
    id: number;
    name: string;
    type: string;
    url: string;
}
interface Project {
    project_id: number;
    name: string;
    registry_id: number | null;
    metadata: Record<string, string> & { public: string };
}
/** One pushed artifact's scan as Harbor reports it (scan overview + vulnerability report). */
export interface FakeScan {
    /** Harbor's scan_status; undefined: not scanned (yet), no scan overview at all. */
    status?: "Pending" | "Running" | "Success" | "Error" | "Stopped";
    vulnerabilities?: { id: string; package: string; version: string; fix_version: string; severity: string }[];
}
interface Robot {
    id: number;
    name: string;
    level: string;
    secret: string;
    duration: number;
    created: number;
    expires_at: number;
    permissions: { namespace: string }[];
}

/** Harbor's expiry: `duration` days after creation, -1 never (src/controller/robot/controller.go Create, handler updateV2Robot). */
const expiry = (created: number, duration: number) => (duration === -1 ? -1 : created + duration * 86_400);

export class FakeHarbor {
    readonly registries = new Map<number, Registry>();
    readonly projects = new Map<number, Project>();
    readonly robots = new Map<number, Robot>();
    /** Artifacts by `<project>/<repository>@<digest>`; a function answers each poll in turn. */
    readonly artifacts = new Map<string, FakeScan | ((poll: number) => FakeScan)>();
    private polls = new Map<string, number>();
    readonly requests: string[] = [];
    private nextId = 1;
    private failures: { status: number; remaining: number; body?: unknown }[] = [];
    private server?: Server;

    constructor(readonly password = "Harbor-admin-1") {}

    /** The next `times` requests answer `status` (with Harbor's error body). */
    failNext(status: number, times = 1, message = "injected failure"): void {
        this.failures.push({ status, remaining: times, body: { errors: [{ code: status === 500 ? "UNKNOWN" : "FAILED", message }] } });
    }

    async start(): Promise<string> {
        this.server = createServer((req, res) => void this.handle(req, res));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    async stop(): Promise<void> {
        await new Promise((resolve) => this.server?.close(resolve));
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
        const url = new URL(req.url ?? "/", "http://x");
        const path = url.pathname.replace(/^\/api\/v2\.0/, "");
        this.requests.push(`${req.method} ${path}`);
        const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
            res.writeHead(status, { "Content-Type": "application/json", ...headers });
            res.end(payload === undefined ? "" : JSON.stringify(payload));
        };
        const error = (status: number, code: string, message: string) => send(status, { errors: [{ code, message }] });

        const failure = this.failures[0];
        if (failure) {
            failure.remaining -= 1;
            if (failure.remaining <= 0) this.failures.shift();
            return send(failure.status, failure.body);
        }
        if (req.headers.authorization !== `Basic ${Buffer.from(`admin:${this.password}`).toString("base64")}`) {
            return error(401, "UNAUTHORIZED", "unauthorized");
        }
        const artifact = /^\/projects\/([^/]+)\/repositories\/([^/]+)\/artifacts\/([^/]+)(\/additions\/vulnerabilities)?$/.exec(path);
        if (artifact && req.method === "GET") {
            return this.artifact(
                decodeURIComponent(artifact[1]),
                decodeURIComponent(decodeURIComponent(artifact[2])),
                decodeURIComponent(artifact[3]),
                artifact[4] !== undefined,
                url,
                req,
                send,
                error,
            );
        }
        const [, kind, idOrName] = path.split("/");
        const byName = req.headers["x-is-resource-name"] === "true";

        if (kind === "registries") {
            if (req.method === "GET" && idOrName === undefined) {
                const name = (url.searchParams.get("q") ?? "").replace(/^name=/, "");
                return send(
                    200,
                    [...this.registries.values()].filter((r) => r.name === name),
                );
            }
            if (req.method === "POST") {
                // src/controller/registry/controller.go validate, in its order, then the name's uniqueness.
                if (!body.name || String(body.name).length > 64) return error(400, "BAD_REQUEST", "the name is empty or longer than 64");
                if (!/^https?:\/\/[^/]/.test(String(body.url))) return error(400, "BAD_REQUEST", `invalid HTTP URL ${String(body.url)}`);
                if (!ADAPTER_TYPES.includes(String(body.type))) return error(500, "UNKNOWN", `adapter factory for ${String(body.type)} not found`);
                if ([...this.registries.values()].some((r) => r.name === body.name))
                    return error(409, "CONFLICT", `registry ${String(body.name)} already exists`);
                const id = this.nextId++;
                this.registries.set(id, { id, name: String(body.name), type: String(body.type), url: String(body.url) });
                return send(201, undefined, { Location: `/api/v2.0/registries/${id}` });
            }
            const r = this.registries.get(Number(idOrName));
            if (!r) return error(404, "NOT_FOUND", `registry ${idOrName} not found`);
            if (req.method === "GET") return send(200, r);
            if (req.method === "PUT") {
                Object.assign(r, { name: body.name ?? r.name, url: body.url ?? r.url });
                return send(200);
            }
            if (req.method === "DELETE") {
                if ([...this.projects.values()].some((p) => p.registry_id === r.id))
                    return error(412, "PRECONDITION", "registry is used by a proxy-cache project");
                this.registries.delete(r.id);
                return send(200);
            }
        }

        if (kind === "projects") {
            if (req.method === "POST") {
                // CreateProject: metadata.public, validateProjectReq, then the project manager's name rules.
                const publicFlag = (body.metadata as { public?: string } | undefined)?.public;
                if (publicFlag !== undefined && publicFlag !== "true" && publicFlag !== "false")
                    return error(400, "BAD_REQUEST", `metadata.public should only be 'true' or 'false', but got: '${publicFlag}'`);
                if (body.registry_id !== undefined) {
                    if (Number(body.registry_id) <= 0) return error(400, "BAD_REQUEST", `${String(body.registry_id)} is invalid value of registry_id`);
                    const registry = this.registries.get(Number(body.registry_id));
                    if (!registry) return error(400, "BAD_REQUEST", "registry not found");
                    if (!PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE.includes(registry.type))
                        return error(400, "BAD_REQUEST", `unsupported registry type ${registry.type}`);
                }
                const name = String(body.project_name);
                if (name.length > 255 || !NAME.test(name)) return error(400, "BAD_REQUEST", "project name is not in lower case or contains illegal characters");
                if ([...this.projects.values()].some((p) => p.name === body.project_name))
                    return error(409, "CONFLICT", `The project named ${String(body.project_name)} already exists`);
                const id = this.nextId++;
                this.projects.set(id, {
                    project_id: id,
                    name,
                    registry_id: body.registry_id === undefined ? null : Number(body.registry_id),
                    metadata: { public: "false", ...((body.metadata as Record<string, string> | undefined) ?? {}) },
                });
                return send(201, undefined, { Location: `/api/v2.0/projects/${id}` });
            }
            const p = byName ? [...this.projects.values()].find((x) => x.name === decodeURIComponent(idOrName)) : this.projects.get(Number(idOrName));
            if (!p) return error(404, "NOT_FOUND", `project ${idOrName} not found`);
            if (req.method === "GET") return send(200, p);
            if (req.method === "PUT") {
                Object.assign(p.metadata, (body.metadata as Record<string, string> | undefined) ?? {});
                return send(200);
            }
            if (req.method === "DELETE") {
                this.projects.delete(p.project_id);
                return send(200);
            }
        }

        if (kind === "robots") {
            if (req.method === "POST") {
                // CreateRobot: validateName, then validate.
                const problem = NAME.test(String(body.name)) ? robotProblem(body) : "robot name is not in lower case or contains illegal characters";
                if (problem) return error(400, "BAD_REQUEST", problem);
                // A project robot is named <project>+<name>, prefixed robot$ (controller.go Create, Get).
                const permissions = (body.permissions as { namespace: string }[]) ?? [];
                const name = body.level === "project" ? `robot$${permissions[0].namespace}+${String(body.name)}` : `robot$${String(body.name)}`;
                if ([...this.robots.values()].some((r) => r.name === name)) return error(409, "CONFLICT", `robot account ${name} already exists`);
                const id = this.nextId++;
                const created = Math.floor(Date.now() / 1000);
                const duration = Number(body.duration);
                const robot = {
                    id,
                    name,
                    level: String(body.level),
                    secret: `robot-secret-${id}`,
                    duration,
                    created,
                    expires_at: expiry(created, duration),
                    permissions,
                };
                this.robots.set(id, robot);
                return send(201, { id, name, secret: robot.secret, expires_at: robot.expires_at });
            }
            const r = this.robots.get(Number(idOrName));
            if (!r) return error(404, "NOT_FOUND", `robot ${idOrName} not found`);
            if (req.method === "GET")
                return send(200, { id: r.id, name: r.name, level: r.level, duration: r.duration, expires_at: r.expires_at, permissions: r.permissions });
            if (req.method === "PUT") {
                // updateV2Robot: validate, then the name (the prefixed one GET returns) and level must not change.
                const problem = robotProblem(body) ?? (body.name !== r.name || body.level !== r.level ? "cannot update the level or name of robot" : undefined);
                if (problem) return error(400, "BAD_REQUEST", problem);
                r.permissions = (body.permissions as { namespace: string }[]) ?? r.permissions;
                r.duration = Number(body.duration);
                r.expires_at = expiry(r.created, r.duration);
                return send(200);
            }
            if (req.method === "DELETE") {
                this.robots.delete(r.id);
                return send(200);
            }
        }
        return error(404, "NOT_FOUND", `no route ${req.method} ${path}`);
    }

    /** GET artifact with scan overview, and its vulnerabilities addition (Harbor API v2.0 shapes). */
    private artifact(
        project: string,
        repository: string,
        reference: string,
        additions: boolean,
        url: URL,
        req: IncomingMessage,
        send: (status: number, payload?: unknown) => void,
        error: (status: number, code: string, message: string) => void,
    ): void {
        const key = `${project}/${repository}@${reference}`;
        const entry = this.artifacts.get(key);
        if (!entry) return error(404, "NOT_FOUND", `artifact ${key} not found`);
        const poll = (this.polls.get(key) ?? 0) + 1;
        if (!additions) this.polls.set(key, poll);
        const scan = typeof entry === "function" ? entry(poll) : entry;
        const mime = "application/vnd.security.vulnerability.report; version=1.1";
        const accepted = String(req.headers["x-accept-vulnerabilities"] ?? "");
        if (!accepted.includes(mime)) return error(400, "BAD_REQUEST", "X-Accept-Vulnerabilities missing");
        const vulns = scan.vulnerabilities ?? [];
        if (additions) {
            return send(200, scan.status === "Success" ? { [mime]: { severity: "Critical", vulnerabilities: vulns } } : {});
        }
        const counts: Record<string, number> = {};
        for (const v of vulns) counts[v.severity] = (counts[v.severity] ?? 0) + 1;
        const overview =
            scan.status === undefined || url.searchParams.get("with_scan_overview") !== "true"
                ? undefined
                : {
                      [mime]: {
                          scan_status: scan.status,
                          complete_percent: scan.status === "Success" ? 100 : 0,
                          ...(scan.status === "Success"
                              ? { summary: { total: vulns.length, fixable: vulns.filter((v) => v.fix_version).length, summary: counts } }
                              : {}),
                      },
                  };
        return send(200, { digest: reference, ...(overview ? { scan_overview: overview } : {}) });
    }
}
