import { readdirSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "../harness";

/** Every CLI in scripts/*.ts (plain .js helpers aside), called in-process through its exported run(argv, io). */
const CLIS = readdirSync(join(PROJECT_DIR, "scripts")).filter((f) => f.endsWith(".ts"));

/** An io every CLI accepts: the delivery CLIs' out/err, verify's stdout/stderr; anything else is refused. */
function fakeIo() {
    const out: string[] = [];
    const err: string[] = [];
    const refuse = () => {
        throw new Error("a --help or usage error must not run anything");
    };
    return {
        out,
        err,
        io: {
            cwd: PROJECT_DIR,
            out: (l: string) => out.push(l),
            err: (l: string) => err.push(l),
            stdout: (l: string) => out.push(l),
            stderr: (l: string) => err.push(l),
            env: {},
            exec: refuse,
            sleep: refuse,
            now: () => 0,
        },
    };
}

type Cli = { run?: (argv: readonly string[], io: unknown) => Promise<number> };

describe.each(CLIS)("scripts/%s", (file) => {
    let cli: Cli;
    beforeAll(async () => {
        cli = (await import(join(PROJECT_DIR, "scripts", file))) as Cli;
    });

    it("exports run(argv, io)", () => {
        expect(typeof cli.run).toBe("function");
    });

    it("prints its usage and exit codes on --help and exits 0", async () => {
        const r = fakeIo();
        expect(await cli.run!(["--help"], r.io)).toBe(0);
        const text = r.out.join("\n");
        expect(text).toMatch(/usage: (npm run|node)/);
        expect(text).toMatch(/exit codes?:?[\s\S]*\b0\b/i);
        expect(text).toMatch(/\b2\b[^\n]*usage/i);
    });

    it("refuses an unknown flag with exit 2 and names it", async () => {
        const r = fakeIo();
        expect(await cli.run!(["--no-such-flag"], r.io)).toBe(2);
        expect(r.err.join("\n")).toContain("--no-such-flag");
    });
});
