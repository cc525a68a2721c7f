/**
 * Which stacks the workflows run, and with which GitHub environment and passphrase secret, derived
 * from the stack files by one convention (docs/delivery.md, "Stacks, environments and secrets"), so a
 * new `Pulumi.<name>.yaml` needs no workflow edit:
 * - every `Pulumi.<stack>.yaml` at the top level is a stack, except `e2e` (e2e.yml creates and
 *   destroys its own cluster);
 * - its lane is its `platform:profile`: `dev` stacks are previewed on pull requests (environment
 *   `dev-preview`) and deployed from main; `prod` stacks are previewed from main (`prod-preview`) and
 *   deployed from `v*` tags, one at a time: production stacks (`prod`, then `prod-<x>` by name) after
 *   any other prod-profile stack (e.g. `staging`), which goes first;
 * - its deployment environment is its name with a leading `dev` spelled `development` and a leading
 *   `prod` spelled `production` (`prod-eu` -> `production-eu`, `staging` -> `staging`);
 * - its passphrase secret is `PULUMI_CONFIG_PASSPHRASE_<NAME>` (upper case, `-` as `_`), in its
 *   deployment environment and in its lane's preview environment;
 * - promotion copies an app digest from `dev` (where the app workflow publishes) through the prod lane
 *   in that order, each stack from the one before.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export type Lane = "dev" | "prod";

export interface CiStack {
    readonly stack: string;
    readonly lane: Lane;
    /** GitHub environment of its deployments (`up`, `promote`, `rollback`). */
    readonly environment: string;
    /** GitHub environment of its previews. */
    readonly previewEnvironment: "dev-preview" | "prod-preview";
    /** Name of the secret holding its passphrase. */
    readonly passphrase: string;
    /** The stack a promotion copies the digest from (prod lane only). */
    readonly from?: string;
}

/** Stacks another workflow owns end to end (never previewed, deployed, promoted or rolled back by these). */
export const OWNED_ELSEWHERE: Readonly<Record<string, string>> = { e2e: "e2e.yml" };

/** Where the app workflow publishes images, and where promotion starts. */
const PROMOTION_SOURCE = "dev";

/** Names a workflow can carry in job names, concurrency groups and secret names. */
const STACK_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A stack file the convention cannot place (a user error: one line naming the file and the fix). */
export class CiStackError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CiStackError";
    }
}

/** `prod-eu` -> `production-eu`, `dev` -> `development`, anything else as it is. */
function environmentFor(stack: string): string {
    return stack.replace(/^dev(?=-|$)/, "development").replace(/^prod(?=-|$)/, "production");
}

/** `prod-eu` -> `PULUMI_CONFIG_PASSPHRASE_PROD_EU`. */
function passphraseFor(stack: string): string {
    return `PULUMI_CONFIG_PASSPHRASE_${stack.toUpperCase().replace(/-/g, "_")}`;
}

/** Prod-lane order: other prod-profile stacks first (staging), then `prod`, then `prod-<x>`, each by name. */
function prodRank(stack: string): number {
    return stack === "prod" ? 1 : stack.startsWith("prod-") ? 2 : 0;
}

/** Every stack the workflows run, dev lane first (by name), then the prod lane in deployment order. */
export function ciStacks(projectDir: string): CiStack[] {
    const found = readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined && OWNED_ELSEWHERE[s] === undefined)
        .sort();
    const placed = found.map((stack) => {
        const file = `Pulumi.${stack}.yaml`;
        if (!STACK_NAME.test(stack)) {
            throw new CiStackError(`${file}: a stack name the workflows can use has lower-case letters, digits and inner '-' only; rename the file`);
        }
        const doc = (parse(readFileSync(join(projectDir, file), "utf8")) ?? {}) as { config?: Record<string, unknown> };
        const profile = doc.config?.["platform:profile"] ?? doc.config?.profile;
        if (profile !== "dev" && profile !== "prod") {
            throw new CiStackError(`${file}: platform:profile must be dev or prod (it chooses the workflow lane), got ${JSON.stringify(profile ?? null)}`);
        }
        return { stack, lane: profile as Lane };
    });
    const dev = placed.filter((s) => s.lane === "dev").map((s) => s.stack);
    const prod = placed
        .filter((s) => s.lane === "prod")
        .map((s) => s.stack)
        .sort((a, b) => prodRank(a) - prodRank(b) || (a < b ? -1 : 1));
    const stacks: CiStack[] = [
        ...dev.map((stack) => ({
            stack,
            lane: "dev" as const,
            environment: environmentFor(stack),
            previewEnvironment: "dev-preview" as const,
            passphrase: passphraseFor(stack),
        })),
        ...prod.map((stack, i) => ({
            stack,
            lane: "prod" as const,
            environment: environmentFor(stack),
            previewEnvironment: "prod-preview" as const,
            passphrase: passphraseFor(stack),
            from: i === 0 ? PROMOTION_SOURCE : prod[i - 1],
        })),
    ];
    const seen = new Map<string, string>();
    for (const s of stacks) {
        const other = seen.get(s.environment);
        if (other !== undefined) {
            throw new CiStackError(`Pulumi.${other}.yaml and Pulumi.${s.stack}.yaml would share the environment '${s.environment}': rename one of them`);
        }
        seen.set(s.environment, s.stack);
    }
    return stacks;
}
