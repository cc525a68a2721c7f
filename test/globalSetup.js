// Jest global setup (runs once, before any test file):
// 1. Evaluates every stack file once, in two child processes side by side (one per core, in opposite
//    stack order); the suites read the results (test/shared.ts) instead of evaluating again, and the
//    render test compares the two runs byte for byte (determinism). The first also serializes the
//    Harbor dynamic provider as `pulumi up` does (test/tools/evaluateStacks.ts). A stack file that does
//    not evaluate fails the whole run here, naming the stack file (and the resource whose registration
//    failed), instead of leaving each suite to fail or pass on its own.
// 2. Says up front when promtool (the alert-rule tests' tool) is missing: `npm test` and `.ci/run`
//    run scripts/test-tools.sh first, which takes it from Debian's prometheus package.
const { spawn, spawnSync } = require("node:child_process");
const { existsSync, mkdtempSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

const ROOT = join(__dirname, "..");

function evaluateInChild(dir, args) {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", join(ROOT, "scripts", "register.js"), join(__dirname, "tools", "evaluateStacks.ts"), dir, ...args], {
            cwd: ROOT,
            stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("error", reject);
        // The child prints one line per stack file that failed (the resource, for a failed registration).
        child.on("close", (code) =>
            code === 0 ? resolve() : reject(new Error(`a stack file does not evaluate, so no test ran (exit ${code}):\n${stderr.trim()}`)),
        );
    });
}

module.exports = async () => {
    const dir = mkdtempSync(join(tmpdir(), "platform-evaluations-"));
    await Promise.all([evaluateInChild(join(dir, "a"), ["--provider-code"]), evaluateInChild(join(dir, "b"), ["--reverse"])]);
    // Workers start after this and inherit the environment.
    process.env.PLATFORM_EVALUATIONS = dir;
    if (spawnSync("sh", ["-c", "command -v promtool"]).status !== 0 && !existsSync(join(ROOT, ".cache", "tools", "promtool"))) {
        console.warn(
            "\n[setup] promtool not found: the alert-rule tests will fail. Run `sh scripts/test-tools.sh` (npm test runs it first), or see README 'Set up on a fresh machine'.",
        );
    }
};
