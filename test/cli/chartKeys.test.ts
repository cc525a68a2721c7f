import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CHARTS } from "../../charts/versions";
import { deriveKeys, unknownKeys } from "../../offline/chartKeys";
import { PROJECT_DIR } from "../harness";

describe("chart key lists", () => {
    const defaults = {
        controller: { replicaCount: 1, config: { entries: {} }, tolerations: [], image: { repository: "x" }, annotations: { "a.b/c": "d" } },
        rbac: { create: true },
        extra: null,
    };

    it("list every key path and mark free-form defaults with .*", () => {
        expect(deriveKeys(defaults)).toEqual([
            'controller.annotations.["a.b/c"]',
            "controller.config.entries.*",
            "controller.image.repository",
            "controller.replicaCount",
            "controller.tolerations.*",
            "extra.*",
            "rbac.create",
        ]);
    });

    it("accept known keys and anything below free-form ones", () => {
        const keys = deriveKeys(defaults);
        expect(
            unknownKeys({ controller: { replicaCount: 2, config: { entries: { "client-max-body-size": "0" } }, tolerations: [{ key: "x" }] } }, keys),
        ).toEqual([]);
        expect(unknownKeys({ extra: { anything: { deep: 1 } }, rbac: {} }, keys)).toEqual([]);
    });

    it("report misspelt or invented keys with their full path", () => {
        const keys = deriveKeys(defaults);
        expect(unknownKeys({ controller: { replicas: 2, image: { repository: "x", tga: "1" } }, rback: { create: true } }, keys)).toEqual([
            "controller.replicas",
            "controller.image.tga",
            "rback.create",
        ]);
    });

    it("accept keys upstream documents only in comments when listed as such", () => {
        const keys = deriveKeys(defaults);
        expect(unknownKeys({ controller: { image: { tag: "1.0" } } }, keys)).toEqual(["controller.image.tag"]);
        expect(unknownKeys({ controller: { image: { tag: "1.0" } } }, keys, ["controller.image.tag"])).toEqual([]);
    });

    it.each(Object.values(CHARTS))("has a committed key list for $chart $version", (chart) => {
        const list = JSON.parse(readFileSync(join(PROJECT_DIR, "charts", "keys", `${chart.keys}.json`), "utf8")) as { source: string; keys: string[] };
        expect(list.source).toBe(`chart-values/${chart.chart}/${chart.version}/values.yaml`);
        expect(list.keys.length).toBeGreaterThan(50);
    });
});
