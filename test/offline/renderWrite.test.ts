/**
 * `npm run render` replaces out/<stack>/ whole or not at all: scripts/render.ts writeAll writes every
 * file into a scratch folder inside the target and moves them in only once all are written. Driven
 * in-process on a temporary folder, with a failure injected through its write function or through a
 * path that cannot be written; fs itself is not mocked.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAll } from "../../scripts/render";

const FILES = ["resources.json", "manifests.yaml", "summary.txt", "policy.txt", "reachability.txt"];
const NEXT: Readonly<Record<string, string>> = Object.fromEntries(FILES.map((f) => [f, `next ${f}\n`]));

describe("render output", () => {
    let root: string;
    let out: string;
    beforeEach(() => {
        root = mkdtempSync(join(tmpdir(), "render-write-"));
        out = join(root, "out", "dev");
        mkdirSync(out, { recursive: true });
        for (const f of FILES) writeFileSync(join(out, f), `previous ${f}\n`);
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    /** Every entry of the folder (dot entries included, so a leftover `.partial-*` shows) with its content. */
    const contents = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
    const PREVIOUS = Object.fromEntries(FILES.map((f) => [f, `previous ${f}\n`]));

    it("replaces every file of the previous render when all are written, and leaves no scratch folder", () => {
        writeAll(out, NEXT);
        expect(contents(out)).toEqual(NEXT);
        expect(readdirSync(join(root, "out"))).toEqual(["dev"]);
    });

    it("a write that fails at the fourth file (disk full) leaves the previous render untouched, and no partial file or scratch folder", () => {
        const attempted: string[] = [];
        const diskFullAtFourth = (path: string, text: string) => {
            attempted.push(path);
            if (attempted.length === 4) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: "ENOSPC" });
            writeFileSync(path, text);
        };
        expect(() => writeAll(out, NEXT, diskFullAtFourth)).toThrow("ENOSPC");
        expect(attempted).toHaveLength(4);
        expect(contents(out)).toEqual(PREVIOUS);
        expect(readdirSync(join(root, "out"))).toEqual(["dev"]);
    });

    it("a path that cannot be written (a file where a folder is expected) leaves the previous render untouched, and nothing behind", () => {
        // The last entry asks for a folder where policy.txt, just written, is a file: ENOTDIR.
        expect(() => writeAll(out, { ...NEXT, "policy.txt/rules.txt": "x\n" })).toThrow(/ENOTDIR/);
        expect(contents(out)).toEqual(PREVIOUS);
        expect(readdirSync(join(root, "out"))).toEqual(["dev"]);
    });
});
