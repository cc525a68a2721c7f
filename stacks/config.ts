/**
 * Reads the `platform:` config namespace ONCE, validates it with the zod schema, applies the
 * profile defaults and returns a frozen, typed `PlatformConfig`. Invalid config throws a
 * `ConfigError` (a `pulumi.RunError`, so `pulumi up` prints the list without a stack trace)
 * before any resource exists.
 */
import * as pulumi from "@pulumi/pulumi";
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { PROFILE_DEFAULTS, Profile, ProfileDefaults } from "./profiles";
import { join } from "node:path";
import { effectiveSolver, nodeExternalAddress } from "./reachability";
import { ParsedPlatformConfig, platformSchema, SECRET_REQUIRED, secretContext } from "./schema";
import type { AppSpec } from "./schemaApps";
import { OFFLINE_PLAIN_LEAVES, plainLeavesOfFile, plaintextSecretLeaves } from "./secretLeaves";

/** The config namespace: the Pulumi project name. */
export const NAMESPACE = "platform";

type Parsed = ParsedPlatformConfig;
type ParsedK3s = NonNullable<Parsed["cluster"]["k3s"]>;

/** One k3s node as configured. */
export type NodeConfig = ParsedK3s["servers"][number];

/** k3s settings with profile defaults resolved. */
export interface K3sConfig extends Omit<ParsedK3s, "etcdSnapshots"> {
    readonly etcdSnapshots: {
        readonly schedule: string;
        readonly retention: number;
        readonly s3?: NonNullable<ParsedK3s["etcdSnapshots"]["s3"]>;
    };
}

export type ExistingClusterConfig = NonNullable<Parsed["cluster"]["existing"]>;

export type ClusterConfig =
    | { readonly mode: "k3s"; readonly k3s: K3sConfig }
    | { readonly mode: "existing"; readonly existing: ExistingClusterConfig };

export type NamespaceConfig = Parsed["namespaces"][number];

/** Ingress settings with kind and replicas resolved from the cluster mode and profile. */
export interface IngressConfig extends Omit<Parsed["ingress"], "kind" | "replicas"> {
    readonly kind: "deployment" | "daemonset";
    readonly replicas: number;
}

type ParsedTls = Parsed["tls"];
/** DNS-01 credentials: `tls.acme.dns01`, or the `platform:dns` provider's. */
export type Dns01Config = NonNullable<NonNullable<ParsedTls["acme"]>["dns01"]>;

/** TLS settings with the ACME solver resolved (DNS-01 whenever a DNS provider can answer it). */
export interface TlsConfig extends Omit<ParsedTls, "acme"> {
    readonly acme?: {
        readonly email: string;
        readonly solver: "http01" | "dns01";
        readonly dns01?: Dns01Config;
        /** ACME directory URL; undefined: Let's Encrypt's for the issuer. */
        readonly server?: string;
        /** PEM CAs of a private ACME server (the e2e stack's Pebble). */
        readonly caBundle?: string;
    };
}

/** DNS settings with the zones resolved (default: the platform domain). */
export interface DnsConfig extends Omit<Parsed["dns"], "domainFilters"> {
    readonly domainFilters: readonly string[];
}

/** Harbor settings with the host resolved (default registry.<domain>). */
export interface HarborConfig extends Omit<Parsed["harbor"], "host"> {
    readonly host: string;
}

/** Storage settings with the class, replicas and UI host resolved. */
export interface StorageConfig {
    readonly class: "local-path" | "longhorn";
    readonly longhorn: Omit<Parsed["storage"]["longhorn"], "replicas" | "ui"> & {
        readonly replicas: number;
        readonly ui: { readonly enabled: boolean; readonly host: string };
    };
}

/** Monitoring settings with retention and storage resolved from the profile. */
export interface MonitoringConfig {
    readonly enabled: boolean;
    readonly grafana: { readonly enabled: boolean; readonly host: string };
    readonly prometheus: { readonly retention: string; readonly storageSize: string };
    readonly alertmanager: Parsed["monitoring"]["alertmanager"];
    readonly logs: Omit<Parsed["monitoring"]["logs"], "retention" | "storageSize"> & { readonly retention: string; readonly storageSize: string };
    readonly clickhouse: { readonly enabled: boolean; readonly shards: number; readonly replicas: number; readonly storageSize: string };
    readonly deepflow: Parsed["monitoring"]["deepflow"];
}

/** One app with host, replica count and memory limit resolved from the domain and profile. */
export interface AppConfig extends Omit<AppSpec, "host" | "resources"> {
    readonly host: string;
    /** Fixed replicas (when not autoscaling): the spec's, else the profile's. */
    readonly replicas: number;
    readonly resources: {
        readonly requests: { readonly cpu: string; readonly memory: string };
        readonly limits: { readonly memory: string; readonly cpu?: string };
    };
}

/** The whole platform configuration, validated, with profile defaults applied. */
export interface PlatformConfig {
    readonly profile: Profile;
    readonly domain: string;
    /** Profile defaults (replicas, HA, protection) every component sizes itself from. */
    readonly defaults: ProfileDefaults;
    readonly cluster: ClusterConfig;
    readonly namespaces: readonly NamespaceConfig[];
    readonly ingress: IngressConfig;
    readonly tls: TlsConfig;
    readonly dns: DnsConfig;
    readonly harbor: HarborConfig;
    readonly storage: StorageConfig;
    readonly monitoring: MonitoringConfig;
    readonly apps: readonly AppConfig[];
}

/** Config as Pulumi hands it to a program: string values per full key, and which keys are secret. */
export interface RawConfig {
    /** `platform:cluster` -> JSON text or plain string, exactly as in PULUMI_CONFIG. */
    readonly values: Readonly<Record<string, string>>;
    /** Full keys Pulumi marks secret (a nested `secure:` value marks its whole top-level key). */
    readonly secretKeys: ReadonlySet<string>;
    /**
     * Leaves the stack file gives in plain text (`platform:cluster.k3s.etcdSnapshots.s3.secretKey`),
     * which lets validation judge secrecy leaf by leaf. Undefined when no stack file could be read:
     * then a secret field is plain text only when its whole top-level key is.
     */
    readonly plainLeaves?: ReadonlySet<string>;
}

/** Invalid stack configuration; `problems` holds one line per problem, each naming its key. */
export class ConfigError extends pulumi.RunError {
    constructor(public readonly problems: readonly string[]) {
        super(
            `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Reads the running program's config (the CLI's PULUMI_CONFIG, or mocks' setAllConfig). */
export function readPulumiConfig(): RawConfig {
    // isConfigSecret is the SDK's own (internal) answer to "was this key set with --secret";
    // there is no public equivalent that does not also log a warning for every secret read.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
    const values = pulumi.runtime.allConfig();
    const secretKeys = new Set(Object.keys(values).filter((k) => runtimeConfig.isConfigSecret(k)));
    // The CLI runs the program in the project directory, next to the stack file (PLATFORM_STACK_FILE
    // names another one, e.g. with `pulumi --config-file`); offline evaluations hand the leaves over.
    const offline = (globalThis as Record<symbol, { plainLeaves?: ReadonlySet<string> } | undefined>)[OFFLINE_PLAIN_LEAVES];
    const file = process.env.PLATFORM_STACK_FILE ?? join(process.cwd(), `Pulumi.${pulumi.getStack()}.yaml`);
    const plainLeaves = offline ? offline.plainLeaves : plainLeavesOfFile(file, pulumi.getProject());
    return { values, secretKeys, ...(plainLeaves ? { plainLeaves } : {}) };
}

/** Validates and resolves config; throws `ConfigError` listing every problem. */
export function parsePlatformConfig(raw: RawConfig): PlatformConfig {
    const input: Record<string, unknown> = {};
    const secretTopKeys = new Set<string>();
    for (const [fullKey, text] of Object.entries(raw.values)) {
        const sep = fullKey.indexOf(":");
        if (fullKey.slice(0, sep) !== NAMESPACE) {
            continue; // other namespaces (kubernetes:, pulumi:...) belong to their providers
        }
        const key = fullKey.slice(sep + 1);
        input[key] = decode(text);
        if (raw.secretKeys.has(fullKey)) {
            secretTopKeys.add(key);
        }
    }

    secretContext.secretTopKeys = secretTopKeys;
    let result: ReturnType<typeof platformSchema.safeParse>;
    try {
        result = platformSchema.safeParse(input, { reportInput: true });
    } finally {
        secretContext.secretTopKeys = new Set();
    }
    // Every leaf, not only the schema's secret fields: a credential-like key in plain text is refused
    // even where the top-level key also holds a `secure:` value.
    const leaks = plaintextSecretLeaves(input, { plain: raw.plainLeaves, secretTopKeys, namespace: NAMESPACE, isSchemaSecret: isSecretField }).map(plainSecretProblem);
    if (!result.success || leaks.length > 0) {
        throw new ConfigError([...new Set([...(result.success ? [] : formatIssues(result.error.issues)), ...leaks])]);
    }
    return deepFreeze(resolveDefaults(result.data));
}

/** Reads, validates and resolves the running stack's config. */
export function loadPlatformConfig(): PlatformConfig {
    return parsePlatformConfig(readPulumiConfig());
}

/** PULUMI_CONFIG carries objects, arrays, numbers and booleans as JSON text; plain strings as-is. */
function decode(text: string): unknown {
    try {
        const value: unknown = JSON.parse(text);
        return typeof value === "string" ? text : value;
    } catch {
        return text;
    }
}

function resolveDefaults(parsed: Parsed): PlatformConfig {
    const profileDefaults = PROFILE_DEFAULTS[parsed.profile];
    const defaults: ProfileDefaults = { ...profileDefaults, networkPolicies: parsed.networkPolicies ?? profileDefaults.networkPolicies };
    let cluster: ClusterConfig;
    if (parsed.cluster.mode === "k3s" && parsed.cluster.k3s !== undefined) {
        const k3s = parsed.cluster.k3s;
        cluster = {
            mode: "k3s",
            k3s: {
                ...k3s,
                // The public address each node gets (node-external-ip), resolved once for the cluster and the checks.
                servers: k3s.servers.map((n) => withExternalAddress(n)),
                agents: k3s.agents.map((n) => withExternalAddress(n)),
                etcdSnapshots: {
                    schedule: k3s.etcdSnapshots.schedule ?? defaults.etcdSnapshotSchedule,
                    retention: k3s.etcdSnapshots.retention ?? defaults.etcdSnapshotRetention,
                    ...(k3s.etcdSnapshots.s3 ? { s3: k3s.etcdSnapshots.s3 } : {}),
                },
            },
        };
    } else if (parsed.cluster.mode === "existing" && parsed.cluster.existing !== undefined) {
        cluster = { mode: "existing", existing: parsed.cluster.existing };
    } else {
        // The schema's mode check makes this unreachable; keep the type narrowing honest.
        throw new ConfigError([`${NAMESPACE}:cluster.${parsed.cluster.mode}: required when mode is '${parsed.cluster.mode}'`]);
    }
    const ingress: IngressConfig = {
        ...parsed.ingress,
        kind: parsed.ingress.kind ?? (cluster.mode === "k3s" ? "daemonset" : "deployment"),
        replicas: parsed.ingress.replicas ?? defaults.replicas,
    };
    const dns: DnsConfig = { ...parsed.dns, domainFilters: parsed.dns.domainFilters ?? [parsed.domain] };
    const harbor: HarborConfig = { ...parsed.harbor, host: parsed.harbor.host ?? `registry.${parsed.domain}` };
    const { longhorn } = parsed.storage;
    const storage: StorageConfig = {
        class: parsed.storage.class ?? defaults.storageClass,
        longhorn: {
            ...longhorn,
            replicas: longhorn.replicas ?? defaults.volumeReplicas,
            ui: { enabled: longhorn.ui.enabled, host: longhorn.ui.host ?? `longhorn.${parsed.domain}` },
        },
    };
    const monitoring: MonitoringConfig = {
        enabled: parsed.monitoring.enabled,
        grafana: { enabled: parsed.monitoring.grafana.enabled, host: parsed.monitoring.grafana.host ?? `grafana.${parsed.domain}` },
        prometheus: {
            retention: parsed.monitoring.prometheus.retention ?? defaults.metricsRetention,
            storageSize: parsed.monitoring.prometheus.storageSize ?? defaults.metricsStorage,
        },
        alertmanager: parsed.monitoring.alertmanager,
        logs: {
            ...parsed.monitoring.logs,
            retention: parsed.monitoring.logs.retention ?? defaults.logsRetention,
            storageSize: parsed.monitoring.logs.storageSize ?? defaults.logsStorage,
        },
        clickhouse: {
            enabled: parsed.monitoring.clickhouse.enabled,
            shards: parsed.monitoring.clickhouse.shards ?? defaults.clickhouseShards,
            replicas: parsed.monitoring.clickhouse.replicas,
            storageSize: parsed.monitoring.clickhouse.storageSize ?? defaults.clickhouseStorage,
        },
        deepflow: parsed.monitoring.deepflow,
    };
    const apps: AppConfig[] = parsed.apps.map((app) => ({
        ...app,
        host: app.host ?? `${app.name}.${parsed.domain}`,
        replicas: app.replicas ?? defaults.replicas,
        resources: {
            requests: app.resources.requests,
            limits: {
                ...app.resources.limits,
                memory: app.resources.limits.memory ?? scaleQuantity(app.resources.requests.memory, parsed.profile === "prod" ? 1 : 2),
            },
        },
    }));
    return { profile: parsed.profile, domain: parsed.domain, defaults, cluster, namespaces: parsed.namespaces, ingress, tls: resolveTls(parsed), dns, harbor, storage, monitoring, apps };
}

function withExternalAddress(node: NodeConfig): NodeConfig {
    const externalAddress = nodeExternalAddress(node);
    return externalAddress === undefined ? node : { ...node, externalAddress };
}

function resolveTls(parsed: Parsed): TlsConfig {
    const { acme, ...rest } = parsed.tls;
    const solver = effectiveSolver(parsed);
    if (acme === undefined || solver === undefined) {
        return rest;
    }
    return {
        ...rest,
        acme: {
            email: acme.email,
            solver,
            dns01: solver === "dns01" ? (acme.dns01 ?? dns01FromDns(parsed.dns)) : undefined,
            ...(acme.server !== undefined ? { server: acme.server } : {}),
            ...(acme.caBundle !== undefined ? { caBundle: acme.caBundle } : {}),
        },
    };
}

/** One credential for both external-dns and cert-manager: the DNS provider's, when it can answer DNS-01. */
function dns01FromDns(dns: Parsed["dns"]): Dns01Config | undefined {
    if (dns.provider === "cloudflare" && dns.cloudflare) {
        return { provider: "cloudflare", cloudflare: { apiToken: dns.cloudflare.apiToken } };
    }
    if (dns.provider === "route53" && dns.route53) {
        const { region, hostedZoneId, accessKeyId, secretAccessKey } = dns.route53;
        return { provider: "route53", route53: { region, hostedZoneId, accessKeyId, secretAccessKey } };
    }
    return undefined;
}

/**
 * The profile rule for an app's memory limit when the spec gives none: prod sets it to the request
 * (the pod is never killed for using memory the scheduler reserved, and never overcommits a node);
 * dev allows twice the request, so a small dev node packs more apps.
 */
export function scaleQuantity(quantity: string, factor: number): string {
    const match = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
    return match ? `${Number(match[1]) * factor}${match[2]}` : quantity;
}

/** `["cluster","k3s","servers",1,"host"]` -> `platform:cluster.k3s.servers[1].host`. */
export function keyPath(path: readonly PropertyKey[]): string {
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

function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
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
                    issue.input === undefined
                        ? `${keyPath(path)}: required key is missing (expected ${oneOf})`
                        : `${keyPath(path)}: expected ${oneOf}${got}`,
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
function plainSecretProblem(path: readonly PropertyKey[]): string {
    const dotted = keyPath(path).slice(NAMESPACE.length + 1);
    return `${keyPath(path)}: must be a secret but was given in plain text; set it with: pulumi config set --secret --path '${dotted}' < file`;
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

function isSecretField(path: readonly PropertyKey[]): boolean {
    return metaOf(path)?.secret === true;
}

function describeExpected(path: readonly PropertyKey[], expected: string): string {
    const description = metaOf(path)?.description;
    return description ? `${expected}: ${description.replace(/\.$/, "")}` : expected;
}

function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value) && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const child of Object.values(value as Record<string, unknown>)) {
            deepFreeze(child);
        }
    }
    return value;
}
