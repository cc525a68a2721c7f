/**
 * `npm run chart-keys -- <keys-name> <values.yaml> [extra keys...]`
 * Derives the committed key list for one chart version from its default values.yaml (data from
 * ../shared/chart-values, see its SOURCES.md): every key path, with `.*` marking where the default
 * is an empty map, a list or null (free-form: anything below is accepted). Extra keys are the ones
 * upstream documents only in comments; they are kept apart so a reviewer sees them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { deriveKeys } from "./lib/chartKeys";

const [name, valuesFile, ...commented] = process.argv.slice(2);
if (!name || !valuesFile) {
    console.error("usage: npm run chart-keys -- <keys-name> <path/to/values.yaml> [key.documented.in.comments ...]");
    process.exit(2);
}
const values = parse(readFileSync(resolve(valuesFile), "utf8")) as Record<string, unknown>;
const out = join(__dirname, "..", "charts", "keys", `${name}.json`);
const list = { source: valuesFile.replace(/^.*chart-values\//, "chart-values/"), commented: commented.sort(), keys: deriveKeys(values) };
writeFileSync(out, JSON.stringify(list, null, 1) + "\n");
console.log(`${out}: ${list.keys.length} keys, ${list.commented.length} from comments`);
