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
    const findings = policyViolations(evaluation.resources, profile, typeof evaluation.outputs.protect === "boolean" ? evaluation.outputs.protect : undefined);
    const violations = findings.filter((v) => !v.advisory);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "resources.json"), resourcesJson(evaluation.resources));
    writeFileSync(join(dir, "manifests.yaml"), manifestsYaml(evaluation.resources));
    writeFileSync(join(dir, "summary.txt"), summaryText(stack, evaluation.resources, evaluation.outputs));
    writeFileSync(join(dir, "policy.txt"), policyReport(findings, profile));
    return { dir, resources: evaluation.resources.length, violations: violations.length, mandatory: profile === "prod" };
}

function parseArgs(argv: string[]): { stack: string; out?: string; stackFile?: string } {
    const args = [...argv];
    const option = (flag: string): string | undefined => {
        const at = args.indexOf(flag);
        if (at < 0) {
            return undefined;
        }
        const value = args[at + 1];
        args.splice(at, 2);
        return value ?? "";
    };
    const out = option("--out");
    const stackFile = option("--stack-file");
    if (args.length !== 1 || out === "" || stackFile === "") {
        console.error("usage: npm run render -- <stack> [--out <dir>] [--stack-file <Pulumi.<stack>.yaml>]");
        process.exit(2);
    }
    return {
        stack: args[0],
        out: out === undefined ? undefined : resolve(out),
        stackFile: stackFile === undefined ? undefined : resolve(stackFile),
    };
}

async function main(): Promise<void> {
    const { stack, out, stackFile } = parseArgs(process.argv.slice(2));
    // A failed apply inside the program surfaces as a rejected promise the runtime does not await.
    process.on("unhandledRejection", (err) => fail(err));
    try {
        const result = await render(stack, out, stackFile);
        console.log(`rendered ${stack}: ${result.resources} resources, ${result.violations} policy violations -> ${result.dir}`);
        if (result.violations > 0) {
            console.error(`policy: ${result.violations} violation(s), see ${join(result.dir, "policy.txt")}`);
            // The pack is mandatory for prod stacks: the render fails the same way `pulumi up` would.
            if (result.mandatory) {
                process.exit(3);
            }
        }
    } catch (err) {
        fail(err);
    }
}

function fail(err: unknown): never {
    if (err instanceof EvaluationError && err.problems !== undefined) {
        console.error(err.message);
    } else if (err instanceof StackFileError) {
        console.error(`render: ${err.message}`);
    } else {
        console.error(`render failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    process.exit(1);
}

if (require.main === module) {
    void main();
}
