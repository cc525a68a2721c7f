/**
 * `npm run -s pr-comment -- <plan-diff.json> <open-pulls.jsonl> <head-sha> <head-repo> <comment.md>`
 * Prints the number of the PR whose head is <head-repo>@<head-sha> (from the API listing, never
 * from the artifact) and writes the comment body, built from the validated artifact
 * (scripts/lib/prComment.ts). Run by the trusted `pr-comment` workflow from the base branch.
 * Exit 1 with the reason on a bad artifact or when no single PR matches.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { commentBody, parseOpenPulls, parsePlanDiffArtifact, pullRequestFor } from "./lib/prComment";

const args = process.argv.slice(2);
if (args.length !== 5) {
    console.error("usage: npm run -s pr-comment -- <plan-diff.json> <open-pulls.jsonl> <head-sha> <head-repo> <comment.md>");
    process.exit(2);
}
const [artifact, pulls, headSha, headRepo, out] = args;
try {
    const number = pullRequestFor(parseOpenPulls(readFileSync(pulls, "utf8")), headSha, headRepo);
    writeFileSync(out, commentBody(parsePlanDiffArtifact(readFileSync(artifact, "utf8")), headSha));
    process.stdout.write(`${number}\n`);
} catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
}
