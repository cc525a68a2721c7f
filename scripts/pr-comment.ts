/**
 * `npm run -s pr-comment -- <artifact.json> <open-pulls.jsonl> <head-sha> <head-repo> <comment.md>`
 * Prints the number of the PR whose head is <head-repo>@<head-sha> (from the API listing, never
 * from the artifact) and writes the comment body, built from the validated artifact
 * (scripts/lib/prComment.ts): the rendered-plan diff from `ci`, or the change counts of the dev
 * preview from `preview`. Run by the trusted `pr-comment` workflow from the base branch.
 * Exit 1 with the reason on a bad artifact or when no single PR matches.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { type LineIo, parseCommand, processIo, type Usage } from "./lib/cliIo";
import {
    commentBody,
    isPreviewArtifact,
    parseOpenPulls,
    parsePlanDiffArtifact,
    parsePreviewArtifact,
    previewCommentBody,
    pullRequestFor,
} from "./lib/prComment";

const USAGE: Usage = {
    synopsis: "npm run -s pr-comment -- <artifact.json> <open-pulls.jsonl> <head-sha> <head-repo> <comment.md>",
    description:
        "Writes the PR comment built from the validated artifact (plan diff or dev preview counts) and prints the number of the PR whose head is <head-repo>@<head-sha>.",
    exitCodes: [
        [0, "comment written, PR number printed"],
        [1, "bad artifact, or no single PR matches"],
        [2, "usage error"],
    ],
};

export async function run(argv: readonly string[], io: LineIo): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, positional: 5 }, io);
    if (typeof cli === "number") return cli;
    const [artifact, pulls, headSha, headRepo, out] = cli.positional;
    try {
        const number = pullRequestFor(parseOpenPulls(readFileSync(pulls, "utf8")), headSha, headRepo);
        const text = readFileSync(artifact, "utf8");
        writeFileSync(
            out,
            isPreviewArtifact(text) ? previewCommentBody(parsePreviewArtifact(text), headSha) : commentBody(parsePlanDiffArtifact(text), headSha),
        );
        io.out(`${number}`);
        return 0;
    } catch (error) {
        io.err(error instanceof Error ? error.message : String(error));
        return 1;
    }
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
