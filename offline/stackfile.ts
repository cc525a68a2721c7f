/**
 * Turns `Pulumi.yaml` + `Pulumi.<stack>.yaml` into config exactly as the Pulumi CLI hands it to a
 * program (PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS): full `namespace:key` names, objects as JSON
 * text, and a key marked secret when any value inside it is `secure:`. The render cannot decrypt,
 * so each `secure:` value becomes a placeholder that is still a secret.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, YAMLParseError } from "yaml";
import type { RawConfig } from "../config/config";
import { plainLeaves } from "../config/secretLeaves";

/** What a `secure:` value becomes offline; never a real secret, but treated as one. */
function securePlaceholder(key: string): string {
    return `[secure value of ${key}]`;
}

/** A stack or project file is missing or malformed (a user error: no stack trace needed). */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

export interface StackFile {
    readonly project: string;
    readonly stack: string;
    /** How the file says its secrets are encrypted; undefined when it does not say (see secretsProviderOf). */
    readonly secretsProvider?: SecretsProvider;
    readonly config: RawConfig;
    /** The stack file's `config:` map as written (`secure:` values still encrypted): what summary.txt reports on. */
    readonly stackConfig: Record<string, unknown>;
}

export function readStackFile(projectDir: string, stack: string, stackFilePath?: string): StackFile {
    const projectFile = join(projectDir, "Pulumi.yaml");
    const stackFile = stackFilePath ?? join(projectDir, `Pulumi.${stack}.yaml`);
    if (!existsSync(stackFile)) {
        throw new StackFileError(`no stack file ${stackFile}; create it (see README, "Configuration reference", and docs/runbooks/bootstrap-environment.md)`);
    }
    const project = (parseYamlFile(projectFile) ?? {}) as { name?: string; config?: Record<string, unknown> };
    if (typeof project.name !== "string") {
        throw new StackFileError(`${projectFile}: missing project name`);
    }
    const settings = (parseYamlFile(stackFile) ?? {}) as { config?: Record<string, unknown> } & StackSecretsSettings;
    const stackConfig = settings.config ?? {};
    const secretsProvider = secretsProviderOf(settings);
    return {
        project: project.name,
        stack,
        ...(secretsProvider ? { secretsProvider } : {}),
        config: toRawConfig(project.name, project.config ?? {}, stackConfig),
        stackConfig,
    };
}

/** The stack file keys that say how its secrets are encrypted (sdk/go/common/workspace/project.go ProjectStack). */
interface StackSecretsSettings {
    readonly secretsprovider?: unknown;
    readonly encryptedkey?: unknown;
    readonly encryptionsalt?: unknown;
}

export type SecretsProvider = { readonly kind: "passphrase" } | { readonly kind: "cloud"; readonly url: string };

const CLOUD_PROVIDER = /^(awskms|azurekeyvault|gcpkms|hashivault):\/\/\S+$/;
const SALT = /^v1:[A-Za-z0-9+/=]+:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/;

/**
 * The secrets provider a stack file declares, as the Pulumi CLI reads it (pulumi/pulumi v3.248.0
 * pkg/cmd/pulumi/stack/secrets.go GetSecretsManager): a `secretsprovider:` URL of a cloud KMS (with
 * its `encryptedkey:`), else the passphrase provider when `encryptionsalt:` is set. With neither
 * (and `secretsprovider: passphrase` alone is neither: pkg/secrets/passphrase/manager.go blanks it
 * and reads the salt), the backend's default applies, which on Pulumi Cloud is the service's own
 * key, so the stack's own passphrase would protect nothing.
 */
export function secretsProviderOf(settings: StackSecretsSettings): SecretsProvider | undefined {
    const provider = settings.secretsprovider;
    if (typeof provider === "string" && CLOUD_PROVIDER.test(provider) && typeof settings.encryptedkey === "string" && settings.encryptedkey !== "") {
        return { kind: "cloud", url: provider };
    }
    if ((provider === undefined || provider === "passphrase") && typeof settings.encryptionsalt === "string" && SALT.test(settings.encryptionsalt)) {
        return { kind: "passphrase" };
    }
    return undefined;
}

/**
 * The stack file a render evaluates: read, and refused when it declares no secrets provider (the
 * per-stack passphrase or KMS key protects the stack only when the file declares it, issue 25).
 */
export function readRenderableStackFile(projectDir: string, stack: string, stackFilePath?: string): StackFile {
    const file = readStackFile(projectDir, stack, stackFilePath);
    if (file.secretsProvider === undefined) {
        throw new StackFileError(noSecretsProviderMessage(stackFilePath ?? `Pulumi.${stack}.yaml`));
    }
    return file;
}

/** What to do when a stack file declares no secrets provider (the render refuses it). */
function noSecretsProviderMessage(file: string): string {
    return (
        `${file}: declares no secrets provider, so the backend's default would encrypt its secrets (on Pulumi Cloud, the service's key, not the stack's passphrase): ` +
        "create the stack with `pulumi stack init <stack> --secrets-provider passphrase` (writes encryptionsalt:) or a KMS (`--secrets-provider awskms://...`, writes secretsprovider: and encryptedkey:), " +
        "or move an existing one with `pulumi stack change-secrets-provider`; docs/runbooks/bootstrap-environment.md"
    );
}

/**
 * Parses a YAML file; a syntax error becomes `file:line:col: message` followed by the offending
 * line (and the one before it, where indentation errors start) with a caret under the column,
 * never a stack trace. The yaml library's own message ends in "at line N, column M:" and an
 * excerpt; the position moves to the front and the excerpt is rebuilt from the file.
 */
export function parseYamlFile(path: string): unknown {
    const text = readFileSync(path, "utf8");
    try {
        return parse(text);
    } catch (err) {
        if (err instanceof YAMLParseError) {
            const pos = err.linePos?.[0];
            const where = pos ? `${path}:${pos.line}:${pos.col}` : path;
            const reason = err.message
                .split("\n")[0]
                .replace(/ at line \d+, column \d+:?$/, "")
                .replace(/:$/, "");
            throw new StackFileError([`${where}: YAML syntax error: ${reason}`, ...(pos ? yamlExcerpt(text, pos.line, pos.col) : [])].join("\n"));
        }
        throw err;
    }
}

/** The line at `line` (1-based) and the one before it, numbered, and a caret under column `col`. */
function yamlExcerpt(text: string, line: number, col: number): string[] {
    const lines = text.split(/\r?\n/);
    const width = String(line).length;
    const numbered = (n: number) => `  ${String(n).padStart(width)} | ${lines[n - 1] ?? ""}`;
    return [...(line > 1 ? [numbered(line - 1)] : []), numbered(line), `  ${" ".repeat(width)} | ${" ".repeat(Math.max(0, col - 1))}^`];
}

/** Project-level defaults first, then the stack's values; keys qualified with the project name. */
export function toRawConfig(projectName: string, projectConfig: Record<string, unknown>, stackConfig: Record<string, unknown>): RawConfig {
    const qualify = (key: string) => (key.includes(":") ? key : `${projectName}:${key}`);
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [key, decl] of Object.entries(projectConfig)) {
        const d = decl as { default?: unknown; value?: unknown } | string | number | boolean;
        const value = typeof d === "object" && d !== null ? (d.value ?? d.default) : d;
        if (value !== undefined) {
            values[qualify(key)] = encode(value);
        }
    }
    for (const [key, raw] of Object.entries(stackConfig)) {
        const full = qualify(key);
        let secret = false;
        const value = replaceSecure(raw, full, () => (secret = true));
        values[full] = encode(value);
        if (secret) {
            secretKeys.add(full);
        } else {
            secretKeys.delete(full);
        }
    }
    return { values, secretKeys, plainLeaves: plainLeaves(projectName, stackConfig) };
}

function replaceSecure(value: unknown, path: string, onSecret: () => void): unknown {
    if (Array.isArray(value)) {
        return value.map((v, i) => replaceSecure(v, `${path}[${i}]`, onSecret));
    }
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") {
            onSecret();
            return securePlaceholder(path);
        }
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) {
            out[k] = replaceSecure(v, `${path}.${k}`, onSecret);
        }
        return out;
    }
    return value;
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}
