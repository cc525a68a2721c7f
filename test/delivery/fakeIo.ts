/**
 * A CliIo for the delivery CLIs' tests: a temporary project directory holding copies of stack
 * files, captured output, and a recorded `exec` whose answers the test scripts.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIo, ExecResult } from "../../scripts/lib/cliIo";

export const FIXTURE = join(__dirname, "..", "fixtures", "apps-stack.yaml");

export interface FakeIo extends CliIo {
    readonly stdout: string[];
    readonly stderr: string[];
    readonly calls: string[];
    readonly slept: number[];
    file(stack: string): string;
}

/** `files`: stack name -> source file (copied into the temp dir as Pulumi.<stack>.yaml). */
export function fakeIo(
    files: Record<string, string>,
    exec: (command: string, args: readonly string[]) => ExecResult | Promise<ExecResult> = () => ({ code: 0, stdout: "" }),
): FakeIo {
    const cwd = mkdtempSync(join(tmpdir(), "delivery-"));
    // The project file, as in a checkout: the CLIs name the project in the URNs they target.
    copyFileSync(join(__dirname, "..", "..", "Pulumi.yaml"), join(cwd, "Pulumi.yaml"));
    for (const [stack, source] of Object.entries(files)) {
        copyFileSync(source, join(cwd, `Pulumi.${stack}.yaml`));
    }
    const stdout: string[] = [];
    const stderr: string[] = [];
    const calls: string[] = [];
    const slept: number[] = [];
    // A clock that moves only when the code under test sleeps.
    let clock = Date.UTC(2026, 11, 2);
    return {
        cwd,
        stdout,
        stderr,
        calls,
        slept,
        out: (line) => stdout.push(line),
        err: (line) => stderr.push(line),
        exec: async (command, args) => {
            calls.push([command, ...args].join(" "));
            return exec(command, args);
        },
        sleep: async (ms) => {
            slept.push(ms);
            clock += ms;
        },
        now: () => clock,
        file: (stack) => readFileSync(join(cwd, `Pulumi.${stack}.yaml`), "utf8"),
    };
}

/** Writes a stack file from text into a fake io's directory. */
export function writeStack(io: FakeIo, stack: string, text: string): void {
    writeFileSync(join(io.cwd, `Pulumi.${stack}.yaml`), text);
}

export const digest = (c: string) => `sha256:${c.repeat(64)}`;
