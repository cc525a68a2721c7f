/**
 * `npm run app:canary -- <stack> <app> <digest | from:<stack>> [--steps 10,50,100] [--interval <s>]
 *   [--window 5m] [--kubeconfig <file> | --prometheus-url http://127.0.0.1:<port>]
 *   [--virtual-server <name>] [--canary-service <name>] [--min-requests <n>] [--stack-file <file>]`
 *
 * A canary release of one app in one stack: writes `canary: { digest, weight }` into
 * Pulumi.<stack>.yaml and runs `pulumi up` at each weight step. After each step it waits
 * `--interval` seconds, then checks the canary's error ratio and p95 latency in Prometheus against
 * the stack file's `canary.analysis` thresholds. A failed check sets the weight to 0, runs
 * `pulumi up` (automatic rollback) and exits 1. After the last step (100) the canary digest becomes
 * the stable digest (the old one `previousDigest`), `canary` is removed and `pulumi up` runs once more.
 * The edited stack file is left for the workflow to record in a pull request.
 */
import { guarded, readText, resolveDigest, stackFile, StackFileRef, writeText } from "./lib/appCli";
import { AppImageError, DEFAULT_ANALYSIS, promoteCanary, readApp, setCanaryWeight, stackProfile, startCanary } from "./lib/appStackFile";
import { analyse, CanaryTarget, httpQuerier, kubectlQuerier, parseSteps, Querier } from "./lib/canary";
import { CliIo, parseCli, processIo, pulumiUpArgs, helpRequested, type Usage } from "./lib/cliIo";
import { appComponentUrn, appTargetArgs, projectName } from "./lib/appTarget";

const USAGE =
    "usage: npm run app:canary -- <stack> <app> <sha256:digest | from:<stack>> [--steps 10,50,100] [--interval <seconds>] [--window 5m] " +
    "[--kubeconfig <file> | --prometheus-url http://127.0.0.1:<port>] [--virtual-server <name>] [--canary-service <name>] [--min-requests <n>] [--stack-file <file>]";

const HELP: Usage = {
    synopsis: "npm run app:canary -- <stack> <app> <sha256:digest | from:<stack>> (--kubeconfig <file> | --prometheus-url <url>) [--steps 10,50,100] [--interval <s>] [--window 5m] [--virtual-server <name>] [--canary-service <name>] [--min-requests <n>] [--stack-file <file>]",
    description: "A canary release of one app: raises the canary's weight step by step with `pulumi up`, checks its error ratio and p95\nlatency in Prometheus after each step, rolls back (weight 0) on a failed check, and promotes the digest after the last step.",
    exitCodes: [[0, "the canary was promoted"], [1, "a check failed (rolled back) or a step failed"], [2, "usage error"]],
};

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
    if (helpRequested(argv, HELP, io)) return 0;
    const cli = parseCli(argv, ["--steps", "--interval", "--window", "--kubeconfig", "--prometheus-url", "--virtual-server", "--canary-service", "--min-requests", "--stack-file"], []);
    if (cli.unknown.length > 0 || cli.positional.length !== 3 || (cli.options.kubeconfig === undefined) === (cli.options["prometheus-url"] === undefined)) {
        io.err([...cli.unknown, "give exactly one of --kubeconfig and --prometheus-url", USAGE].join("\n"));
        return 2;
    }
    const [stack, app, spec] = cli.positional;
    return guarded(io, "app:canary", async () => {
        const steps = parseSteps(cli.options.steps ?? "10,50,100");
        const intervalMs = seconds(cli.options.interval ?? "300", "--interval") * 1000;
        const window = cli.options.window ?? "5m";
        const minRequests = seconds(cli.options["min-requests"] ?? "20", "--min-requests");
        const ref = stackFile(io, stack, cli.options["stack-file"]);
        const digest = resolveDigest(io, app, spec);
        const before = readApp(readText(ref), app, ref.file);
        const profile = stackProfile(readText(ref), ref.file);
        const target: CanaryTarget = {
            namespace: before.namespace ?? "apps",
            virtualServer: cli.options["virtual-server"] ?? app,
            service: cli.options["canary-service"] ?? `${app}-canary`,
        };
        const query: Querier = cli.options.kubeconfig ? kubectlQuerier(io, cli.options.kubeconfig) : httpQuerier(cli.options["prometheus-url"]!);

        const apply = async (text: string, what: string) => {
            writeText(ref, text);
            io.out(`${ref.file}: ${what}; pulumi up ${stack}`);
            // This app only: the rest of the stack stays as its own deployment left it.
            const up = await io.exec("pulumi", [...pulumiUpArgs(stack, profile), ...appTargetArgs(appComponentUrn(projectName(io.cwd), stack, app))]);
            if (up.code !== 0) {
                throw new AppImageError(`pulumi up of ${stack} failed (exit ${up.code}) after: ${what}`);
            }
        };
        const abort = async (reason: string) => {
            io.err(`canary of ${app} in ${stack} failed: ${reason}`);
            io.err("rolling back: canary weight 0");
            await apply(setCanaryWeight(readText(ref), app, 0, { file: ref.file }).text, `${app}: canary weight 0 (rollback)`);
            return 1;
        };

        const start = startCanary(readText(ref), app, digest, steps[0], { file: ref.file });
        try {
            await apply(start.text, start.summary);
        } catch (err) {
            return abort((err as Error).message);
        }
        for (const [i, weight] of steps.entries()) {
            if (i > 0) {
                try {
                    await apply(setCanaryWeight(readText(ref), app, weight, { file: ref.file }).text, `${app}: canary weight ${weight}`);
                } catch (err) {
                    return abort((err as Error).message);
                }
            }
            io.out(`waiting ${intervalMs / 1000}s at ${weight}% before the analysis`);
            await io.sleep(intervalMs);
            const analysis = readApp(readText(ref), app, ref.file).canary?.analysis ?? {};
            const thresholds = {
                maxErrorRatio: analysis.maxErrorRatio ?? DEFAULT_ANALYSIS.maxErrorRatio,
                maxLatencyP95Ms: analysis.maxLatencyP95Ms ?? DEFAULT_ANALYSIS.maxLatencyP95Ms,
                minRequests,
            };
            let decision;
            try {
                decision = await analyse(query, target, window, thresholds);
            } catch (err) {
                return abort(`analysis could not run: ${(err as Error).message}`);
            }
            const figures = `requests ${fmt(decision.requests, 0)}, error ratio ${fmt(decision.errorRatio, 4)} (max ${thresholds.maxErrorRatio}), p95 ${fmt(decision.latencyP95Ms, 0)} ms (max ${thresholds.maxLatencyP95Ms})`;
            if (!decision.pass) {
                return abort(`at ${weight}%: ${decision.reasons.join("; ")} [${figures}]`);
            }
            io.out(`analysis at ${weight}% passed: ${figures}`);
        }
        const promoted = promoteCanary(readText(ref), app, { file: ref.file });
        await apply(promoted.text, promoted.summary);
        io.out(`${stack}: ${app} runs ${digest}; commit ${fileName(ref)}`);
        return 0;
    });
}

function seconds(text: string, flag: string): number {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) {
        throw new AppImageError(`${flag}: expected a whole number, got "${text}"`);
    }
    return n;
}

const fmt = (n: number | undefined, digits: number) => (n === undefined ? "n/a" : n.toFixed(digits));
const fileName = (ref: StackFileRef) => ref.file;

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
