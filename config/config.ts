/**
 * Reads the `platform:` config namespace ONCE, validates it with the zod schema, applies the
 * profile defaults and returns a frozen, typed `PlatformConfig`. Invalid config throws a
 * `ConfigError` (a `pulumi.RunError`, so `pulumi up` prints the list without a stack trace)
 * before any resource exists.
 */
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { ConfigError, formatIssues, isSecretField, NAMESPACE, plainSecretProblem } from "./configIssues";
import { deprecationWarnings } from "./deprecations";
import { reachabilityWarnings } from "./reachability";
import { Profile, ProfileDefaults } from "./profiles";
import { resolveDefaults } from "./resolve";
import { ParsedPlatformConfig, platformSchema, secretContext } from "./schema";
import type { AppSpec } from "./schemaApps";
import { OFFLINE_PLAIN_LEAVES, plainLeavesOfFile, plaintextSecretLeaves } from "./secretLeaves";

export { ConfigError, NAMESPACE } from "./configIssues";

type Parsed = ParsedPlatformConfig;
type ParsedK3s = NonNullable<Parsed["cluster"]["k3s"]>;

/** One k3s node as configured. */
export type NodeConfig = ParsedK3s["servers"][number];

/** A secret config value: `secretString` turns it into a secret Output. */
type SecretValue = pulumi.Output<string>;

/** The key pair every S3 consumer gets from its backend (or its old inline block). */
export interface S3Keys {
    readonly accessKey: string;
    readonly secretKey: SecretValue;
}

/** etcd snapshots' S3 target as k3s takes it: `etcd-s3-endpoint` is host[:port], `etcd-s3-insecure` plain HTTP. */
export interface EtcdS3Config extends S3Keys {
    readonly endpoint: string;
    readonly bucket: string;
    readonly region?: string;
    readonly folder?: string;
    readonly insecure: boolean;
}

/** Longhorn's backup target: endpoint URL (AWS_ENDPOINTS) unless AWS, and the recurring jobs. */
export interface LonghornBackupConfig extends S3Keys {
    readonly bucket: string;
    readonly region: string;
    readonly folder?: string;
    readonly endpoint?: string;
    readonly snapshotSchedule: string;
    readonly snapshotRetain: number;
    readonly backupSchedule: string;
    readonly backupRetain: number;
}

/** Harbor's image store: `regionendpoint` is a URL, unless AWS. */
export interface HarborS3Config extends S3Keys {
    readonly bucket: string;
    readonly region: string;
    readonly endpoint?: string;
    readonly rootDirectory?: string;
}

/** Loki's chunk store: endpoint host[:port] (unless AWS), `insecure` for plain HTTP. */
export interface LokiS3Config extends S3Keys {
    readonly bucket: string;
    readonly region: string;
    readonly endpoint?: string;
    readonly insecure?: boolean;
}

/** k3s settings with profile defaults resolved. */
export interface K3sConfig extends Omit<ParsedK3s, "etcdSnapshots"> {
    readonly etcdSnapshots: {
        readonly schedule: string;
        readonly retention: number;
        readonly s3?: EtcdS3Config;
    };
}

export type ExistingClusterConfig = NonNullable<Parsed["cluster"]["existing"]>;

export type ClusterConfig = { readonly mode: "k3s"; readonly k3s: K3sConfig } | { readonly mode: "existing"; readonly existing: ExistingClusterConfig };

export type NamespaceConfig = Parsed["namespaces"][number];

/** Ingress settings with kind and replicas resolved from the cluster mode and profile. */
export interface IngressConfig extends Omit<Parsed["ingress"], "kind" | "replicas"> {
    readonly kind: "deployment" | "daemonset";
    readonly replicas: number;
}

type ParsedTls = Parsed["tls"];
type ParsedDns01 = NonNullable<NonNullable<ParsedTls["acme"]>["dns01"]>;
/** DNS-01 credentials: `tls.acme.dns01`, or the `platform:dns` provider's; the provider's block is present. */
export type Dns01Config =
    | { readonly provider: "cloudflare"; readonly cloudflare: NonNullable<ParsedDns01["cloudflare"]> }
    | { readonly provider: "route53"; readonly route53: NonNullable<ParsedDns01["route53"]> };

/** The ACME account and its resolved challenge (DNS-01 whenever a DNS provider can answer it). */
export type AcmeConfig = {
    readonly email: string;
    /** ACME directory URL; undefined: Let's Encrypt's for the issuer. */
    readonly server?: string;
    /** PEM CAs of a private ACME server (the e2e stack's Pebble). */
    readonly caBundle?: string;
} & ({ readonly solver: "http01"; readonly dns01?: undefined } | { readonly solver: "dns01"; readonly dns01: Dns01Config });

/** TLS settings: a self-signed CA, or Let's Encrypt with its ACME account and solver resolved. */
export type TlsConfig = Omit<ParsedTls, "acme" | "issuer"> &
    ({ readonly issuer: "selfSigned"; readonly acme?: undefined } | { readonly issuer: "letsencrypt" | "letsencrypt-staging"; readonly acme: AcmeConfig });

type ParsedDns = Parsed["dns"];
/** The DNS providers external-dns can write to (`none` deploys nothing). */
export type DnsProvider = Exclude<ParsedDns["provider"], "none">;
/** One provider with its own block present: `{ provider: "route53", route53: {...} }`. */
export type DnsProviderConfig = { readonly [P in DnsProvider]: { readonly provider: P } & { readonly [K in P]: NonNullable<ParsedDns[K]> } }[DnsProvider];

/**
 * DNS settings with the zones resolved (default: the platform domain), discriminated by provider:
 * the provider's own block is present, no other is.
 */
export type DnsConfig = Omit<ParsedDns, "domainFilters" | "provider" | DnsProvider> & { readonly domainFilters: readonly string[] } & (
        | { readonly provider: "none" }
        | DnsProviderConfig
    );

/** Harbor settings with the host resolved (default registry.<domain>). */
export interface HarborConfig extends Omit<Parsed["harbor"], "host" | "storage"> {
    readonly host: string;
    readonly storage: Omit<Parsed["harbor"]["storage"], "s3"> & { readonly s3?: HarborS3Config };
}

/** Storage settings with the class, replicas and UI host resolved. */
export interface StorageConfig {
    readonly class: "local-path" | "longhorn";
    readonly longhorn: Omit<Parsed["storage"]["longhorn"], "replicas" | "ui" | "backup"> & {
        readonly backup?: LonghornBackupConfig;
        readonly replicas: number;
        readonly ui: { readonly enabled: boolean; readonly host: string };
    };
}

/**
 * Monitoring settings with retention and storage resolved from the profile. Each part's `enabled`
 * is the effective one (false when monitoring is off; DeepFlow only with ClickHouse): read it, never recompute it.
 */
export interface MonitoringConfig {
    readonly enabled: boolean;
    readonly grafana: { readonly enabled: boolean; readonly host: string };
    readonly prometheus: { readonly retention: string; readonly storageSize: string };
    readonly alertmanager: Parsed["monitoring"]["alertmanager"];
    readonly logs: Omit<Parsed["monitoring"]["logs"], "retention" | "storageSize" | "s3"> & {
        readonly retention: string;
        readonly storageSize: string;
        readonly s3?: LokiS3Config;
    };
    readonly clickhouse: { readonly enabled: boolean; readonly shards: number; readonly replicas: number; readonly storageSize: string };
    readonly deepflow: Parsed["monitoring"]["deepflow"];
}

/** One app with host, replica count and memory limit resolved from the domain and profile. */
export interface AppConfig extends Omit<AppSpec, "host" | "resources" | "canaryLoad"> {
    readonly host: string;
    /** What `npm run app:canary` sends to the host during each step (0 requests per second: off). */
    readonly canaryLoad: { readonly requestsPerSecond: number; readonly path: string };
    /** Fixed replicas (when not autoscaling): the spec's, else the profile's. */
    readonly replicas: number;
    readonly resources: {
        readonly requests: { readonly cpu: string; readonly memory: string };
        readonly limits: { readonly memory: string; readonly cpu?: string };
    };
}

/**
 * Signature admission, resolved: whether it is on, its mode, the keyless signer's certificate
 * identity (`<server>/<repository>/<workflow>@<ref>`) and the keys also accepted.
 */
export interface AdmissionConfig {
    readonly enabled: boolean;
    readonly mode: "enforce" | "warn";
    readonly signer?: { readonly issuer: string; readonly subject: string };
    readonly publicKeys: readonly string[];
    readonly registryCaBundle?: string;
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
    readonly admission: AdmissionConfig;
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

/** Valid config, and a warning per old key form it still accepts (each names the new key). */
export interface LoadedConfig {
    readonly config: PlatformConfig;
    readonly warnings: readonly string[];
}

/** Validates and resolves config; throws `ConfigError` listing every problem. */
export function parsePlatformConfig(raw: RawConfig): PlatformConfig {
    return parsePlatformConfigWithWarnings(raw).config;
}

/** `parsePlatformConfig`, plus the deprecation warnings the caller prints (pulumi.log.warn, the render). */
export function parsePlatformConfigWithWarnings(raw: RawConfig): LoadedConfig {
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
    const leaks = plaintextSecretLeaves(input, { plain: raw.plainLeaves, secretTopKeys, namespace: NAMESPACE, isSchemaSecret: isSecretField }).map((leaf) =>
        plainSecretProblem(leaf.path, leaf.valueLooksLike),
    );
    if (!result.success || leaks.length > 0) {
        throw new ConfigError([...new Set([...(result.success ? [] : formatIssues(result.error.issues)), ...leaks])]);
    }
    return { config: deepFreeze(resolveDefaults(result.data)), warnings: [...deprecationWarnings(result.data), ...reachabilityWarnings(result.data)] };
}

/** Reads, validates and resolves the running stack's config; the caller prints the warnings. */
export function loadPlatformConfig(): LoadedConfig {
    return parsePlatformConfigWithWarnings(readPulumiConfig());
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
function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value) && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const child of Object.values(value as Record<string, unknown>)) {
            deepFreeze(child);
        }
    }
    return value;
}
