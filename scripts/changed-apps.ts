/**
 * `npm run -s app:changed -- [<base-sha> <head-sha>]`: prints the JSON list of apps (directories
 * `apps/<name>/` with a Dockerfile and package.json) that changed between two commits, for the app
 * workflow's build matrix. Without a usable base (a new branch, a force push) every app is listed.
 */
import { changedApps, listApps } from "./lib/changedApps";
import { CliIo, processIo, helpRequested, type Usage } from "./lib/cliIo";

const SHA = /^[0-9a-f]{40}$/;

const HELP: Usage = {
    synopsis: "npm run -s app:changed -- [<base-sha> <head-sha>]",
    description: "Prints the JSON list of apps (apps/<name>/ with a Dockerfile and package.json) changed between two commits; every app without a usable base.",
    exitCodes: [
        [0, "list printed"],
        [2, "usage error"],
    ],
};

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
    if (helpRequested(argv, HELP, io)) return 0;
    const unknown = argv.filter((a) => a.startsWith("-"));
    if ((argv.length !== 0 && argv.length !== 2) || unknown.length > 0) {
        io.err([...unknown.map((a) => `unknown option ${a}`), "usage: npm run -s app:changed -- [<base-sha> <head-sha>]"].join("\n"));
        return 2;
    }
    const apps = listApps(io.cwd);
    let files: string[] | undefined;
    const [base, head] = argv;
    if (base !== undefined && SHA.test(base) && SHA.test(head) && !/^0+$/.test(base)) {
        const diff = await io.exec("git", ["diff", "--name-only", base, head], { capture: true });
        if (diff.code === 0) {
            files = diff.stdout.split("\n").filter((l) => l.length > 0);
        } else {
            io.err(`git diff ${base}..${head} failed (exit ${diff.code}): building every app`);
        }
    }
    io.out(JSON.stringify(changedApps(apps, files)));
    return 0;
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
