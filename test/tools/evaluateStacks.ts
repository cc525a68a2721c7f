/**
 * Run by Jest's global setup in a child process: evaluates every stack file once and writes
 * `<dir>/<stack>.json` ({resources, outputs} or {failure}), which the suites read instead of
 * evaluating the program again (test/shared.ts). Two of these run side by side, in opposite
 * stack order, so the render test can also check that two runs give the same plan.
 *   node -r tsx/cjs test/tools/evaluateStacks.ts <dir> <stack>...
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EvaluationError } from "../../offline/evaluate";
import { evaluateStackFile } from "../../offline/render";

async function main(dir: string, stacks: string[]): Promise<void> {
    mkdirSync(dir, { recursive: true });
    process.on("unhandledRejection", () => undefined);
    for (const stack of stacks) {
        let result: unknown;
        try {
            const { resources, outputs, stackConfig } = await evaluateStackFile(stack, { load: freshProgram });
            result = { resources, outputs, stackConfig };
        } catch (err) {
            const problems = err instanceof EvaluationError ? err.problems : undefined;
            result = { failure: { message: err instanceof Error ? err.message : String(err), problems } };
        }
        writeFileSync(join(dir, `${stack}.json`), JSON.stringify(result));
    }
}

/** index.ts and the project's modules afresh, so each stack is evaluated as by its own `pulumi up`. */
function freshProgram(): unknown {
    const root = join(__dirname, "..", "..");
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(root) && !key.includes("node_modules") && !key.includes(join("test", "tools"))) {
            delete require.cache[key];
        }
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(join(root, "index.ts"));
}

const [dir, ...stacks] = process.argv.slice(2);
main(dir, stacks).then(
    () => process.exit(0),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
