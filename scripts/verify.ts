/**
 * `npm run verify -- <stack> [options]`: checks a deployed stack live (docs/runbooks, README
 * "Deploy"). Which parts are on comes from Pulumi.<stack>.yaml through the same config parsing as
 * the program; the checks are in scripts/lib/verify (`--help` lists them). Exit 0 all passed,
 * 1 a check failed, 2 cannot connect (or bad usage, config or kubeconfig).
 */
import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { promises as dns } from "node:dns";
import type { LookupFunction } from "node:net";
import { CERT_MANAGER_NAMESPACE } from "../components/edge/CertManager";
import { parsePlatformConfig, type PlatformConfig } from "../config/config";
import { readStackFile, StackFileError } from "../offline/stackfile";
import { CHECKS } from "./lib/verify/catalog";
import { type HttpResponse, publicHttp } from "./lib/verify/http";
import { kubeApi, probe } from "./lib/verify/kube";
import { KubeconfigError, resolveKubeconfig } from "./lib/verify/kubeconfig";
import { helpText, jsonReport, progressLine, table } from "./lib/verify/report";
import { exitCode, runChecks } from "./lib/verify/runner";
import { Masker, secretReader } from "./lib/verify/secrets";
import type { VerifyContext } from "./lib/verify/types";

const PROJECT_DIR = resolvePath(__dirname, "..");

export interface VerifyIo {
    readonly stdout: (line: string) => void;
    readonly stderr: (line: string) => void;
    readonly env: Readonly<Record<string, string | undefined>>;
}

/** What tests replace to stay on loopback; real runs use the system's resolver and clock. */
export interface VerifyDeps {
    /** Resolver for the public hosts Harbor is reached by. */
    readonly lookup?: LookupFunction;
    /** Port the public URLs are sent to instead of theirs (the fake Harbor's). */
    readonly publicPort?: number;
    /** A host's addresses for the DNS check. */
    readonly resolveHost?: (host: string) => Promise<string[]>;
    readonly now?: () => Date;
    readonly pulumiOutput?: (stack: string) => string;
    readonly projectDir?: string;
}

interface Args {
    stack: string;
    json: boolean;
    kubeconfig?: string;
    context?: string;
    stackFile?: string;
    only?: string[];
    caFiles: string[];
    harborImage?: string;
    allowDown: string[];
    certificateDays: number;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args | "help" {
    const rest = [...argv];
    if (rest.includes("--help") || rest.includes("-h")) return "help";
    const flag = (name: string) => {
        const at = rest.indexOf(name);
        if (at < 0) return false;
        rest.splice(at, 1);
        return true;
    };
    const options = (name: string): string[] => {
        const values: string[] = [];
        for (let at = rest.indexOf(name); at >= 0; at = rest.indexOf(name)) {
            const value = rest[at + 1];
            if (value === undefined || value.startsWith("--")) throw new UsageError(`${name} needs a value`);
            values.push(value);
            rest.splice(at, 2);
        }
        return values;
    };
    const option = (name: string) => options(name).pop();
    const json = flag("--json");
    const kubeconfig = option("--kubeconfig");
    const context = option("--context");
    const stackFile = option("--stack-file");
    const only = option("--only")
        ?.split(",")
        .filter((s) => s !== "");
    const caFiles = options("--ca-file");
    const harborImage = option("--harbor-image");
    const allowDown = options("--allow-down");
    const daysText = option("--certificate-days");
    const certificateDays = daysText === undefined ? 14 : Number(daysText);
    if (!Number.isInteger(certificateDays) || certificateDays < 0)
        throw new UsageError(`--certificate-days: expected a whole number of days, got '${daysText}'`);
    const unknown = rest.filter((a) => a.startsWith("-"));
    if (unknown.length > 0) throw new UsageError(`unknown option ${unknown[0]}`);
    if (rest.length !== 1) throw new UsageError(rest.length === 0 ? "which stack? (e.g. npm run verify -- dev)" : `one stack at a time, got ${rest.join(" ")}`);
    if (only) {
        const names = new Set(CHECKS.map((c) => c.name));
        const bad = only.filter((n) => !names.has(n));
        if (bad.length > 0) throw new UsageError(`--only: unknown check ${bad.join(", ")} (see --help)`);
    }
    return { stack: rest[0], json, kubeconfig, context, stackFile, only, caFiles, harborImage, allowDown, certificateDays };
}

export async function run(argv: readonly string[], io: VerifyIo, deps: VerifyDeps = {}): Promise<number> {
    const masker = new Masker();
    const out = (line: string) => io.stdout(masker.mask(line));
    const err = (line: string) => io.stderr(masker.mask(line));
    let args: Args | "help";
    try {
        args = parseArgs(argv);
    } catch (e) {
        err(`verify: ${(e as Error).message}`);
        err("usage: npm run verify -- <stack> [--kubeconfig <file>] [--json] ... (--help for all options and checks)");
        return 2;
    }
    if (args === "help") {
        out(helpText(CHECKS));
        return 0;
    }
    const a = args;
    const fail2 = (message: string, server?: string) => {
        if (a.json) out(jsonReport({ stack: a.stack, server, ok: false, exitCode: 2, error: message, checks: [] }));
        err(`verify: ${message}`);
        return 2;
    };

    let config: PlatformConfig;
    try {
        const file = readStackFile(deps.projectDir ?? PROJECT_DIR, a.stack, a.stackFile && resolvePath(a.stackFile));
        config = parsePlatformConfig(file.config);
    } catch (e) {
        return fail2(e instanceof StackFileError ? e.message : (e as Error).message);
    }

    let source;
    try {
        source = resolveKubeconfig({ stack: a.stack, file: a.kubeconfig, context: a.context, env: io.env, pulumiOutput: deps.pulumiOutput });
    } catch (e) {
        return fail2(e instanceof KubeconfigError ? e.message : `kubeconfig: ${(e as Error).message}`);
    }
    const kube = kubeApi(source.kc);
    err(`verify ${a.stack}: cluster ${kube.server} (kubeconfig from ${source.from})`);
    const reachable = await probe(kube);
    if (!reachable.ok) {
        return fail2(`cannot connect to the cluster: ${reachable.reason}`, kube.server);
    }
    err(`connected: Kubernetes ${reachable.version}`);

    const secrets = secretReader(kube, masker);
    const extraCa: string[] = [];
    try {
        for (const file of a.caFiles) extraCa.push(readFileSync(file, "utf8"));
    } catch (e) {
        return fail2(`--ca-file: ${(e as Error).message}`);
    }
    if (config.tls.issuer === "selfSigned") {
        // Platform hosts carry certificates from the platform's own CA: trust it for this run.
        try {
            extraCa.push(await secrets.read(CERT_MANAGER_NAMESPACE, "platform-root-ca", "ca.crt"));
        } catch {
            err("note: could not read the platform CA (cert-manager/platform-root-ca); public URLs are checked against the system CAs only");
        }
    }
    // Service answers can echo what they were sent (a password in an error): mask bodies as they
    // arrive, before any check quotes or truncates them.
    const masked = (res: HttpResponse): HttpResponse => ({ ...res, body: masker.mask(res.body) });
    const web = publicHttp({ extraCa, lookup: deps.lookup, port: deps.publicPort });
    const ctx: VerifyContext = {
        config,
        kube: { ...kube, proxy: async (svc, path, req) => masked(await kube.proxy(svc, path, req)) },
        secrets,
        publicHttp: { request: async (url, req) => masked(await web.request(url, req)) },
        resolveHost: deps.resolveHost ?? systemResolve,
        now: deps.now ?? (() => new Date()),
        options: { certificateDays: a.certificateDays, harborImage: a.harborImage, allowDown: a.allowDown },
    };
    const checks = a.only ? CHECKS.filter((c) => a.only!.includes(c.name)) : CHECKS;
    const results = await runChecks(ctx, checks, {
        start: (check) => err(`... ${check.name}`),
        end: (result) => err(progressLine(result)),
    });
    const code = exitCode(results);
    if (a.json) {
        out(jsonReport({ stack: a.stack, server: kube.server, ok: code === 0, exitCode: code, checks: results }));
    } else {
        out("");
        out(table(results));
    }
    return code;
}

/** A host's A and AAAA records; ENOTFOUND when it has neither. */
async function systemResolve(host: string): Promise<string[]> {
    const found = [...(await dns.resolve4(host).catch(() => [])), ...(await dns.resolve6(host).catch(() => []))];
    if (found.length === 0) throw Object.assign(new Error(`${host} has no A/AAAA record`), { code: "ENOTFOUND" });
    return found;
}

if (require.main === module) {
    run(process.argv.slice(2), { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`), env: process.env }).then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stderr.write(`verify failed unexpectedly: ${(e as Error).message}\n`);
            process.exit(2);
        },
    );
}
