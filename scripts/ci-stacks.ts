/**
 * `npm run -s ci:stacks -- [--stack <name>] [--github-output]`: the stacks the workflows run, with each
 * one's lane, GitHub environment and passphrase secret name, derived from the stack files by the
 * convention in scripts/lib/ciStacks.ts (docs/delivery.md). The workflows read their matrices from it,
 * so a new Pulumi.<name>.yaml needs no workflow edit.
 */
import { join } from "node:path";
import { CiStack, ciStacks, CiStackError, OWNED_ELSEWHERE } from "./lib/ciStacks";
import { type LineIo, parseCommand, processIo, type Usage } from "./lib/cliIo";

const USAGE: Usage = {
    synopsis: "npm run -s ci:stacks -- [--stack <name>] [--github-output]",
    description: [
        "Lists the stacks the workflows run (every Pulumi.<stack>.yaml but e2e) as JSON: lane (the stack's",
        "platform:profile), deployment environment, preview environment, passphrase secret name, and for the prod",
        "lane the stack a promotion copies from. Convention and examples: docs/delivery.md, 'Stacks, environments",
        "and secrets'.",
    ].join("\n"),
    options: [
        ["--stack <name>", "one stack only (exit 1 when the workflows do not run it)"],
        [
            "--github-output",
            "key=value lines for $GITHUB_OUTPUT: dev, prod (matrices) and dev-count, prod-count; with --stack: stack, lane, environment, passphrase",
        ],
    ],
    exitCodes: [
        [0, "printed"],
        [1, "a stack file the convention cannot place, or --stack names no such stack"],
        [2, "usage error"],
    ],
};

const matrix = (stacks: readonly CiStack[]) => JSON.stringify({ include: stacks });

export async function run(argv: readonly string[], io: LineIo, projectDir = join(__dirname, "..")): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, options: ["--stack"], flags: ["--github-output"], positional: 0 }, io);
    if (typeof cli === "number") return cli;
    let stacks: CiStack[];
    try {
        stacks = ciStacks(projectDir);
    } catch (err) {
        if (!(err instanceof CiStackError)) throw err;
        io.err(`ci:stacks: ${err.message}`);
        return 1;
    }
    const github = cli.flags.has("github-output");
    const name = cli.options.stack;
    if (name !== undefined) {
        const one = stacks.find((s) => s.stack === name);
        if (one === undefined) {
            const elsewhere = OWNED_ELSEWHERE[name];
            io.err(
                `ci:stacks: ${elsewhere ? `${name} is run by ${elsewhere} only` : `no stack ${JSON.stringify(name)}`}; expected one of: ${stacks.map((s) => s.stack).join(", ")}`,
            );
            return 1;
        }
        io.out(
            github
                ? [`stack=${one.stack}`, `lane=${one.lane}`, `environment=${one.environment}`, `passphrase=${one.passphrase}`].join("\n")
                : JSON.stringify(one),
        );
        return 0;
    }
    if (!github) {
        io.out(JSON.stringify(stacks, null, 1));
        return 0;
    }
    const dev = stacks.filter((s) => s.lane === "dev");
    const prod = stacks.filter((s) => s.lane === "prod");
    io.out([`dev=${matrix(dev)}`, `prod=${matrix(prod)}`, `dev-count=${dev.length}`, `prod-count=${prod.length}`].join("\n"));
    return 0;
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
