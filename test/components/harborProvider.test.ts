import { endpointFor, isHarborApiError } from "../../components/registry/harborApi";
import { robotPermissions } from "../../components/registry/harborRobots";
import { harborObjectProvider, HarborObjectInputs } from "../../components/registry/harborProvider";
import { FakeHarbor } from "../fakeHarbor";

const harbor = new FakeHarbor();
let connection: { url: string; username: string; password: string; attempts: number; retryDelayMs: number };
const provider = harborObjectProvider as Required<typeof harborObjectProvider>;

beforeAll(async () => {
    const url = await harbor.start();
    connection = { url, username: "admin", password: harbor.password, attempts: 1, retryDelayMs: 1 };
});
afterAll(() => harbor.stop());

const inputs = (object: Omit<HarborObjectInputs, "connection">, conn = connection): HarborObjectInputs =>
    ({ ...object, connection: conn }) as HarborObjectInputs;

describe("Harbor provider against a fake Harbor API", () => {
    it("creates, reads, updates and deletes a registry endpoint", async () => {
        const spec = { name: "docker.io", ...endpointFor("docker.io") };
        const created = await provider.create(inputs({ kind: "registry", spec }));
        expect(harbor.registries.get(Number(created.id))).toMatchObject({ name: "docker.io", type: "docker-hub", url: "https://hub.docker.com" });
        const read = await provider.read(created.id, created.outs);
        expect(read.props?.state).toMatchObject({ id: Number(created.id), name: "docker.io", type: "docker-hub" });

        const moved = inputs({ kind: "registry", spec: { ...spec, url: "https://mirror.example.com" } });
        expect(await provider.diff(created.id, created.outs, moved)).toMatchObject({ changes: true, replaces: [] });
        await provider.update(created.id, created.outs, moved);
        expect(harbor.registries.get(Number(created.id))?.url).toBe("https://mirror.example.com");

        await provider.delete(created.id, created.outs);
        expect(harbor.registries.has(Number(created.id))).toBe(false);
        expect(await provider.read(created.id, created.outs)).toEqual({ id: undefined, props: undefined });
        // Deleting what is already gone is not an error (idempotent destroy).
        await expect(provider.delete(created.id, created.outs)).resolves.toBeUndefined();
    });

    it("creates a public proxy-cache project on an endpoint and a private project", async () => {
        const endpoint = await provider.create(inputs({ kind: "registry", spec: { name: "quay.io", ...endpointFor("quay.io") } }));
        const proxy = await provider.create(inputs({ kind: "project", spec: { name: "quay", public: true, registryId: Number(endpoint.id) } }));
        expect([...harbor.projects.values()].find((p) => p.name === "quay")).toMatchObject({ registry_id: Number(endpoint.id), metadata: { public: "true" } });
        expect(proxy.outs.state).toMatchObject({ name: "quay", public: true, registryId: Number(endpoint.id) });
        const own = await provider.create(inputs({ kind: "project", spec: { name: "apps", public: false } }));
        expect(own.outs.state).toMatchObject({ name: "apps", public: false });
        expect(own.outs.state.registryId).toBeUndefined();
    });

    it("diffs for real: no change is no change, a flag updates, a rename or new endpoint replaces", async () => {
        const created = await provider.create(inputs({ kind: "project", spec: { name: "team-a", public: false } }));
        const same = inputs({ kind: "project", spec: { name: "team-a", public: false } });
        expect(await provider.diff(created.id, created.outs, same)).toMatchObject({ changes: false, replaces: [] });
        const opened = inputs({ kind: "project", spec: { name: "team-a", public: true } });
        expect(await provider.diff(created.id, created.outs, opened)).toMatchObject({ changes: true, replaces: [] });
        await provider.update(created.id, created.outs, opened);
        expect([...harbor.projects.values()].find((p) => p.name === "team-a")?.metadata.public).toBe("true");
        const renamed = inputs({ kind: "project", spec: { name: "team-b", public: true } });
        expect(await provider.diff(created.id, created.outs, renamed)).toMatchObject({ changes: true, replaces: ["spec.name"], deleteBeforeReplace: true });
    });

    it("creates an application project with scan on push, cosign-only pulls and a vulnerability block (Harbor metadata keys)", async () => {
        const spec = { name: "apps-secure", public: false, scanOnPush: true, requireSignature: true, preventVulnerableSeverity: "critical" as const };
        const created = await provider.create(inputs({ kind: "project", spec }));
        expect([...harbor.projects.values()].find((p) => p.name === "apps-secure")?.metadata).toEqual({
            public: "false",
            auto_scan: "true",
            enable_content_trust_cosign: "true",
            prevent_vul: "true",
            severity: "critical",
        });
        expect(created.outs.state).toMatchObject({ scanOnPush: true, requireSignature: true, preventVulnerableSeverity: "critical" });

        // Loosening the policy is an in-place update; "none" turns the vulnerability block off.
        const relaxed = inputs({ kind: "project", spec: { ...spec, requireSignature: false, preventVulnerableSeverity: "none" as const } });
        expect(await provider.diff(created.id, created.outs, relaxed)).toMatchObject({ changes: true, replaces: [] });
        await provider.update(created.id, created.outs, relaxed);
        expect([...harbor.projects.values()].find((p) => p.name === "apps-secure")?.metadata).toMatchObject({
            enable_content_trust_cosign: "false",
            prevent_vul: "false",
            severity: "none",
        });
        expect((await provider.read(created.id, created.outs)).props?.state).toMatchObject({ requireSignature: false, preventVulnerableSeverity: "none" });
    });

    it("leaves the policies of a project without them (proxy caches) to Harbor", async () => {
        await provider.create(inputs({ kind: "project", spec: { name: "plain", public: true } }));
        expect([...harbor.projects.values()].find((p) => p.name === "plain")?.metadata).toEqual({ public: "true" });
    });

    it("adopts a project that already exists (409) and converges it, instead of failing a retried up", async () => {
        await provider.create(inputs({ kind: "project", spec: { name: "retry", public: false } }));
        const again = await provider.create(inputs({ kind: "project", spec: { name: "retry", public: true } }));
        expect(harbor.requests).toContain("POST /projects");
        expect([...harbor.projects.values()].filter((p) => p.name === "retry")).toHaveLength(1);
        expect([...harbor.projects.values()].find((p) => p.name === "retry")?.metadata.public).toBe("true");
        expect(again.outs.state).toMatchObject({ name: "retry", public: true });
    });

    it("refuses to adopt an existing project of another kind (409 surfaced)", async () => {
        const endpoint = await provider.create(inputs({ kind: "registry", spec: { name: "ghcr.io", ...endpointFor("ghcr.io") } }));
        await provider.create(inputs({ kind: "project", spec: { name: "ghcr", public: false } }));
        await expect(provider.create(inputs({ kind: "project", spec: { name: "ghcr", public: true, registryId: Number(endpoint.id) } }))).rejects.toThrow(
            /POST \/projects failed with HTTP 409: CONFLICT: The project named ghcr already exists .*not adopted/,
        );
    });

    it("replaces an old `quay` endpoint; adopts a lost endpoint of the same type, refuses one of another type (Harbor cannot change it)", async () => {
        const quay = endpointFor("quay.io");
        expect(quay).toEqual({ type: "docker-registry", url: "https://quay.io" });
        const first = await provider.create(inputs({ kind: "registry", spec: { name: "adopted", ...quay } }));
        expect((await provider.create(inputs({ kind: "registry", spec: { name: "adopted", ...quay } }))).id).toBe(first.id);
        const old = await provider.create(inputs({ kind: "registry", spec: { name: "old-quay", type: "quay", url: "https://quay.io" } }));
        // In the state (an up that failed at the proxy project): the next up replaces it.
        expect(await provider.diff(old.id, old.outs, inputs({ kind: "registry", spec: { name: "old-quay", ...quay } }))).toMatchObject({
            replaces: ["spec.type"],
            deleteBeforeReplace: true,
        });
        // Not in the state (lost): the 409 is not adopted.
        await expect(provider.create(inputs({ kind: "registry", spec: { name: "old-quay", ...quay } }))).rejects.toThrow(
            /POST \/registries failed with HTTP 409: .*its type is quay, not docker-registry, so it is not adopted: delete registry endpoint old-quay/,
        );
    });

    it("creates a project-level robot once, with an expiry, returns its secret, updates it in place, and refuses a duplicate", async () => {
        const robot = await provider.create(inputs({ kind: "robot", spec: { name: "ci", project: "apps", expiresInDays: 180 } }));
        expect(robot.outs.secret).toMatch(/^robot-secret-/);
        // Harbor v2.15.1 names a project robot robot$<project>+<name> (src/controller/robot/controller.go Create).
        expect(robot.outs.state).toMatchObject({ fullName: "robot$apps+ci", project: "apps", expiresInDays: 180 });
        const stored = harbor.robots.get(Number(robot.id))!;
        expect({ level: stored.level, duration: stored.duration }).toEqual({ level: "project", duration: 180 });
        expect((robot.outs.state as { expiresAt: number }).expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(179 * 86_400);
        // Push, pull, and read the vulnerability report for the pipeline's scan gate; one project only.
        expect(robotPermissions("apps")).toEqual([
            expect.objectContaining({
                kind: "project",
                namespace: "apps",
                access: expect.arrayContaining([
                    { resource: "repository", action: "push" },
                    { resource: "artifact-addition", action: "read" },
                ]),
            }),
        ]);
        const shorter = inputs({ kind: "robot", spec: { name: "ci", project: "apps", expiresInDays: 90 } });
        expect(await provider.diff(robot.id, robot.outs, shorter)).toMatchObject({ changes: true, replaces: [] });
        const updated = await provider.update(robot.id, robot.outs, shorter);
        expect(stored.duration).toBe(90);
        expect(updated.outs.secret).toBe(robot.outs.secret);
        // Another project is another robot: a replacement, never a widened one.
        expect(
            await provider.diff(robot.id, updated.outs, inputs({ kind: "robot", spec: { name: "ci", project: "team-a", expiresInDays: 90 } })),
        ).toMatchObject({ replaces: ["spec.project"] });
        await expect(provider.create(inputs({ kind: "robot", spec: { name: "ci", project: "apps" } }))).rejects.toThrow(
            /HTTP 409: CONFLICT: robot account robot\$apps\+ci already exists; delete robot apps\+ci in Harbor or import it/,
        );
    });

    it("replaces a robot in its last 30 days (a new secret before the old one lapses), and never one that does not expire", async () => {
        const spec = { name: "soon", project: "apps", expiresInDays: 60 };
        const robot = await provider.create(inputs({ kind: "robot", spec }));
        const now = Math.floor(Date.now() / 1000);
        const aged = { ...robot.outs, state: { ...robot.outs.state, expiresAt: now + 29 * 86_400 } };
        expect(await provider.diff(robot.id, aged, inputs({ kind: "robot", spec }))).toMatchObject({ changes: true, replaces: ["state.expiresAt"] });
        const fresh = { ...robot.outs, state: { ...robot.outs.state, expiresAt: now + 31 * 86_400 } };
        expect(await provider.diff(robot.id, fresh, inputs({ kind: "robot", spec }))).toMatchObject({ changes: false, replaces: [] });
        const never = { ...robot.outs, state: { ...robot.outs.state, expiresAt: -1 } };
        expect(await provider.diff(robot.id, never, inputs({ kind: "robot", spec }))).toMatchObject({ changes: false, replaces: [] });
    });

    it("creates a pull-only robot for a workload: no push and no tag creation, read back as pull access", async () => {
        const robot = await provider.create(inputs({ kind: "robot", spec: { name: "pull-apps-hello", project: "apps", access: "pull" } }));
        const stored = harbor.robots.get(Number(robot.id)) as unknown as {
            permissions: { namespace: string; access: { resource: string; action: string }[] }[];
        };
        expect(stored.permissions).toEqual([
            {
                kind: "project",
                namespace: "apps",
                access: [
                    { resource: "repository", action: "pull" },
                    { resource: "artifact", action: "read" },
                ],
            },
        ]);
        expect(robot.outs.secret).toMatch(/^robot-secret-/);
        const read = await provider.read(robot.id, robot.outs);
        expect(read.props?.state).toMatchObject({ fullName: "robot$apps+pull-apps-hello", project: "apps", access: "pull" });
        // Widening a pull robot to push is an in-place update of its permissions, not a new secret.
        const widened = inputs({ kind: "robot", spec: { name: "pull-apps-hello", project: "apps", access: "push" } });
        expect(await provider.diff(robot.id, robot.outs, widened)).toMatchObject({ changes: true, replaces: [] });
        await provider.update(robot.id, robot.outs, widened);
        expect(stored.permissions[0].access.map((a) => `${a.resource}:${a.action}`)).toEqual([
            "repository:push",
            "repository:pull",
            "artifact:read",
            "artifact-addition:read",
            "tag:create",
        ]);
    });

    it("surfaces Harbor's own error message and status", async () => {
        harbor.failNext(500, 1, "database is locked");
        const error = await provider.create(inputs({ kind: "project", spec: { name: "boom", public: false } })).catch((e: unknown) => e);
        expect(isHarborApiError(error) && error.status).toBe(500);
        expect((error as Error).message).toBe("Harbor API POST /projects failed with HTTP 500: UNKNOWN: database is locked");
        const bad = await provider.create(inputs({ kind: "registry", spec: { name: "x", type: "nope", url: "https://x" } })).catch((e: unknown) => e);
        expect((bad as Error).message).toBe("Harbor API POST /registries failed with HTTP 500: UNKNOWN: adapter factory for nope not found");
    });

    it("reports a wrong admin password as a 401", async () => {
        const wrong = { ...connection, password: "nope" };
        await expect(provider.create(inputs({ kind: "project", spec: { name: "x", public: false } }, wrong))).rejects.toThrow(/HTTP 401: UNAUTHORIZED/);
    });

    it("retries while Harbor is starting (503), then succeeds", async () => {
        harbor.failNext(503, 2, "starting");
        const created = await provider.create(inputs({ kind: "project", spec: { name: "late", public: false } }, { ...connection, attempts: 3 }));
        expect(created.outs.state).toMatchObject({ name: "late" });
    });

    it("says so when Harbor is unreachable", async () => {
        const closed = { ...connection, url: "http://127.0.0.1:9", attempts: 2 };
        await expect(provider.create(inputs({ kind: "project", spec: { name: "x", public: false } }, closed))).rejects.toThrow(
            /Harbor API POST \/projects: http:\/\/127\.0\.0\.1:9 unreachable after 2 attempts/,
        );
    });
});
