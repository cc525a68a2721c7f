/**
 * The Jest-only module stand-ins in test/tools (jest.config.js moduleNameMapper) still fit the SDK
 * they stand in for: a Pulumi upgrade that moves or grows the module fails here, not in a test that
 * happens to call it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "../harness";

const sdkFile = (path: string) => readFileSync(join(PROJECT_DIR, "node_modules", "@pulumi", "pulumi", path), "utf8");

describe("test/tools/lazyCodePaths.js (@pulumi/pulumi runtime/closure/codePaths, loaded when first called)", () => {
    it("is what runtime/index.js requires, by the name the mapper matches", () => {
        // @pulumi/pulumi 3.248.0 runtime/index.js: `require("./closure/codePaths")`.
        expect(sdkFile("runtime/index.js")).toContain('require("./closure/codePaths")');
    });

    it("exports every function the real module exports", () => {
        const real = [...sdkFile("runtime/closure/codePaths.js").matchAll(/^exports\.(\w+) = /gm)].map((m) => m[1]).sort();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const stand = require(join(PROJECT_DIR, "test", "tools", "lazyCodePaths.js")) as Record<string, unknown>;
        expect(real.length).toBeGreaterThan(0);
        expect(Object.keys(stand).sort()).toEqual(real);
        for (const name of real) {
            expect(typeof stand[name]).toBe("function");
        }
    });
});
