/** `npm run docs:config`: rewrites README.md's configuration reference from the schema. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withReference } from "../offline/configReference";

const readme = join(__dirname, "..", "README.md");
writeFileSync(readme, withReference(readFileSync(readme, "utf8")));
console.log(`updated the configuration reference in ${readme}`);
