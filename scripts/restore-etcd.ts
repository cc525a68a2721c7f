/**
 * `npm run restore-etcd -- <stack> --snapshot <name> [--s3] [--dry-run] [--yes] [--identity <key>] [--stack-file <f>]`
 * Restores a k3s stack's etcd from a snapshot over SSH (docs/runbooks/restore-etcd.md). The hosts,
 * SSH user and port come from the stack file; the key from --identity or your ssh-agent.
 * --dry-run prints the exact commands and runs nothing.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { k3sNodes } from "../components/cluster/ClusterK3s";
import { parsePlatformConfig, PlatformConfig } from "../config/config";
import { readStackFile } from "../offline/stackfile";
import { type LineIo, parseCommand, processIo } from "./lib/cliIo";
import { knownHosts, restorePlan, RestoreNode, shellLine, shellQuote, sshArgs } from "./lib/restore";

const USAGE = `usage: npm run restore-etcd -- <stack> --snapshot <name> [--s3] [--dry-run] [--yes] [--identity <key>] [--stack-file <file>]

Restores the stack's etcd from a snapshot: stops every node, resets the first server, rejoins the
others, starts the agents (docs/runbooks/restore-etcd.md). SSH accepts only the host keys pinned in
the stack file.
  --snapshot <name>   snapshot as \`k3s etcd-snapshot ls\` shows it
  --s3                take it from the stack's S3 bucket (refused when the stack has none)
  --dry-run           print the exact ssh commands, run nothing
  --yes               do not ask for the stack name before stopping k3s
  --identity <key>    SSH private key file (default: your ssh-agent)
  --stack-file <file> a stack file other than Pulumi.<stack>.yaml
`;

const EXIT_CODES = [
    [0, "done (or dry run printed)"],
    [1, "refused or a step failed"],
    [2, "usage error"],
] as const;

interface Args {
    stack: string;
    snapshot: string;
    fromS3: boolean;
    dryRun: boolean;
    yes: boolean;
    identity?: string;
    stackFile?: string;
}

function parseArgs(argv: readonly string[], io: LineIo): Args | number {
    const cli = parseCommand(
        argv,
        {
            usage: {
                synopsis: USAGE.split("\n")[0].replace(/^usage: /, ""),
                description: USAGE.split("\n\n").slice(1).join("\n\n").trimEnd(),
                exitCodes: EXIT_CODES,
            },
            options: ["--snapshot", "--identity", "--stack-file"],
            flags: ["--s3", "--dry-run", "--yes"],
            positional: 1,
        },
        io,
    );
    if (typeof cli === "number") return cli;
    if (!cli.options.snapshot) {
        io.err(`--snapshot <name> is required\n${USAGE.split("\n")[0]}`);
        return 2;
    }
    const stackFile = cli.options["stack-file"];
    return {
        stack: cli.positional[0],
        snapshot: cli.options.snapshot,
        fromS3: cli.flags.has("s3"),
        dryRun: cli.flags.has("dry-run"),
        yes: cli.flags.has("yes"),
        identity: cli.options.identity,
        stackFile: stackFile && resolve(stackFile),
    };
}

/** Asks for the stack name on a terminal; anything else (or no terminal) refuses. */
function confirmed(stack: string, io: LineIo): boolean {
    if (!process.stdin.isTTY) {
        io.err(`refusing to stop k3s on stack ${stack} without confirmation: run it in a terminal, or pass --yes`);
        return false;
    }
    process.stdout.write(`This stops k3s on every node of stack ${stack} and resets etcd. Type the stack name to continue: `);
    const buffer = Buffer.alloc(256);
    const read = readSync(0, buffer, 0, buffer.length, null);
    return buffer.subarray(0, read).toString("utf8").trim() === stack;
}

export async function run(argv: readonly string[], io: LineIo): Promise<number> {
    const args = parseArgs(argv, io);
    if (typeof args === "number") return args;
    const file = readStackFile(resolve(__dirname, ".."), args.stack, args.stackFile);
    // The same validation and node order as the program itself (secure values stay placeholders).
    let cluster: PlatformConfig["cluster"];
    try {
        cluster = parsePlatformConfig(file.config).cluster;
    } catch (err) {
        io.err((err as Error).message);
        return 1;
    }
    if (cluster.mode !== "k3s") {
        io.err(`stack ${args.stack} is not in k3s mode: restore the existing cluster with its own tools`);
        return 1;
    }
    if (args.fromS3 && cluster.k3s.etcdSnapshots.s3 === undefined) {
        io.err(`--s3: stack ${args.stack} uploads no snapshots to S3 (platform:cluster.k3s.etcdSnapshots.s3 is not set); restore a local snapshot instead`);
        return 1;
    }
    const nodes: RestoreNode[] = k3sNodes(cluster.k3s);
    // The same host keys Pulumi pins: ssh accepts no other (StrictHostKeyChecking=yes). The file lives
    // in a private temporary folder that is removed however the command ends.
    const folder = cluster.k3s.ssh.skipHostKeyCheck === undefined ? mkdtempSync(join(tmpdir(), "restore-etcd-")) : undefined;
    try {
        return restore(args, nodes, cluster.k3s, folder, io);
    } finally {
        if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
    }
}

type K3s = Extract<PlatformConfig["cluster"], { mode: "k3s" }>["k3s"];

function restore(args: Args, nodes: RestoreNode[], k3s: K3s, folder: string | undefined, io: LineIo): number {
    const knownHostsFile = folder === undefined ? undefined : join(folder, "known_hosts");
    const pinned = knownHosts(nodes, k3s.ssh.port);
    if (knownHostsFile !== undefined) {
        writeFileSync(knownHostsFile, pinned, { mode: 0o600 });
    } else {
        io.err(`warning: host keys are not checked for stack ${args.stack} (${k3s.ssh.skipHostKeyCheck?.reason ?? ""})`);
    }
    const ssh = { user: k3s.ssh.user, port: k3s.ssh.port, identity: args.identity, knownHostsFile };
    const plan = restorePlan(nodes, { snapshot: args.snapshot, fromS3: args.fromS3 });
    if (!args.dryRun && !args.yes && !confirmed(args.stack, io)) {
        io.err("not confirmed; nothing was run");
        return 1;
    }
    io.out(`# etcd restore of stack ${args.stack} from snapshot ${args.snapshot}${args.fromS3 ? " (S3)" : ""}: ${plan.length} steps`);
    if (args.dryRun && knownHostsFile !== undefined && folder !== undefined) {
        // The folder is gone when this command exits: the printed script recreates it first.
        io.out("# 0. the pinned host keys the ssh commands trust (this command removed its own copy on exit)");
        io.out(`mkdir -m 700 ${shellQuote(folder)} && cat > ${shellQuote(knownHostsFile)} <<'EOF'`);
        io.out(`${pinned.trimEnd()}\nEOF`);
    }
    for (const [i, step] of plan.entries()) {
        io.out(`# ${i + 1}. ${step.node}: ${step.description}`);
        io.out(shellLine(sshArgs(step, ssh)));
        if (!args.dryRun) {
            const result = spawnSync("ssh", sshArgs(step, ssh), { stdio: "inherit" });
            if (result.status !== 0) {
                io.err(`step ${i + 1} failed on ${step.node} (exit ${result.status}); fix it and re-run the remaining steps by hand (see --dry-run)`);
                return 1;
            }
        }
    }
    return 0;
}

if (require.main === module) {
    void run(process.argv.slice(2), processIo()).then((code) => (process.exitCode = code));
}
