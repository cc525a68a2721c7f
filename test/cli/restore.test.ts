import { run as runRestore } from "../../scripts/restore-etcd";
import { knownHosts, restorePlan, RestoreNode, shellLine, sshArgs, SNAPSHOT_DIR } from "../../scripts/lib/restore";
import { TEST_HOST_KEY } from "../harness";

/** restore-etcd in-process, as `npm run restore-etcd -- <args>` runs it (no terminal: no confirmation). */
async function restoreCli(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const status = await runRestore(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { status, stdout: out.map((l) => `${l}\n`).join(""), stderr: err.join("\n") };
}

const nodes: RestoreNode[] = [
    { name: "s1", host: "10.0.0.1", role: "server" },
    { name: "s2", host: "10.0.0.2", role: "server" },
    { name: "s3", host: "10.0.0.3", role: "server" },
    { name: "a1", host: "10.0.1.1", role: "agent" },
];

describe("etcd restore plan", () => {
    it("stops everything, resets on the first server only, rejoins the others one by one, then the agents", () => {
        const plan = restorePlan(nodes, { snapshot: "snap-1", fromS3: false });
        expect(plan.map((s) => `${s.node}: ${s.description}`)).toEqual([
            "a1: stop the agent",
            "s3: stop the server",
            "s2: stop the server",
            "s1: stop the first server",
            "s1: check the snapshot is on disk",
            "s1: reset etcd to snapshot snap-1",
            "s1: start the first server",
            "s1: wait for the API",
            "s2: remove the old etcd member data",
            "s2: start the server (rejoins the first)",
            "s3: remove the old etcd member data",
            "s3: start the server (rejoins the first)",
            "a1: start the agent",
        ]);
        const resets = plan.filter((s) => s.command.includes("--cluster-reset"));
        expect(resets.map((s) => s.node)).toEqual(["s1"]);
        expect(resets[0].command).toContain(`--cluster-reset-restore-path=${SNAPSHOT_DIR}/snap-1`);
        expect(plan.filter((s) => s.command.includes("rm -rf")).map((s) => s.node)).toEqual(["s2", "s3"]);
    });

    it("restores from S3 by snapshot name, with the servers' own S3 settings", () => {
        const reset = restorePlan(nodes, { snapshot: "snap-1", fromS3: true }).find((s) => s.command.includes("--cluster-reset"))!;
        expect(reset.command).toContain("--cluster-reset-restore-path=snap-1 --etcd-s3");
        expect(reset.description).toContain("(from S3)");
    });

    it("refuses snapshot names that could inject shell, and clusters without servers", () => {
        expect(() => restorePlan(nodes, { snapshot: "x; rm -rf /", fromS3: false })).toThrow(/snapshot names are letters/);
        expect(() => restorePlan([nodes[3]], { snapshot: "snap", fromS3: false })).toThrow(/no servers/);
    });

    it("builds the ssh command with batch mode, a connect timeout, the pinned host keys, port, key and user", () => {
        const [step] = restorePlan(nodes, { snapshot: "snap", fromS3: false });
        const args = sshArgs(step, { user: "deploy", port: 2222, identity: "/k", knownHostsFile: "/tmp/kh" });
        expect(args.slice(0, -1)).toEqual([
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=10",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "UserKnownHostsFile=/tmp/kh",
            "-p",
            "2222",
            "-i",
            "/k",
            "deploy@10.0.1.1",
        ]);
        expect(shellLine(["it's"])).toBe(`ssh 'it'\\''s'`);
    });

    it("trusts unknown hosts on first use only when the stack opts out of host keys (dev)", () => {
        const [step] = restorePlan(nodes, { snapshot: "snap", fromS3: false });
        expect(sshArgs(step, { user: "deploy", port: 22 })).toContain("StrictHostKeyChecking=accept-new");
    });

    it("writes the stack's pinned keys as known_hosts lines, bracketing non-default ports", () => {
        const keyed = [{ ...nodes[0], hostKey: `${TEST_HOST_KEY} comment` }, nodes[1]];
        expect(knownHosts(keyed, 22)).toBe(`10.0.0.1 ${TEST_HOST_KEY}\n`);
        expect(knownHosts(keyed, 2222)).toBe(`[10.0.0.1]:2222 ${TEST_HOST_KEY}\n`);
    });

    it("refuses to stop anything without the stack name typed on a terminal or --yes", async () => {
        const result = await restoreCli("prod", "--snapshot", "etcd-snapshot-1");
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("refusing to stop k3s on stack prod without confirmation: run it in a terminal, or pass --yes");
        expect(result.stdout).not.toContain("ssh ");
    });

    it("refuses --s3 for a stack that uploads no snapshots to S3", async () => {
        const result = await restoreCli("dev", "--snapshot", "etcd-snapshot-1", "--s3", "--dry-run");
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("--s3: stack dev uploads no snapshots to S3 (platform:cluster.k3s.etcdSnapshots.s3 is not set)");
        expect(result.stdout).toBe("");
    });

    it("removes its temporary known_hosts folder whatever happens, and the dry run's script recreates it", async () => {
        // The old command left /tmp/restore-etcd-*/known_hosts behind after every run (issue 27, item 6).
        // The module object itself (a namespace import would be a copy the command never calls).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fs = require("node:fs") as typeof import("node:fs");
        const made: string[] = [];
        const real = fs.mkdtempSync;
        const spy = jest.spyOn(fs, "mkdtempSync").mockImplementation(((prefix: string) => {
            const dir = real(prefix);
            made.push(dir);
            return dir;
        }) as typeof fs.mkdtempSync);
        try {
            const dry = await restoreCli("prod", "--snapshot", "etcd-snapshot-1", "--dry-run");
            const refused = await restoreCli("prod", "--snapshot", "etcd-snapshot-1");
            expect([dry.status, refused.status]).toEqual([0, 1]);
            expect(made).toHaveLength(2);
            for (const dir of made) expect({ dir, exists: fs.existsSync(dir) }).toEqual({ dir, exists: false });
            // The printed script writes the same pinned keys where its ssh commands look for them.
            const file = `${made[0]}/known_hosts`;
            expect(dry.stdout).toContain(`mkdir -m 700 ${made[0]} && cat > ${file} <<'EOF'\n198.51.100.11 ssh-ed25519 `);
            expect(dry.stdout).toContain(`-o UserKnownHostsFile=${file} `);
        } finally {
            spy.mockRestore();
        }
    });

    it("prints the exact commands for the prod stack's 3 servers in a dry run, running nothing", async () => {
        const result = await restoreCli("prod", "--snapshot", "etcd-snapshot-1", "--dry-run");
        expect(result.status).toBe(0);
        const commands = result.stdout.split("\n").filter((l) => l.startsWith("ssh "));
        expect(commands).toHaveLength(17);
        expect(commands.every((c) => c.includes("StrictHostKeyChecking=yes") && c.includes("ConnectTimeout=10"))).toBe(true);
        expect(commands.filter((c) => c.includes("--cluster-reset"))).toEqual([expect.stringContaining("deploy@198.51.100.11")]);
        expect(commands.filter((c) => c.includes("rm -rf /var/lib/rancher/k3s/server/db")).map((c) => /@(\S+)/.exec(c)![1])).toEqual([
            "198.51.100.12",
            "198.51.100.13",
        ]);
    });
});
