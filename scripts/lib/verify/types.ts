/**
 * Shared shapes of `npm run verify`: a check, what it finds, and the context every check runs in.
 * Checks are plain data plus one async function, so `--help` and the runner read the same list.
 */
import type { PlatformConfig } from "../../../config/config";
import type { HttpResponse, PublicHttp } from "./http";
import type { KubeApi } from "./kube";
import type { SecretReader } from "./secrets";

/** A check's verdict: `skip` when its part is off in the stack (it never runs then). */
export type Outcome = "pass" | "fail" | "skip";

/** What a check reports: one line of detail, and when it fails, what to look at first. */
export interface Finding {
    readonly ok: boolean;
    readonly detail: string;
    readonly hint?: string;
}

export interface CheckResult {
    readonly check: string;
    readonly part: string;
    readonly result: Outcome;
    readonly detail: string;
    readonly hint?: string;
}

export interface Check {
    /** Stable id, shown in the table and the JSON (`cluster.nodes`). */
    readonly name: string;
    /** The part of the stack the check belongs to (README config keys). */
    readonly part: string;
    /** What passing means, for `--help`. */
    readonly description: string;
    /** When the check runs, for `--help` (the config that turns it on). */
    readonly when: string;
    readonly enabled: (config: PlatformConfig) => boolean;
    readonly run: (ctx: VerifyContext) => Promise<Finding>;
}

/** Settings a user passes on the command line that change what a check accepts. */
export interface VerifyOptions {
    /** Minimum remaining validity of every Certificate. @default 14 days */
    readonly certificateDays: number;
    /** `<proxy-cache project>/<repository>:<tag>` fetched through Harbor; default by upstream. */
    readonly harborImage?: string;
    /** Scrape jobs allowed to be down (on top of the documented list). */
    readonly allowDown?: readonly string[];
}

export interface VerifyContext {
    readonly config: PlatformConfig;
    readonly kube: KubeApi;
    readonly secrets: SecretReader;
    /** HTTPS to the platform's public hosts (Harbor), trusting the system CAs plus any given. */
    readonly publicHttp: PublicHttp;
    /** A host's A/AAAA addresses (the system resolver in real runs). */
    readonly resolveHost: (host: string) => Promise<string[]>;
    readonly now: () => Date;
    readonly options: VerifyOptions;
}

export type { HttpResponse };
