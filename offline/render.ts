/**
 * The offline render as functions: evaluate a stack file under the mocks, and turn an evaluation into
 * the five files (resources.json, manifests.yaml, summary.txt, policy.txt, reachability.txt).
 * scripts/render.ts is the CLI around them; the tests call them in-process.
 */
import { join } from "node:path";
import type { Flow } from "../components/lib/flows";
import type { ClusterNetwork } from "../components/lib/networkPolicy";
import type { platformProgram } from "../platform/program";
import { evaluate, type EvaluateOptions, type Evaluation } from "./evaluate";
import { rawManifests } from "./manifests";
import { manifestsYaml, resourcesJson, summaryText } from "./output";
import { policyReport, policyViolations } from "./policyReport";
import { reachability } from "./reachability";
import { readRenderableStackFile, type StackFile } from "./stackfile";

const PROJECT_DIR = join(__dirname, "..");

/** What the render writes, by file name, plus the policy verdict. */
export interface RenderedFiles {
    readonly files: Record<"resources.json" | "manifests.yaml" | "summary.txt" | "policy.txt" | "reachability.txt", string>;
    /** Policy violations that count (advisory findings excluded). */
    readonly violations: number;
    /** Whether violations block (prod profile: the pack is mandatory). */
    readonly mandatory: boolean;
    /** The reachability.txt lines of the needed network flows the NetworkPolicies block (the render fails on any). */
    readonly blockedFlows: readonly string[];
}

/** Loads index.ts the way `pulumi up` does (its export is the program function, which `evaluate` calls). */
export function loadProgram(): unknown {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(join(PROJECT_DIR, "index.ts"));
}

/** What the Platform knows of the network: the flows it needs and the network its NetworkPolicies are written for. */
export interface NetworkModel {
    readonly flows: readonly Flow[];
    /** undefined when the stack renders no NetworkPolicies. */
    readonly network?: ClusterNetwork;
}

/**
 * Evaluates index.ts's program as `evaluate` does, calling it with an observer that keeps the
 * Platform's network model. Copied as plain data, as it is after the JSON round trip of the Jest
 * global setup, so an in-process render and a shared evaluation read the same thing.
 */
export async function evaluateProgram(opts: Omit<EvaluateOptions, "load">): Promise<Evaluation & NetworkModel> {
    let model: NetworkModel = { flows: [] };
    const load = () => {
        const program = loadProgram() as typeof platformProgram;
        return () =>
            program((platform) => {
                model = JSON.parse(JSON.stringify({ flows: platform.flows, network: platform.network })) as NetworkModel;
            });
    };
    const evaluation = await evaluate({ ...opts, load });
    return { ...evaluation, ...model };
}

export interface StackFileEvaluation extends Evaluation, NetworkModel {
    /** The Pulumi project the stack file belongs to (URNs carry it). */
    readonly project: string;
    /** The stack file's `config:` map as written (secure values still encrypted): the summary reads it. */
    readonly stackConfig: Record<string, unknown>;
}

/**
 * Evaluates index.ts with Pulumi.<stack>.yaml (or `stackFile`), as `pulumi up` would run it; `file`
 * when the caller has already read it (readRenderableStackFile).
 */
export async function evaluateStackFile(stack: string, opts: { stackFile?: string; file?: StackFile } = {}): Promise<StackFileEvaluation> {
    const file = opts.file ?? readRenderableStackFile(PROJECT_DIR, stack, opts.stackFile);
    const evaluation = await evaluateProgram({ project: file.project, stack, config: file.config });
    return { ...evaluation, project: file.project, stackConfig: file.stackConfig };
}

/** The render's files for one evaluation: pure, so two evaluations of one program give equal files. */
export function renderFiles(
    stack: string,
    evaluation: Pick<StackFileEvaluation, "resources" | "outputs" | "stackConfig" | "flows" | "network"> & Partial<Pick<StackFileEvaluation, "warnings">>,
): RenderedFiles {
    const profile = String(evaluation.outputs.profile) === "prod" ? "prod" : "dev";
    const findings = policyViolations(evaluation.resources, profile, typeof evaluation.outputs.protect === "boolean" ? evaluation.outputs.protect : undefined);
    const flows = reachability(stack, evaluation.flows, rawManifests(evaluation.resources), evaluation.network);
    const networkFlows = { needed: evaluation.flows.length, blocked: flows.blocked.length, checked: evaluation.network !== undefined };
    return {
        files: {
            "resources.json": resourcesJson(evaluation.resources),
            "manifests.yaml": manifestsYaml(evaluation.resources),
            "summary.txt": summaryText(stack, evaluation.resources, evaluation.outputs, {
                stackConfig: evaluation.stackConfig,
                networkFlows,
                warnings: evaluation.warnings,
            }),
            "policy.txt": policyReport(findings, profile),
            "reachability.txt": flows.text,
        },
        violations: findings.filter((v) => !v.advisory).length,
        mandatory: profile === "prod",
        blockedFlows: flows.blocked,
    };
}
