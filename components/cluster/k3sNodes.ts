/**
 * Pure helpers ClusterK3s builds its hosts from: node order, cluster-wide settings, the API URLs and
 * SSH connection settings. No resources here, so scripts (restore-etcd) and tests use them directly.
 */
import * as command from "@pulumi/command";
import type { K3sClusterArgs, K3sHostArgs } from "./clusterArgs";
import { API_PORT, K3sNode, K3sSettings, NodeRole } from "./k3sFiles";

/** Servers (first one initialises) then agents, as ClusterK3s installs them. */
export function k3sNodes(k3s: Pick<K3sClusterArgs, "servers" | "agents">): K3sNode[] {
    const toNode = (n: K3sHostArgs, role: NodeRole, init: boolean): K3sNode => ({
        name: n.name,
        host: n.host,
        address: n.address,
        externalAddress: n.externalAddress,
        hostKey: n.hostKey,
        role,
        init,
        labels: n.labels,
        taints: n.taints,
    });
    return [...k3s.servers.map((n, i) => toNode(n, "server", i === 0)), ...k3s.agents.map((n) => toNode(n, "agent", false))];
}

/** Cluster-wide config.yaml settings derived from the k3s config slice. */
export function k3sSettings(k3s: K3sClusterArgs, nodes: readonly K3sNode[]): K3sSettings {
    const first = nodes[0];
    const sans = [k3s.apiEndpoint, ...nodes.filter((n) => n.role === "server").flatMap((n) => [n.host, n.address])];
    const s3 = k3s.etcdSnapshots.s3;
    return {
        joinUrl: `https://${hostForUrl(first.address ?? first.host)}:${API_PORT}`,
        tlsSans: [...new Set(sans.filter((s): s is string => s !== undefined))],
        disable: k3s.disable,
        secretsEncryption: k3s.secretsEncryption,
        clusterCidr: k3s.clusterCidr,
        serviceCidr: k3s.serviceCidr,
        etcdSnapshots: {
            schedule: k3s.etcdSnapshots.schedule,
            retention: k3s.etcdSnapshots.retention,
            s3: s3 && {
                endpoint: s3.endpoint,
                bucket: s3.bucket,
                region: s3.region,
                folder: s3.folder,
                accessKey: s3.accessKey,
                insecure: s3.insecure,
            },
        },
    };
}

/** The API URL clients use: the configured endpoint, else the first server. Exported in the kubeconfig. */
export function apiUrl(k3s: Pick<K3sClusterArgs, "apiEndpoint" | "servers">): string {
    return `https://${hostForUrl(k3s.apiEndpoint ?? k3s.servers[0].host)}:${API_PORT}`;
}

/**
 * The API URL the stack's own provider uses: the first server's SSH host, which exists before the
 * cluster and is in tls-san. `apiEndpoint` may be a DNS name that only this stack's external-dns
 * creates, inside the cluster the provider is about to build, so the first `up` could never reach it.
 */
export function bootstrapApiUrl(k3s: Pick<K3sClusterArgs, "servers">): string {
    return `https://${hostForUrl(k3s.servers[0].host)}:${API_PORT}`;
}

/**
 * SSH connection settings for one host: the host key is pinned whenever configured (the schema
 * requires it unless `ssh.skipHostKeyCheck` gives a reason), so a man in the middle never receives
 * the join token or the S3 key sent on stdin.
 */
export function sshConnection(host: string, ssh: K3sClusterArgs["ssh"], hostKey: string | undefined): command.types.input.remote.ConnectionArgs {
    return { host, port: ssh.port, user: ssh.user, privateKey: ssh.privateKey, ...(hostKey !== undefined ? { hostKey } : {}) };
}

function hostForUrl(host: string): string {
    return host.includes(":") ? `[${host}]` : host;
}
