/**
 * Shared plumbing of the application delivery CLIs: where a stack's file is, reading and writing
 * it, and the digest a promotion copies ("from" another stack).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { AppImageError, assertDigest, readApp } from "./appStackFile";
import type { CliIo } from "./cliIo";

const STACK = /^[A-Za-z0-9_.-]+$/;

export interface StackFileRef {
    readonly stack: string;
    readonly path: string;
    /** Display name in messages. */
    readonly file: string;
}

export function stackFile(io: CliIo, stack: string, override?: string): StackFileRef {
    if (!STACK.test(stack)) {
        throw new AppImageError(`stack: expected a stack name such as dev or prod-eu, got "${stack}"`);
    }
    const path = override ? (isAbsolute(override) ? override : join(io.cwd, override)) : join(io.cwd, `Pulumi.${stack}.yaml`);
    if (!existsSync(path)) {
        throw new AppImageError(`no stack file ${path}`);
    }
    return { stack, path, file: override ?? `Pulumi.${stack}.yaml` };
}

export const readText = (ref: StackFileRef): string => readFileSync(ref.path, "utf8");
export const writeText = (ref: StackFileRef, text: string): void => writeFileSync(ref.path, text);

/**
 * The digest to deploy: a literal `sha256:...`, or `from:<stack>` / `from-<stack>` meaning the
 * digest that stack's file runs (promotion never rebuilds, it copies what the earlier stage ran).
 */
export function resolveDigest(io: CliIo, app: string, spec: string): string {
    const from = /^from[:-]([A-Za-z0-9_.-]+)$/.exec(spec) ?? (spec === "from dev" ? [spec, "dev"] : null);
    if (from) {
        const ref = stackFile(io, from[1]);
        const digest = readApp(readText(ref), app, ref.file).digest;
        if (digest === undefined) {
            throw new AppImageError(`${ref.file}: platform:apps[${app}].image.digest is not set: nothing to promote from ${from[1]}`);
        }
        assertDigest(digest, `${ref.file}: platform:apps[${app}].image.digest`);
        return digest;
    }
    assertDigest(spec);
    return spec;
}

/** Runs a CLI body, turning user errors into one line on stderr and exit 1. */
export async function guarded(io: CliIo, name: string, body: () => Promise<number>): Promise<number> {
    try {
        return await body();
    } catch (err) {
        if (err instanceof AppImageError) {
            io.err(`${name}: ${err.message}`);
            return 1;
        }
        io.err(`${name} failed: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
    }
}
