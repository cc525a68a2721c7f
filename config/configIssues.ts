/**
 * Turns zod issues into the one-line messages `ConfigError` lists: each names its key
 * (`platform:cluster.k3s.servers[1].host`), says what was expected, suggests a known key for a
 * typo, and never echoes a secret field's value.
 */
import * as pulumi from "@pulumi/pulumi";
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { platformSchema, SECRET_REQUIRED } from "./schema";

/** The config namespace: the Pulumi project name. */
export const NAMESPACE = "platform";

/** Invalid stack configuration; `problems` holds one line per problem, each naming its key. */
export class ConfigError extends pulumi.RunError {
    constructor(public readonly problems: readonly string[]) {
        super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` + problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "ConfigError";
    }
}

/** `["cluster","k3s","servers",1,"host"]` -> `platform:cluster.k3s.servers[1].host`. */
function keyPath(path: readonly PropertyKey[]): string {
    let out = NAMESPACE + ":";
    path.forEach((seg, i) => {
        if (typeof seg === "number") {
            out += `[${seg}]`;
        } else {
            out += (i === 0 ? "" : ".") + String(seg);
        }
    });
    return out;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
    const lines: string[] = [];
    for (const issue of issues) {
        const path = issue.path as PropertyKey[];
        // Never echo a secret field's value, nor an object or list that could hold one.
        const got = "input" in issue && !isSecretField(path) ? show(issue.input) : "";
        switch (issue.code) {
            case "unrecognized_keys":
                for (const key of issue.keys) {
                    lines.push(`${keyPath([...path, key])}: unknown key${suggest(key, knownKeys(path))}`);
                }
                break;
            case "invalid_type":
                if (issue.input === undefined) {
                    lines.push(`${keyPath(path)}: required key is missing (expected ${describeExpected(path, issue.expected)})`);
                } else {
                    lines.push(`${keyPath(path)}: expected ${describeExpected(path, issue.expected)}${got}`);
                }
                break;
            case "invalid_value": {
                const oneOf = `one of ${issue.values.map((v) => String(v)).join(", ")}`;
                lines.push(
                    issue.input === undefined ? `${keyPath(path)}: required key is missing (expected ${oneOf})` : `${keyPath(path)}: expected ${oneOf}${got}`,
                );
                break;
            }
            case "invalid_key":
                // A record key failed its check; the inner issue carries our "expected ..." text.
                lines.push(`${keyPath(path)}: ${issue.issues[0]?.message ?? issue.message}${got}`);
                break;
            case "too_small":
            case "too_big":
                lines.push(`${keyPath(path)}: ${issue.message.replace(/^Too (small|big): /, "")}${got}`);
                break;
            case "custom":
                if (issue.params?.[SECRET_REQUIRED]) {
                    lines.push(plainSecretProblem(path));
                } else {
                    // A refine on a parent reports the parent's value as input: only echo primitives here.
                    const primitive = typeof issue.input !== "object";
                    lines.push(`${keyPath(path)}: ${issue.message}${issue.message.includes(", got ") || !primitive ? "" : got}`);
                }
                break;
            default:
                lines.push(`${keyPath(path)}: ${issue.message}${got}`);
        }
    }
    return [...new Set(lines)];
}

/** The one message for a secret given in plain text, with the command that stores it encrypted. */
export function plainSecretProblem(path: readonly PropertyKey[], valueLooksLike?: string): string {
    const dotted = keyPath(path).slice(NAMESPACE.length + 1);
    const why = valueLooksLike === undefined ? "" : ` (its value looks like ${valueLooksLike})`;
    return `${keyPath(path)}: must be a secret but was given in plain text${why}; set it with: pulumi config set --secret --path '${dotted}' < file`;
}

/** `, got "x"` for a primitive input; objects and lists are only named, so no nested secret leaks. */
function show(value: unknown): string {
    if (Array.isArray(value)) {
        return `, got a list of ${value.length}`;
    }
    if (value !== null && typeof value === "object") {
        return ", got an object";
    }
    if (value === undefined) {
        return "";
    }
    const text = JSON.stringify(value);
    return `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function suggest(key: string, candidates: readonly string[]): string {
    if (candidates.length === 0) {
        return "";
    }
    const best = closest(key, candidates as string[]);
    const limit = Math.max(2, Math.floor(best.length / 3));
    return distance(key.toLowerCase(), best.toLowerCase()) <= limit ? ` (did you mean '${best}'?)` : ` (known keys: ${candidates.join(", ")})`;
}

/** Walks the schema along a config path, through optional/default/pipe/array wrappers. */
function schemaAt(path: readonly PropertyKey[]): z.core.$ZodType | undefined {
    let node: z.core.$ZodType | undefined = platformSchema;
    for (const seg of [...path, undefined]) {
        node = unwrap(node);
        if (seg === undefined || node === undefined) {
            break;
        }
        const def = node._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType; valueType?: z.core.$ZodType };
        if (def.type === "object" && typeof seg === "string") {
            node = def.shape?.[seg];
        } else if (def.type === "array" && typeof seg === "number") {
            node = def.element;
        } else if (def.type === "record" && typeof seg === "string") {
            // A map's values share one schema (e.g. secret env vars: record of secretString).
            node = def.valueType;
        } else {
            return undefined;
        }
    }
    return node;
}

function unwrap(node: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
    let current = node;
    for (;;) {
        const def = current?._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType } | undefined;
        if (def && (def.type === "optional" || def.type === "default" || def.type === "nullable" || def.type === "prefault")) {
            current = def.innerType;
        } else if (def && def.type === "pipe") {
            current = def.in;
        } else {
            return current;
        }
    }
}

function knownKeys(path: readonly PropertyKey[]): string[] {
    const node = schemaAt(path);
    const def = node?._zod.def as { type: string; shape?: Record<string, unknown> } | undefined;
    return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function metaOf(path: readonly PropertyKey[]): { description?: string; secret?: boolean } | undefined {
    // `.meta()` registers on the wrapper it is called on, so look at each layer down the chain.
    let node = schemaAt(path.slice(0, -1));
    const last = path[path.length - 1];
    const def = unwrap(node)?._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; valueType?: z.core.$ZodType } | undefined;
    if (def?.type === "object" && typeof last === "string") {
        node = def.shape?.[last];
    } else if (def?.type === "record" && typeof last === "string") {
        node = def.valueType;
    } else {
        node = undefined;
    }
    while (node) {
        const meta = z.globalRegistry.get(node) as { description?: string; secret?: boolean } | undefined;
        if (meta) {
            return meta;
        }
        const inner = node._zod.def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType };
        node = inner.innerType ?? inner.in;
    }
    return undefined;
}

export function isSecretField(path: readonly PropertyKey[]): boolean {
    return metaOf(path)?.secret === true;
}

function describeExpected(path: readonly PropertyKey[], expected: string): string {
    const description = metaOf(path)?.description;
    return description ? `${expected}: ${description.replace(/\.$/, "")}` : expected;
}
