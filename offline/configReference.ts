/**
 * The configuration reference (docs/configuration.md), generated from the zod schema and the
 * profile defaults so it cannot drift: one row per key path with type, default (or the per-profile
 * default), secrecy and description.
 */
import { z } from "zod";
import { NAMESPACE } from "../config/config";
import { PROFILE_DEFAULTS, type Profile, type ProfileDefaults } from "../config/profiles";
import { platformSchema } from "../config/schema";

interface JsonSchema {
    type?: string | string[];
    enum?: unknown[];
    description?: string;
    default?: unknown;
    secret?: boolean;
    properties?: Record<string, JsonSchema>;
    required?: string[];
    items?: JsonSchema;
    additionalProperties?: JsonSchema | boolean;
}

export interface ReferenceRow {
    readonly key: string;
    readonly type: string;
    /** `required`, `optional`, ``default `x` `` or ``by profile: dev `a` · prod `b` ``. */
    readonly required: string;
    readonly description: string;
}

/**
 * Keys whose default comes from the profile (config/profiles.ts), read where config/resolve.ts
 * reads them. A test resolves a dev and a prod config and checks each value below is the one used.
 */
export const PROFILE_KEYS: Readonly<Record<string, keyof ProfileDefaults>> = {
    [`${NAMESPACE}:cluster.k3s.etcdSnapshots.schedule`]: "etcdSnapshotSchedule",
    [`${NAMESPACE}:cluster.k3s.etcdSnapshots.retention`]: "etcdSnapshotRetention",
    [`${NAMESPACE}:networkPolicies`]: "networkPolicies",
    // Listed once the key exists in the schema (helper C's `platform:protect`); ignored until then.
    [`${NAMESPACE}:protect`]: "protectStateful",
    [`${NAMESPACE}:ingress.replicas`]: "replicas",
    [`${NAMESPACE}:storage.class`]: "storageClass",
    [`${NAMESPACE}:storage.longhorn.replicas`]: "volumeReplicas",
    [`${NAMESPACE}:monitoring.prometheus.retention`]: "metricsRetention",
    [`${NAMESPACE}:monitoring.prometheus.storageSize`]: "metricsStorage",
    [`${NAMESPACE}:monitoring.logs.retention`]: "logsRetention",
    [`${NAMESPACE}:monitoring.logs.storageSize`]: "logsStorage",
    [`${NAMESPACE}:monitoring.clickhouse.shards`]: "clickhouseShards",
    [`${NAMESPACE}:monitoring.clickhouse.storageSize`]: "clickhouseStorage",
    [`${NAMESPACE}:apps[].replicas`]: "replicas",
};

const PROFILES = Object.keys(PROFILE_DEFAULTS) as Profile[];

function byProfile(field: keyof ProfileDefaults): string {
    return "by profile: " + PROFILES.map((p) => `${p} \`${JSON.stringify(PROFILE_DEFAULTS[p][field])}\``).join(" · ");
}

/** Rows for every key under the namespace, depth first, in schema order. */
export function referenceRows(): ReferenceRow[] {
    const root = z.toJSONSchema(platformSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const rows: ReferenceRow[] = [];
    const visit = (schema: JsonSchema, key: string, required: boolean) => {
        const profileField = PROFILE_KEYS[key];
        rows.push({
            key,
            type: typeOf(schema),
            required: profileField
                ? byProfile(profileField)
                : schema.default !== undefined
                  ? `default \`${JSON.stringify(schema.default)}\``
                  : required
                    ? "required"
                    : "optional",
            description: (schema.secret ? "**Secret** (`pulumi config set --secret`). " : "") + (schema.description ?? ""),
        });
        const object = schema.type === "array" ? schema.items : schema;
        const prefix = schema.type === "array" ? `${key}[]` : key;
        for (const [name, child] of Object.entries(object?.properties ?? {})) {
            visit(child, `${prefix}.${name}`, (object?.required ?? []).includes(name));
        }
        // A map of objects (`s3.backends.<name>`): the keys of one entry, under `<name>`.
        const entry = mapValue(schema);
        if (entry?.properties) {
            for (const [name, child] of Object.entries(entry.properties)) {
                visit(child, `${key}.<name>.${name}`, (entry.required ?? []).includes(name));
            }
        }
    };
    for (const [name, child] of Object.entries(root.properties ?? {})) {
        visit(child, `${NAMESPACE}:${name}`, (root.required ?? []).includes(name));
    }
    return rows;
}

function typeOf(schema: JsonSchema): string {
    if (schema.enum) {
        return schema.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
    }
    if (schema.type === "array") {
        return `list of ${schema.items ? typeOf(schema.items) : "any"}`;
    }
    const entry = mapValue(schema);
    if (entry) {
        return `map of ${entry.properties ? "object" : typeOf(entry)}${entry.secret ? " (each value **Secret**)" : ""}`;
    }
    return Array.isArray(schema.type) ? schema.type.join(" \\| ") : (schema.type ?? "any");
}

/** The value schema of a map (`z.record`), undefined for anything else. */
function mapValue(schema: JsonSchema): JsonSchema | undefined {
    return schema.type === "object" && typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
}

function referenceTable(rows: readonly ReferenceRow[]): string {
    return [
        "| Key | Type | Default | Description |",
        "| --- | --- | --- | --- |",
        ...rows.map((r) => `| \`${r.key}\` | ${r.type} | ${r.required} | ${escapeCell(r.description)} |`),
    ].join("\n");
}

function escapeCell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** What a profile setting without a key of its own does (shown only while it has none). */
const WITHOUT_KEY: Partial<Record<keyof ProfileDefaults, string>> = {
    highAvailability:
        "PodDisruptionBudgets; two Prometheus and two Alertmanager replicas with hard anti-affinity; two Alloy and Longhorn UI replicas; two or more of Harbor's stateless parts; three Loki replicas when logs go to S3.",
    protectStateful:
        "Pulumi `protect` on stateful resources, and Longhorn and ClickHouse volumes kept (`Retain`) when their claim is deleted (docs/runbooks/teardown.md).",
    minServers: `the fewest entries \`${NAMESPACE}:cluster.k3s.servers\` may have.`,
};

/** Where the generated reference lives, relative to the project directory. */
export const REFERENCE_FILE = "docs/configuration.md";

/** The whole of docs/configuration.md: an introduction, the profile table, then one section per top-level key. */
export function referenceDocument(): string {
    const rows = referenceRows();
    const topKeys = rows.filter((r) => !r.key.slice(NAMESPACE.length + 1).includes(".") && !r.key.includes("["));
    const profileFields = Object.keys(PROFILE_DEFAULTS.dev) as (keyof ProfileDefaults)[];
    const existing = new Set(rows.map((r) => r.key));
    const keysOf = (field: keyof ProfileDefaults) =>
        Object.entries(PROFILE_KEYS)
            .filter(([k, f]) => f === field && existing.has(k))
            .map(([k]) => `\`${k}\``);
    const withoutKey = profileFields.filter((f) => keysOf(f).length === 0);
    const lines = [
        "<!-- Generated by `npm run docs:config -- --write` from config/schema*.ts and config/profiles.ts. Do not edit by hand: test/config/docs.test.ts fails when this file and the generator disagree. -->",
        "# Configuration reference",
        "",
        `Every key lives under the \`${NAMESPACE}:\` namespace of a stack file (\`Pulumi.<stack>.yaml\`, under \`config:\`).`,
        "Nested keys are written as YAML objects in the stack file and as `--path` in the CLI:",
        `\`pulumi config set --path 'cluster.k3s.ssh.user' ubuntu\` sets \`${NAMESPACE}:cluster.k3s.ssh.user\`.`,
        "Keys marked **Secret** must be set with `pulumi config set --secret --path '<key>'`; a secret given in",
        "plain text is refused, leaf by leaf, with that command. Invalid config stops `pulumi up`, `pulumi preview`",
        "and `npm run render` before any resource exists, with every problem listed by key.",
        "",
        "Default column: `required` must be set; `optional` has no default (the description says what happens",
        "without it); `default` is the value used when the key is absent; `by profile` is the value the profile",
        `(\`${NAMESPACE}:profile\`) chooses when the key is absent.`,
        "",
        "## Profile defaults",
        "",
        "From `config/profiles.ts`. A key in the right column overrides its profile default in one stack.",
        "",
        `| Setting | ${PROFILES.join(" | ")} | Key |`,
        `| --- | ${PROFILES.map(() => "---").join(" | ")} | --- |`,
        ...profileFields.map(
            (f) =>
                `| ${f} | ${PROFILES.map((p) => `\`${JSON.stringify(PROFILE_DEFAULTS[p][f])}\``).join(" | ")} | ${keysOf(f).join(", ") || "(no key; see below)"} |`,
        ),
        "",
        "Settings without a key of their own:",
        ...withoutKey.map((f) => `- \`${f}\`: ${WITHOUT_KEY[f] ?? "see config/profiles.ts."}`),
        "",
        "An app's memory limit, when not set, is twice its request in dev and equal to it in prod.",
        "",
        "## Keys",
        "",
        ...topKeys.map((t) => `- [\`${t.key}\`](#${anchor(t.key)})`),
    ];
    for (const top of topKeys) {
        const section = rows.filter((r) => r.key === top.key || r.key.startsWith(`${top.key}.`) || r.key.startsWith(`${top.key}[`));
        lines.push("", `## ${top.key}`, "", referenceTable(section));
    }
    return lines.join("\n") + "\n";
}

/** GitHub's heading anchor for `## platform:cluster` -> `platformcluster`. */
function anchor(heading: string): string {
    return heading
        .toLowerCase()
        .replace(/[^a-z0-9 _-]/g, "")
        .replace(/ /g, "-");
}
