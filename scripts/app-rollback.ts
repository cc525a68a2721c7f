/**
 * `npm run app:rollback -- <stack> <app> [--no-up] [--outputs <file>] [--stack-file <file>]`
 * Redeploys an app's previous image: the stack output `apps.<app>.previousDigest` (what the last
 * deployment recorded; read with `pulumi stack output apps --json`, or from --outputs), else the
 * stack file's `previousDigest`. It becomes `image.digest` in Pulumi.<stack>.yaml (the rolled-back
 * digest becomes the previous one, any canary goes to weight 0), then `pulumi up` runs for that
 * stack with its profile's policy pack, targeted at this app's resources, unless --no-up (the
 * rollback workflow runs up itself).
 * Commit the edited stack file afterwards, or the next platform `up` redeploys the bad digest.
 */
import { readFileSync } from "node:fs";
import { guarded, readText, stackFile, writeText } from "./lib/appCli";
import { AppImageError, rollbackImage, stackProfile } from "./lib/appStackFile";
import { CliIo, parseCli, processIo, pulumiUpArgs, helpRequested, type Usage } from "./lib/cliIo";
import { appComponentUrn, appTargetArgs, projectName } from "./lib/appTarget";

const USAGE = "usage: npm run app:rollback -- <stack> <app> [--no-up] [--outputs <apps-output.json>] [--stack-file <file>]";

/** `apps` stack output: per app `{ url, image, digest, previousDigest, canary? }`. */
type AppsOutput = Record<string, { digest?: string; previousDigest?: string } | undefined>;

/** The previous digest the stack outputs recorded for `app`, if they say. */
export function previousFromOutputs(outputs: unknown, app: string): string | undefined {
    const apps = (outputs ?? {}) as AppsOutput;
    const previous = apps[app]?.previousDigest;
    return typeof previous === "string" && previous.length > 0 ? previous : undefined;
}

async function recordedOutputs(io: CliIo, stack: string, file: string | undefined): Promise<unknown> {
    if (file) {
        return JSON.parse(readFileSync(file, "utf8")) as unknown;
    }
    const res = await io.exec("pulumi", ["stack", "output", "apps", "--json", "--stack", stack], { capture: true });
    if (res.code !== 0) {
        io.err(`app:rollback: could not read stack output "apps" of ${stack} (exit ${res.code}); using the stack file's previousDigest`);
        return undefined;
    }
    return JSON.parse(res.stdout) as unknown;
}

const HELP: Usage = {
    synopsis: "npm run app:rollback -- <stack> <app> [--no-up] [--outputs <apps-output.json>] [--stack-file <file>]",
    description: [
        "Redeploys the image an app ran before its last change, in one stack.",
        "",
        "  <stack>  the stack to roll back (Pulumi.<stack>.yaml; the Pulumi stack of the same name)",
        "  <app>    the app's name (platform:apps[].name)",
        "",
        "Which digest: the stack output apps.<app>.previousDigest that the last `pulumi up` recorded",
        "(`pulumi stack output apps --json --stack <stack>`, or the file given with --outputs), else the",
        "stack file's image.previousDigest. Fails (exit 1) when neither names one.",
        "",
        "What it changes: Pulumi.<stack>.yaml, comments kept: image.digest becomes that digest, the bad one",
        "becomes image.previousDigest, and a canary in progress goes to weight 0 (all traffic to stable).",
        "Then `pulumi up --yes --skip-preview --stack <stack> --policy-pack policy",
        "--policy-pack-config policy/config.<profile>.json` (the stack's profile), unless --no-up.",
        "",
        "Needs: the Pulumi CLI, logged in to the stack's backend, and the stack's secrets provider",
        "(PULUMI_CONFIG_PASSPHRASE for a passphrase stack). Then commit the edited stack file (or merge the",
        "pull request the rollback workflow opens): the next platform `up` deploys what the file says.",
        "Without a terminal and credentials, run the `rollback` workflow instead (docs/app-delivery.md).",
        "",
        "Examples:",
        "  npm run app:rollback -- prod hello",
        "  npm run app:rollback -- prod hello --no-up     # edit the stack file only; run `pulumi up` yourself",
        "  pulumi stack output apps --json --stack prod > apps.json && npm run app:rollback -- prod hello --outputs apps.json",
    ].join("\n"),
    options: [
        ["--no-up", "edit Pulumi.<stack>.yaml only; do not run `pulumi up`"],
        ["--outputs <file>", "the stack's `apps` output as JSON, instead of asking the Pulumi CLI"],
        ["--stack-file <file>", "a stack file other than Pulumi.<stack>.yaml"],
    ],
    exitCodes: [
        [0, "rolled back (the stack file names the previous digest; `pulumi up` succeeded unless --no-up)"],
        [1, "no previous digest, the app or stack file is missing, or `pulumi up` failed (the stack file is already edited)"],
        [2, "usage error"],
    ],
};

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
    if (helpRequested(argv, HELP, io)) return 0;
    const cli = parseCli(argv, ["--outputs", "--stack-file"], ["--no-up"]);
    if (cli.unknown.length > 0 || cli.positional.length !== 2) {
        io.err([...cli.unknown, USAGE].join("\n"));
        return 2;
    }
    const [stack, app] = cli.positional;
    return guarded(io, "app:rollback", async () => {
        const ref = stackFile(io, stack, cli.options["stack-file"]);
        const text = readText(ref);
        const profile = stackProfile(text, ref.file);
        const recorded = previousFromOutputs(await recordedOutputs(io, stack, cli.options.outputs), app);
        const edit = rollbackImage(text, app, { file: ref.file, previousDigest: recorded });
        writeText(ref, edit.text);
        io.out(`${ref.file}: ${edit.summary}${recorded ? " (previous digest from the stack outputs)" : ""}`);
        if (cli.flags.has("no-up")) {
            return 0;
        }
        // This app only (--target): a rollback never redeploys the rest of the stack from the checked-out tag.
        const up = await io.exec("pulumi", [...pulumiUpArgs(stack, profile), ...appTargetArgs(appComponentUrn(projectName(io.cwd), stack, app))]);
        if (up.code !== 0) {
            throw new AppImageError(`pulumi up of ${stack} failed (exit ${up.code}); ${ref.file} already names ${edit.to}, fix and run pulumi up again`);
        }
        io.out(`${stack}: ${app} runs ${edit.to} again; commit ${ref.file}`);
        return 0;
    });
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
