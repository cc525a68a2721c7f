/**
 * The URN Pulumi derives for every resource of an evaluation: stack, project, the chain of parent
 * types (without the root Stack) and the name. A URN that changes means Pulumi deletes the old
 * resource and creates a new one, unless the new code carries an `aliases` entry for the old URN.
 *
 * test/fixtures/urns/<stack>.txt holds the URNs of the committed stacks; test/cli/urns.test.ts compares
 * each evaluation with them. Regenerate only when a change is intended (and aliased where needed):
 * `npm run urns -- dev prod prod-eu` (scripts/urns.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordedResource } from "./mocks";

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
    return readFileSync(urnFixturePath(projectDir, stack), "utf8")
        .split("\n")
        .filter((line) => line !== "");
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
