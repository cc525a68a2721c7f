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

const [name, valuesFile, ...allow] = process.argv.slice(2);
if (!name || !valuesFile) {
    console.error("usage: npm run chart-keys -- <keys-name> <path/to/values.yaml> [allowed.key ...]");
    process.exit(2);
}
const values = parse(readFileSync(resolve(valuesFile), "utf8")) as Record<string, unknown>;
const out = join(__dirname, "..", "charts", "keys", `${name}.json`);
const list = { source: valuesFile.replace(/^.*chart-values\//, "chart-values/"), allow: allow.sort(), keys: deriveKeys(values) };
writeFileSync(out, JSON.stringify(list, null, 1) + "\n");
console.log(`${out}: ${list.keys.length} keys, ${list.allow.length} allowed beyond the defaults`);
