/**
 * Where `verify` gets its kubeconfig, in order: `--kubeconfig <file>`, `$KUBECONFIG` (files joined
 * by the path delimiter, merged like kubectl does: the first file's current context wins), or the
 * stack's own `kubeconfig` output through the Pulumi CLI when `pulumi` is on PATH. The kubeconfig
 * holds credentials: it is never printed, and the Pulumi output is only ever held in memory.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";

export interface KubeconfigSource {
    readonly kc: KubeConfig;
    /** Where it came from, for the progress line (a path, `$KUBECONFIG` or the stack output). */
    readonly from: string;
}

export interface KubeconfigInputs {
    readonly stack: string;
    readonly file?: string;
    readonly context?: string;
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Runs `pulumi stack output kubeconfig --show-secrets -s <stack>`; injectable for tests. */
    readonly pulumiOutput?: (stack: string) => string;
}

/** The kubeconfig could not be found or read: a usage problem (exit 2), with what to do. */
export class KubeconfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "KubeconfigError";
    }
}

function onPath(binary: string, env: KubeconfigInputs["env"]): boolean {
    return (env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, binary)));
}

function pulumiKubeconfig(stack: string): string {
    const res = spawnSync("pulumi", ["stack", "output", "kubeconfig", "--show-secrets", "-s", stack], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    if (res.status !== 0) {
        // stderr names the problem (not logged in, no such stack); stdout would be the secret.
        throw new KubeconfigError(`pulumi stack output kubeconfig -s ${stack} failed: ${(res.stderr || String(res.error ?? "")).trim().split("\n")[0]}`);
    }
    return res.stdout;
}

/**
 * @kubernetes/client-node is loaded when a kubeconfig is, not when verify is: its 2,500 generated API
 * modules take longer to load than `--help` or a bad argument takes to answer.
 */
function newKubeConfig(): KubeConfig {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { KubeConfig: Impl } = require("@kubernetes/client-node") as typeof import("@kubernetes/client-node");
    return new Impl();
}

function load(text: string, origin: string): KubeConfig {
    const kc = newKubeConfig();
    try {
        kc.loadFromString(text);
    } catch (err) {
        throw new KubeconfigError(`${origin} is not a valid kubeconfig: ${(err as Error).message.split("\n")[0]}`);
    }
    return kc;
}

function readFile(path: string, origin: string): KubeConfig {
    if (!existsSync(path)) throw new KubeconfigError(`${origin}: no such file ${path}`);
    return load(readFileSync(path, "utf8"), `${origin} (${path})`);
}

export function resolveKubeconfig(inputs: KubeconfigInputs): KubeconfigSource {
    let kc: KubeConfig;
    let from: string;
    if (inputs.file !== undefined) {
        kc = readFile(inputs.file, "--kubeconfig");
        from = inputs.file;
    } else if (inputs.env.KUBECONFIG) {
        const files = inputs.env.KUBECONFIG.split(delimiter).filter((f) => f !== "");
        kc = readFile(files[0], "$KUBECONFIG");
        for (const more of files.slice(1).filter((f) => existsSync(f))) {
            kc.mergeConfig(readFile(more, "$KUBECONFIG"), true);
        }
        from = "$KUBECONFIG";
    } else if (inputs.pulumiOutput !== undefined || onPath("pulumi", inputs.env)) {
        kc = load((inputs.pulumiOutput ?? pulumiKubeconfig)(inputs.stack), `the stack output 'kubeconfig' of ${inputs.stack}`);
        from = `pulumi stack output kubeconfig -s ${inputs.stack}`;
    } else {
        throw new KubeconfigError(
            "no kubeconfig: pass --kubeconfig <file>, set KUBECONFIG, or install the pulumi CLI so the stack's kubeconfig output can be read",
        );
    }
    if (inputs.context !== undefined) {
        if (!kc.getContexts().some((c) => c.name === inputs.context)) {
            throw new KubeconfigError(
                `the kubeconfig has no context '${inputs.context}' (has: ${
                    kc
                        .getContexts()
                        .map((c) => c.name)
                        .join(", ") || "none"
                })`,
            );
        }
        kc.setCurrentContext(inputs.context);
    }
    if (!kc.getCurrentCluster()) throw new KubeconfigError(`the kubeconfig from ${from} has no current context/cluster; pass --context`);
    return { kc, from };
}
