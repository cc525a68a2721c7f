/**
 * The one resolve step: a parsed stack config plus the profile's defaults becomes the
 * `PlatformConfig` every layer reads, with each effective value computed here once (node public
 * addresses, the ACME solver and its credentials, app hosts and limits).
 */
import type {
    AdmissionConfig,
    AppConfig,
    ClusterConfig,
    Dns01Config,
    DnsConfig,
    HarborConfig,
    IngressConfig,
    MonitoringConfig,
    NodeConfig,
    PlatformConfig,
    StorageConfig,
    TlsConfig,
} from "./config";
import { ConfigError, NAMESPACE } from "./configIssues";
import { PROFILE_DEFAULTS, ProfileDefaults } from "./profiles";
import { effectiveSolver, nodeExternalAddress } from "./reachability";
import { resolveEtcdS3, resolveHarborS3, resolveLokiS3, resolveLonghornBackup } from "./resolveS3";
import type { ParsedPlatformConfig } from "./schema";
import { absoluteRecordName } from "./schemaEdge";
import { canaryLoadFor } from "./schemaApps";
import { admissionEnabled } from "./schemaAdmission";

type Parsed = ParsedPlatformConfig;

export function resolveDefaults(parsed: Parsed): PlatformConfig {
    const profileDefaults = PROFILE_DEFAULTS[parsed.profile];
    const defaults: ProfileDefaults = {
        ...profileDefaults,
        networkPolicies: parsed.networkPolicies ?? profileDefaults.networkPolicies,
        protectStateful: parsed.protect ?? profileDefaults.protectStateful,
    };
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
                    ...(k3s.etcdSnapshots.s3 ? { s3: resolveEtcdS3(parsed) } : {}),
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
    const dns = resolveDns(parsed);
    const { s3: harborS3, ...harborStorage } = parsed.harbor.storage;
    const harbor: HarborConfig = {
        ...parsed.harbor,
        host: parsed.harbor.host ?? `registry.${parsed.domain}`,
        storage: { ...harborStorage, ...(harborS3 ? { s3: resolveHarborS3(parsed) } : {}) },
    };
    const { backup, ...longhorn } = parsed.storage.longhorn;
    const storage: StorageConfig = {
        class: parsed.storage.class ?? defaults.storageClass,
        longhorn: {
            ...longhorn,
            ...(backup ? { backup: resolveLonghornBackup(parsed) } : {}),
            replicas: longhorn.replicas ?? defaults.volumeReplicas,
            ui: { enabled: longhorn.ui.enabled, host: longhorn.ui.host ?? `longhorn.${parsed.domain}` },
        },
    };
    // Every part's `enabled` is the effective one, computed here once: off when monitoring is off,
    // and DeepFlow only with ClickHouse (the schema refuses DeepFlow without it, so this is belt and braces).
    const m = parsed.monitoring;
    const clickhouseOn = m.enabled && m.clickhouse.enabled;
    const monitoring: MonitoringConfig = {
        enabled: m.enabled,
        grafana: { enabled: m.enabled && m.grafana.enabled, host: m.grafana.host ?? `grafana.${parsed.domain}` },
        prometheus: {
            retention: m.prometheus.retention ?? defaults.metricsRetention,
            storageSize: m.prometheus.storageSize ?? defaults.metricsStorage,
        },
        alertmanager: m.alertmanager,
        logs: {
            ...withoutS3(m.logs),
            ...(m.logs.s3 ? { s3: resolveLokiS3(parsed) } : {}),
            enabled: m.enabled && m.logs.enabled,
            retention: m.logs.retention ?? defaults.logsRetention,
            storageSize: m.logs.storageSize ?? defaults.logsStorage,
        },
        clickhouse: {
            enabled: clickhouseOn,
            shards: m.clickhouse.shards ?? defaults.clickhouseShards,
            replicas: m.clickhouse.replicas,
            storageSize: m.clickhouse.storageSize ?? defaults.clickhouseStorage,
        },
        deepflow: { ...m.deepflow, enabled: clickhouseOn && m.deepflow.enabled },
    };
    const apps: AppConfig[] = parsed.apps.map((app) => ({
        ...app,
        host: app.host ?? `${app.name}.${parsed.domain}`,
        canaryLoad: canaryLoadFor(parsed.profile, app.canaryLoad, app.paths),
        replicas: app.replicas ?? defaults.replicas,
        resources: {
            requests: app.resources.requests,
            limits: {
                ...app.resources.limits,
                memory: app.resources.limits.memory ?? scaleQuantity(app.resources.requests.memory, parsed.profile === "prod" ? 1 : 2),
            },
        },
    }));
    return {
        profile: parsed.profile,
        domain: parsed.domain,
        defaults,
        cluster,
        namespaces: parsed.namespaces,
        ingress,
        tls: resolveTls(parsed),
        dns,
        harbor,
        storage,
        monitoring,
        apps,
        admission: resolveAdmission(parsed),
    };
}

/** Admission: on when asked or when the stack runs apps; enforcing in prod, warning in dev unless set. */
function resolveAdmission(parsed: Parsed): AdmissionConfig {
    const { admission } = parsed;
    const signer = admission.signer;
    return {
        enabled: admissionEnabled(admission, parsed.apps.length),
        mode: admission.mode ?? (parsed.profile === "prod" ? "enforce" : "warn"),
        ...(signer
            ? { signer: { issuer: signer.issuer, subject: `${signer.server.replace(/\/+$/, "")}/${signer.repository}/${signer.workflow}@${signer.ref}` } }
            : {}),
        publicKeys: admission.publicKeys,
        ...(admission.registryCaBundle !== undefined ? { registryCaBundle: admission.registryCaBundle } : {}),
    };
}

function withoutS3<T extends { s3?: unknown }>(block: T): Omit<T, "s3"> {
    const rest: Partial<T> = { ...block };
    delete rest.s3;
    return rest as Omit<T, "s3">;
}

/** The provider's block, present as the schema guarantees (provider set => its block set). */
function resolveDns(parsed: Parsed): DnsConfig {
    const { provider, cloudflare, route53, alibabacloud, rfc2136, ...rest } = parsed.dns;
    const common = {
        ...rest,
        domainFilters: parsed.dns.domainFilters ?? [parsed.domain],
        // One-label names are relative to the platform domain; `@` stays for the component (first zone's apex).
        records: parsed.dns.records.map((r) => ({ ...r, name: absoluteRecordName(r.name, parsed.domain) })),
    };
    const block = <T>(value: T | undefined): T => {
        if (value === undefined) {
            throw new ConfigError([`${NAMESPACE}:dns.${provider}: required when provider is '${provider}'`]);
        }
        return value;
    };
    switch (provider) {
        case "none":
            return { ...common, provider };
        case "cloudflare":
            return { ...common, provider, cloudflare: block(cloudflare) };
        case "route53":
            return { ...common, provider, route53: block(route53) };
        case "alibabacloud":
            return { ...common, provider, alibabacloud: block(alibabacloud) };
        case "rfc2136":
            return { ...common, provider, rfc2136: block(rfc2136) };
    }
}

function withExternalAddress(node: NodeConfig): NodeConfig {
    const externalAddress = nodeExternalAddress(node);
    return externalAddress === undefined ? node : { ...node, externalAddress };
}

function resolveTls(parsed: Parsed): TlsConfig {
    const { acme, issuer, ...rest } = parsed.tls;
    const solver = effectiveSolver(parsed);
    if (issuer === "selfSigned") {
        return { ...rest, issuer };
    }
    // The schema requires acme for Let's Encrypt, and refuses dns01 without credentials.
    if (acme === undefined || solver === undefined) {
        throw new ConfigError([`${NAMESPACE}:tls.acme: required when issuer is '${issuer}' (at least acme.email)`]);
    }
    const common = {
        email: acme.email,
        ...(acme.server !== undefined ? { server: acme.server } : {}),
        ...(acme.caBundle !== undefined ? { caBundle: acme.caBundle } : {}),
    };
    if (solver === "http01") {
        return { ...rest, issuer, acme: { ...common, solver } };
    }
    const dns01 = acme.dns01 ? dns01Given(acme.dns01) : dns01FromDns(parsed.dns);
    if (dns01 === undefined) {
        throw new ConfigError([
            `${NAMESPACE}:tls.acme.dns01: required when solver is 'dns01' and platform:dns.provider ('${parsed.dns.provider}') cannot answer DNS-01 (cloudflare or route53 can)`,
        ]);
    }
    return { ...rest, issuer, acme: { ...common, solver, dns01 } };
}

/** `tls.acme.dns01` as given; the schema requires the named provider's block. */
function dns01Given(dns01: NonNullable<NonNullable<Parsed["tls"]["acme"]>["dns01"]>): Dns01Config | undefined {
    if (dns01.provider === "cloudflare") {
        return dns01.cloudflare && { provider: "cloudflare", cloudflare: dns01.cloudflare };
    }
    return dns01.route53 && { provider: "route53", route53: dns01.route53 };
}

/**
 * One credential for both external-dns and cert-manager: the DNS provider's, when it can answer
 * DNS-01. With `roleArn` that is the role (cert-manager takes it with its own ServiceAccount token),
 * never the pod's ambient credentials.
 */
function dns01FromDns(dns: Parsed["dns"]): Dns01Config | undefined {
    if (dns.provider === "cloudflare" && dns.cloudflare) {
        return { provider: "cloudflare", cloudflare: { apiToken: dns.cloudflare.apiToken } };
    }
    if (dns.provider === "route53" && dns.route53) {
        const { region, hostedZoneId, accessKeyId, secretAccessKey, roleArn } = dns.route53;
        return { provider: "route53", route53: { region, hostedZoneId, accessKeyId, secretAccessKey, roleArn } };
    }
    return undefined;
}

/**
 * The profile rule for an app's memory limit when the spec gives none: prod sets it to the request
 * (the pod is never killed for using memory the scheduler reserved, and never overcommits a node);
 * dev allows twice the request, so a small dev node packs more apps.
 */
function scaleQuantity(quantity: string, factor: number): string {
    const match = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
    return match ? `${Number(match[1]) * factor}${match[2]}` : quantity;
}
