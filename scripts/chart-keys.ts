/**
 * `npm run chart-keys -- <keys-name> <values.yaml> [allowed keys...]`
 * Derives the committed key list for one chart version from its default values.yaml (data from
 * ../shared/chart-values, see its SOURCES.md): every key path, with `.*` marking where the default
 * is an empty map, a list or null (free-form: anything below is accepted). Allowed keys are the ones
 * upstream documents only in comments, and free-form maps whose default is not empty (annotations);
 * they are kept apart so a reviewer sees each one.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { deriveKeys } from "../offline/chartKeys";
import { type LineIo, parseCommand, processIo, type Usage } from "./lib/cliIo";

const USAGE: Usage = {
    synopsis: "npm run chart-keys -- <keys-name> <path/to/values.yaml> [allowed.key ...]",
    description: "Writes charts/keys/<keys-name>.json: every key path of a chart's default values.yaml, plus the allowed extra keys.",
    exitCodes: [
        [0, "key list written"],
        [1, "the values file cannot be read or parsed"],
        [2, "usage error"],
    ],
};

export async function run(argv: readonly string[], io: LineIo): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, positional: [2, Infinity] }, io);
    if (typeof cli === "number") return cli;
    const [name, valuesFile, ...allow] = cli.positional;
    let values: Record<string, unknown>;
    try {
        values = parse(readFileSync(resolve(valuesFile), "utf8")) as Record<string, unknown>;
    } catch (err) {
        io.err(`chart-keys: ${(err as Error).message}`);
        return 1;
    }
    const out = join(__dirname, "..", "charts", "keys", `${name}.json`);
    const list = { source: valuesFile.replace(/^.*chart-values\//, "chart-values/"), allow: allow.sort(), keys: deriveKeys(values) };
    writeFileSync(out, JSON.stringify(list, null, 1) + "\n");
    io.out(`${out}: ${list.keys.length} keys, ${list.allow.length} allowed beyond the defaults`);
    return 0;
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
