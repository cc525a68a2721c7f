/**
 * `npm run app:set-image -- <stack> <app> <digest | from:<stack>> [--stack-file <file>]`
 * Puts an image digest into `platform:apps[<app>].image.digest` of Pulumi.<stack>.yaml and moves the
 * digest it replaces to `previousDigest` (the rollback target) and dropping a dev `tag`, keeping
 * the file's comments and layout. `from:dev` copies the digest Pulumi.dev.yaml runs (promotion: the same image, never a
 * rebuild). Prints what changed; exit 0 also when the stack already runs that digest.
 */
import { guarded, readText, resolveDigest, stackFile, writeText } from "./lib/appCli";
import { setImageDigest } from "./lib/appStackFile";
import { CliIo, parseCli, processIo, helpRequested, type Usage } from "./lib/cliIo";

const USAGE = "usage: npm run app:set-image -- <stack> <app> <sha256:digest | from:<stack>> [--stack-file <file>]";

const HELP: Usage = {
    synopsis: "npm run app:set-image -- <stack> <app> <sha256:digest | from:<stack>> [--stack-file <file>]",
    description: "Puts an image digest into platform:apps[<app>].image.digest of Pulumi.<stack>.yaml (the replaced one becomes previousDigest).",
    exitCodes: [
        [0, "written, or the stack already runs that digest"],
        [1, "no such app, a bad digest or an unreadable stack file"],
        [2, "usage error"],
    ],
};

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
    if (helpRequested(argv, HELP, io)) return 0;
    const cli = parseCli(argv, ["--stack-file"], []);
    if (cli.unknown.length > 0 || cli.positional.length !== 3) {
        io.err([...cli.unknown, USAGE].join("\n"));
        return 2;
    }
    const [stack, app, spec] = cli.positional;
    return guarded(io, "app:set-image", async () => {
        const ref = stackFile(io, stack, cli.options["stack-file"]);
        const digest = resolveDigest(io, app, spec);
        const edit = setImageDigest(readText(ref), app, digest, { file: ref.file });
        if (edit.changed) {
            writeText(ref, edit.text);
        }
        io.out(`${ref.file}: ${edit.summary}`);
        return 0;
    });
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
