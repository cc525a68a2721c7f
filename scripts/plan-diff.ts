/**
 * `npm run plan-diff -- <base-out-dir> <head-out-dir>`: Markdown diff of two offline renders
 * (each a directory of <stack>/resources.json), as posted on pull requests.
 */
import { resolve } from "node:path";
import { diffMarkdown, diffRenders, readRenders } from "./lib/planDiff";

const [base, head] = process.argv.slice(2);
if (!base || !head) {
    console.error("usage: npm run plan-diff -- <base-out-dir> <head-out-dir>");
    process.exit(2);
}
process.stdout.write(diffMarkdown(diffRenders(readRenders(resolve(base)), readRenders(resolve(head)))) + "\n");
