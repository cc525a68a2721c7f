/**
 * `npm run plan-diff -- <base-out-dir> <head-out-dir> [--json]`: diff of two offline renders (each
 * a directory of <stack>/resources.json), as Markdown for the job summary, or with `--json` as the
 * structured artifact the trusted `pr-comment` workflow turns into the PR comment.
 */
import { resolve } from "node:path";
import { diffMarkdown, diffRenders, readRenders } from "../offline/planDiff";
import { planDiffArtifact } from "./lib/prComment";

const args = process.argv.slice(2);
const json = args.includes("--json");
const [base, head] = args.filter((a) => a !== "--json");
if (!base || !head) {
    console.error("usage: npm run plan-diff -- <base-out-dir> <head-out-dir> [--json]");
    process.exit(2);
}
const diffs = diffRenders(readRenders(resolve(base)), readRenders(resolve(head)));
process.stdout.write(json ? planDiffArtifact(diffs) : diffMarkdown(diffs) + "\n");
