/**
 * Offline render: `npm run render -- <stack> [--out <dir>] [--stack-file <file>]`.
 * Evaluates index.ts (the program `pulumi up` runs) under Pulumi mocks with Pulumi.<stack>.yaml
 * and writes out/<stack>/{resources.json,manifests.yaml,summary.txt,policy.txt}. No cluster, cloud or CLI.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { EvaluationError } from "../offline/evaluate";
import { evaluateStackFile, PROJECT_DIR, renderFiles } from "../offline/render";
import { StackFileError } from "../offline/stackfile";
import { parseCli } from "./lib/cliIo";

export const USAGE = [
    "usage: npm run render -- <stack> [--out <dir>] [--stack-file <Pulumi.<stack>.yaml>]",
    "",
    "Evaluates the program offline with Pulumi.<stack>.yaml and writes resources.json, manifests.yaml,",
    "summary.txt and policy.txt to --out (default out/<stack>).",
    "",
    "exit codes:",
    "  0  rendered (dev stacks: policy findings are advisory and only reported)",
    "  1  invalid config or stack file (every problem on stderr, by key), or another failure",
    "  2  usage error",
    "  3  a prod stack violates the policy pack (mandatory, as in `pulumi up`)",
];

export interface RenderIo {
    out(line: string): void;
    err(line: string): void;
}

/** Runs the CLI; returns its exit code. `load` gives the program (tests pass a fresh module copy). */
export async function run(argv: readonly string[], io: RenderIo, load?: () => unknown): Promise<number> {
    const cli = parseCli(argv, ["--out", "--stack-file"], ["--help"]);
    if (cli.flags.has("help")) {
        USAGE.forEach((line) => io.out(line));
        return 0;
    }
    if (cli.positional.length !== 1 || cli.unknown.length > 0) {
        cli.unknown.forEach((problem) => io.err(`render: ${problem}`));
        io.err(USAGE[0]);
        return 2;
    }
    const stack = cli.positional[0];
    const stackFile = cli.options["stack-file"] === undefined ? undefined : resolve(cli.options["stack-file"]);
    try {
        const evaluation = await evaluateStackFile(stack, { stackFile, load });
        const rendered = renderFiles(stack, evaluation);
        const dir = cli.options.out === undefined ? join(PROJECT_DIR, "out", stack) : resolve(cli.options.out);
        mkdirSync(dir, { recursive: true });
        for (const [name, text] of Object.entries(rendered.files)) {
            writeFileSync(join(dir, name), text);
        }
        io.out(`rendered ${stack}: ${evaluation.resources.length} resources, ${rendered.violations} policy violations -> ${dir}`);
        if (rendered.violations > 0) {
            io.err(`policy: ${rendered.violations} violation(s), see ${join(dir, "policy.txt")}`);
            // The pack is mandatory for prod stacks: the render fails the same way `pulumi up` would.
            return rendered.mandatory ? 3 : 0;
        }
        return 0;
    } catch (err) {
        io.err(failure(err));
        return 1;
    }
}

/** A user error (config, stack file) is its message; anything else keeps its stack for a bug report. */
export function failure(err: unknown): string {
    if (err instanceof EvaluationError && err.problems !== undefined) {
        return err.message;
    }
    if (err instanceof StackFileError) {
        return `render: ${err.message}`;
    }
    return `render failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
}

if (require.main === module) {
    const io: RenderIo = { out: (line) => console.log(line), err: (line) => console.error(line) };
    // A failed apply inside the program surfaces as a rejected promise the runtime does not await.
    process.on("unhandledRejection", (err) => {
        io.err(failure(err));
        process.exit(1);
    });
    void run(process.argv.slice(2), io).then((code) => process.exit(code));
}
