/**
 * Runs every `*.test.ts` of a folder inside one Jest test file. jest.config.js matches only the
 * group files `test/<group>.test.ts`, so a folder's files run once, through their group. Jest gives
 * each test file its own module registry, and loading the Pulumi SDKs into one took longer than most
 * suites' tests: one file per folder loads them once. Each spec keeps its own describe block (named after the file),
 * its own hooks and its own Pulumi mocks.
 *   one spec:  npx jest test/<folder>.test.ts -t '<spec name>'
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

export function runSpecs(dir: string): void {
    const specs = readdirSync(dir)
        .filter((f) => f.endsWith(".test.ts"))
        .sort();
    if (specs.length === 0) {
        throw new Error(`no *.test.ts in ${dir}`);
    }
    for (const file of specs) {
        describe(file.replace(/\.test\.ts$/, ""), () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            require(join(dir, file));
        });
    }
}
