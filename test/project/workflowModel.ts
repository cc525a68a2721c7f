/**
 * The GitHub Actions workflows as data, for the workflow tests (test/project/*.test.ts): their
 * shape, a loader, and the judgements several tests share.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../harness";

export const dir = join(PROJECT_DIR, ".github", "workflows");
export const workflows = readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));

export interface Step {
    id?: string;
    name?: string;
    if?: string;
    uses?: string;
    run?: string;
    env?: Record<string, string>;
    with?: Record<string, unknown>;
}
export interface Job {
    if?: string;
    needs?: string | string[];
    outputs?: Record<string, string>;
    "timeout-minutes"?: number;
    environment?: string;
    env?: Record<string, string>;
    permissions?: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    /** `matrix` is an expression (`${{ fromJSON(...) }}`) where the stacks come from `npm run -s ci:stacks`. */
    strategy?: { "max-parallel"?: number; "fail-fast"?: boolean; matrix: Record<string, unknown[]> | string };
    steps: Step[];
}
export interface Workflow {
    on: Record<string, unknown>;
    env?: Record<string, string>;
    permissions?: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    jobs: Record<string, Job>;
}
export const load = (file: string) => parse(readFileSync(join(dir, file), "utf8")) as Workflow;

/** `secrets.NAME` references in any part of a workflow value. */
export const secretsIn = (value: unknown): string[] =>
    [...JSON.stringify(value ?? null).matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)|secrets\[/g)].map((m) => m[1] ?? "[dynamic]");

/** Whether a job holds a secret other than GITHUB_TOKEN. */
export const usesSecrets = (job: Job) => secretsIn(job).some((s) => s !== "GITHUB_TOKEN");

/** GitHub environments a job triggered by a pull request may use: dev-scoped credentials only. */
export const PR_ENVIRONMENTS = ["dev-preview"];

/** Whether a job can run for a pull_request(_target) event, judged from the triggers and the job's `if`. */
export function runsOnPullRequest(wf: Workflow, job: Job): boolean {
    const on = Object.keys(wf.on);
    if (!on.includes("pull_request") && !on.includes("pull_request_target")) return false;
    const cond = job.if ?? "";
    return !/github\.event_name != 'pull_request'/.test(cond) && !/github\.event_name == '(?!pull_request)/.test(cond);
}

/** A job that can mint an OIDC token, holds a secret other than GITHUB_TOKEN, or deploys through an environment. */
export function holdsCredentials(job: Job): boolean {
    return job.permissions?.["id-token"] === "write" || secretsIn(job).some((s) => s !== "GITHUB_TOKEN") || job.environment !== undefined;
}
