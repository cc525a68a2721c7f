/**
 * Contract: Harbor as harbor-helm 1.19.1 deploys it (app 2.15.1, charts/versions.ts) accepts every
 * Harbor object a stack file creates, the proxy caches above all. Upstream:
 * - goharbor/harbor-helm@v1.19.1 (ae011519ef17a47478a3639d7680902c6adcb0a5)
 *   templates/core/core-cm.yaml sets PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE to the literal below,
 *   from no chart value; `quay` left it in v1.18.0 (goharbor/harbor-helm#2223, with the replication
 *   adapter list).
 * - goharbor/harbor@v2.15.1 (335c05f2b9507b4c7116fe69b84e31ef9f4b91dd)
 *   src/server/v2.0/handler/project.go validateProjectReq: creating a project with a `registry_id`
 *   whose endpoint type is not in that list answers 400 "unsupported registry type <type>".
 * - the same tag, src/pkg/reg/adapter/native/adapter.go (type `docker-registry`) with
 *   src/pkg/registry/auth/authorizer.go: the client reads the upstream's `/v2/` challenge and gets a
 *   bearer token from its realm, anonymously without credentials, which is how quay.io serves public
 *   images; src/controller/proxy/remote.go builds the proxy's remote from the endpoint's adapter.
 * test/fakeHarbor.ts enforces these rules (and the name, endpoint-type and robot rules it cites). Here
 * each stack's rendered Harbor objects go through the provider code `pulumi up` ships, against it.
 */
import { dirname } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../charts/versions";
import type { HarborObjectInputs } from "../../components/registry/harborProvider";
import type { RecordedResource } from "../../offline/mocks";
import { FakeHarbor, PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE } from "../fakeHarbor";
import { sharedEvaluation, sharedHarborProviderCode, stackNames } from "../shared";
import { stackConfigs } from "./stacks";

const CORE_CM_PERMITTED = "docker-hub,harbor,azure-acr,ali-acr,aws-ecr,google-gcr,docker-registry,github-ghcr,jfrog-artifactory";
const HARBOR_OBJECT = "pulumi-nodejs:dynamic/platform:HarborObject";

type Provider = Required<pulumi.dynamic.ResourceProvider>;

function shippedProvider(): Provider {
    // The copy of require-from-string @pulumi/pulumi's provider host loads the provider text with.
    const fromPulumi = require.resolve("require-from-string", { paths: [dirname(require.resolve("@pulumi/pulumi/package.json"))] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const requireFromString = require(fromPulumi) as (code: string) => { handler(): Provider };
    return requireFromString(sharedHarborProviderCode().text).handler();
}

/**
 * Creates a stack's Harbor objects in dependency order, as `pulumi up` would, each project's
 * `registryId` being the id Harbor gave the endpoint it depends on (the render holds a mock id).
 * Returns Harbor's refusals by resource name, and the objects never attempted because of one.
 */
async function replay(
    objects: RecordedResource[],
    provider: Provider,
    connection: HarborObjectInputs["connection"],
): Promise<{ failures: string[]; blocked: string[] }> {
    const names = new Set(objects.map((o) => o.name));
    const made = new Map<string, { id: string; kind: string }>();
    const failures: string[] = [];
    let pending = objects;
    for (;;) {
        const ready = pending.filter((o) => o.dependsOn.filter((d) => names.has(d)).every((d) => made.has(d)));
        if (ready.length === 0) break;
        for (const o of ready) {
            const inputs = o.inputs as unknown as HarborObjectInputs;
            let spec = inputs.spec;
            if (inputs.kind === "project" && inputs.spec.registryId !== undefined) {
                const endpoint = o.dependsOn.map((d) => made.get(d)).find((m) => m?.kind === "registry");
                spec = { ...inputs.spec, registryId: Number(endpoint?.id ?? NaN) };
            }
            try {
                const created = await provider.create({ kind: inputs.kind, spec, connection } as HarborObjectInputs);
                made.set(o.name, { id: created.id, kind: inputs.kind });
            } catch (err) {
                failures.push(`${o.name}: ${(err as Error).message}`);
            }
        }
        pending = pending.filter((o) => !ready.includes(o));
    }
    return { failures, blocked: pending.map((o) => o.name) };
}

describe("Harbor 2.15.1 as harbor-helm 1.19.1 deploys it: proxy-cache registry types", () => {
    const provider = shippedProvider();
    const configs = new Map(stackConfigs());

    it("is the chart the platform pins", () => {
        expect(CHARTS.harbor.version).toBe("1.19.1");
    });

    it("the fake Harbor holds the chart's list and refuses a proxy cache on a `quay` endpoint as Harbor does", async () => {
        expect(PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE).toEqual(CORE_CM_PERMITTED.split(","));
        const harbor = new FakeHarbor();
        const connection = { url: await harbor.start(), username: "admin", password: harbor.password, attempts: 1, retryDelayMs: 1 };
        try {
            const endpoint = await provider.create({
                kind: "registry",
                spec: { name: "quay.io", type: "quay", url: "https://quay.io" },
                connection,
            } as HarborObjectInputs);
            const project = { kind: "project", spec: { name: "quay", public: true, registryId: Number(endpoint.id) }, connection } as HarborObjectInputs;
            await expect(provider.create(project)).rejects.toThrow("HTTP 400: BAD_REQUEST: unsupported registry type quay");
        } finally {
            await harbor.stop();
        }
    });

    it.each(stackNames())("Pulumi.%s.yaml: Harbor accepts every endpoint, proxy-cache project, project and robot the stack creates", async (stack) => {
        const objects = sharedEvaluation(stack).resources.filter((r) => r.type === HARBOR_OBJECT);
        const harborConfig = configs.get(stack)!.harbor;
        const harbor = new FakeHarbor();
        const connection = { url: await harbor.start(), username: "admin", password: harbor.password, attempts: 1, retryDelayMs: 1 };
        try {
            const { failures, blocked } = await replay(objects, provider, connection);
            expect({ failures, blocked }).toEqual({ failures: [], blocked: [] });
            // Every configured cache (the defaults, in every stack file today) became a proxy-cache project.
            const proxies = [...harbor.projects.values()].filter((p) => p.registry_id !== null).map((p) => p.name);
            expect(proxies.sort()).toEqual(harborConfig.enabled ? harborConfig.proxyCache.map((c) => c.project).sort() : []);
        } finally {
            await harbor.stop();
        }
    });
});
