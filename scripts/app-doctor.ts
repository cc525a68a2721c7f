/**
 * `npm run app:doctor -- <app>`: checks offline what shipping one app needs (its source under
 * apps/<app>, its entry in every stack file the delivery workflows use, the CI robot, placeholders,
 * certificates and addresses runners need) and lists what only GitHub and the network can show.
 * The checklist it follows: docs/app-delivery.md, "Checklist: ship an app".
 */
import { join } from "node:path";
import { appDoctor } from "./lib/appDoctor";
import { CiStackError } from "./lib/ciStacks";
import { type LineIo, parseCommand, processIo, type Usage } from "./lib/cliIo";

const USAGE: Usage = {
    synopsis: "npm run app:doctor -- <app>",
    description: [
        "Checks offline what shipping <app> (a platform:apps name) needs, in the order of docs/app-delivery.md,",
        "'Checklist: ship an app': apps/<app>/ (Dockerfile, package.json, lockfile, tests), then the dev stack the",
        "app workflow publishes to and every prod-profile stack promotion reaches (the stack validates, declares the",
        "app, its CI robot may push to the app's project, placeholder digests, certificates and addresses GitHub's",
        "runners cannot use). Then lists what it cannot see offline: GitHub environments and secrets, runners.",
    ].join("\n"),
    exitCodes: [
        [0, "nothing failed (warnings may remain; the last section is yours to check)"],
        [1, "a check failed, or a stack file the workflows cannot place"],
        [2, "usage error"],
    ],
};

export async function run(argv: readonly string[], io: LineIo, projectDir = join(__dirname, "..")): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, positional: 1 }, io);
    if (typeof cli === "number") return cli;
    const [app] = cli.positional;
    let report: ReturnType<typeof appDoctor>;
    try {
        report = appDoctor(projectDir, app);
    } catch (err) {
        if (!(err instanceof CiStackError)) throw err;
        io.err(`app:doctor: ${err.message}`);
        return 1;
    }
    for (const section of report.sections) {
        io.out(section.title);
        for (const f of section.findings) io.out(`  ${f.verdict.padEnd(4)}  ${f.text}`);
        io.out("");
    }
    io.out("check yourself (not visible offline):");
    for (const line of report.checkYourself) io.out(`  - ${line}`);
    const failed = report.sections.flatMap((s) => s.findings).filter((f) => f.verdict === "FAIL").length;
    const warned = report.sections.flatMap((s) => s.findings).filter((f) => f.verdict === "warn").length;
    io.out("");
    io.out(`${failed} failed, ${warned} warning(s)`);
    return failed > 0 ? 1 : 0;
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
