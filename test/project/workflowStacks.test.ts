import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../harness";

/**
 * Adding Pulumi.<name>.yaml must reach the preview and up workflows (each stack has its own
 * environment and passphrase secret, so the lists are explicit): this names the stack file a
 * workflow does not pick up. The e2e stack is the exception, created and destroyed by e2e.yml.
 */
const STACK_FILES = readdirSync(PROJECT_DIR)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.slice("Pulumi.".length, -".yaml".length))
    .sort();

/** Stacks a workflow runs Pulumi for: `stack-name:` of the Pulumi action, matrix `stack` values, `--stack <name>` in scripts. */
export function workflowStacks(text: string): Set<string> {
    const found = new Set<string>();
    const walk = (v: unknown, key?: string): void => {
        if (Array.isArray(v)) {
            v.forEach((x) => walk(x, key));
        } else if (v !== null && typeof v === "object") {
            for (const [k, x] of Object.entries(v)) walk(x, k);
        } else if (typeof v === "string") {
            if ((key === "stack-name" || key === "stack") && /^[a-z0-9-]+$/.test(v)) found.add(v);
            for (const m of v.matchAll(/--stack[ =]([a-z0-9-]+)/g)) found.add(m[1]);
        }
    };
    walk(parse(text));
    return found;
}

const read = (file: string) => workflowStacks(readFileSync(join(PROJECT_DIR, ".github", "workflows", file), "utf8"));
/** Stacks another workflow owns end to end (not previewed or deployed by preview/up). */
const OWNED_ELSEWHERE: Record<string, string> = { e2e: "e2e.yml" };

describe("workflows pick up every stack file", () => {
    it.each(["preview.yml", "up.yml"])("%s runs every Pulumi.<stack>.yaml", (file) => {
        const listed = read(file);
        const missing = STACK_FILES.filter((s) => !listed.has(s) && OWNED_ELSEWHERE[s] === undefined).map((s) => `Pulumi.${s}.yaml`);
        expect({ workflow: file, missing }).toEqual({ workflow: file, missing: [] });
    });

    it("the stacks owned by another workflow are run there", () => {
        for (const [stack, file] of Object.entries(OWNED_ELSEWHERE)) {
            expect({ stack, runBy: read(file).has(stack) }).toEqual({ stack, runBy: true });
        }
    });

    it("names a stack file a workflow misses", () => {
        const listed = workflowStacks("jobs:\n  up:\n    strategy: { matrix: { stack: [prod] } }\n    steps:\n      - run: pulumi up --stack dev\n");
        expect(["dev", "prod", "staging"].filter((s) => !listed.has(s))).toEqual(["staging"]);
    });
});
