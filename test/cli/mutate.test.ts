import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MUTATION_LIST_CHECKS, run } from "../../scripts/mutate";
import { MUTATIONS } from "../../scripts/lib/mutations";
import { PROJECT_DIR } from "../harness";

// `npm run mutate` itself runs Jest once per mutation (minutes): here only its list is checked, so a
// change to a mutated line shows in `npm test` instead of the next mutation run.
describe(MUTATION_LIST_CHECKS, () => {
    it("holds at least 25 regressions, upstream facts, security options and chart options among them, with unique ids", () => {
        expect(MUTATIONS.length).toBeGreaterThanOrEqual(25);
        expect(new Set(MUTATIONS.map((m) => m.id)).size).toBe(MUTATIONS.length);
        const kinds = new Map<string, number>();
        for (const m of MUTATIONS) kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
        expect(Object.fromEntries(kinds)).toEqual({ upstream: expect.any(Number), security: expect.any(Number), chart: expect.any(Number) });
        expect(Math.min(...kinds.values())).toBeGreaterThanOrEqual(5);
    });

    // One test for all (no id in a test name: a mutation's -t filter must not select this check, which
    // fails under every mutation of the list by design).
    it("still applies as written: each text occurs once in its file and the replacement differs", () => {
        const stale = MUTATIONS.filter((m) => readFileSync(join(PROJECT_DIR, m.file), "utf8").split(m.from).length - 1 !== 1 || m.to === m.from).map(
            (m) => `${m.id} (${m.file})`,
        );
        expect(stale).toEqual([]);
        for (const m of MUTATIONS) {
            expect({ id: m.id, groups: m.tests.groups.length > 0 }).toEqual({ id: m.id, groups: true });
            expect(() => new RegExp(m.tests.filter)).not.toThrow();
        }
    });

    it("refuses an unknown mutation id with exit 2", async () => {
        const err: string[] = [];
        expect(await run(["--only", "no-such-mutation"], { out: () => undefined, err: (l) => err.push(l) })).toBe(2);
        expect(err.join("\n")).toContain("no such mutation: no-such-mutation");
    });
});
