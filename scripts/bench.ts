/**
 * `npm run bench`: how long the offline render takes, measured, not asserted anywhere.
 *   1. cold processes: `npm run render -- prod` (its package.json command) against the floor, a fresh
 *      process that only loads the Pulumi SDK modules that render loads; the ratio is the figure
 *      issue 16 asks to keep at 3 or below;
 *   2. in one process: the prod stack vs a trivial one-resource program under the same harness;
 *   3. a 50-node vs a 3-node k3s cluster config (how evaluation scales with hosts).
 * Each case runs RUNS times after one warm-up; median, min and max are printed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { performance } from "node:perf_hooks";
import { join, resolve } from "node:path";
import * as random from "@pulumi/random";
import type { RawConfig } from "../config/config";
import { evaluate } from "../offline/evaluate";
import { loadProgram } from "../offline/render";
import { readStackFile } from "../offline/stackfile";
import { type LineIo, parseCommand, processIo, type Usage } from "./lib/cliIo";

const PROJECT_DIR = resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function trivialProgram(): unknown {
    new random.RandomPassword("only", { length: 16 });
    return {};
}

export function clusterConfig(servers: number, agents: number): RawConfig {
    // Offline only: no connection is made. Every node presents the same well-formed (made-up) host key.
    const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAYgerrCEToBk5xsccsXzAt3LLuSXJBPB3BqrVT9QKix";
    const node = (kind: string, i: number) => ({
        name: `${kind}-${i}`,
        host: `10.${kind === "server" ? 0 : 1}.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        hostKey,
    });
    const cluster = {
        mode: "k3s",
        k3s: {
            version: "v1.36.4+k3s1",
            ssh: { privateKey: "bench-key" },
            servers: Array.from({ length: servers }, (_, i) => node("server", i)),
            agents: Array.from({ length: agents }, (_, i) => node("agent", i)),
        },
    };
    return {
        values: { "platform:profile": "prod", "platform:domain": "bench.example.com", "platform:cluster": JSON.stringify(cluster) },
        secretKeys: new Set(["platform:cluster"]),
    };
}

interface Case {
    readonly label: string;
    readonly stack: string;
    readonly config: RawConfig;
    readonly load: () => unknown;
}

interface Timing {
    readonly label: string;
    readonly resources: number;
    readonly median: number;
    readonly min: number;
    readonly max: number;
}

async function time(c: Case): Promise<Timing> {
    const samples: number[] = [];
    let resources = 0;
    for (let i = 0; i <= RUNS; i++) {
        const start = performance.now();
        const result = await evaluate({ project: "platform", stack: c.stack, config: c.config, load: c.load });
        const elapsed = performance.now() - start;
        resources = result.resources.length;
        if (i > 0) {
            samples.push(elapsed); // run 0 warms up module loading and JIT
        }
    }
    samples.sort((a, b) => a - b);
    return { label: c.label, resources, median: samples[Math.floor(samples.length / 2)], min: samples[0], max: samples[samples.length - 1] };
}

function row(t: Timing): string {
    return `${t.label.padEnd(34)} ${String(t.resources).padStart(9)} ${t.median.toFixed(1).padStart(10)} ${t.min.toFixed(1).padStart(8)} ${t.max.toFixed(1).padStart(8)}`;
}

interface Spread {
    readonly median: number;
    readonly min: number;
    readonly max: number;
}

function spread(samples: number[]): Spread {
    const sorted = [...samples].sort((a, b) => a - b);
    return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
}

/** Wall time of a fresh process, RUNS times after one warm-up (file cache); fails loudly on a non-zero exit. */
function coldProcess(label: string, command: string, args: string[]): Spread {
    const samples: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
        const start = performance.now();
        const result = spawnSync(command, args, { cwd: PROJECT_DIR, encoding: "utf8" });
        const elapsed = performance.now() - start;
        if (result.status !== 0) {
            throw new Error(`${label} exited ${result.status}: ${result.stderr}`);
        }
        if (i > 0) {
            samples.push(elapsed);
        }
    }
    return spread(samples);
}

/** The render's cold-process time against the SDK-load floor, as issue 16 defines the ratio. */
function renderVsFloor(): void {
    const work = mkdtempSync(join(tmpdir(), "bench-"));
    try {
        // Which Pulumi SDK modules does the prod render load? Ask a render, in its own process.
        const modulesFile = join(work, "modules.json");
        const probe = `
            require("./scripts/register.js");
            const { run } = require("./scripts/render.ts");
            run(["prod", "--out", ${JSON.stringify(join(work, "probe"))}], { out: () => {}, err: (l) => console.error(l) }).then((code) => {
                const sdk = Object.keys(require.cache).filter((k) => /node_modules[\\/]@pulumi[\\/]/.test(k));
                require("fs").writeFileSync(${JSON.stringify(modulesFile)}, JSON.stringify(sdk));
                process.exit(code);
            });`;
        const probed = spawnSync(process.execPath, ["-e", probe], { cwd: PROJECT_DIR, encoding: "utf8" });
        if (probed.status !== 0) {
            throw new Error(`render probe failed: ${probed.stderr}`);
        }
        const modules = JSON.parse(readFileSync(modulesFile, "utf8")) as string[];
        const floorScript = join(work, "floor.js");
        writeFileSync(floorScript, `for (const m of ${JSON.stringify(modules)}) require(m);\n`);
        const floor = coldProcess("SDK floor", process.execPath, [floorScript]);
        const script = (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.render;
        const render = coldProcess("render", "sh", ["-c", `${script} prod --out ${JSON.stringify(join(work, "out"))}`]);
        console.log(`cold processes, ${RUNS} runs after 1 warm-up (ms, wall)`);
        console.log(`${"case".padEnd(34)} ${"median".padStart(10)} ${"min".padStart(8)} ${"max".padStart(8)}`);
        const line = (label: string, t: Spread) =>
            `${label.padEnd(34)} ${t.median.toFixed(0).padStart(10)} ${t.min.toFixed(0).padStart(8)} ${t.max.toFixed(0).padStart(8)}`;
        console.log(line(`SDK floor (${modules.length} @pulumi modules)`, floor));
        console.log(line(`npm run render -- prod`, render));
        const ratio = render.median / floor.median;
        console.log(`render / SDK floor:        ${ratio.toFixed(2)}x (target <= 3: ${ratio <= 3 ? "met" : "NOT met"})`);
        console.log("");
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
}

async function main(coldOnly: boolean): Promise<void> {
    renderVsFloor();
    if (coldOnly) {
        return;
    }
    const prod = readStackFile(PROJECT_DIR, "prod");
    const cases: Case[] = [
        { label: "trivial (1 RandomPassword)", stack: "bench-trivial", config: { values: {}, secretKeys: new Set() }, load: trivialProgram },
        { label: "prod stack (Pulumi.prod.yaml)", stack: "prod", config: prod.config, load: loadProgram },
        { label: "k3s, 3 nodes (3 servers)", stack: "bench-3", config: clusterConfig(3, 0), load: loadProgram },
        { label: "k3s, 50 nodes (5 servers, 45 agents)", stack: "bench-50", config: clusterConfig(5, 45), load: loadProgram },
    ];
    console.log(`evaluation time under mocks, ${RUNS} runs after 1 warm-up (ms)`);
    console.log(`${"case".padEnd(34)} ${"resources".padStart(9)} ${"median".padStart(10)} ${"min".padStart(8)} ${"max".padStart(8)}`);
    const timings: Timing[] = [];
    for (const c of cases) {
        const t = await time(c);
        timings.push(t);
        console.log(row(t));
    }
    const [trivial, prodT, three, fifty] = timings;
    console.log("");
    console.log(`prod / trivial:           ${(prodT.median / trivial.median).toFixed(1)}x`);
    console.log(`50 nodes / 3 nodes:       ${(fifty.median / three.median).toFixed(1)}x time for ${(fifty.resources / three.resources).toFixed(1)}x resources`);
    console.log(`per resource, 50 nodes:   ${(fifty.median / fifty.resources).toFixed(2)} ms`);
}

const USAGE: Usage = {
    synopsis: "npm run bench [-- --cold-only]",
    description:
        "Times `npm run render -- prod` in a fresh process against the SDK-load floor (ratio, target <= 3), then the\n" +
        "in-process evaluation: prod vs a trivial program, a 50-node vs a 3-node cluster (BENCH_RUNS runs each, default 7).",
    options: [["--cold-only", "only the render vs SDK-floor comparison"]],
    exitCodes: [
        [0, "timings printed"],
        [1, "an evaluation failed"],
        [2, "usage error"],
    ],
};

export async function run(argv: readonly string[], io: LineIo): Promise<number> {
    const cli = parseCommand(argv, { usage: USAGE, flags: ["--cold-only"], positional: 0 }, io);
    if (typeof cli === "number") return cli;
    try {
        await main(cli.flags.has("cold-only"));
        return 0;
    } catch (err) {
        io.err(String(err instanceof Error ? (err.stack ?? err.message) : err));
        return 1;
    }
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
