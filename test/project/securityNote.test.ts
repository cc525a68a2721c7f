import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "../harness";

const note = readFileSync(join(PROJECT_DIR, "docs", "security.md"), "utf8");

describe("docs/security.md", () => {
    it("maps every finding of issue 13 (1-13) to a fix and a test", () => {
        const rows = note.split("\n").filter((l) => /^\| \d+ \|/.test(l));
        expect(rows.map((l) => Number(/^\| (\d+) \|/.exec(l)![1]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
        for (const row of rows) {
            // finding | fix | test: four cells besides the number, none empty.
            const cells = row.split(" | ");
            expect(cells.length).toBeGreaterThanOrEqual(4);
            expect(cells.every((c) => c.trim() !== "")).toBe(true);
        }
    });

    it("maps every item of issue 25 (1-7) to a fix and its tests", () => {
        const rows = note.split("\n").filter((l) => /^\| 25\.\d+ \|/.test(l));
        expect(rows.map((l) => /^\| 25\.(\d+) \|/.exec(l)![1])).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
        for (const row of rows) {
            const cells = row.split(" | ");
            expect(cells.length).toBeGreaterThanOrEqual(4);
            expect(cells.every((c) => c.trim() !== "")).toBe(true);
            // Each names at least one test file.
            expect(row).toMatch(/`test\/[\w/.-]+\.test\.ts`/);
        }
    });

    it("names only tests and ADRs that exist", () => {
        const tests = [...new Set([...note.matchAll(/`(test\/[\w/.-]+\.(?:test|spec)\.ts)`/g)].map((m) => m[1]))];
        expect(tests.length).toBeGreaterThan(5);
        for (const file of tests) expect({ file, exists: existsSync(join(PROJECT_DIR, file)) }).toEqual({ file, exists: true });
        for (const [, link] of note.matchAll(/\]\((adr\/[\w.-]+\.md)\)/g)) {
            expect({ link, exists: existsSync(join(PROJECT_DIR, "docs", link)) }).toEqual({ link, exists: true });
        }
    });
});
