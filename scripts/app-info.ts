/**
 * `npm run -s app:info -- <stack> <app> [--field <name>] [--stack-file <file>]`: what the stack file
 * says about one app's image (registry host, project, repository, digest, previousDigest, canary) as
 * JSON, or one field as plain text. The workflows read the image name from here, and `urn`: the app
 * component's URN, which promotion and rollback target so that `pulumi up` changes this app only.
 */
import { guarded, readText, stackFile } from "./lib/appCli";
import { AppImageError, readApp, registryHost } from "./lib/appStackFile";
import { appComponentUrn, projectName } from "./lib/appTarget";
import { CliIo, parseCli, processIo, helpRequested, type Usage } from "./lib/cliIo";

const FIELDS = ["registry", "namespace", "project", "repository", "digest", "tag", "previousDigest", "urn"] as const;

const HELP: Usage = {
    synopsis: "npm run -s app:info -- <stack> <app> [--field <name>] [--stack-file <file>]",
    description: "Prints what the stack file says about one app's image as JSON, or one field as plain text.",
    exitCodes: [
        [0, "printed"],
        [1, "no such app or field, or an unreadable stack file"],
        [2, "usage error"],
    ],
};

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
    if (helpRequested(argv, HELP, io)) return 0;
    const cli = parseCli(argv, ["--field", "--stack-file"], []);
    if (cli.unknown.length > 0 || cli.positional.length !== 2) {
        io.err([...cli.unknown, "usage: npm run -s app:info -- <stack> <app> [--field <name>] [--stack-file <file>]"].join("\n"));
        return 2;
    }
    const [stack, app] = cli.positional;
    return guarded(io, "app:info", async () => {
        const ref = stackFile(io, stack, cli.options["stack-file"]);
        const text = readText(ref);
        const info = { registry: registryHost(text, ref.file), ...readApp(text, app, ref.file), urn: appComponentUrn(projectName(io.cwd), stack, app) };
        const field = cli.options.field;
        if (field === undefined) {
            io.out(JSON.stringify(info));
            return 0;
        }
        if (!(FIELDS as readonly string[]).includes(field)) {
            throw new AppImageError(`--field: expected one of ${FIELDS.join(", ")}, got "${field}"`);
        }
        const value = info[field as (typeof FIELDS)[number]];
        if (value === undefined) {
            throw new AppImageError(`${ref.file}: platform:apps[${app}].${field === "namespace" ? "" : "image."}${field} is not set`);
        }
        io.out(value);
        return 0;
    });
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
