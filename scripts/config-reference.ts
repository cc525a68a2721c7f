/** `npm run docs:config`: rewrites README.md's configuration reference from the schema. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withReference } from "../offline/configReference";
import { type LineIo, parseCommand, processIo, type Usage } from "./lib/cliIo";

const USAGE: Usage = {
    synopsis: "npm run docs:config",
    description: "Rewrites the configuration reference in README.md from the config schema.",
    exitCodes: [
        [0, "reference rewritten"],
        [2, "usage error"],
    ],
};

export async function run(argv: readonly string[], io: LineIo): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, positional: 0 }, io);
    if (typeof cli === "number") return cli;
    const readme = join(__dirname, "..", "README.md");
    writeFileSync(readme, withReference(readFileSync(readme, "utf8")));
    io.out(`updated the configuration reference in ${readme}`);
    return 0;
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
