/**
 * Pure builders for what ClusterK3s writes to each host: `/etc/rancher/k3s/config.yaml`, the secret
 * drop-in, `registries.yaml`, and the shell scripts run over SSH. No Pulumi here, so every branch is
 * unit-tested on plain values and the render shows the exact text a host receives.
 */
import { isIP } from "node:net";
import { parse } from "yaml";
import type { Registries } from "../lib/hostRequirements";
import type { EtcdSnapshotArgs } from "./clusterArgs";
import { toYaml } from "../lib/yaml";
import { KUBECONFIG_PATH, NodeRole } from "./k3sPaths";

export * from "./k3sPaths";
export * from "./k3sScripts";
export type { HostRequirements, Registries } from "../lib/hostRequirements";
export { toYaml } from "../lib/yaml";

/** A host as ClusterK3s sees it: config node plus its role and position. */
export interface K3sNode {
    readonly name: string;
    readonly host: string;
    /** Private address other nodes use; undefined means `host`. */
    readonly address?: string;
    /** Public address (k3s `node-external-ip`), which ServiceLB publishes; undefined: none. */
    readonly externalAddress?: string;
    /** The host's pinned SSH public key; undefined only when the stack skips host key checks. */
    readonly hostKey?: string;
    readonly role: NodeRole;
    /** True only for servers[0], the node that runs `cluster-init`. */
    readonly init: boolean;
    readonly labels?: Readonly<Record<string, string>>;
    readonly taints?: readonly string[];
}

/** Cluster-wide settings every node's config.yaml is built from. */
export interface K3sSettings {
    /** URL joining nodes register with: `https://<first server address>:6443`. */
    readonly joinUrl: string;
    /** Names and IPs the API server certificate must cover (tls-san). */
    readonly tlsSans: readonly string[];
    /** Packaged components to disable; traefik is always included. */
    readonly disable: readonly string[];
    readonly secretsEncryption: boolean;
    readonly clusterCidr?: string;
    readonly serviceCidr?: string;
    /** The snapshot settings config.yaml carries: the S3 secret key goes to a drop-in of its own. */
    readonly etcdSnapshots: Omit<EtcdSnapshotArgs, "s3"> & { readonly s3?: Omit<NonNullable<EtcdSnapshotArgs["s3"]>, "secretKey"> };
}

/** The k3s config.yaml of one node, as an object (keys are k3s CLI flag names). */
export function nodeConfig(node: K3sNode, settings: K3sSettings): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    if (node.init) {
        config["cluster-init"] = true;
    } else {
        config.server = settings.joinUrl;
    }
    config["node-name"] = node.name;
    const privateAddress = nodePrivateAddress(node);
    if (privateAddress !== undefined) {
        config["node-ip"] = privateAddress;
    }
    // ServiceLB publishes ExternalIPs when nodes have them (else InternalIPs), and external-dns
    // writes what it publishes. Flannel keeps the private address: flannel-external-ip stays off.
    if (node.externalAddress !== undefined) {
        config["node-external-ip"] = node.externalAddress;
    }
    if (node.labels && Object.keys(node.labels).length > 0) {
        config["node-label"] = Object.entries(node.labels)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `${k}=${v}`);
    }
    if (node.taints && node.taints.length > 0) {
        config["node-taint"] = [...node.taints];
    }
    if (node.role === "agent") {
        return config;
    }

    // k3s defaults advertise-address to the first node-external-ip, then node-ip (k3s
    // pkg/cli/server/server.go): with a public address set, the API server would advertise it in the
    // `kubernetes` Endpoints that pods and the agents' API load balancer dial, so control-plane traffic
    // would hairpin through the public IPs. etcd peers use node-ip (k3s pkg/etcd/etcd.go, PrivateIP).
    if (node.externalAddress !== undefined && privateAddress !== undefined) {
        config["advertise-address"] = privateAddress;
    }
    config["tls-san"] = [...settings.tlsSans];
    config["write-kubeconfig-mode"] = "0600";
    config.disable = ["traefik", ...settings.disable.filter((d) => d !== "traefik")];
    if (settings.clusterCidr !== undefined) {
        config["cluster-cidr"] = settings.clusterCidr;
    }
    if (settings.serviceCidr !== undefined) {
        config["service-cidr"] = settings.serviceCidr;
    }
    if (settings.secretsEncryption) {
        config["secrets-encryption"] = true;
    }
    // k3s runs every component in one process with one metrics registry, which the kubelet's
    // /metrics already serves (components/monitoring/k3sMetrics.ts): controller-manager, scheduler
    // and kube-proxy keep their default 127.0.0.1 binds, so nothing new listens on the network.
    // etcd's metrics (2381, on the node's address) are off unless exposed.
    config["etcd-expose-metrics"] = true;
    // k3s's own metrics on :6443/metrics, including etcd snapshot results the backup alerts use.
    config["supervisor-metrics"] = true;
    config["etcd-snapshot-schedule-cron"] = settings.etcdSnapshots.schedule;
    config["etcd-snapshot-retention"] = settings.etcdSnapshots.retention;
    const s3 = settings.etcdSnapshots.s3;
    if (s3) {
        config["etcd-s3"] = true;
        config["etcd-s3-endpoint"] = s3.endpoint;
        config["etcd-s3-bucket"] = s3.bucket;
        if (s3.region !== undefined) {
            config["etcd-s3-region"] = s3.region;
        }
        if (s3.folder !== undefined) {
            config["etcd-s3-folder"] = s3.folder;
        }
        config["etcd-s3-access-key"] = s3.accessKey;
        if (s3.insecure) {
            config["etcd-s3-insecure"] = true;
        }
    }
    return config;
}

/**
 * The address a node keeps cluster traffic on (k3s `node-ip`): its private `address`; or, for a node
 * that also has a public address, its SSH `host` when that is an IP (the config's default for
 * `address`) unless it is the public address itself, so k3s does not pick the interface of the
 * default route, which may be the public one. Undefined: k3s detects it (the config refuses a server
 * with a public address and no known private one).
 */
function nodePrivateAddress(node: Pick<K3sNode, "host" | "address" | "externalAddress">): string | undefined {
    if (node.address !== undefined) {
        return node.address;
    }
    const hostIsPrivate = isIP(node.host) !== 0 && node.host !== node.externalAddress;
    return node.externalAddress !== undefined && hostIsPrivate ? node.host : undefined;
}

/** The passwords ClusterK3s generates, and the cluster CA hash once the first server made its CA. */
export interface JoinSecrets {
    /** Server token password: joins servers and encrypts the bootstrap data. */
    readonly serverToken: string;
    /** Agent token password: joins agents only, so root on a worker is not admin of the cluster. */
    readonly agentToken: string;
    /** SHA-256 (hex) of the first server's server-ca.crt; undefined only for the first server itself. */
    readonly caHash?: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A k3s secure token, `K10<CA hash>::<user>:<password>`: the joining node checks the server's CA
 * against the hash before it sends the password (k3s pkg/clientaccess/token.go; users `server`
 * and `node` as k3s's passwd file names them).
 */
export function secureToken(caHash: string, user: "server" | "node", password: string): string {
    if (!SHA256_HEX.test(caHash)) {
        throw new Error(`cluster CA hash must be 64 lower-case hex characters, got ${JSON.stringify(caHash.slice(0, 80))}`);
    }
    return `K10${caHash}::${user}:${password}`;
}

/**
 * The secret drop-in of one node. The first server starts the cluster with the short tokens (its
 * CA does not exist yet); every server carries the agent token, because k3s reads it on servers;
 * joining servers and agents use the secure form pinned to the cluster CA; agents never see the
 * server token. Servers that upload snapshots also get the S3 secret key.
 */
export function secretsYaml(node: Pick<K3sNode, "role" | "init">, secrets: JoinSecrets, s3SecretKey?: string): string {
    const joining = !node.init;
    if (joining && secrets.caHash === undefined) {
        throw new Error("a joining node needs the cluster CA hash");
    }
    const out: Record<string, string> = {};
    if (node.role === "agent") {
        out.token = secureToken(secrets.caHash!, "node", secrets.agentToken);
        return toYaml(out);
    }
    out.token = joining ? secureToken(secrets.caHash!, "server", secrets.serverToken) : secrets.serverToken;
    out["agent-token"] = secrets.agentToken;
    if (s3SecretKey !== undefined) {
        out["etcd-s3-secret-key"] = s3SecretKey;
    }
    return toYaml(out);
}

/** `registries.yaml` text; upstream stays the fallback because containerd tries it after mirrors. */
export function registriesYaml(registries: Registries): string {
    const mirrors: Record<string, unknown> = {};
    for (const upstream of Object.keys(registries.mirrors).sort()) {
        const mirror = registries.mirrors[upstream];
        mirrors[upstream] = {
            endpoint: [...mirror.endpoints],
            ...(mirror.rewrite && Object.keys(mirror.rewrite).length > 0 ? { rewrite: { ...mirror.rewrite } } : {}),
        };
    }
    const configs: Record<string, unknown> = {};
    for (const host of Object.keys(registries.configs ?? {}).sort()) {
        const c = (registries.configs ?? {})[host];
        configs[host] = {
            ...(c.username !== undefined ? { auth: { username: c.username, password: c.password ?? "" } } : {}),
            ...(c.insecureSkipVerify ? { tls: { insecure_skip_verify: true } } : {}),
        };
    }
    return toYaml(Object.keys(configs).length > 0 ? { mirrors, configs } : { mirrors });
}

/**
 * Points the k3s admin kubeconfig (server `https://127.0.0.1:6443`, names `default`) at the API
 * endpoint and names cluster, user and context after the stack, so it can be merged with others.
 */
export function rewriteKubeconfig(text: string, server: string, name: string): string {
    const doc = parse(text) as {
        clusters?: { name: string; cluster: { server?: string } }[];
        users?: { name: string }[];
        contexts?: { name: string; context: { cluster: string; user: string } }[];
        "current-context"?: string;
    } | null;
    if (!doc || !Array.isArray(doc.clusters) || doc.clusters.length === 0) {
        throw new Error(`${KUBECONFIG_PATH} on the first server is not a kubeconfig (no clusters)`);
    }
    for (const cluster of doc.clusters) {
        cluster.name = name;
        cluster.cluster.server = server;
    }
    for (const user of doc.users ?? []) {
        user.name = name;
    }
    for (const context of doc.contexts ?? []) {
        context.name = name;
        context.context.cluster = name;
        context.context.user = name;
    }
    doc["current-context"] = name;
    return toYaml(doc);
}

/** The API server URL a kubeconfig context points at, or undefined when it cannot be read. */
export function kubeconfigServer(text: string, context?: string): string | undefined {
    try {
        const doc = parse(text) as {
            clusters?: { name: string; cluster: { server?: string } }[];
            contexts?: { name: string; context: { cluster: string } }[];
            "current-context"?: string;
        } | null;
        const ctxName = context ?? doc?.["current-context"];
        const ctx = doc?.contexts?.find((c) => c.name === ctxName);
        return doc?.clusters?.find((c) => c.name === ctx?.context.cluster)?.cluster.server;
    } catch {
        return undefined;
    }
}
