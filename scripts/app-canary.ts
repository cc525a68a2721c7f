/**
 * `npm run app:canary -- <stack> <app> <digest | from:<stack>> (--kubeconfig <file> | --prometheus-url <url>) [options]`
 * `npm run app:canary -- <stack> <app> --settle`
 *
 * A canary release of one app in one stack. The stack file is the state: every step is written into
 * Pulumi.<stack>.yaml (`canary: { digest, weight }`) before `pulumi up` applies it. At each weight the
 * load step sends the app's `canaryLoad` (GETs to its host) while the step waits `--interval` seconds,
 * then the analysis checks the canary's error ratio and p95 latency in Prometheus against the stack
 * file's `canary.analysis`:
 * - pass: next weight; after the last (100) the canary digest becomes the stable one (the old one
 *   `previousDigest`), `canary` goes, `pulumi up` (exit 0);
 * - not enough traffic: the weight holds and another window is analysed, up to `--max-holds`
 *   times; then the canary is withdrawn (exit 3, inconclusive: nothing was learnt about it);
 * - a broken threshold, no data, or a failed step: the canary is withdrawn and the stack file goes
 *   back to the last good digest (exit 1, rolled back).
 * Withdrawn means the safe state, written to the stack file and applied: no `canary` block, the image
 * the app ran before the run. A SIGINT/SIGTERM (a cancelled workflow) writes that state and exits 130
 * without waiting for Pulumi; `--settle` applies whatever safe state the stack file is in (the
 * workflow's last step when the canary step did not succeed). The edited stack file is left for the
 * workflow to record in a pull request, so git says what runs.
 */
import { guarded, readText, resolveDigest, stackFile, StackFileRef, writeText } from "./lib/appCli";
import {
    AppImageError,
    appHost,
    DEFAULT_ANALYSIS,
    type LastGood,
    promoteCanary,
    readApp,
    setCanaryWeight,
    stackProfile,
    startCanary,
    withdrawCanary,
} from "./lib/appStackFile";
import { analyse, type CanaryTarget, type Decision, httpQuerier, kubectlQuerier, parseSteps, type Querier } from "./lib/canary";
import { generateLoad, type LoadPlan, validateLoadUrl } from "./lib/canaryLoad";
import { CliIo, parseCli, processIo, pulumiUpArgs, helpRequested, type Usage } from "./lib/cliIo";
import { canaryLoadFor, MAX_CANARY_LOAD_RPS } from "../config/schemaApps";

const OPTIONS = [
    "--steps",
    "--interval",
    "--window",
    "--kubeconfig",
    "--prometheus-url",
    "--virtual-server",
    "--canary-service",
    "--min-requests",
    "--max-holds",
    "--load-rps",
    "--load-url",
    "--stack-file",
];
import { appComponentUrn, appTargetArgs, projectName } from "./lib/appTarget";

const USAGE =
    "usage: npm run app:canary -- <stack> <app> <sha256:digest | from:<stack>> [--steps 10,50,100] [--interval <seconds>] [--window 5m] " +
    "[--kubeconfig <file> | --prometheus-url http://127.0.0.1:<port>] [--virtual-server <name>] [--canary-service <name>] [--min-requests <n>] " +
    "[--max-holds <n>] [--load-rps <n>] [--load-url <url>] [--stack-file <file>]\n       npm run app:canary -- <stack> <app> --settle [--stack-file <file>]";

const HELP: Usage = {
    synopsis:
        "npm run app:canary -- <stack> <app> <sha256:digest | from:<stack>> (--kubeconfig <file> | --prometheus-url <url>) [--steps 10,50,100] [--interval <s>] [--window 5m] " +
        "[--virtual-server <name>] [--canary-service <name>] [--min-requests <n>] [--max-holds <n>] [--load-rps <n>] [--load-url <url>] [--stack-file <file>] | <stack> <app> --settle",
    description:
        "A canary release of one app: raises the canary's weight step by step with `pulumi up`, sends the app's canaryLoad to its host during\n" +
        "each step, checks the canary's error ratio and p95 latency in Prometheus after it, holds the weight while there is not enough\n" +
        "traffic, withdraws the canary (stack file back to the last good digest) on a failed check, and promotes the digest after the last step.\n" +
        "--settle puts the stack back to a safe state (no canary) and applies it: after a cancelled or failed run.",
    exitCodes: [
        [0, "the canary was promoted (or --settle applied the safe state)"],
        [1, "a check failed, there was no data, or a step failed: rolled back to the last good digest"],
        [2, "usage error"],
        [3, "not enough traffic after every hold: the canary was withdrawn, nothing concluded"],
        [130, "interrupted: the stack file says the safe state; apply it with --settle"],
    ],
};

export async function run(argv: readonly string[], io: CliIo & { readonly signal?: AbortSignal }): Promise<number> {
    if (helpRequested(argv, HELP, io)) return 0;
    const cli = parseCli(argv, OPTIONS, ["--settle"]);
    const settle = cli.flags.has("settle");
    const reach = (cli.options.kubeconfig === undefined) !== (cli.options["prometheus-url"] === undefined);
    if (cli.unknown.length > 0 || cli.positional.length !== (settle ? 2 : 3) || (!settle && !reach)) {
        io.err([...cli.unknown, ...(settle ? [] : ["give exactly one of --kubeconfig and --prometheus-url"]), USAGE].join("\n"));
        return 2;
    }
    const [stack, app, spec] = cli.positional;
    return guarded(io, "app:canary", async () => {
        const ref = stackFile(io, stack, cli.options["stack-file"]);
        const profile = stackProfile(readText(ref), ref.file);
        const up = async (what: string) => {
            io.out(`${ref.file}: ${what}; pulumi up ${stack}`);
            // This app only: the rest of the stack stays as its own deployment left it.
            const result = await io.exec("pulumi", [...pulumiUpArgs(stack, profile), ...appTargetArgs(appComponentUrn(projectName(io.cwd), stack, app))]);
            if (result.code !== 0) {
                throw new AppImageError(`pulumi up of ${stack} failed (exit ${result.code}) after: ${what}`);
            }
        };
        if (settle) {
            const safe = withdrawCanary(readText(ref), app, {}, { file: ref.file });
            writeText(ref, safe.text);
            // Always applied: the file may already say the safe state while the cluster still runs a split.
            await up(safe.summary);
            return 0;
        }
        return release(io, { ref, stack, app, spec, profile, options: cli.options, up });
    });
}

interface Release {
    readonly ref: StackFileRef;
    readonly stack: string;
    readonly app: string;
    readonly spec: string;
    readonly profile: "dev" | "prod";
    readonly options: Record<string, string>;
    readonly up: (what: string) => Promise<void>;
}

async function release(io: CliIo & { readonly signal?: AbortSignal }, r: Release): Promise<number> {
    const { ref, app, options } = r;
    const steps = parseSteps(options.steps ?? "10,50,100");
    const intervalMs = whole(options.interval ?? "300", "--interval") * 1000;
    const window = options.window ?? "5m";
    const minRequests = whole(options["min-requests"] ?? "20", "--min-requests");
    const maxHolds = whole(options["max-holds"] ?? "2", "--max-holds");
    const digest = resolveDigest(io, app, r.spec);
    const before = readApp(readText(ref), app, ref.file);
    const lastGood: LastGood = { digest: before.digest, previousDigest: before.previousDigest };
    const target: CanaryTarget = {
        namespace: before.namespace ?? "apps",
        virtualServer: options["virtual-server"] ?? app,
        service: options["canary-service"] ?? `${app}-canary`,
    };
    const query: Querier = options.kubeconfig ? kubectlQuerier(io, options.kubeconfig) : httpQuerier(options["prometheus-url"]!);
    const load = loadPlan(readText(ref), r, before);
    const signal = io.signal;

    const apply = async (text: string, what: string) => {
        writeText(ref, text);
        await r.up(what);
    };
    /** The safe state, written and (unless interrupted) applied. */
    const withdraw = async (code: number, reason: string, verdict: string) => {
        io.err(`canary of ${app} in ${r.stack} ${verdict}: ${reason}`);
        const safe = withdrawCanary(readText(ref), app, lastGood, { file: ref.file });
        writeText(ref, safe.text);
        if (signal?.aborted) {
            io.err(`interrupted: ${ref.file} says the safe state (${safe.summary}); apply it: npm run app:canary -- ${r.stack} ${app} --settle`);
            return 130;
        }
        io.err(`withdrawing the canary: ${safe.summary}`);
        try {
            await r.up(`${safe.summary} (${verdict})`);
        } catch (err) {
            io.err(`${(err as Error).message}: run npm run app:canary -- ${r.stack} ${app} --settle`);
        }
        io.err(`commit ${ref.file} (the promotion workflow's record job opens the pull request)`);
        return code;
    };
    const interrupted = () => withdraw(130, "the run was interrupted", "stopped");

    const start = startCanary(readText(ref), app, digest, steps[0], { file: ref.file });
    try {
        await apply(start.text, start.summary);
    } catch (err) {
        return signal?.aborted ? interrupted() : withdraw(1, (err as Error).message, "failed");
    }
    for (const [i, weight] of steps.entries()) {
        if (i > 0) {
            try {
                await apply(setCanaryWeight(readText(ref), app, weight, { file: ref.file }).text, `${app}: canary weight ${weight}`);
            } catch (err) {
                return signal?.aborted ? interrupted() : withdraw(1, (err as Error).message, "failed");
            }
        }
        for (let holds = 0; ; holds++) {
            await wait(io, load, intervalMs, weight, signal);
            if (signal?.aborted) return interrupted();
            let decision: Decision;
            try {
                decision = await analyse(query, target, window, { ...thresholds(readText(ref), app, ref), minRequests });
            } catch (err) {
                return withdraw(1, `analysis could not run: ${(err as Error).message}`, "failed");
            }
            const line = `at ${weight}%: ${decision.reasons.join("; ")} [${figures(decision, readText(ref), app, ref)}]`;
            if (decision.verdict === "pass") {
                io.out(`analysis at ${weight}% passed: ${figures(decision, readText(ref), app, ref)}`);
                break;
            }
            if (decision.verdict === "hold" && holds < maxHolds) {
                io.out(`holding at ${weight}% (${holds + 1} of ${maxHolds}): ${line}`);
                continue;
            }
            if (decision.verdict === "hold") {
                return withdraw(
                    3,
                    `${line}; still not enough traffic after ${maxHolds} more window(s): raise canaryLoad.requestsPerSecond or --interval`,
                    "is inconclusive",
                );
            }
            return withdraw(1, line, "failed");
        }
    }
    const promoted = promoteCanary(readText(ref), app, { file: ref.file });
    try {
        await apply(promoted.text, promoted.summary);
    } catch (err) {
        return signal?.aborted ? interrupted() : withdraw(1, (err as Error).message, "failed");
    }
    io.out(`${r.stack}: ${app} runs ${digest}; commit ${ref.file}`);
    return 0;
}

/** The load the steps send: `--load-rps`/`--load-url`, else the app's `canaryLoad` with the profile's default rate, to its host. */
function loadPlan(text: string, r: Release, app: ReturnType<typeof readApp>): LoadPlan {
    const effective = canaryLoadFor(r.profile, app.canaryLoad, app.paths ?? ["/"]);
    const rps = r.options["load-rps"] === undefined ? effective.requestsPerSecond : Number(r.options["load-rps"]);
    if (!Number.isFinite(rps) || rps < 0 || rps > MAX_CANARY_LOAD_RPS) {
        throw new AppImageError(`--load-rps: expected 0 (off) to ${MAX_CANARY_LOAD_RPS} requests per second, got "${r.options["load-rps"]}"`);
    }
    const url = r.options["load-url"] ?? (rps > 0 ? `https://${appHost(text, r.app, r.ref.file)}${effective.path}` : "");
    return { url: rps > 0 ? validateLoadUrl(url) : url, requestsPerSecond: rps };
}

/** One step's wait: the load for `ms` when on, else a sleep; either ends early on a signal. */
async function wait(io: CliIo, load: LoadPlan, ms: number, weight: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    if (load.requestsPerSecond > 0) {
        io.out(`at ${weight}%: sending ${load.requestsPerSecond} requests per second to ${load.url} for ${ms / 1000}s`);
        const result = await generateLoad(load, ms, io, { signal });
        io.out(`load at ${weight}%: ${result.sent} requests, ${result.ok} answered below 500, ${result.failed} failed`);
        return;
    }
    io.out(`waiting ${ms / 1000}s at ${weight}% before the analysis (no load: canaryLoad.requestsPerSecond is 0)`);
    const aborted = signal ? new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true })) : undefined;
    await Promise.race([io.sleep(ms), ...(aborted ? [aborted] : [])]);
}

function thresholds(text: string, app: string, ref: StackFileRef): { maxErrorRatio: number; maxLatencyP95Ms: number } {
    const analysis = readApp(text, app, ref.file).canary?.analysis ?? {};
    return {
        maxErrorRatio: analysis.maxErrorRatio ?? DEFAULT_ANALYSIS.maxErrorRatio,
        maxLatencyP95Ms: analysis.maxLatencyP95Ms ?? DEFAULT_ANALYSIS.maxLatencyP95Ms,
    };
}

function figures(d: Decision, text: string, app: string, ref: StackFileRef): string {
    const t = thresholds(text, app, ref);
    return `requests ${fmt(d.requests, 0)}, error ratio ${fmt(d.errorRatio, 4)} (max ${t.maxErrorRatio}), p95 ${fmt(d.latencyP95Ms, 0)} ms (max ${t.maxLatencyP95Ms})`;
}

function whole(text: string, flag: string): number {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) {
        throw new AppImageError(`${flag}: expected a whole number, got "${text}"`);
    }
    return n;
}

const fmt = (n: number | undefined, digits: number) => (n === undefined ? "n/a" : n.toFixed(digits));

if (require.main === module) {
    // A cancelled workflow sends SIGINT, then SIGTERM: write the safe state and stop (the settle step applies it).
    const controller = new AbortController();
    for (const s of ["SIGINT", "SIGTERM"] as const) process.once(s, () => controller.abort());
    void run(process.argv.slice(2), { ...processIo(), signal: controller.signal }).then((code) => (process.exitCode = code));
}
