/**
 * Run by Jest's global setup in a child process: evaluates every stack file once and writes
 * `<dir>/<stack>.json` ({resources, outputs} or {failure}), which the suites read instead of
 * evaluating the program again (test/shared.ts). Two of these run side by side, in opposite
 * stack order, so the render test can also check that two runs give the same plan.
 * With --provider-code it also writes `<dir>/harbor-provider.json`: the Harbor dynamic provider
 * serialized by Pulumi's closure serializer, as `pulumi up` ships it (offline evaluations skip that
 * step; Jest's module sandbox would serialize Node's built-in modules by value instead of by name).
 *   node -r tsx/cjs test/tools/evaluateStacks.ts <dir> [--provider-code] <stack>...
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { harborObjectProvider } from "../../components/registry/harborProvider";
import { EvaluationError, realSerializeFunction } from "../../offline/evaluate";
import { evaluateStackFile } from "../../offline/render";

async function main(dir: string, args: string[]): Promise<void> {
    mkdirSync(dir, { recursive: true });
    process.on("unhandledRejection", () => undefined);
    const stacks = args.filter((a) => a !== "--provider-code");
    for (const stack of stacks) {
        let result: unknown;
        try {
            const { resources, outputs, stackConfig } = await evaluateStackFile(stack);
            result = { resources, outputs, stackConfig };
        } catch (err) {
            const problems = err instanceof EvaluationError ? err.problems : undefined;
            result = { failure: { message: err instanceof Error ? err.message : String(err), problems } };
        }
        writeFileSync(join(dir, `${stack}.json`), JSON.stringify(result));
    }
    if (args.includes("--provider-code")) {
        const serialized = await realSerializeFunction()(() => harborObjectProvider, { allowSecrets: true });
        writeFileSync(join(dir, "harbor-provider.json"), JSON.stringify(serialized));
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
