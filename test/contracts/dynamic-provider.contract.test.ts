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
import { HarborObjectInputs } from "../../components/registry/harborProvider";
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

    it("manages a Harbor project from the shipped text alone: retries while Harbor starts, creates, diffs, deletes", async () => {
        // The very copy of require-from-string that @pulumi/pulumi's provider host uses.
        const fromPulumi = require.resolve("require-from-string", { paths: [dirname(require.resolve("@pulumi/pulumi/package.json"))] });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const requireFromString = require(fromPulumi) as (code: string) => { handler(): Required<pulumi.dynamic.ResourceProvider> };
        const shipped = requireFromString(sharedHarborProviderCode().text).handler();
        const project = (conn: Partial<HarborObjectInputs["connection"]> = {}): HarborObjectInputs => ({
            kind: "project",
            spec: { name: "shipped", public: false },
            connection: { url, username: "admin", password: harbor.password, attempts: 3, retryDelayMs: 1, ...conn },
        });
        harbor.failNext(503, 2, "starting");
        const created = await shipped.create(project());
        expect([...harbor.projects.values()].find((p) => p.name === "shipped")).toMatchObject({ metadata: { public: "false" } });
        expect(await shipped.diff(created.id, created.outs, project())).toMatchObject({ changes: false });
        await shipped.delete(created.id, created.outs);
        expect([...harbor.projects.values()].some((p) => p.name === "shipped")).toBe(false);
    });
});
