/**
 * The zod schema for every key under the `platform:` config namespace. Keys are written here
 * without the namespace (`cluster` is `platform:cluster`). `config/config.ts` runs it once.
 *
 * Descriptions (`.meta({ description })`) feed the README's config reference, which a test keeps
 * complete. Fields that must be Pulumi secrets are built with `secretString`, which also turns the
 * value into a secret `Output` so it can never be used as plain text downstream.
 */
import { z } from "zod";
import { KUBECTL_IMAGES, kubectlImage } from "../charts/images";
import { PROFILE_DEFAULTS } from "./profiles";
import { absoluteRecordName, dnsSchema, ingressSchema, tlsSchema } from "./schemaEdge";
import { host, inlineS3Keys, labels, secretString } from "./schemaParts";
import { backendRef, bucketName, checkS3Backends, checkS3Block, s3Prefix, s3Schema, DEPRECATED } from "./schemaS3";
import { harborSchema } from "./schemaRegistry";
import { storageSchema } from "./schemaStorage";
import { monitoringSchema } from "./schemaMonitoring";
import { checkReachability, effectiveSolver } from "./reachability";
import { appsRules, appsSchema, type PlatformHost } from "./schemaApps";
import { admissionRules, admissionSchema } from "./schemaAdmission";
import { isCidr, isCron, isDomain, isHostPort, isIpAddress, isK3sVersion, isNamespaceName, isNodeName, isSha256, isSshPublicKey, isTaint } from "./validators";

export { SECRET_REQUIRED, secretContext } from "./schemaParts";

const nodeSchema = z.strictObject({
    name: z
        .string()
        .refine(isNodeName, "expected a node name: lower-case letters, digits, '-' and '.' (DNS-1123)")
        .meta({ description: "Kubernetes node name (k3s `node-name`)." }),
    host: host("the address Pulumi connects to over SSH").meta({
        description: "Address Pulumi reaches over SSH (IP or hostname).",
    }),
    address: z.string().refine(isIpAddress, "expected the node's private IPv4/IPv6 address").optional().meta({
        description: "Private IP other nodes use (k3s `node-ip`; on a server with a public address also `advertise-address`); default: the SSH host.",
    }),
    externalAddress: z.string().refine(isIpAddress, "expected the node's public IPv4/IPv6 address").optional().meta({
        description:
            "Public IP the node is reached at from the internet (k3s `node-external-ip`; ServiceLB publishes it, so external-dns does); default: `host` when it is an IP other than `address`.",
    }),
    hostKey: z
        .string()
        .refine(isSshPublicKey, "expected the host's SSH public key as '<type> <base64>', e.g. the last two fields `ssh-keyscan -t ed25519 <host>` prints")
        .optional()
        .meta({
            description:
                "The host's SSH public key (`ssh-ed25519 AAAA...`); every SSH connection is refused unless the host presents it. Required unless `cluster.k3s.ssh.skipHostKeyCheck` says why not (dev only).",
        }),
    labels: labels.optional(),
    taints: z
        .array(z.string().refine(isTaint, "expected a taint 'key[=value]:NoSchedule|PreferNoSchedule|NoExecute'"))
        .optional()
        .meta({ description: "Node taints (k3s `node-taint`)." }),
});

const etcdS3Schema = z
    .strictObject({
        ...backendRef,
        bucket: bucketName.meta({ description: "Bucket that receives etcd snapshots." }),
        prefix: s3Prefix.optional().meta({ description: "Folder (prefix) inside the bucket; default: the bucket root." }),
        endpoint: z
            .string()
            .refine(isHostPort, "expected an S3 endpoint as host or host:port, without https://")
            .optional()
            .meta({ description: `${DEPRECATED} S3-compatible endpoint (host[:port], no scheme); default s3.amazonaws.com.` }),
        region: z
            .string()
            .min(1)
            .optional()
            .meta({ description: `${DEPRECATED} bucket region.` }),
        folder: s3Prefix.optional().meta({ description: `${DEPRECATED} folder inside the bucket (now \`prefix\`).` }),
        ...inlineS3Keys("cluster"),
        insecure: z
            .boolean()
            .optional()
            .meta({ description: `${DEPRECATED} use plain HTTP to the endpoint.` }),
    })
    .superRefine((block, ctx) => checkS3Block(block, ctx, ["endpoint", "region", "folder", "accessKey", "secretKey", "insecure"], "folder"));

const k3sSchema = z.strictObject({
    version: z
        .string()
        .refine(isK3sVersion, "expected a k3s release tag such as v1.36.4+k3s1")
        .refine((v) => !isK3sVersion(v) || kubectlImage(v) !== undefined, {
            message: `expected a Kubernetes minor the platform has a kubectl image for (charts/images.ts KUBECTL_IMAGES: ${Object.keys(KUBECTL_IMAGES).join(", ")}); add one for a new minor`,
        })
        .meta({ description: "Pinned k3s release; also selects the install script of that tag." }),
    installScriptSha256: z
        .string()
        .refine(isSha256, "expected the lower-case hex SHA-256 of install.sh at that tag")
        .optional()
        .meta({ description: "If set, the downloaded install.sh must have this SHA-256." }),
    apiEndpoint: host("the Kubernetes API endpoint")
        .optional()
        .meta({ description: "DNS name or IP clients use for the API (tls-san, kubeconfig); default: first server." }),
    ssh: z
        .strictObject({
            user: z
                .string()
                .regex(/^[a-z_][a-z0-9_-]*$/, "expected a Unix user name")
                .default("root")
                .meta({
                    description: "SSH user: root or a user with passwordless sudo.",
                }),
            port: z
                .int("expected an integer port")
                .min(1, "expected a port 1-65535")
                .max(65535, "expected a port 1-65535")
                .default(22)
                .meta({ description: "SSH port." }),
            privateKey: secretString("cluster", "SSH private key authorised on every host."),
            skipHostKeyCheck: z
                .strictObject({
                    reason: z
                        .string()
                        .min(10, "expected a reason of at least 10 characters")
                        .meta({ description: "Why these hosts' keys cannot be pinned (reviewed in the stack file)." }),
                })
                .optional()
                .meta({ description: "Connect without verifying host keys (dev profile only; a man in the middle would receive the cluster token)." }),
        })
        .meta({ description: "How Pulumi reaches the hosts over SSH." }),
    servers: z
        .array(nodeSchema)
        .min(1, "expected at least one server")
        .superRefine((servers, ctx) => {
            if (servers.length > 0 && servers.length % 2 === 0) {
                ctx.addIssue({
                    code: "custom",
                    message: `expected an odd number of servers (1, 3, 5...) so etcd keeps quorum, got ${servers.length}`,
                });
            }
            // k3s advertises the API server at node-external-ip unless advertise-address is set, and
            // the platform sets it to the private address: a server must have one it can name.
            servers.forEach((server, i) => {
                if (
                    server.externalAddress !== undefined &&
                    server.address === undefined &&
                    (!isIpAddress(server.host) || server.host === server.externalAddress)
                ) {
                    ctx.addIssue({
                        code: "custom",
                        path: [i, "address"],
                        message:
                            `required when the server has a public externalAddress (${server.externalAddress}) and its host is not a private IP: ` +
                            "k3s would advertise the API server at the public address; give the private IP (or the public one on a host without a private network)",
                    });
                }
            });
        })
        .meta({ description: "Control-plane nodes; the first one initialises the cluster. 1 or an odd number >= 3." }),
    agents: z.array(nodeSchema).default([]).meta({ description: "Worker nodes." }),
    disable: z
        .array(z.enum(["servicelb", "local-storage", "metrics-server"]))
        .default([])
        .meta({ description: "Packaged k3s components to disable in addition to traefik (always disabled)." }),
    clusterCidr: z.string().refine(isCidr, "expected a CIDR such as 10.42.0.0/16").optional().meta({
        description: "Pod network CIDR (k3s `cluster-cidr`).",
    }),
    serviceCidr: z.string().refine(isCidr, "expected a CIDR such as 10.43.0.0/16").optional().meta({
        description: "Service network CIDR (k3s `service-cidr`).",
    }),
    secretsEncryption: z.boolean().default(true).meta({ description: "Encrypt Secrets at rest in etcd." }),
    etcdSnapshots: z
        .strictObject({
            schedule: z
                .string()
                .refine(isCron, "expected a five-field cron expression such as '0 */6 * * *'")
                .optional()
                .meta({ description: "Snapshot cron; default by profile (dev: every 12h, prod: every 6h)." }),
            retention: z
                .int("expected a whole number of snapshots")
                .min(1, "expected at least 1 snapshot")
                .max(1000, "expected at most 1000 snapshots")
                .optional()
                .meta({ description: "Snapshots kept; default by profile (dev: 5, prod: 28)." }),
            s3: etcdS3Schema.optional().meta({ description: "Also upload snapshots to S3-compatible storage: `{ backend, bucket, prefix }`." }),
        })
        .default({})
        .meta({ description: "Embedded etcd snapshots taken by k3s on every server." }),
    preflight: z
        .strictObject({
            minKernel: z
                .string()
                .regex(/^\d+\.\d+$/, "expected a kernel version as major.minor, e.g. 4.18")
                .default("4.18")
                .meta({ description: "Oldest kernel accepted on hosts." }),
            checkPorts: z.boolean().default(false).meta({
                description: "Fail when k3s ports (6443, 10250, 2379-2380) are taken before install.",
            }),
        })
        .default({ minKernel: "4.18", checkPorts: false })
        .meta({ description: "Host checks run before k3s is installed." }),
});

const existingSchema = z.strictObject({
    kubeconfig: secretString("cluster", "Kubeconfig of the existing cluster."),
    context: z.string().min(1).optional().meta({ description: "Context to use; default: the current context." }),
    podCidr: z
        .string()
        .refine(isCidr, "expected an IPv4 CIDR such as 10.42.0.0/16")
        .refine((c) => !c.includes(":"), "expected an IPv4 CIDR")
        .optional()
        .meta({
            description:
                "The cluster's pod CIDR: required while NetworkPolicies are on. The nodes reach pods on other nodes from the first address of their pod subnet (flannel, as on k3s and k3d), which the policies admit instead of the whole pod CIDR.",
        }),
    serviceCidr: z
        .string()
        .refine(isCidr, "expected an IPv4 CIDR such as 10.43.0.0/16")
        .refine((c) => !c.includes(":"), "expected an IPv4 CIDR")
        .optional()
        .meta({
            description: "The cluster's Service CIDR: required while NetworkPolicies are on (egress outside the cluster excludes it).",
        }),
    nodeCidrMaskSize: z
        .number()
        .int()
        .min(16)
        .max(28)
        .default(24)
        .meta({ description: "Prefix length of each node's pod subnet (kube-controller-manager `--node-cidr-mask-size`)." }),
});

const clusterSchema = z
    .strictObject({
        mode: z.enum(["k3s", "existing"]).meta({ description: "`k3s`: install on hosts over SSH; `existing`: use a kubeconfig." }),
        k3s: k3sSchema.optional().meta({ description: "k3s settings (mode k3s)." }),
        existing: existingSchema.optional().meta({ description: "Existing cluster settings (mode existing)." }),
    })
    .superRefine((cluster, ctx) => {
        const other = cluster.mode === "k3s" ? "existing" : "k3s";
        if (cluster[cluster.mode] === undefined) {
            ctx.addIssue({ code: "custom", path: [cluster.mode], message: `required when mode is '${cluster.mode}'` });
        }
        if (cluster[other] !== undefined) {
            ctx.addIssue({ code: "custom", path: [other], message: `not allowed when mode is '${cluster.mode}'` });
        }
    });

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
