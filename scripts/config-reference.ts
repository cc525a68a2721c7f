/**
 * `npm run docs:config [-- --write | --check]`: the configuration reference generated from the schema.
 * Without options it prints docs/configuration.md as it should be; `--write` rewrites the file;
 * `--check` exits 1 when the file is out of date.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REFERENCE_FILE, referenceDocument } from "../offline/configReference";
import { type LineIo, parseCommand, processIo, type Usage } from "./lib/cliIo";

const USAGE: Usage = {
    synopsis: "npm run docs:config [-- --write | --check]",
    description: `Prints ${REFERENCE_FILE} as generated from the config schema.`,
    options: [
        ["--write", `rewrite ${REFERENCE_FILE}`],
        ["--check", `compare ${REFERENCE_FILE} with the generator; exit 1 when it differs`],
    ],
    exitCodes: [
        [0, "printed, written, or in sync"],
        [1, "out of sync (--check)"],
        [2, "usage error"],
    ],
};

export async function run(argv: readonly string[], io: LineIo, projectDir = join(__dirname, "..")): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, flags: ["--write", "--check"], positional: 0 }, io);
    if (typeof cli === "number") return cli;
    const file = join(projectDir, REFERENCE_FILE);
    const text = referenceDocument();
    if (cli.flags.has("write")) {
        writeFileSync(file, text);
        io.out(`wrote ${file}`);
        return 0;
    }
    if (cli.flags.has("check")) {
        let current = "";
        try {
            current = readFileSync(file, "utf8");
        } catch {
            // a missing file is out of date
        }
        if (current !== text) {
            io.err(`${REFERENCE_FILE} is out of date with the schema: run \`npm run docs:config -- --write\``);
            return 1;
        }
        io.out(`${REFERENCE_FILE} is up to date`);
        return 0;
    }
    io.out(text.trimEnd());
    return 0;
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
