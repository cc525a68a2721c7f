/**
 * `npm run docs:config [-- --write]`: the configuration reference generated from the schema.
 * Without options it prints docs/configuration.md as it should be; `--write` rewrites the file;
 * `--check` exits 1 when the file is out of date.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REFERENCE_FILE, referenceDocument } from "../offline/configReference";

export interface Io {
    out(text: string): void;
    err(text: string): void;
}

const HELP = `usage: npm run docs:config [-- --write | --check]
  (no option)  print the generated ${REFERENCE_FILE} on stdout
  --write      rewrite ${REFERENCE_FILE}
  --check      compare ${REFERENCE_FILE} with the generator; exit 1 when it differs
exit codes: 0 done / in sync, 1 out of sync (--check), 2 usage error`;

export function run(argv: readonly string[], io: Io, projectDir = join(__dirname, "..")): number {
    const file = join(projectDir, REFERENCE_FILE);
    const [option, ...rest] = argv;
    if (option === "--help" || option === "-h") {
        io.out(HELP);
        return 0;
    }
    if (rest.length > 0 || (option !== undefined && option !== "--write" && option !== "--check")) {
        io.err(HELP);
        return 2;
    }
    const text = referenceDocument();
    if (option === "--write") {
        writeFileSync(file, text);
        io.out(`wrote ${file}`);
        return 0;
    }
    if (option === "--check") {
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
    process.stdout.write(text);
    return 0;
}

if (require.main === module) {
    process.exitCode = run(process.argv.slice(2), { out: (t) => console.log(t), err: (t) => console.error(t) });
}
