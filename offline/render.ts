/**
 * The offline render as functions: evaluate a stack file under the mocks, and turn an evaluation into
 * the four files (resources.json, manifests.yaml, summary.txt, policy.txt). scripts/render.ts is the
 * CLI around them; the tests call them in-process.
 */
import { join } from "node:path";
import { evaluate, type Evaluation } from "./evaluate";
import { manifestsYaml, resourcesJson, summaryText } from "./output";
import { policyReport, policyViolations } from "./policyReport";
import { noSecretsProviderMessage, readStackFile, StackFileError } from "./stackfile";

export const PROJECT_DIR = join(__dirname, "..");

/** What the render writes, by file name, plus the policy verdict. */
export interface RenderedFiles {
    readonly files: Record<"resources.json" | "manifests.yaml" | "summary.txt" | "policy.txt", string>;
    /** Policy violations that count (advisory findings excluded). */
    readonly violations: number;
    /** Whether violations block (prod profile: the pack is mandatory). */
    readonly mandatory: boolean;
}

/** Loads index.ts the way `pulumi up` does (its export is the program function, which `evaluate` calls). */
export function loadProgram(): unknown {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(join(PROJECT_DIR, "index.ts"));
}

export interface StackFileEvaluation extends Evaluation {
    /** The Pulumi project the stack file belongs to (URNs carry it). */
    readonly project: string;
    /** The stack file's `config:` map as written (secure values still encrypted): the summary reads it. */
    readonly stackConfig: Record<string, unknown>;
}

/** Evaluates index.ts with Pulumi.<stack>.yaml (or `stackFile`), as `pulumi up` would run it. */
export async function evaluateStackFile(stack: string, opts: { stackFile?: string } = {}): Promise<StackFileEvaluation> {
    const file = readStackFile(PROJECT_DIR, stack, opts.stackFile);
    // The per-stack passphrase (or KMS key) protects the stack only when the file declares it (issue 25).
    if (file.secretsProvider === undefined) {
        throw new StackFileError(noSecretsProviderMessage(opts.stackFile ?? `Pulumi.${stack}.yaml`));
    }
    const evaluation = await evaluate({ project: file.project, stack, config: file.config, load: loadProgram });
    return { ...evaluation, project: file.project, stackConfig: file.stackConfig };
}

/** The render's files for one evaluation: pure, so two evaluations of one program give equal files. */
export function renderFiles(stack: string, evaluation: Pick<StackFileEvaluation, "resources" | "outputs" | "stackConfig">): RenderedFiles {
    const profile = String(evaluation.outputs.profile) === "prod" ? "prod" : "dev";
    const findings = policyViolations(evaluation.resources, profile, typeof evaluation.outputs.protect === "boolean" ? evaluation.outputs.protect : undefined);
    return {
        files: {
            "resources.json": resourcesJson(evaluation.resources),
            "manifests.yaml": manifestsYaml(evaluation.resources),
            "summary.txt": summaryText(stack, evaluation.resources, evaluation.outputs, { stackConfig: evaluation.stackConfig }),
            "policy.txt": policyReport(findings, profile),
        },
        violations: findings.filter((v) => !v.advisory).length,
        mandatory: profile === "prod",
    };
}
