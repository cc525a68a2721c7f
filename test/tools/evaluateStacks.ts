/**
 * Run by Jest's global setup in a child process: evaluates every stack file (test/shared.ts
 * stackNames, in reverse with --reverse) once and writes
 * `<dir>/<stack>.json` ({resources, outputs, stackConfig, flows, network} or {failure}), which the suites read instead of
 * evaluating the program again (test/shared.ts). Two of these run side by side, in opposite
 * stack order, so the render test can also check that two runs give the same plan.
 * With --provider-code it also writes `<dir>/harbor-provider.json`: the Harbor dynamic provider
 * serialized by Pulumi's closure serializer, as `pulumi up` ships it (offline evaluations skip that
 * step). `pulumi up` compiles the program with TypeScript's own emit (through ts-node, @pulumi/pulumi
 * 3.248.0 cmd/run/run.js and tsutils.js, with the project's typescript and tsconfig.json), and what
 * the serializer writes depends on that emit (it recognises TypeScript's `__importStar` wrapper around
 * a Node module, not SWC's), so the provider's modules are loaded afresh, compiled that way. Jest's
 * module sandbox would copy Node's own modules by value: hence here, in a plain Node process.
 *   node -r ./scripts/register.js test/tools/evaluateStacks.ts <dir> [--reverse] [--provider-code]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";
import * as ts from "typescript";
import { EvaluationError, realSerializeFunction } from "../../offline/evaluate";
import { evaluateStackFile } from "../../offline/render";
import { stackNames } from "../shared";

async function main(dir: string, args: string[]): Promise<void> {
    mkdirSync(dir, { recursive: true });
    process.on("unhandledRejection", () => undefined);
    const stacks = args.includes("--reverse") ? stackNames().reverse() : stackNames();
    for (const stack of stacks) {
        let result: unknown;
        try {
            const { resources, outputs, stackConfig, flows, network } = await evaluateStackFile(stack);
            result = { resources, outputs, stackConfig, flows, network };
        } catch (err) {
            const problems = err instanceof EvaluationError ? err.problems : undefined;
            result = { failure: { message: err instanceof Error ? err.message : String(err), problems } };
        }
        writeFileSync(join(dir, `${stack}.json`), JSON.stringify(result));
    }
    if (args.includes("--provider-code")) {
        const { harborObjectProvider } = loadCompiledAsPulumiUpDoes("components/registry/harborProvider.ts") as { harborObjectProvider: ResourceProvider };
        const serialized = await realSerializeFunction()(() => harborObjectProvider, { allowSecrets: true });
        writeFileSync(join(dir, "harbor-provider.json"), JSON.stringify(serialized));
    }
}

/** A fresh copy of a project module and its project imports, each compiled by TypeScript with tsconfig.json. */
function loadCompiledAsPulumiUpDoes(file: string): unknown {
    const root = join(__dirname, "..", "..");
    const tsconfig = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } });
    if (!tsconfig) {
        throw new Error("tsconfig.json does not parse");
    }
    const project = (key: string) => key.startsWith(root) && !key.includes("node_modules");
    for (const key of Object.keys(require.cache).filter(project)) {
        delete require.cache[key];
    }
    const extensions = require.extensions as Record<string, (module: NodeJS.Module & { _compile(code: string, file: string): void }, file: string) => void>;
    const swc = extensions[".ts"];
    extensions[".ts"] = (module, filename) => {
        module._compile(ts.transpileModule(readFileSync(filename, "utf8"), { compilerOptions: tsconfig.options, fileName: filename }).outputText, filename);
    };
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(join(root, file));
    } finally {
        extensions[".ts"] = swc;
    }
}

const [dir, ...args] = process.argv.slice(2);
main(dir, args).then(
    () => process.exit(0),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
