/**
 * `npm run app:scan-gate -- <registry> <project>/<repository>@<sha256:digest>
 *   (--policy-of <stack> | --policy-for-app <app> | --severity <s>) [--timeout <seconds>] [--poll <seconds>]`
 * Waits for Harbor's scan of a pushed image and exits 1 when it has a vulnerability at or above the
 * severity the image's Harbor project blocks (`platform:harbor.projects[].preventVulnerable.severity`,
 * the setting Harbor itself enforces on pulls): that of one stack (`--policy-of`, promotion into it),
 * or the strictest of every stack file that runs the app (`--policy-for-app`, CI before any stack
 * runs it). Also exits 1 when the scan fails or never comes. `<registry>` is the Harbor host or URL;
 * the credentials come from HARBOR_USERNAME and HARBOR_PASSWORD (a robot), never from the command line.
 */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { scanGate, GateSeverity } from "./lib/harborScan";
import { appSeverity, projectSeverity } from "./lib/scanPolicy";
import { stackFile } from "./lib/appCli";
import { CliIo, parseCli, processIo, helpRequested, type Usage } from "./lib/cliIo";

const SYNOPSIS =
    "npm run app:scan-gate -- <registry> <project>/<repository>@<sha256:digest> (--policy-of <stack> | --policy-for-app <app> | --severity low|medium|high|critical) [--timeout <s>] [--poll <s>]";
const USAGE = `usage: ${SYNOPSIS}`;
const SEVERITIES: GateSeverity[] = ["low", "medium", "high", "critical"];

const HELP: Usage = {
    synopsis: SYNOPSIS,
    description:
        "Waits for Harbor's scan of a pushed image and fails on a vulnerability at or above the severity its Harbor project blocks (preventVulnerable.severity in the stack file: one stack's, or the strictest of the stacks that run the app).\nCredentials come from HARBOR_USERNAME and HARBOR_PASSWORD.",
    exitCodes: [
        [0, "the scan passed"],
        [1, "a blocked vulnerability, a failed scan, a timeout, or an unreadable stack file"],
        [2, "usage error or missing credentials"],
    ],
};

export async function run(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
    if (helpRequested(argv, HELP, io)) return 0;
    const cli = parseCli(argv, ["--severity", "--policy-of", "--policy-for-app", "--timeout", "--poll"], []);
    const ref = /^([a-z0-9]+(?:[._-][a-z0-9]+)*)\/([a-z0-9][a-z0-9._/-]*)@(sha256:[a-f0-9]{64})$/.exec(cli.positional[1] ?? "");
    const sources = (["severity", "policy-of", "policy-for-app"] as const).filter((k) => cli.options[k] !== undefined);
    const timeout = Number(cli.options.timeout ?? "600");
    const poll = Number(cli.options.poll ?? "10");
    const problems = [
        ...cli.unknown,
        ...(cli.positional.length !== 2 ? ["expected <registry> and <project>/<repository>@<digest>"] : []),
        ...(cli.positional.length === 2 && !ref ? [`image: expected <project>/<repository>@sha256:<64 hex>, got "${cli.positional[1]}"`] : []),
        ...(sources.length !== 1 ? ["give exactly one of --policy-of <stack>, --policy-for-app <app> and --severity <s>"] : []),
        ...(cli.options.severity !== undefined && !SEVERITIES.includes(cli.options.severity as GateSeverity)
            ? [`--severity: expected one of ${SEVERITIES.join(", ")}, got "${cli.options.severity}"`]
            : []),
        ...(!(timeout > 0) || !(poll > 0) ? ["--timeout and --poll: expected positive numbers of seconds"] : []),
        ...(!env.HARBOR_USERNAME || !env.HARBOR_PASSWORD ? ["HARBOR_USERNAME and HARBOR_PASSWORD must be set (a Harbor robot of the project)"] : []),
    ];
    if (problems.length > 0 || !ref) {
        io.err([...problems, USAGE].join("\n"));
        return 2;
    }
    const registry = cli.positional[0];
    const url = /^https?:\/\//.test(registry) ? registry : `https://${registry}`;
    try {
        const severity = resolveSeverity(io, ref[1], cli.options);
        io.out(`${ref[0]}: ${severity.why}`);
        const result = await scanGate(
            { url, username: env.HARBOR_USERNAME!, password: env.HARBOR_PASSWORD!, attempts: 3, retryDelayMs: poll * 1000 },
            {
                project: ref[1],
                repository: ref[2],
                digest: ref[3],
                severity: severity.severity,
                timeoutMs: timeout * 1000,
                pollMs: poll * 1000,
                sleep: io.sleep,
                now: io.now,
            },
        );
        (result.pass ? io.out : io.err)(result.message);
        return result.pass ? 0 : 1;
    } catch (err) {
        io.err(`app:scan-gate: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
    }
}

/** The severity to gate at, and where it comes from (printed, so a run shows which setting decided). */
function resolveSeverity(io: CliIo, project: string, options: Record<string, string | undefined>): { severity?: GateSeverity; why: string } {
    if (options.severity !== undefined) {
        return { severity: options.severity as GateSeverity, why: `gating at ${options.severity} (--severity)` };
    }
    if (options["policy-of"] !== undefined) {
        const ref = stackFile(io, options["policy-of"]);
        const severity = projectSeverity(readFileSync(ref.path, "utf8"), project, ref.file);
        return {
            severity,
            why: severity
                ? `gating at ${severity}: ${ref.file} platform:harbor.projects[${project}].preventVulnerable.severity`
                : `${ref.file} blocks no vulnerabilities in project ${project}: waiting for the scan only`,
        };
    }
    const app = options["policy-for-app"]!;
    const found = appSeverity(join(io.cwd), app);
    return {
        severity: found.severity,
        why: found.severity
            ? `gating at ${found.severity}: the strictest preventVulnerable.severity of the stacks that run ${app} (${found.stacks.map((s) => `Pulumi.${s}.yaml`).join(", ")})`
            : `no stack that runs ${app} blocks vulnerable images: waiting for the scan only`,
    };
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
