/**
 * Secrecy leaf by leaf. Pulumi tells a program only which top-level keys hold a `secure:` value
 * (PULUMI_CONFIG_SECRET_KEYS), so a plain-text password next to an encrypted one under the same key
 * looks secret. The stack file itself says which leaves are `secure:`; this module reads that and
 * finds every secret-like leaf given in plain text.
 */
import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";

/**
 * Keys whose value is a credential, whatever the schema says (the end of the key, any case, `-` and
 * `_` ignored): password, token, apiToken, apiKey, secretKey, privateKey, secretAccessKey,
 * accessKeySecret, tsigSecret, webhookUrl, routingKey, passphrase, kubeconfig, credentials.
 */
const SECRET_LIKE_KEY = /(password|passwd|passphrase|token|secret|secretkey|secretaccesskey|privatekey|apikey|webhookurl|routingkey|kubeconfig|credentials?)$/i;
/** Keys that name a Secret object (or a key inside one) instead of holding a value. */
const SECRET_REFERENCE_KEY = /(existingsecret|secretname|secretref|secretkeyref|tlssecret|keyname)$/i;

/**
 * Values that are credentials whatever key holds them: what each pattern catches. Judged on plain
 * leaves only (a `secure:` leaf is fine), and never echoed: the message names the key and the kind.
 */
const SECRET_VALUES: readonly (readonly [RegExp, string])[] = [
    [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i, "a URL with a password in it"],
    [
        /(?:^|[\s;&?,"'{(])(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key[_-]?secret)\s*[=:]\s*[^\s;&,"')}]{4,}/i,
        "a password=/token= setting with a value",
    ],
    [/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, "a private key"],
    [/\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{60,}\b/, "a GitHub token"],
    [/\bglpat-[A-Za-z0-9_-]{20,}\b/, "a GitLab token"],
    [/\bxox[abprs]-[A-Za-z0-9-]{10,}\b/, "a Slack token"],
    [/^https:\/\/hooks\.slack\.com\/services\/[A-Z0-9]+\/[A-Z0-9]+\/[A-Za-z0-9]+/, "a Slack webhook URL"],
    [/\bAIza[0-9A-Za-z_-]{35}\b/, "a Google API key"],
    [/\bnpm_[A-Za-z0-9]{36}\b/, "an npm token"],
    [/\b(?:sk|rk)_live_[A-Za-z0-9]{16,}\b/, "a Stripe secret key"],
    [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, "a JSON web token"],
];

/** What kind of credential a value is, by its shape alone; undefined when it looks like none. */
export function secretValueKind(value: string): string | undefined {
    return SECRET_VALUES.find(([pattern]) => pattern.test(value))?.[1];
}

/** Whether a config key, by its name alone, must hold a secret. */
export function isSecretLikeKey(key: string): boolean {
    const bare = key.replace(/[-_]/g, "");
    return SECRET_LIKE_KEY.test(bare) && !SECRET_REFERENCE_KEY.test(bare);
}

/**
 * Offline evaluations (render, tests) hand the program `{ plainLeaves }` here instead of a file
 * (`plainLeaves` undefined: inline config with no stack file, judged by top-level key).
 */
export const OFFLINE_PLAIN_LEAVES = Symbol.for("platform.config.plainLeaves");

/** `path` segments -> `platform:cluster.k3s.servers[1].host` (the key path every config error uses). */
function leafPath(fullKey: string, path: readonly (string | number)[]): string {
    return path.reduce<string>((out, seg) => (typeof seg === "number" ? `${out}[${seg}]` : `${out}.${seg}`), fullKey);
}

/**
 * Every scalar leaf of a stack file's `config:` map given in plain text (not `{ secure: ... }`),
 * as full key paths. Keys without a namespace get the project's.
 */
export function plainLeaves(projectName: string, stackConfig: Record<string, unknown>): Set<string> {
    const out = new Set<string>();
    const walk = (value: unknown, fullKey: string, path: (string | number)[]): void => {
        if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, fullKey, [...path, i]));
        } else if (value !== null && typeof value === "object") {
            const obj = value as Record<string, unknown>;
            if (Object.keys(obj).length === 1 && typeof obj.secure === "string") {
                return;
            }
            for (const [k, v] of Object.entries(obj)) {
                walk(v, fullKey, [...path, k]);
            }
        } else if (value !== null && value !== undefined) {
            out.add(leafPath(fullKey, path));
        }
    };
    for (const [key, value] of Object.entries(stackConfig)) {
        walk(value, key.includes(":") ? key : `${projectName}:${key}`, []);
    }
    return out;
}

/** The plain leaves of one stack file, or undefined when there is no such file (e.g. `--config-file` elsewhere). */
export function plainLeavesOfFile(file: string, projectName: string): Set<string> | undefined {
    if (!existsSync(file)) {
        return undefined;
    }
    const settings = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    return plainLeaves(projectName, settings.config ?? {});
}

/** A secret leaf given in plain text, and what gave it away when it was its value (secretValueKind). */
export interface PlainSecretLeaf {
    readonly path: (string | number)[];
    readonly valueLooksLike?: string;
}

/**
 * Secret leaves given in plain text. A string or number leaf is checked when the schema marks it
 * secret (`isSchemaSecret`), its key looks like a credential, or its value does (a URL with a
 * password, `password=...`, a well-known token format); it is plain text when the stack file gives
 * it without `secure:` (`plain`), or, with no stack file to read, when Pulumi did not mark its
 * top-level key secret at all.
 */
export function plaintextSecretLeaves(
    input: Record<string, unknown>,
    opts: {
        readonly plain: ReadonlySet<string> | undefined;
        readonly secretTopKeys: ReadonlySet<string>;
        readonly namespace: string;
        readonly isSchemaSecret: (path: readonly (string | number)[]) => boolean;
    },
): PlainSecretLeaf[] {
    const found: PlainSecretLeaf[] = [];
    const walk = (value: unknown, path: (string | number)[]): void => {
        if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, [...path, i]));
            return;
        }
        if (value !== null && typeof value === "object") {
            for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
                walk(v, [...path, k]);
            }
            return;
        }
        if ((typeof value !== "string" && typeof value !== "number") || value === "") {
            return;
        }
        const last = path[path.length - 1];
        const byKey = opts.isSchemaSecret(path) || (typeof last === "string" && isSecretLikeKey(last));
        // The value is judged only where the key does not already say it is secret (one message per leaf).
        const byValue = !byKey && typeof value === "string" ? secretValueKind(value) : undefined;
        if (!byKey && byValue === undefined) {
            return;
        }
        const top = String(path[0]);
        const fileSaysPlain = opts.plain?.has(leafPath(`${opts.namespace}:${top}`, path.slice(1))) ?? false;
        if (fileSaysPlain || !opts.secretTopKeys.has(top)) {
            found.push({ path, ...(byValue !== undefined ? { valueLooksLike: byValue } : {}) });
        }
    };
    for (const [key, value] of Object.entries(input)) {
        walk(value, [key]);
    }
    return found;
}
