/**
 * Run by Jest's global setup in a child process: evaluates every stack file (test/shared.ts
 * stackNames, in reverse with --reverse) once and writes
 * `<dir>/<stack>.json` ({resources, outputs, stackConfig, flows, network} or {failure}), which the suites read instead of
 * evaluating the program again (test/shared.ts). A stack that does not evaluate (invalid config, a
 * failed registration such as an `apply` that throws, an unhandled rejection) makes it exit 1 with
 * one line per failing stack naming the stack file and, for a registration, the resource: the global
 * setup then fails the whole run with those lines. Two of these run side by side, in opposite
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
import { evaluateStackFile, type StackFileEvaluation } from "../../offline/render";
import { stackNames } from "../shared";

async function main(dir: string, args: string[]): Promise<string[]> {
    const failures = await evaluateStacks(dir, args.includes("--reverse") ? stackNames().reverse() : stackNames());
    if (failures.length === 0 && args.includes("--provider-code")) {
        const { harborObjectProvider } = loadCompiledAsPulumiUpDoes("components/registry/harborProvider.ts") as { harborObjectProvider: ResourceProvider };
        const serialized = await realSerializeFunction()(() => harborObjectProvider, { allowSecrets: true });
        writeFileSync(join(dir, "harbor-provider.json"), JSON.stringify(serialized));
    }
    return failures;
}

/**
 * Evaluates the stacks one after the other into `<dir>/<stack>.json`; returns one line per stack that
 * failed (`evaluateOne` is the render's own evaluation; tests pass another program).
 */
export async function evaluateStacks(
    dir: string,
    stacks: readonly string[],
    evaluateOne: (
        stack: string,
    ) => Promise<
        Pick<StackFileEvaluation, "resources" | "outputs" | "stackConfig"> & Partial<Pick<StackFileEvaluation, "flows" | "network">>
    > = evaluateStackFile,
): Promise<string[]> {
    mkdirSync(dir, { recursive: true });
    // `pulumi up` fails the program on an unhandled rejection (@pulumi/pulumi 3.248.0 cmd/run/run.js
    // uncaughtHandler): the evaluation of the stack it happened in fails here too.
    const rejections: unknown[] = [];
    process.on("unhandledRejection", (error) => rejections.push(error));
    const failures: string[] = [];
    for (const stack of stacks) {
        rejections.length = 0;
        let result: unknown;
        let stop = false;
        try {
            const { resources, outputs, stackConfig, flows, network } = await evaluateOne(stack);
            if (rejections.length > 0) throw new Error(`unhandled rejection: ${message(rejections[0])}`, { cause: rejections[0] });
            result = { resources, outputs, stackConfig, flows, network };
        } catch (err) {
            const problems = err instanceof EvaluationError ? err.problems : undefined;
            result = { failure: { message: message(err), problems } };
            failures.push(`Pulumi.${stack}.yaml: ${problems ? problems.join("; ") : message(err)}`);
            // What waited on a failed registration stays pending in this process's Pulumi runtime,
            // and the next evaluation would wait for it: stop at the first program error.
            stop = problems === undefined;
        }
        writeFileSync(join(dir, `${stack}.json`), JSON.stringify(result));
        if (stop) {
            failures.push("(the stack files after it were not evaluated)");
            return failures;
        }
    }
    return failures;
}

function message(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/** A fresh copy of a project module and its project imports, each compiled by TypeScript with tsconfig.json. */
function loadCompiledAsPulumiUpDoes(file: string): unknown {
    const root = join(__dirname, "..", "..");
    const tsconfig = ts.getParsedCommandLineOfConfigFile(
        join(root, "tsconfig.json"),
        {},
        {
            ...ts.sys,
            onUnRecoverableConfigFileDiagnostic: (d) => {
                throw new Error(String(d.messageText));
            },
        },
    );
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

if (require.main === module) {
    const [dir, ...args] = process.argv.slice(2);
    void main(dir, args).then(
        (failures) => {
            if (failures.length > 0) {
                console.error(failures.join("\n"));
            }
            process.exit(failures.length > 0 ? 1 : 0);
        },
        (err: unknown) => {
            console.error(err);
            process.exit(1);
        },
    );
}
