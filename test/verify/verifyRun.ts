/**
 * `npm run verify` against a fake platform on loopback (fakeCluster.ts), for the verify specs.
 * `useFakePlatform()` starts one fake for the calling spec file, with a guard that refuses any
 * socket to a non-loopback address (nothing here can reach a real host), and checks after the
 * file's tests that none of them printed a credential.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import { parse } from "yaml";
import { run, type VerifyDeps } from "../../scripts/verify";
import { PROJECT_DIR } from "../harness";
import { FakeCluster } from "./fakeCluster";
import { healthy, SECRETS, TOKEN } from "./fakeState";

export const NOW = new Date("2026-11-30T12:00:00Z");
export const ALL_GROUPS = readdirSync(join(PROJECT_DIR, "charts", "rules"))
    .filter((f) => f.endsWith("-alerts.yaml"))
    .flatMap((f) => (parse(readFileSync(join(PROJECT_DIR, "charts", "rules", f), "utf8")) as { groups: { name: string }[] }).groups.map((g) => g.name));

const loopbackLookup = ((_host: string, options: unknown, cb: (...a: unknown[]) => void) => {
    const callback = typeof options === "function" ? (options as typeof cb) : cb;
    if (typeof options === "object" && options !== null && (options as { all?: boolean }).all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
    else callback(null, "127.0.0.1", 4);
}) as unknown as net.LookupFunction;

export interface Outcome {
    code: number;
    stdout: string;
    stderr: string;
}

export interface Report {
    ok: boolean;
    exitCode: number;
    error?: string;
    checks: { check: string; result: string; detail: string; hint?: string }[];
}

/** The calling spec file's fake platform (healthy again before each test) and the verify runs against it. */
export function useFakePlatform() {
    const fake = new FakeCluster(healthy(NOW, ALL_GROUPS));
    const outputs: string[] = [];

    /** Every socket must go to loopback. */
    const originalConnect = net.Socket.prototype.connect;
    beforeAll(async () => {
        net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
            const opts = args[0] as { host?: string; port?: number; lookup?: unknown } | number;
            const host = typeof opts === "object" ? opts.host : (args[1] as string | undefined);
            // A public host name is fine only when the tests' resolver turns it into loopback.
            const viaLoopbackLookup = typeof opts === "object" && opts.lookup === loopbackLookup;
            if (host !== undefined && !viaLoopbackLookup && !["127.0.0.1", "localhost", "::1"].includes(host))
                throw new Error(`test tried to connect to ${host}`);
            return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
        } as typeof net.Socket.prototype.connect;
        await fake.start();
    });
    afterAll(async () => {
        net.Socket.prototype.connect = originalConnect;
        await fake.stop();
        // No test printed a credential, whatever it broke.
        const all = outputs.join("\n");
        for (const secret of [
            SECRETS.harborAdmin,
            SECRETS.grafanaAdmin,
            SECRETS.clickhouseGrafana,
            TOKEN,
            "s3ss10n-c00k1e-v4lue",
            "registry-bearer-token-9z8y7x",
        ]) {
            expect(all).not.toContain(secret);
        }
    });
    beforeEach(() => {
        fake.state = healthy(NOW, ALL_GROUPS);
    });

    async function verify(argv: string[], deps: VerifyDeps = {}, env: Record<string, string> = {}): Promise<Outcome> {
        const stdout: string[] = [];
        const stderr: string[] = [];
        const code = await run(
            argv,
            { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: { PATH: "", ...env } },
            {
                lookup: loopbackLookup,
                publicPort: fake.harborPort,
                resolveHost: async () => ["127.0.0.1"],
                now: () => NOW,
                ...deps,
            },
        );
        const out = { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
        outputs.push(out.stdout, out.stderr);
        return out;
    }

    /** Runs one check on the prod stack file, returning its row of the JSON report. */
    async function check(name: string, extra: string[] = [], deps: VerifyDeps = {}) {
        const res = await verify(["prod", "--json", "--only", name, "--kubeconfig", fake.kubeconfig(), "--ca-file", fake.caFile, ...extra], deps);
        const report = JSON.parse(res.stdout) as Report;
        expect({ error: report.error, checks: report.checks.length }).toEqual({ error: undefined, checks: 1 });
        if (process.env.VERIFY_DEBUG) console.log(JSON.stringify(report.checks[0]));
        return { ...report.checks[0], code: res.code };
    }

    return { fake, verify, check };
}
