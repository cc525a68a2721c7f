/**
 * The zod schema for every key under the `platform:` config namespace. Keys are written here
 * without the namespace (`cluster` is `platform:cluster`). `config/config.ts` runs it once.
 *
 * Descriptions (`.meta({ description })`) feed the README's config reference, which a test keeps
 * complete. Fields that must be Pulumi secrets are built with `secretString`, which also turns the
 * value into a secret `Output` so it can never be used as plain text downstream.
 */
import { z } from "zod";
import { PROFILE_DEFAULTS } from "./profiles";
import { absoluteRecordName, dnsSchema, ingressSchema, tlsSchema } from "./schemaEdge";
import { labels } from "./schemaParts";
import { clusterSchema } from "./schemaCluster";
import { checkS3Backends, s3Schema } from "./schemaS3";
import { harborSchema } from "./schemaRegistry";
import { storageSchema } from "./schemaStorage";
import { monitoringSchema } from "./schemaMonitoring";
import { checkReachability, effectiveSolver } from "./reachability";
import { type AppsContext, appsRules, appsSchema, type PlatformHost } from "./schemaApps";
import { admissionRules, admissionSchema } from "./schemaAdmission";
import { isDomain, isNamespaceName } from "./validators";

export { SECRET_REQUIRED, secretContext } from "./schemaParts";

const namespaceSchema = z
    .strictObject({
        name: z
            .string()
            .refine(isNamespaceName, "expected a namespace name (DNS-1123 label)")
            .refine((n) => !n.startsWith("kube-") && n !== "default", "expected a name not reserved by Kubernetes")
            .meta({ description: "Namespace name." }),
        podSecurity: z.enum(["restricted", "baseline", "privileged"]).default("restricted").meta({ description: "Pod Security Admission level enforced." }),
        reason: z.string().min(1).optional().meta({ description: "Why a level below restricted is needed (required then)." }),
        labels: labels.optional(),
    })
    .superRefine((ns, ctx) => {
        if (ns.podSecurity !== "restricted" && ns.reason === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["reason"],
                message: `required when podSecurity is '${ns.podSecurity}': say which workload needs it`,
            });
        }
    });

interface HostsInput {
    readonly profile: "dev" | "prod";
    readonly domain: string;
    readonly cluster: { readonly mode: string; readonly k3s?: { readonly apiEndpoint?: string } };
    readonly harbor: { readonly enabled: boolean; readonly host?: string };
    readonly monitoring: { readonly enabled: boolean; readonly grafana: { readonly enabled: boolean; readonly host?: string } };
    readonly storage: { readonly class?: "local-path" | "longhorn"; readonly longhorn: { readonly ui: { readonly enabled: boolean; readonly host?: string } } };
    readonly dns: { readonly records: readonly { readonly name: string }[] };
}

/**
 * Every name the platform itself publishes or answers at, with the key that sets it (or whose
 * default it is): an app on one of them would fight the platform's route or record for it.
 */
function platformHosts(cfg: HostsInput): PlatformHost[] {
    const hosts: PlatformHost[] = [];
    const add = (key: string, host: string | undefined, fallback: string) =>
        hosts.push(host === undefined ? { key: `${key} (default ${fallback}.<platform:domain>)`, host: `${fallback}.${cfg.domain}` } : { key, host });
    if (cfg.harbor.enabled) add("platform:harbor.host", cfg.harbor.host, "registry");
    if (cfg.monitoring.enabled && cfg.monitoring.grafana.enabled) add("platform:monitoring.grafana.host", cfg.monitoring.grafana.host, "grafana");
    if ((cfg.storage.class ?? PROFILE_DEFAULTS[cfg.profile].storageClass) === "longhorn" && cfg.storage.longhorn.ui.enabled)
        add("platform:storage.longhorn.ui.host", cfg.storage.longhorn.ui.host, "longhorn");
    if (cfg.cluster.mode === "k3s" && cfg.cluster.k3s?.apiEndpoint !== undefined)
        hosts.push({ key: "platform:cluster.k3s.apiEndpoint", host: cfg.cluster.k3s.apiEndpoint });
    cfg.dns.records.forEach((record, i) => hosts.push({ key: `platform:dns.records[${i}].name`, host: absoluteRecordName(record.name, cfg.domain) }));
    return hosts;
}

/** The services an app may call that this config does not install, with the key that turns each off. */
function servicesOff(cfg: {
    readonly harbor: { readonly enabled: boolean };
    readonly monitoring: { readonly enabled: boolean; readonly grafana: { readonly enabled: boolean }; readonly logs: { readonly enabled: boolean } };
}): AppsContext["servicesOff"] {
    const m = cfg.monitoring;
    return {
        ...(cfg.harbor.enabled ? {} : { harbor: "platform:harbor.enabled" }),
        ...(m.enabled ? {} : { prometheus: "platform:monitoring.enabled" }),
        ...(!m.enabled ? { grafana: "platform:monitoring.enabled" } : m.grafana.enabled ? {} : { grafana: "platform:monitoring.grafana.enabled" }),
        ...(!m.enabled ? { loki: "platform:monitoring.enabled" } : m.logs.enabled ? {} : { loki: "platform:monitoring.logs.enabled" }),
    };
}

export const platformSchema = z
    .strictObject({
        profile: z.enum(["dev", "prod"]).meta({ description: "Defaults profile: sizes, replicas, HA." }),
        domain: z
            .string()
            .refine(isDomain, "expected a DNS domain such as dev.example.com (lower case)")
            .meta({ description: "Base DNS domain; platform hosts are <service>.<domain>." }),
        cluster: clusterSchema.meta({ description: "Where the platform runs." }),
        namespaces: z
            .array(namespaceSchema)
            .default([])
            .superRefine((list, ctx) => {
                const seen = new Set<string>();
                list.forEach((ns, i) => {
                    if (seen.has(ns.name)) {
                        ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate namespace '${ns.name}'` });
                    }
                    seen.add(ns.name);
                });
            })
            .meta({ description: "Extra namespaces for workloads, created with Pod Security labels." }),
        networkPolicies: z.boolean().optional().meta({
            description: "Default-deny ingress NetworkPolicies plus explicit allows in platform namespaces; on in every profile unless set to false.",
        }),
        protect: z.boolean().optional().meta({
            description:
                "Protect the data from deletion (Pulumi `protect`, and Longhorn/ClickHouse volumes kept on PVC deletion): the k3s tokens and server installs, the PVC-backed releases (Longhorn, Prometheus, Loki, ClickHouse, DeepFlow, Harbor) and the secrets bound to stored data; default by profile (dev false, prod true). Set false for a prod-sized stack you mean to tear down.",
        }),
        ingress: ingressSchema.meta({ description: "NGINX Ingress Controller (F5 nginx-ingress chart)." }),
        tls: tlsSchema.meta({ description: "cert-manager and the ClusterIssuer every platform Ingress uses." }),
        dns: dnsSchema.meta({ description: "external-dns and static DNS records." }),
        storage: storageSchema.meta({ description: "Persistent storage: the default StorageClass and Longhorn's replicas, backups and UI." }),
        monitoring: monitoringSchema.meta({ description: "Prometheus, Alertmanager (receivers) and the platform alert rules." }),
        harbor: harborSchema.meta({ description: "Harbor registry, its projects, proxy caches and robot account." }),
        s3: s3Schema.meta({ description: "Shared S3-compatible storage: named backends the S3 consumers reference." }),
        apps: appsSchema,
        admission: admissionSchema.meta({
            description: "Signature admission: app images must be signed by the build workflow (sigstore policy-controller, docs/adr/0022).",
        }),
    })
    .superRefine((cfg, ctx) => {
        const existing = cfg.cluster.existing;
        if (cfg.cluster.mode === "existing" && existing && cfg.networkPolicies !== false) {
            for (const key of ["podCidr", "serviceCidr"] as const) {
                if (existing[key] === undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["cluster", "existing", key],
                        message: `required while NetworkPolicies are on (the policies are built from the cluster's ${key === "podCidr" ? "pod" : "Service"} CIDR); set it, or set platform:networkPolicies: false`,
                    });
                }
            }
        }
        const zones = cfg.dns.domainFilters ?? [cfg.domain];
        const inZone = (name: string) => zones.some((z) => name === z || name.endsWith(`.${z}`));
        cfg.dns.records.forEach((record, i) => {
            const name = absoluteRecordName(record.name, cfg.domain);
            if (name !== "@" && !inZone(name)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["dns", "records", i, "name"],
                    message: `expected a name inside ${zones.join(" or ")}: fully qualified, one label relative to platform:domain (e.g. "www" for www.${cfg.domain}), or @ for the apex; got "${record.name}"`,
                });
            }
        });
        if (effectiveSolver(cfg) === "http01" && !cfg.ingress.enabled) {
            ctx.addIssue({
                code: "custom",
                path: ["tls", "acme", "solver"],
                message: "http01 answers through the ingress controller, which is disabled (platform:ingress.enabled)",
            });
        }
        if (cfg.harbor.enabled && !cfg.ingress.enabled) {
            ctx.addIssue({
                code: "custom",
                path: ["harbor", "enabled"],
                message: "Harbor is published through the platform ingress, which is disabled (platform:ingress.enabled)",
            });
        }
        if ((cfg.storage.class ?? PROFILE_DEFAULTS[cfg.profile].storageClass) === "longhorn" && cfg.storage.longhorn.ui.enabled && !cfg.ingress.enabled) {
            ctx.addIssue({
                code: "custom",
                path: ["storage", "longhorn", "ui", "enabled"],
                message: "the UI is published through the platform ingress, which is disabled (platform:ingress.enabled)",
            });
        }
        checkReachability(cfg, ctx);
        checkS3Backends(cfg, ctx);
        admissionRules(cfg.admission, { profile: cfg.profile, appCount: cfg.apps.length, harborEnabled: cfg.harbor.enabled }, (path, message) =>
            ctx.addIssue({ code: "custom", path: ["admission", ...path], message }),
        );
        appsRules(
            cfg.apps,
            {
                profile: cfg.profile,
                domain: cfg.domain,
                namespaces: cfg.namespaces.map((n) => n.name),
                harborEnabled: cfg.harbor.enabled,
                harborProjects: cfg.harbor.projects.map((p) => p.name),
                ingressEnabled: cfg.ingress.enabled,
                servicesOff: servicesOff(cfg),
                platformHosts: platformHosts(cfg),
            },
            (path, message) => ctx.addIssue({ code: "custom", path: ["apps", ...path], message }),
        );
        const k3sDisabled = cfg.cluster.k3s?.disable ?? [];
        if (cfg.cluster.mode === "k3s" && cfg.ingress.enabled && cfg.ingress.exposure === "loadBalancer" && k3sDisabled.includes("servicelb")) {
            ctx.addIssue({
                code: "custom",
                path: ["ingress", "exposure"],
                message: "'loadBalancer' needs k3s ServiceLB, which platform:cluster.k3s.disable turns off; use 'hostPort' or re-enable servicelb",
            });
        }
        const k3s = cfg.cluster.k3s;
        if (cfg.cluster.mode !== "k3s" || k3s === undefined) {
            return;
        }
        const minServers = PROFILE_DEFAULTS[cfg.profile].minServers;
        if (k3s.servers.length > 0 && k3s.servers.length < minServers) {
            ctx.addIssue({
                code: "custom",
                path: ["cluster", "k3s", "servers"],
                message: `expected at least ${minServers} servers for the ${cfg.profile} profile (HA control plane), got ${k3s.servers.length}`,
            });
        }
        const nodes = [...k3s.servers, ...k3s.agents];
        const names = new Set<string>();
        const hosts = new Set<string>();
        nodes.forEach((node, i) => {
            const list = i < k3s.servers.length ? "servers" : "agents";
            const index = i < k3s.servers.length ? i : i - k3s.servers.length;
            if (names.has(node.name)) {
                ctx.addIssue({ code: "custom", path: ["cluster", "k3s", list, index, "name"], message: `duplicate node name '${node.name}'` });
            }
            if (hosts.has(node.host)) {
                ctx.addIssue({ code: "custom", path: ["cluster", "k3s", list, index, "host"], message: `duplicate host '${node.host}'` });
            }
            names.add(node.name);
            hosts.add(node.host);
        });
    });

/** What the schema produces, before profile defaults are applied. */
export type ParsedPlatformConfig = z.output<typeof platformSchema>;
