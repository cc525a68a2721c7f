/**
 * Offline render: `npm run render -- <stack> [--out <dir>] [--stack-file <file>]`.
 * Evaluates index.ts (the program `pulumi up` runs) under Pulumi mocks with Pulumi.<stack>.yaml
 * and writes out/<stack>/{resources.json,manifests.yaml,summary.txt,policy.txt,reachability.txt}. No cluster, cloud or CLI.
 * The work is in offline/render.ts; this is the command line around it.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EvaluationError } from "../offline/evaluate";
import type { RenderedFiles } from "../offline/render";
import { readRenderableStackFile, type StackFile, StackFileError } from "../offline/stackfile";
import { type LineIo, parseCommand, processIo, type Usage } from "./lib/cliIo";

const USAGE: Usage = {
    synopsis: "npm run render -- <stack> [--out <dir>] [--stack-file <Pulumi.<stack>.yaml>]",
    description:
        "Evaluates the program offline (Pulumi mocks, no cluster, cloud or CLI) with Pulumi.<stack>.yaml and writes\n" +
        "out/<stack>/{resources.json,manifests.yaml,summary.txt,policy.txt,reachability.txt}. summary.txt lists the secrets\n" +
        "still to set, the DNS names published, alert receivers, protected resources and per-host sizing; reachability.txt\n" +
        "every network flow the platform needs with its verdict under the rendered NetworkPolicies.",
    options: [
        ["--out <dir>", "write there instead of out/<stack>"],
        ["--stack-file <file>", "a stack file other than Pulumi.<stack>.yaml"],
    ],
    exitCodes: [
        [0, "rendered"],
        [1, "invalid config (problems on stderr), a needed network flow BLOCKED by the NetworkPolicies (named on stderr), or any other failure"],
        [2, "usage error"],
        [3, "a prod stack violates the policy pack (dev stacks only report violations)"],
    ],
};

const PROJECT_DIR = join(__dirname, "..");

/** Runs the CLI and returns its exit code. */
export async function run(argv: readonly string[], io: LineIo): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, options: ["--out", "--stack-file"], positional: 1 }, io);
    if (typeof cli === "number") return cli;
    const [stack] = cli.positional;
    const stackFile = cli.options["stack-file"] === undefined ? undefined : resolve(cli.options["stack-file"]);
    // A missing, unreadable or unprotected stack file is answered before the Pulumi SDKs and the program load (a second).
    let file: StackFile;
    try {
        file = readRenderableStackFile(PROJECT_DIR, stack, stackFile);
    } catch (err) {
        return failure(err, io);
    }
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { evaluateStackFile, renderFiles } = require("../offline/render") as typeof import("../offline/render");
    const { EvaluationError } = require("../offline/evaluate") as typeof import("../offline/evaluate");
    /* eslint-enable @typescript-eslint/no-require-imports */
    // A failed apply inside the program surfaces as a rejected promise the runtime does not await.
    let rejected: unknown;
    const onRejection = (err: unknown) => (rejected ??= err);
    process.on("unhandledRejection", onRejection);
    try {
        const evaluation = await evaluateStackFile(stack, { file });
        if (rejected !== undefined) return failure(rejected, io, EvaluationError);
        const rendered = renderFiles(stack, evaluation);
        const dir = cli.options.out === undefined ? join(PROJECT_DIR, "out", stack) : resolve(cli.options.out);
        writeAll(dir, rendered.files);
        for (const warning of evaluation.warnings) io.err(`warning: ${warning}`);
        io.out(
            `rendered ${stack}: ${evaluation.resources.length} resources, ${rendered.violations} policy violations${evaluation.warnings.length > 0 ? `, ${evaluation.warnings.length} warning(s)` : ""} -> ${dir}`,
        );
        return verdict(rendered, dir, io);
    } catch (err) {
        return failure(err, io, EvaluationError);
    } finally {
        process.off("unhandledRejection", onRejection);
    }
}

/**
 * The exit code of a complete render. Every file is written first, so a failed check leaves a
 * complete out/ whose reachability.txt and summary.txt show what failed.
 */
export function verdict(rendered: Pick<RenderedFiles, "violations" | "mandatory" | "blockedFlows">, dir: string, io: LineIo): number {
    if (rendered.violations > 0) {
        io.err(`policy: ${rendered.violations} violation(s), see ${join(dir, "policy.txt")}`);
    }
    if (rendered.blockedFlows.length > 0) {
        // A flow the platform needs that its own policies cut: the deploy would come up broken.
        io.err(`render failed: the NetworkPolicies block ${rendered.blockedFlows.length} needed network flow(s) (see ${join(dir, "reachability.txt")}):`);
        for (const line of rendered.blockedFlows) io.err(`  ${line}`);
        return 1;
    }
    // The pack is mandatory for prod stacks: the render fails the same way `pulumi up` would.
    return rendered.violations > 0 && rendered.mandatory ? 3 : 0;
}

/** Writes one file; `writeFileSync` unless a test passes one that fails. */
export type WriteFile = (path: string, text: string) => void;

/**
 * Writes the files beside each other in a scratch folder inside `dir` first and moves them in only
 * when all are written: a render that fails leaves the previous one whole.
 */
export function writeAll(dir: string, files: Readonly<Record<string, string>>, write: WriteFile = writeFileSync): void {
    mkdirSync(dir, { recursive: true });
    const scratch = mkdtempSync(join(dir, ".partial-"));
    try {
        for (const [name, text] of Object.entries(files)) {
            write(join(scratch, name), text);
        }
        for (const name of Object.keys(files)) {
            renameSync(join(scratch, name), join(dir, name));
        }
    } finally {
        rmSync(scratch, { recursive: true, force: true });
    }
}

/** A user error (config, stack file) is its message; anything else keeps its stack for a bug report. */
function failure(err: unknown, io: LineIo, evaluationError?: typeof EvaluationError): number {
    if (evaluationError !== undefined && err instanceof evaluationError && err.problems !== undefined) {
        io.err(err.message);
    } else if (err instanceof StackFileError) {
        io.err(`render: ${err.message}`);
    } else {
        io.err(`render failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    return 1;
}

if (require.main === module) {
    // Exit at once: after a failed registration, what waited on it is still pending and would reject later.
    void run(process.argv.slice(2), processIo()).then((code) => process.exit(code));
}
