/**
 * `npm run plan-diff -- <base> <head> [--json]`: diff of two offline renders, each a stack's render
 * folder (out/<stack>) or a folder of them (out/), as Markdown for the job summary, or with `--json`
 * as the structured artifact the trusted `pr-comment` workflow turns into the PR comment.
 */
import { resolve } from "node:path";
import { diffMarkdown, diffRenders, readRenders, RenderFolderError } from "../offline/planDiff";
import { CliIo, parseCommand, processIo, type Usage } from "./lib/cliIo";
import { planDiffArtifact } from "./lib/prComment";

const USAGE: Usage = {
    synopsis: "npm run plan-diff -- <base> <head> [--json]",
    description:
        "Compares two offline renders: resources added, changed (each changed value, old and new, secrets masked) and\n" +
        "removed, chart version bumps, cluster nodes added or removed, and the requested CPU and memory of the whole\n" +
        "cluster. <base> and <head> are\n" +
        "each one stack's render folder (out/<stack>) or a folder of them (out/).",
    options: [["--json", "print the structured artifact the pr-comment workflow reads instead of Markdown"]],
    exitCodes: [
        [0, "diff printed"],
        [2, "usage error, a missing folder, or no render in either folder"],
    ],
};

export async function run(argv: readonly string[], io: Pick<CliIo, "out" | "err">): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, flags: ["--json"], positional: 2 }, io);
    if (typeof cli === "number") return cli;
    const [base, head] = cli.positional.map((p) => resolve(p));
    try {
        const before = readRenders(base);
        const after = readRenders(head);
        if (before.size === 0 && after.size === 0) {
            io.err(`plan-diff: no stacks rendered in ${base} or ${head} (expected <folder>/resources.json or <folder>/<stack>/resources.json)`);
            return 2;
        }
        const diffs = diffRenders(before, after);
        io.out(cli.flags.has("json") ? planDiffArtifact(diffs).trimEnd() : diffMarkdown(diffs));
        return 0;
    } catch (err) {
        if (err instanceof RenderFolderError) {
            io.err(`plan-diff: ${err.message}`);
            return 2;
        }
        throw err;
    }
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
