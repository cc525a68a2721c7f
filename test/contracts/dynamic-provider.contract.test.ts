/**
 * Contract behind the Harbor objects (components/registry/harborProvider.ts): what a dynamic
 * provider becomes on the way to the engine.
 * - @pulumi/pulumi 3.248.0 dynamic/index.js: `dynamic.Resource` stores its provider in the
 *   `__provider` input as text from runtime/closure/serializeClosure's `serializeFunction`, which
 *   copies every value the code captures (module-level constants included) into that text.
 * - cmd/dynamic-provider/index.js: the engine's provider host loads the text with
 *   `require-from-string` and calls `.handler()` for the provider object.
 * Offline evaluations skip the serializer (offline/evaluate.ts). The global setup ran it on the
 * Harbor provider in a plain Node process (test/tools/evaluateStacks.ts: Jest's module sandbox would
 * copy Node's own modules by value); here the text is loaded as the host loads it and used.
 */
import { builtinModules } from "node:module";
import { dirname } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { endpointFor } from "../../components/registry/harborApi";
import type { HarborObjectInputs, HarborObjectSpec } from "../../components/registry/harborProvider";
import { FakeHarbor } from "../fakeHarbor";
import { sharedHarborProviderCode } from "../shared";

const harbor = new FakeHarbor();
let url = "";
beforeAll(async () => {
    url = await harbor.start();
});
afterAll(() => harbor.stop());

describe("the Harbor provider as pulumi up ships it", () => {
    it("holds no secret and names Node's modules instead of copying them", () => {
        const serialized = sharedHarborProviderCode();
        expect(serialized.exportName).toBe("handler");
        expect(serialized.containsSecrets).toBe(false);
        // The host has only Node and the provider text: every module the code requires is Node's own.
        const required = [...serialized.text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
        expect(required).toContain("https");
        expect(required.filter((m) => !builtinModules.includes(m.replace(/^node:/, "")))).toEqual([]);
    });

    it("manages every kind of Harbor object from the shipped text alone: endpoint, proxy project, robot, errors", async () => {
        // The very copy of require-from-string that @pulumi/pulumi's provider host uses.
        const fromPulumi = require.resolve("require-from-string", { paths: [dirname(require.resolve("@pulumi/pulumi/package.json"))] });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const requireFromString = require(fromPulumi) as (code: string) => { handler(): Required<pulumi.dynamic.ResourceProvider> };
        const shipped = requireFromString(sharedHarborProviderCode().text).handler();
        const connection = { url, username: "admin", password: harbor.password, attempts: 3, retryDelayMs: 1 };
        const object = (spec: HarborObjectSpec): HarborObjectInputs => ({ ...spec, connection }) as HarborObjectInputs;

        // Harbor still starting: the shipped code retries (503 twice), then creates.
        harbor.failNext(503, 2, "starting");
        const endpoint = await shipped.create(object({ kind: "registry", spec: { name: "quay.io", ...endpointFor("quay.io") } }));
        const proxy = await shipped.create(object({ kind: "project", spec: { name: "quay", public: true, registryId: Number(endpoint.id) } }));
        expect([...harbor.projects.values()].find((p) => p.name === "quay")).toMatchObject({ registry_id: Number(endpoint.id), metadata: { public: "true" } });
        const apps = object({
            kind: "project",
            spec: { name: "apps", public: false, scanOnPush: true, requireSignature: true, preventVulnerableSeverity: "critical" },
        });
        const project = await shipped.create(apps);
        expect(await shipped.diff(project.id, project.outs, apps)).toMatchObject({ changes: false });
        const robot = await shipped.create(object({ kind: "robot", spec: { name: "ci", project: "apps", expiresInDays: 180 } }));
        expect(robot.outs.secret).toMatch(/^robot-secret-/);
        expect((await shipped.read(robot.id, robot.outs)).props?.state).toMatchObject({ fullName: "robot$apps+ci", project: "apps", expiresInDays: 180 });
        // The renewal check (Date.now, the second module) runs from the shipped text too.
        const aged = { ...robot.outs, state: { ...robot.outs.state, expiresAt: Math.floor(Date.now() / 1000) + 86_400 } };
        expect(await shipped.diff(robot.id, aged, object({ kind: "robot", spec: { name: "ci", project: "apps", expiresInDays: 180 } }))).toMatchObject({
            replaces: ["state.expiresAt"],
        });

        // Harbor's own error text reaches the engine, whose provider host reports the error's message.
        const wrong = { kind: "project", spec: { name: "x", public: false }, connection: { ...connection, password: "wrong" } } as HarborObjectInputs;
        await expect(shipped.create(wrong)).rejects.toThrow(/HTTP 401: UNAUTHORIZED/);

        for (const made of [robot, project, proxy, endpoint]) {
            await shipped.delete(made.id, made.outs);
        }
        expect([...harbor.projects.values()].map((p) => p.name)).not.toEqual(expect.arrayContaining(["quay", "apps"]));
        expect(harbor.robots.size).toBe(0);
    });
});
