/**
 * Mutation check: `npm run mutate -- [--only <id,...>] [--list] [--keep]`.
 * Applies each plausible one-line regression of scripts/lib/mutations.ts, one at a time, to a copy of
 * the working tree in a temporary directory (the working tree itself is never written), runs the
 * tests the mutation names, and says whether they caught it. Not part of `npm test`: it runs Jest once
 * per mutation (docs/delivery.md, "Mutation check").
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type LineIo, parseCommand, processIo, type Usage } from "./lib/cliIo";
import { type Group, type Mutation, MUTATIONS, UNIT_GROUPS } from "./lib/mutations";

const PROJECT_DIR = join(__dirname, "..");

const USAGE: Usage = {
    synopsis: "npm run mutate -- [--only <id,...>] [--list] [--keep]",
    description:
        "Applies each regression listed in scripts/lib/mutations.ts, one at a time, to a temporary copy of the working\n" +
        "tree, runs the tests it names (Jest, one worker) and prints caught or MISSED. A mutation is caught when a\n" +
        "test fails that passes unmutated with the same selection (that run is made once per selection, when needed).",
    options: [
        ["--only <id,...>", "only these mutations (comma-separated ids)"],
        ["--list", "print the mutations and exit"],
        ["--keep", "keep the temporary copy (its path is printed)"],
    ],
    exitCodes: [
        [0, "every mutation was caught"],
        [1, "a mutation was missed, or no longer applies"],
        [2, "usage error (or an unknown mutation id)"],
    ],
};

/** The describe of test/cli/mutate.test.ts, which checks this list: it fails under every mutation by design, so it never counts as a catch. */
export const MUTATION_LIST_CHECKS = "npm run mutate's list (scripts/lib/mutations.ts)";

/** What one Jest run said. */
interface JestOutcome {
    /** Tests that ran (passed or failed): 0 means the filter matched nothing. */
    readonly ran: number;
    readonly failed: string[];
    /** The run failed before any test result (e.g. the global setup threw): the last lines of its output. */
    readonly crashed?: string;
}

/** Runs the CLI and returns its exit code. */
export async function run(argv: readonly string[], io: LineIo): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, options: ["--only"], flags: ["--list", "--keep"], positional: 0 }, io);
    if (typeof cli === "number") return cli;
    const wanted = cli.options.only?.split(",").map((s) => s.trim()) ?? [];
    const unknown = wanted.filter((id) => !MUTATIONS.some((m) => m.id === id));
    if (unknown.length > 0) {
        io.err(`no such mutation: ${unknown.join(", ")} (npm run mutate -- --list)`);
        return 2;
    }
    const selected = wanted.length > 0 ? MUTATIONS.filter((m) => wanted.includes(m.id)) : MUTATIONS;
    if (cli.flags.has("list")) {
        for (const m of selected) io.out(`${m.id.padEnd(28)} ${m.kind.padEnd(8)} ${m.file}: ${m.why}`);
        return 0;
    }
    const stale = selected.map((m) => staleReason(m)).filter((r): r is string => r !== undefined);
    if (stale.length > 0) {
        io.err(`these mutations no longer apply; update scripts/lib/mutations.ts:\n  ${stale.join("\n  ")}`);
        return 1;
    }

    const started = Date.now();
    const copy = copyWorkingTree();
    io.out(`copy of the working tree: ${copy}`);
    try {
        const missed: string[] = [];
        const baselines = new Map<string, Promise<JestOutcome>>();
        for (const [i, m] of selected.entries()) {
            const t0 = Date.now();
            const verdict = await tryMutation(copy, m, baselines);
            const seconds = ((Date.now() - t0) / 1000).toFixed(0);
            io.out(`[${i + 1}/${selected.length}] ${verdict.caught ? "caught" : "MISSED"} ${m.id} (${seconds} s): ${verdict.detail}`);
            if (!verdict.caught) missed.push(m.id);
        }
        const minutes = ((Date.now() - started) / 60000).toFixed(1);
        io.out(`\n${selected.length - missed.length} of ${selected.length} mutations caught in ${minutes} min`);
        if (missed.length > 0) {
            io.err(`missed: ${missed.join(", ")}: add the test that fails on each (a contract with the upstream literal, or a behaviour test)`);
            return 1;
        }
        return 0;
    } finally {
        if (cli.flags.has("keep")) io.out(`kept ${copy}`);
        else rmSync(copy, { recursive: true, force: true });
    }
}

/** Why a mutation cannot be applied to the working tree as written, or undefined. */
function staleReason(m: Mutation): string | undefined {
    const path = join(PROJECT_DIR, m.file);
    if (!existsSync(path)) return `${m.id}: ${m.file} does not exist`;
    const count = readFileSync(path, "utf8").split(m.from).length - 1;
    return count === 1 ? undefined : `${m.id}: ${m.file} contains its text ${count} times (must be once): ${m.from}`;
}

/** Tracked and untracked (not ignored) files copied to a temporary directory; node_modules linked. */
function copyWorkingTree(): string {
    const copy = mkdtempSync(join(tmpdir(), "platform-mutate-"));
    const listed = spawnSyncText("git", ["ls-files", "-co", "--exclude-standard", "-z"])
        .split("\0")
        .filter((f) => f !== "");
    for (const file of listed) {
        if (!existsSync(join(PROJECT_DIR, file))) continue; // deleted but not yet staged
        mkdirSync(dirname(join(copy, file)), { recursive: true });
        copyFileSync(join(PROJECT_DIR, file), join(copy, file));
    }
    symlinkSync(join(PROJECT_DIR, "node_modules"), join(copy, "node_modules"), "dir");
    return copy;
}

function spawnSyncText(command: string, args: string[]): string {
    const result = spawnSync(command, args, { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
    return result.stdout;
}

/** Applies the mutation in the copy, runs its tests, puts the file back whatever happens. */
async function tryMutation(copy: string, m: Mutation, baselines: Map<string, Promise<JestOutcome>>): Promise<{ caught: boolean; detail: string }> {
    const path = join(copy, m.file);
    const original = readFileSync(path, "utf8");
    const selection = `${m.tests.groups.join(",")} -t '${m.tests.filter}'`;
    let ran = 0;
    for (const part of parts(m.tests)) {
        writeFileSync(
            path,
            original.replace(m.from, () => m.to),
        );
        let outcome: JestOutcome;
        try {
            outcome = await jest(copy, part);
        } finally {
            writeFileSync(path, original);
        }
        ran += outcome.ran;
        if (outcome.crashed === undefined && outcome.failed.length === 0) continue;
        // A test that also fails unmutated with this selection (e.g. one that needs an earlier test) proves nothing.
        const key = JSON.stringify(part);
        if (!baselines.has(key)) baselines.set(key, jest(copy, part));
        const baseline = await baselines.get(key)!;
        if (outcome.crashed !== undefined && baseline.crashed === undefined)
            return { caught: true, detail: `the run failed before any test: ${outcome.crashed}` };
        const fresh = outcome.failed.filter((f) => !baseline.failed.includes(f));
        if (fresh.length > 0) return { caught: true, detail: `${fresh.length} failed, e.g. ${fresh[0]}` };
        return { caught: false, detail: `only tests that fail unmutated too failed (${selection}): ${baseline.crashed ?? baseline.failed.join("; ")}` };
    }
    return { caught: false, detail: ran === 0 ? `no test matched ${selection}` : `${ran} tests passed (${selection})` };
}

interface JestPart {
    readonly config: string;
    readonly groups: readonly Group[];
    readonly filter: string;
}

/** The unit groups first (no stack evaluation: seconds), then the others (only when the first pass). */
function parts(tests: Mutation["tests"]): JestPart[] {
    const isUnit = (g: Group) => (UNIT_GROUPS as readonly string[]).includes(g);
    return [
        { config: "jest.unit.config.js", groups: tests.groups.filter(isUnit), filter: tests.filter },
        { config: "jest.config.js", groups: tests.groups.filter((g) => !isUnit(g)), filter: tests.filter },
    ].filter((p) => p.groups.length > 0);
}

function jest(copy: string, { config, groups, filter }: JestPart): Promise<JestOutcome> {
    const report = join(copy, `.mutate-report-${process.pid}.json`);
    rmSync(report, { force: true });
    const args = [
        join(copy, "node_modules", "jest", "bin", "jest.js"),
        "-c",
        config,
        "--maxWorkers=1",
        "--ci",
        "--silent",
        "--json",
        "--outputFile",
        report,
        ...groups.map((g) => `test/${g}.test.ts`),
        "-t",
        filter,
    ];
    return new Promise((resolve) => {
        const child = spawn(process.execPath, args, { cwd: copy, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-20000)));
        child.on("close", () => {
            if (!existsSync(report)) {
                resolve({ ran: 0, failed: [], crashed: stderr.trim().split("\n").slice(-3).join(" / ") });
                return;
            }
            const result = JSON.parse(readFileSync(report, "utf8")) as {
                numPassedTests: number;
                numFailedTests: number;
                numRuntimeErrorTestSuites: number;
                testResults: { message: string; assertionResults: { status: string; fullName: string }[] }[];
            };
            const failed = result.testResults.flatMap((r) =>
                r.assertionResults.filter((a) => a.status === "failed" && !a.fullName.includes(MUTATION_LIST_CHECKS)).map((a) => a.fullName),
            );
            const suiteErrors = result.testResults.filter((r) => r.assertionResults.length === 0 && r.message !== "").map((r) => r.message.split("\n")[0]);
            resolve({ ran: result.numPassedTests + result.numFailedTests, failed: [...failed, ...suiteErrors] });
        });
    });
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
