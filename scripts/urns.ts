/**
 * `npm run urns -- <stack>...`: writes test/fixtures/urns/<stack>.txt, the URNs of each stack file's
 * evaluation (offline/urns.ts), which test/cli/urns.test.ts compares every run against. Regenerate
 * only after an intended change of resource types or names, aliased where a resource must survive.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { evaluateStackFile } from "../offline/render";
import { stackUrns, urnFixturePath } from "../offline/urns";
import { type LineIo, parseCommand, processIo, type Usage } from "./lib/cliIo";

const USAGE: Usage = {
    synopsis: "npm run urns -- <stack>...",
    description: "Evaluates each Pulumi.<stack>.yaml under the mocks and writes its URNs to test/fixtures/urns/<stack>.txt.",
    exitCodes: [
        [0, "URN lists written"],
        [1, "a stack file is missing or does not evaluate"],
        [2, "usage error"],
    ],
};

export async function run(argv: readonly string[], io: LineIo): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, positional: [1, Infinity] }, io);
    if (typeof cli === "number") return cli;
    const projectDir = resolve(__dirname, "..");
    try {
        for (const stack of cli.positional) {
            const { project, resources } = await evaluateStackFile(stack);
            const urns = stackUrns(stack, project, resources);
            const file = urnFixturePath(projectDir, stack);
            mkdirSync(dirname(file), { recursive: true });
            writeFileSync(file, `${urns.join("\n")}\n`);
            io.out(`${stack}: ${urns.length} URNs -> ${file}`);
        }
        return 0;
    } catch (err) {
        io.err(`urns: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
    }
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
