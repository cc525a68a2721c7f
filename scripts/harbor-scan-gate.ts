/**
 * `npm run app:scan-gate -- <registry> <project>/<repository>@<sha256:digest> [--severity critical]
 *   [--timeout <seconds>] [--poll <seconds>]`
 * Waits for Harbor's scan of a pushed image and exits 1 when it has vulnerabilities of that
 * severity or above with a fix available (or the scan fails or never comes). `<registry>` is the
 * Harbor host or URL; the credentials come from HARBOR_USERNAME and HARBOR_PASSWORD (the app's robot),
 * never from the command line.
 */
import { scanGate, GateSeverity } from "./lib/harborScan";
import { CliIo, parseCli, processIo, helpRequested, type Usage } from "./lib/cliIo";

const USAGE = "usage: npm run app:scan-gate -- <registry> <project>/<repository>@<sha256:digest> [--severity low|medium|high|critical] [--timeout <s>] [--poll <s>]";
const SEVERITIES: GateSeverity[] = ["low", "medium", "high", "critical"];

const HELP: Usage = {
    synopsis: "npm run app:scan-gate -- <registry> <project>/<repository>@<sha256:digest> [--severity low|medium|high|critical] [--timeout <s>] [--poll <s>]",
    description: "Waits for Harbor's scan of a pushed image and fails when it has fixable vulnerabilities of that severity or above.\nCredentials come from HARBOR_USERNAME and HARBOR_PASSWORD.",
    exitCodes: [[0, "the scan passed"], [1, "vulnerabilities found, the scan failed or timed out"], [2, "usage error or missing credentials"]],
};

export async function run(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
    if (helpRequested(argv, HELP, io)) return 0;
    const cli = parseCli(argv, ["--severity", "--timeout", "--poll"], []);
    const ref = /^([a-z0-9]+(?:[._-][a-z0-9]+)*)\/([a-z0-9][a-z0-9._/-]*)@(sha256:[a-f0-9]{64})$/.exec(cli.positional[1] ?? "");
    const severity = (cli.options.severity ?? "critical") as GateSeverity;
    const timeout = Number(cli.options.timeout ?? "600");
    const poll = Number(cli.options.poll ?? "10");
    const problems = [
        ...cli.unknown,
        ...(cli.positional.length !== 2 ? ["expected <registry> and <project>/<repository>@<digest>"] : []),
        ...(cli.positional.length === 2 && !ref ? [`image: expected <project>/<repository>@sha256:<64 hex>, got "${cli.positional[1]}"`] : []),
        ...(!SEVERITIES.includes(severity) ? [`--severity: expected one of ${SEVERITIES.join(", ")}, got "${severity}"`] : []),
        ...(!(timeout > 0) || !(poll > 0) ? ["--timeout and --poll: expected positive numbers of seconds"] : []),
        ...(!env.HARBOR_USERNAME || !env.HARBOR_PASSWORD ? ["HARBOR_USERNAME and HARBOR_PASSWORD must be set (the app's Harbor robot)"] : []),
    ];
    if (problems.length > 0 || !ref) {
        io.err([...problems, USAGE].join("\n"));
        return 2;
    }
    const registry = cli.positional[0];
    const url = /^https?:\/\//.test(registry) ? registry : `https://${registry}`;
    try {
        const result = await scanGate(
            { url, username: env.HARBOR_USERNAME!, password: env.HARBOR_PASSWORD!, attempts: 3, retryDelayMs: poll * 1000 },
            { project: ref[1], repository: ref[2], digest: ref[3], severity, timeoutMs: timeout * 1000, pollMs: poll * 1000, sleep: io.sleep, now: io.now },
        );
        (result.pass ? io.out : io.err)(result.message);
        return result.pass ? 0 : 1;
    } catch (err) {
        io.err(`app:scan-gate: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
    }
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
