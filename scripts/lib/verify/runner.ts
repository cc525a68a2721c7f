/**
 * Runs the enabled checks one after another, reporting progress as each starts and ends. A check
 * that throws (an unexpected answer, a Service that is not there) fails with the error's message;
 * one check's failure never stops the others.
 */
import { ConnectionError } from "./http";
import { KubeError } from "./kube";
import type { Check, CheckResult, VerifyContext } from "./types";

export interface Progress {
    start(check: Check): void;
    end(result: CheckResult): void;
}

export async function runChecks(ctx: VerifyContext, checks: readonly Check[], progress?: Progress): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    for (const check of checks) {
        if (!check.enabled(ctx.config)) {
            const result: CheckResult = { check: check.name, part: check.part, result: "skip", detail: `off in this stack (runs when ${check.when})` };
            results.push(result);
            progress?.end(result);
            continue;
        }
        progress?.start(check);
        let result: CheckResult;
        try {
            const finding = await check.run(ctx);
            result = {
                check: check.name,
                part: check.part,
                result: finding.ok ? "pass" : "fail",
                detail: finding.detail,
                ...(finding.ok || !finding.hint ? {} : { hint: finding.hint }),
            };
        } catch (err) {
            result = { check: check.name, part: check.part, result: "fail", detail: (err as Error).message, hint: hintFor(err) };
        }
        results.push(result);
        progress?.end(result);
    }
    return results;
}

function hintFor(err: unknown): string {
    if (err instanceof KubeError && err.status === 403)
        return "the kubeconfig's user lacks read access (verify needs get/list cluster-wide, get on the Secrets it reads, and services/proxy)";
    if (err instanceof KubeError && err.status === 404) return "not found: is this part deployed (pulumi up) in this cluster?";
    if (err instanceof KubeError && err.status === 503) return "the API server could not reach the Service: are its pods ready? (cluster.workloads)";
    if (err instanceof ConnectionError) return "check the address, DNS and firewall between here and the endpoint";
    return "re-run with the component's logs at hand; see the part's runbook in docs/runbooks";
}

/** 0 when every check passed (or was off), 1 when any failed. Connection failures are decided earlier (2). */
export function exitCode(results: readonly CheckResult[]): 0 | 1 {
    return results.some((r) => r.result === "fail") ? 1 : 0;
}
