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
export function parseCli(
    argv: readonly string[],
    options: readonly string[],
    flags: readonly string[],
): { positional: string[]; options: Record<string, string>; flags: Set<string>; unknown: string[] } {
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

/** The two output streams every CLI writes to (a `CliIo` is one). */
export type LineIo = Pick<CliIo, "out" | "err">;

/** What `--help` prints: synopsis, what it does, options, exit codes. */
export interface Usage {
    /** `npm run x -- <args> [options]` */
    readonly synopsis: string;
    readonly description: string;
    readonly options?: readonly (readonly [string, string])[];
    readonly exitCodes: readonly (readonly [number, string])[];
}

function usageText(u: Usage): string {
    const width = Math.max(0, ...(u.options ?? []).map(([o]) => o.length));
    return [
        `usage: ${u.synopsis}`,
        "",
        u.description,
        ...(u.options && u.options.length > 0 ? ["", "Options:", ...u.options.map(([o, d]) => `  ${o.padEnd(width)}  ${d}`)] : []),
        "",
        "Exit codes:",
        ...u.exitCodes.map(([code, meaning]) => `  ${code}  ${meaning}`),
    ].join("\n");
}

export interface CommandSpec {
    readonly usage: Usage;
    /** `--name value` options. */
    readonly options?: readonly string[];
    /** `--flag` switches. */
    readonly flags?: readonly string[];
    /** How many positional arguments: exactly n, or [min, max]. */
    readonly positional: number | readonly [number, number];
}

export type ParsedCommand = ReturnType<typeof parseCli>;

/**
 * Parses a CLI's arguments the one shared way: `--help`/`-h` prints the usage (exit 0); an unknown
 * option, a missing value or a wrong number of arguments prints what is wrong and the synopsis
 * (exit 2). Returns the parsed arguments, or the exit code when the CLI should stop.
 */
export function parseCommand(argv: readonly string[], spec: CommandSpec, io: LineIo): ParsedCommand | number {
    if (argv.includes("--help") || argv.includes("-h")) {
        io.out(usageText(spec.usage));
        return 0;
    }
    const cli = parseCli(argv, spec.options ?? [], spec.flags ?? []);
    const [min, max] = typeof spec.positional === "number" ? [spec.positional, spec.positional] : spec.positional;
    const problems = [...cli.unknown];
    if (cli.positional.length < min || cli.positional.length > max) {
        problems.push(`expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? "" : "s"}, got ${cli.positional.length}`);
    }
    if (problems.length > 0) {
        io.err([...problems, `usage: ${spec.usage.synopsis}`, "(--help for options and exit codes)"].join("\n"));
        return 2;
    }
    return cli;
}

/** For CLIs that parse their own arguments: prints the usage and returns true on `--help`/`-h`. */
export function helpRequested(argv: readonly string[], usage: Usage, io: LineIo): boolean {
    if (!argv.includes("--help") && !argv.includes("-h")) return false;
    io.out(usageText(usage));
    return true;
}
