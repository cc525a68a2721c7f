/**
 * What the delivery CLIs (`run(argv, io)`) touch outside their own logic: output lines, the
 * directory stack files are resolved against, child processes and the clock. Tests pass fakes;
 * `processIo()` is the real thing.
 */
import { spawn } from "node:child_process";

export interface ExecResult {
    readonly code: number;
    readonly stdout: string;
}

export interface CliIo {
    /** Directory holding Pulumi.<stack>.yaml. */
    readonly cwd: string;
    out(line: string): void;
    err(line: string): void;
    /**
     * Runs a command without a shell. `capture`: return stdout instead of streaming it (stderr is
     * always passed through, so a failing `pulumi up` shows why).
     */
    exec(command: string, args: readonly string[], opts?: { capture?: boolean }): Promise<ExecResult>;
    sleep(ms: number): Promise<void>;
    /** Milliseconds since the epoch. */
    now(): number;
}

export function processIo(cwd = process.cwd()): CliIo {
    return {
        cwd,
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
        exec: (command, args, opts = {}) =>
            new Promise((resolve) => {
                const child = spawn(command, [...args], { cwd, stdio: ["ignore", opts.capture ? "pipe" : "inherit", "inherit"] });
                const chunks: Buffer[] = [];
                child.stdout?.on("data", (c: Buffer) => chunks.push(c));
                child.on("error", (err) => {
                    process.stderr.write(`${command}: ${err.message}\n`);
                    resolve({ code: 127, stdout: "" });
                });
                child.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(chunks).toString("utf8") }));
            }),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        now: () => Date.now(),
    };
}

/** Splits `--name value` options and `--flag` switches from positional arguments. */
export function parseCli(argv: readonly string[], options: readonly string[], flags: readonly string[]): { positional: string[]; options: Record<string, string>; flags: Set<string>; unknown: string[] } {
    const positional: string[] = [];
    const values: Record<string, string> = {};
    const set = new Set<string>();
    const unknown: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (options.includes(arg)) {
            const value = argv[i + 1];
            if (value === undefined || value.startsWith("--")) {
                unknown.push(`${arg} needs a value`);
            } else {
                values[arg.slice(2)] = value;
                i++;
            }
        } else if (flags.includes(arg)) {
            set.add(arg.slice(2));
        } else if (arg.startsWith("--")) {
            unknown.push(`unknown option ${arg}`);
        } else {
            positional.push(arg);
        }
    }
    return { positional, options: values, flags: set, unknown };
}

/** `pulumi up` for one stack with the policy pack config of its profile, as the up workflow runs it. */
export function pulumiUpArgs(stack: string, profile: "dev" | "prod"): string[] {
    return ["up", "--yes", "--skip-preview", "--stack", stack, "--policy-pack", "policy", "--policy-pack-config", `policy/config.${profile}.json`];
}
