/**
 * Offline render: `npm run render -- <stack> [--out <dir>]`.
 * Evaluates index.ts (the program `pulumi up` runs) under Pulumi mocks with Pulumi.<stack>.yaml
 * and writes out/<stack>/{resources.json,manifests.yaml,summary.txt,policy.txt}. No cluster, cloud or CLI.
 * Exit 0 on success, 1 on invalid config (problems on stderr) or any other failure, 3 when a prod
 * stack violates the policy pack (dev stacks only report violations: advisory).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { evaluate, EvaluationError } from "../offline/evaluate";
import { manifestsYaml, resourcesJson, summaryText } from "../offline/output";
import { policyReport, policyViolations } from "../offline/policyReport";
import { readStackFile, StackFileError } from "../offline/stackfile";
import { type LineIo, parseCommand, processIo, type Usage } from "./lib/cliIo";

const PROJECT_DIR = resolve(__dirname, "..");

export interface RenderResult {
    readonly dir: string;
    readonly resources: number;
    /** Policy violations found in the plan. */
    readonly violations: number;
    /** Whether violations block (prod profile: the pack is mandatory). */
    readonly mandatory: boolean;
}

/** Renders one stack into `outDir` (default out/<stack>), from `stackFile` (default Pulumi.<stack>.yaml). */
export async function render(stack: string, outDir?: string, stackFile?: string): Promise<RenderResult> {
    const file = readStackFile(PROJECT_DIR, stack, stackFile);
    const evaluation = await evaluate({
        project: file.project,
        stack,
        config: file.config,
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        load: () => require(join(PROJECT_DIR, "index.ts")),
    });
    const dir = outDir ?? join(PROJECT_DIR, "out", stack);
    const profile = String(evaluation.outputs.profile) === "prod" ? "prod" : "dev";
    const findings = policyViolations(evaluation.resources, profile);
    const violations = findings.filter((v) => !v.advisory);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "resources.json"), resourcesJson(evaluation.resources));
    writeFileSync(join(dir, "manifests.yaml"), manifestsYaml(evaluation.resources));
    writeFileSync(join(dir, "summary.txt"), summaryText(stack, evaluation.resources, evaluation.outputs, { stackConfig: file.stackConfig }));
    writeFileSync(join(dir, "policy.txt"), policyReport(findings, profile));
    return { dir, resources: evaluation.resources.length, violations: violations.length, mandatory: profile === "prod" };
}

const USAGE: Usage = {
    synopsis: "npm run render -- <stack> [--out <dir>] [--stack-file <Pulumi.<stack>.yaml>]",
    description:
        "Evaluates the program offline (Pulumi mocks, no cluster, cloud or CLI) with Pulumi.<stack>.yaml and writes\n" +
        "out/<stack>/{resources.json,manifests.yaml,summary.txt,policy.txt}. summary.txt lists the secrets still to set,\n" +
        "the DNS names published, alert receivers, protected resources and per-host sizing.",
    options: [
        ["--out <dir>", "write there instead of out/<stack>"],
        ["--stack-file <file>", "a stack file other than Pulumi.<stack>.yaml"],
    ],
    exitCodes: [
        [0, "rendered"],
        [1, "invalid config (problems on stderr) or any other failure"],
        [2, "usage error"],
        [3, "a prod stack violates the policy pack (dev stacks only report violations)"],
    ],
};

export async function run(argv: readonly string[], io: LineIo): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, options: ["--out", "--stack-file"], positional: 1 }, io);
    if (typeof cli === "number") return cli;
    const [stack] = cli.positional;
    const out = cli.options.out === undefined ? undefined : resolve(cli.options.out);
    const stackFile = cli.options["stack-file"] === undefined ? undefined : resolve(cli.options["stack-file"]);
    // A failed apply inside the program surfaces as a rejected promise the runtime does not await.
    let rejected: unknown;
    const onRejection = (err: unknown) => (rejected ??= err);
    process.on("unhandledRejection", onRejection);
    try {
        const result = await render(stack, out, stackFile);
        if (rejected !== undefined) return failure(rejected, io);
        io.out(`rendered ${stack}: ${result.resources} resources, ${result.violations} policy violations -> ${result.dir}`);
        if (result.violations > 0) {
            io.err(`policy: ${result.violations} violation(s), see ${join(result.dir, "policy.txt")}`);
            // The pack is mandatory for prod stacks: the render fails the same way `pulumi up` would.
            if (result.mandatory) return 3;
        }
        return 0;
    } catch (err) {
        return failure(err, io);
    } finally {
        process.off("unhandledRejection", onRejection);
    }
}

function failure(err: unknown, io: LineIo): number {
    if (err instanceof EvaluationError && err.problems !== undefined) {
        io.err(err.message);
    } else if (err instanceof StackFileError) {
        io.err(`render: ${err.message}`);
    } else {
        io.err(`render failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    return 1;
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
