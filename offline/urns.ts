/**
 * The URN Pulumi derives for every resource of an evaluation: stack, project, the chain of parent
 * types (without the root Stack) and the name. A URN that changes means Pulumi deletes the old
 * resource and creates a new one, unless the new code carries an `aliases` entry for the old URN.
 *
 * test/fixtures/urns/<stack>.txt holds the URNs of the committed stacks; test/cli/urns.test.ts compares
 * each evaluation with them. Regenerate only when a change is intended (and aliased where needed):
 * `npm run urns -- dev prod prod-eu`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { evaluate } from "./evaluate";
import type { RecordedResource } from "./mocks";
import { loadProgram } from "./render";
import { readStackFile } from "./stackfile";

const ROOT_TYPE = "pulumi:pulumi:Stack";

/** Sorted URNs, as the engine forms them (the root Stack's type is not part of its children's). */
export function stackUrns(stack: string, project: string, resources: readonly RecordedResource[]): string[] {
    const byName = new Map(resources.map((r) => [r.name, r]));
    const typeChain = (r: RecordedResource): string[] => {
        const parent = r.parent === null ? undefined : byName.get(r.parent);
        const above = parent === undefined || parent.type === ROOT_TYPE ? [] : typeChain(parent);
        return [...above, r.type];
    };
    return resources.map((r) => `urn:pulumi:${stack}::${project}::${typeChain(r).join("$")}::${r.name}`).sort();
}

export function urnFixturePath(projectDir: string, stack: string): string {
    return join(projectDir, "test", "fixtures", "urns", `${stack}.txt`);
}

export function readUrnFixture(projectDir: string, stack: string): string[] {
    return readFileSync(urnFixturePath(projectDir, stack), "utf8").split("\n").filter((line) => line !== "");
}

/** What appeared and what disappeared between the committed URNs and the current ones. */
export function urnChanges(expected: readonly string[], actual: readonly string[]): { appeared: string[]; disappeared: string[] } {
    const before = new Set(expected);
    const after = new Set(actual);
    return {
        appeared: actual.filter((u) => !before.has(u)),
        disappeared: expected.filter((u) => !after.has(u)),
    };
}

async function main(stacks: string[]): Promise<void> {
    const projectDir = resolve(__dirname, "..");
    if (stacks.length === 0) {
        console.error("usage: npm run urns -- <stack>...   (writes test/fixtures/urns/<stack>.txt)");
        process.exit(2);
    }
    for (const stack of stacks) {
        const file = readStackFile(projectDir, stack);
        const evaluation = await evaluate({ project: file.project, stack, config: file.config, load: loadProgram });
        const urns = stackUrns(stack, file.project, evaluation.resources);
        mkdirSync(join(projectDir, "test", "fixtures", "urns"), { recursive: true });
        writeFileSync(urnFixturePath(projectDir, stack), `${urns.join("\n")}\n`);
        console.log(`${stack}: ${urns.length} URNs -> ${urnFixturePath(projectDir, stack)}`);
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((err: unknown) => {
        console.error(err instanceof Error ? err.message : String(err));
        process.exit(1);
    });
}
