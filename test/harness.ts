/**
 * Test harness over the render's own mocks, collector and evaluation (offline/): the stack files'
 * evaluations the global setup made once per run (`evaluateStack`, test/shared.ts), index.ts evaluated
 * with an inline config (`evaluateConfig`, `configProblems`), mocks for component tests built with
 * literal Args (`mockedComponents`), finders for recorded resources and the test's fake secrets.
 */
import { join } from "node:path";
import { ConfigError, parsePlatformConfig, type RawConfig } from "../config/config";
import { withMocks } from "../offline/evaluate";
import { evaluateProgram } from "../offline/render";
import type { Collector, RecordedResource } from "../offline/mocks";
import { toRawConfig } from "../offline/stackfile";
import { sharedEvaluation, type SharedEvaluation } from "./shared";

export const PROJECT_DIR = join(__dirname, "..");

/**
 * Pulumi.<stack>.yaml evaluated exactly as the render does. The global setup evaluated every stack
 * file once for the whole run (test/shared.ts); this reads that result.
 */
export async function evaluateStack(stack: string): Promise<SharedEvaluation> {
    return sharedEvaluation(stack);
}

/**
 * Evaluates index.ts with inline config. `config` is the stack file's `config:` map (keys with or
 * without `platform:`); `secure` wraps a value the way `pulumi config set --secret` stores it.
 * Also returns the Platform's network model (flows and network), as the render reads it.
 */
export async function evaluateConfig(config: Record<string, unknown>, stack = "test"): ReturnType<typeof evaluateProgram> {
    return evaluateProgram({ project: "platform", stack, config: rawConfig(config) });
}

/**
 * Stack-file `config:` map -> what the CLI hands the program after decrypting: plaintext values,
 * with every key that holds a `secure` value listed as secret. Tests keep the plaintext so they can
 * prove it never leaks; the render's reader (offline/stackfile.ts) uses placeholders instead.
 */
export function rawConfig(config: Record<string, unknown>): RawConfig {
    const { secretKeys, plainLeaves } = toRawConfig("platform", {}, config);
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        const plain = unwrapSecure(value);
        values[key.includes(":") ? key : `platform:${key}`] = typeof plain === "string" ? plain : JSON.stringify(plain);
    }
    return { values, secretKeys, plainLeaves };
}

/** Marks a value as set with --secret (in tests the "ciphertext" is the plaintext itself). */
export function secure(value: string): { secure: string } {
    return { secure: value };
}

function unwrapSecure(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(unwrapSecure);
    }
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") {
            return obj.secure;
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecure(v)]));
    }
    return value;
}

/** All resources of a type. */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

/** The one resource with this name; fails the test when absent. */
export function byName(resources: readonly RecordedResource[], name: string): RecordedResource {
    const found = resources.find((r) => r.name === name);
    if (!found) {
        throw new Error(`no resource named ${name}; have: ${resources.map((r) => r.name).join(", ")}`);
    }
    return found;
}

/** Every string anywhere in the recorded resources and outputs (for leak checks). */
export function allStrings(value: unknown): string[] {
    if (typeof value === "string") {
        return [value];
    }
    if (Array.isArray(value)) {
        return value.flatMap(allStrings);
    }
    if (value !== null && typeof value === "object") {
        return Object.values(value).flatMap(allStrings);
    }
    return [];
}

/** A valid single-server k3s config (stack-file form) tests start from and break one rule at a time. */
export function k3sStackConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        "platform:profile": "dev",
        "platform:domain": "dev.example.com",
        "platform:cluster": {
            mode: "k3s",
            k3s: {
                version: "v1.36.4+k3s1",
                ssh: { user: "ubuntu", privateKey: secure(TEST_SSH_KEY) },
                servers: [{ name: "node-1", host: "192.0.2.10", hostKey: TEST_HOST_KEY }],
            },
        },
        // The signer admission checks app images against (on only when the config has apps).
        "platform:admission": { signer: { repository: "example-org/platform" } },
        ...overrides,
    };
}

/** A well-formed SSH host key (ed25519, made for the tests) every test node presents. */
export const TEST_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAYgerrCEToBk5xsccsXzAt3LLuSXJBPB3BqrVT9QKix";

/** Fake secrets the tests hand in; none may ever appear outside "[secret]". */
export const TEST_SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\ntest-ssh-key-material-7f3a\n-----END OPENSSH PRIVATE KEY-----";
export const TEST_S3_SECRET = "test-s3-secret-access-key-91c2";
export const TEST_KUBECONFIG =
    "apiVersion: v1\nkind: Config\nclusters:\n- name: eks\n  cluster:\n    server: https://eks.example.com\n" +
    "contexts:\n- name: admin@eks\n  context:\n    cluster: eks\n    user: admin\ncurrent-context: admin@eks\n" +
    "users:\n- name: admin\n  user:\n    token: test-kubeconfig-token-55d0\n";

/**
 * For component tests: sets Pulumi mocks before the file's tests and gives the shared recorder.
 * `settle()` waits until every registration so far has been recorded.
 */
export function mockedComponents(): { readonly collector: Collector; settle(): Promise<void> } {
    const ctx = {} as { collector: Collector; settle(): Promise<void> };
    beforeAll(async () => {
        Object.assign(ctx, await withMocks());
    });
    return ctx;
}

/** Parses a stack-file style config map the way `pulumi up` does; returns its problems (empty when valid). */
export function configProblems(config: Record<string, unknown>): string[] {
    try {
        parsePlatformConfig(rawConfig(config));
        return [];
    } catch (err) {
        if (!(err instanceof ConfigError)) {
            throw err;
        }
        return [...err.problems];
    }
}
