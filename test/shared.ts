/**
 * The stack files' evaluations, made once per `jest` run by the global setup (test/globalSetup.js)
 * and shared by every suite. Each stack was evaluated twice, in two processes: `run` "a" is what
 * the suites read, "b" is for the determinism check.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { StackFileEvaluation } from "../offline/render";

export type SharedEvaluation = Pick<StackFileEvaluation, "resources" | "outputs" | "stackConfig" | "flows" | "network">;

const ROOT = join(__dirname, "..");
const cache = new Map<string, SharedEvaluation>();

/** Every Pulumi.<stack>.yaml in the repository: new stack files are tested with no test edit. */
export function stackNames(): string[] {
    return readdirSync(ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** The evaluation of Pulumi.<stack>.yaml; a stack file that does not evaluate fails with its problems. */
export function sharedEvaluation(stack: string, run: "a" | "b" = "a"): SharedEvaluation {
    const key = `${run}/${stack}`;
    const hit = cache.get(key);
    if (hit) {
        return hit;
    }
    const file = join(sharedDir(), run, `${stack}.json`);
    let parsed: Partial<SharedEvaluation> & { failure?: { message: string; problems?: string[] } };
    try {
        parsed = JSON.parse(readFileSync(file, "utf8")) as typeof parsed;
    } catch {
        throw new Error(`no evaluation of Pulumi.${stack}.yaml in ${file}: is the stack file new since this jest run started?`);
    }
    if (parsed.failure) {
        const detail = parsed.failure.problems ? parsed.failure.problems.join("\n  ") : parsed.failure.message;
        throw new Error(`Pulumi.${stack}.yaml does not evaluate: fix the stack file (npm run render -- ${stack}):\n  ${detail}`);
    }
    const evaluation = {
        resources: parsed.resources ?? [],
        outputs: parsed.outputs ?? {},
        stackConfig: parsed.stackConfig ?? {},
        flows: parsed.flows ?? [],
        network: parsed.network,
    };
    cache.set(key, evaluation);
    return evaluation;
}

function sharedDir(): string {
    const dir = process.env.PLATFORM_EVALUATIONS;
    if (!dir) {
        throw new Error("PLATFORM_EVALUATIONS is not set: run the tests through jest (its global setup evaluates the stack files)");
    }
    return dir;
}

/** The Harbor dynamic provider as Pulumi's closure serializer wrote it in the global setup's first run. */
export function sharedHarborProviderCode(): { text: string; exportName: string; containsSecrets: boolean } {
    return JSON.parse(readFileSync(join(sharedDir(), "a", "harbor-provider.json"), "utf8")) as { text: string; exportName: string; containsSecrets: boolean };
}
