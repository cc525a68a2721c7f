/**
 * The etcd restore procedure for a k3s stack as data: which command runs on which host, in order.
 * `scripts/restore-etcd.ts` prints it (dry run) or runs it over SSH. Kept free of I/O so the command
 * construction is tested exactly as it will run.
 */
import { z } from "zod";

export interface RestoreNode {
    readonly name: string;
    readonly host: string;
    readonly role: "server" | "agent";
    /** The host's pinned SSH key (`ssh-ed25519 AAAA...`), as in the stack file. */
    readonly hostKey?: string;
}

export interface RestoreOptions {
    /** Snapshot name as `k3s etcd-snapshot ls` shows it. */
    readonly snapshot: string;
    /** Restore from the S3 bucket configured on the servers (else from the first server's disk). */
    readonly fromS3: boolean;
}

export interface RestoreStep {
    readonly node: string;
    readonly host: string;
    readonly description: string;
    /** Shell command run on the host (as the SSH user; sudo when not root). */
    readonly command: string;
}

export const SNAPSHOT_DIR = "/var/lib/rancher/k3s/server/db/snapshots";

const snapshotName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "snapshot names are letters, digits, '.', '_' and '-' (see `k3s etcd-snapshot ls`)");

/** Runs `cmd` as root whether or not the SSH user is root. */
const root = (cmd: string) => `if [ "$(id -u)" -eq 0 ]; then ${cmd}; else sudo -n ${cmd}; fi`;

/**
 * Stop every node; reset the cluster from the snapshot on the first server (the only one with
 * `cluster-init`); start it; wipe the other servers' etcd data so they rejoin it one by one; start
 * the agents. k3s reads the servers' config.yaml and secret drop-in, so S3 settings and
 * credentials come from there.
 */
export function restorePlan(nodes: readonly RestoreNode[], options: RestoreOptions): RestoreStep[] {
    const snapshot = snapshotName.parse(options.snapshot);
    const servers = nodes.filter((n) => n.role === "server");
    const agents = nodes.filter((n) => n.role === "agent");
    if (servers.length === 0) {
        throw new Error("no servers in the stack: etcd restore needs k3s mode");
    }
    const [first, ...others] = servers;
    const restorePath = options.fromS3 ? snapshot : `${SNAPSHOT_DIR}/${snapshot}`;
    const step = (node: RestoreNode, description: string, command: string): RestoreStep => ({ node: node.name, host: node.host, description, command });
    return [
        ...agents.map((n) => step(n, "stop the agent", root("systemctl stop k3s-agent"))),
        ...[...others].reverse().map((n) => step(n, "stop the server", root("systemctl stop k3s"))),
        step(first, "stop the first server", root("systemctl stop k3s")),
        ...(options.fromS3 ? [] : [step(first, "check the snapshot is on disk", root(`test -f ${restorePath}`))]),
        step(
            first,
            `reset etcd to snapshot ${snapshot}${options.fromS3 ? " (from S3)" : ""}`,
            root(`k3s server --cluster-reset --cluster-reset-restore-path=${restorePath}${options.fromS3 ? " --etcd-s3" : ""}`),
        ),
        step(first, "start the first server", root("systemctl start k3s")),
        step(first, "wait for the API", `for i in $(seq 1 60); do ${root("k3s kubectl get --raw=/readyz")} >/dev/null 2>&1 && exit 0; sleep 5; done; exit 1`),
        ...others.flatMap((n) => [
            step(n, "remove the old etcd member data", root("rm -rf /var/lib/rancher/k3s/server/db")),
            step(n, "start the server (rejoins the first)", root("systemctl start k3s")),
        ]),
        ...agents.map((n) => step(n, "start the agent", root("systemctl start k3s-agent"))),
    ];
}

/**
 * known_hosts text for the stack's pinned host keys (`[host]:port` when the port is not 22), so ssh
 * checks every host against the same keys Pulumi pins; hosts without a key are left out.
 */
export function knownHosts(nodes: readonly RestoreNode[], port: number): string {
    const name = (host: string) => (port === 22 ? host : `[${host}]:${port}`);
    return nodes
        .filter((n) => n.hostKey !== undefined)
        .map((n) => `${name(n.host)} ${n.hostKey!.trim().split(/\s+/).slice(0, 2).join(" ")}\n`)
        .join("");
}

export interface SshSettings {
    readonly user: string;
    readonly port: number;
    readonly identity?: string;
    /** known_hosts file holding the pinned keys; undefined only when the stack skips host key checks (dev). */
    readonly knownHostsFile?: string;
}

/**
 * The ssh invocation for one step, as printed by the dry run and run for real: never prompts
 * (BatchMode), gives up on an unreachable host after 10 s, and accepts only the pinned host key.
 */
export function sshArgs(step: RestoreStep, ssh: SshSettings): string[] {
    const trust = ssh.knownHostsFile
        ? ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${ssh.knownHostsFile}`]
        : ["-o", "StrictHostKeyChecking=accept-new"];
    return [
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10",
        ...trust,
        "-p",
        String(ssh.port),
        ...(ssh.identity ? ["-i", ssh.identity] : []),
        `${ssh.user}@${step.host}`,
        step.command,
    ];
}

/** `ssh ... 'command'` for printing, quoted for a POSIX shell. */
export function shellLine(args: readonly string[]): string {
    return ["ssh", ...args].map(shellQuote).join(" ");
}

/** One shell word: as is when it needs no quoting, else single-quoted. */
export function shellQuote(word: string): string {
    return /^[A-Za-z0-9@%+=:,./_-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
