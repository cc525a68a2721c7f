import * as k8s from "@pulumi/kubernetes";
import type * as k8sInput from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACES } from "../../charts/namespaces";
import { type Flow, type FlowEnd, isPodEnd, type PodLabels } from "./flows";

/** Namespace Prometheus scrapes from (the monitoring stack's). */
export const MONITORING_NAMESPACE = NAMESPACES.monitoring;
/** Namespace the ingress controller runs in. */
export const INGRESS_NAMESPACE = NAMESPACES.ingress;

/** k3s's pod and Service CIDRs unless `cluster.k3s.clusterCidr` / `serviceCidr` say otherwise. */
const K3S_DEFAULT_CIDRS = { cluster: "10.42.0.0/16", service: "10.43.0.0/16" } as const;

/**
 * A k3s cluster's IPv4 pod and Service CIDRs, pod CIDR first (what `ClusterNetwork` is built from);
 * IPv6 ranges are left out, as the generated rules are IPv4 only.
 */
export function k3sClusterCidrs(k3s: { readonly clusterCidr?: string; readonly serviceCidr?: string }): string[] {
    return [k3s.clusterCidr ?? K3S_DEFAULT_CIDRS.cluster, k3s.serviceCidr ?? K3S_DEFAULT_CIDRS.service].filter((c) => !c.includes(":"));
}

/** The TCP port of an endpoint URL (`https://minio.example.com:9000` -> 9000; 443/80 by scheme), undefined for none. */
export function endpointPort(url: string | undefined): number | undefined {
    if (url === undefined) {
        return undefined;
    }
    const parsed = new URL(url.includes("://") ? url : `https://${url}`);
    return parsed.port !== "" ? Number(parsed.port) : parsed.protocol === "http:" ? 80 : 443;
}

/** What the generator needs to know of the cluster's network. */
export interface ClusterNetwork {
    /** IPv4 pod CIDR (k3s `cluster-cidr`). */
    readonly podCidr: string;
    /** IPv4 Service CIDR (k3s `service-cidr`). */
    readonly serviceCidr: string;
    /** Prefix length of each node's pod subnet (kube-controller-manager `--node-cidr-mask-size`, 24 for IPv4 by default). @default 24 */
    readonly nodeMaskBits?: number;
    /** The nodes' IPv4 addresses (`nodes` as a destination); any address outside the cluster on the flow's ports when undefined. */
    readonly nodeAddresses?: readonly string[];
    /** The API server's IPv4 addresses (the `kubernetes` Service's endpoints); outside the cluster on the flow's ports when undefined. */
    readonly apiServerAddresses?: readonly string[];
}

/** Link-local addresses, where clouds serve instance metadata and credentials (169.254.169.254). */
const LINK_LOCAL_CIDR = "169.254.0.0/16";
/** Private and shared (carrier-grade NAT) IPv4 ranges: never `internet`. */
const NON_PUBLIC_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];
/** More `.0` addresses than this (a pod CIDR far wider than its node subnets) is refused: the rule would be unreadable. */
const MAX_NODE_SUBNETS = 1024;

function ipv4ToInt(ip: string): number {
    return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}
function intToIpv4(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/**
 * The addresses the nodes reach pods on other nodes from: flannel gives each node's flannel.1
 * device the first address (`.0` for a /24) of the node's pod subnet, and host-local IPAM never
 * hands that address to a pod, so a peer listing them admits the API server, kubelets and kernel
 * clients and no pod. Every subnet the pod CIDR can hold is listed, as node subnets are assigned
 * at join time.
 */
export function nodeFlannelAddresses(network: Pick<ClusterNetwork, "podCidr" | "nodeMaskBits">): string[] {
    const [base, prefixText] = network.podCidr.split("/");
    const prefix = Number(prefixText);
    const mask = network.nodeMaskBits ?? 24;
    if (!(prefix <= mask) || mask > 30) {
        throw new Error(`pod CIDR ${network.podCidr}: node subnets of /${mask} do not fit in it`);
    }
    const count = 2 ** (mask - prefix);
    if (count > MAX_NODE_SUBNETS) {
        throw new Error(
            `pod CIDR ${network.podCidr} holds ${count} node subnets of /${mask} (at most ${MAX_NODE_SUBNETS}): use a narrower pod CIDR or a wider node mask`,
        );
    }
    const start = Math.floor(ipv4ToInt(base) / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
    return Array.from({ length: count }, (_, i) => intToIpv4(start + i * 2 ** (32 - mask)));
}

type PolicySpec = k8sInput.networking.v1.NetworkPolicySpec;
type Peer = k8sInput.networking.v1.NetworkPolicyPeer;
type PolicyPort = k8sInput.networking.v1.NetworkPolicyPort;
/** One NetworkPolicy of a namespace: its name and spec. */
export interface NamedPolicy {
    readonly name: string;
    readonly spec: PolicySpec;
}

const namespacePeer = (namespace: string, pods?: PodLabels): Peer => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
    ...(pods ? { podSelector: { matchLabels: { ...pods } } } : {}),
});
const hosts = (addresses: readonly string[]): Peer[] => addresses.map((ip) => ({ ipBlock: { cidr: `${ip}/32` } }));

/** The peers a flow end stands for, as seen from the other end's policy. */
function peersOf(end: FlowEnd, network: ClusterNetwork, direction: "from" | "to"): Peer[] {
    const cluster = [network.podCidr, network.serviceCidr];
    const outside: Peer[] = [{ ipBlock: { cidr: "0.0.0.0/0", except: [...cluster, LINK_LOCAL_CIDR] } }];
    if (isPodEnd(end)) {
        return [namespacePeer(end.namespace, end.pods)];
    }
    switch (end) {
        case "nodes":
            return direction === "from" ? hosts(nodeFlannelAddresses(network)) : network.nodeAddresses ? hosts(network.nodeAddresses) : outside;
        case "apiServer":
            return network.apiServerAddresses ? hosts(network.apiServerAddresses) : outside;
        case "anywhere":
            return [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }];
        case "internet": {
            const except = [...NON_PUBLIC_RANGES, LINK_LOCAL_CIDR, ...cluster.filter((c) => !NON_PUBLIC_RANGES.some((r) => cidrWithin(c, r)))];
            return [{ ipBlock: { cidr: "0.0.0.0/0", except } }];
        }
        case "outside":
            return outside;
        case "allPods":
            return [{ namespaceSelector: {} }];
    }
}

function cidrWithin(inner: string, outer: string): boolean {
    const [ib, ip] = inner.split("/");
    const [ob, op] = outer.split("/");
    const size = 2 ** (32 - Number(op));
    return Number(ip) >= Number(op) && Math.floor(ipv4ToInt(ib) / size) === Math.floor(ipv4ToInt(ob) / size);
}

function portsOf(flow: Flow): { ports?: PolicyPort[] } {
    return flow.ports === "all" ? {} : { ports: [...new Set(flow.ports)].sort((a, b) => a - b).map((port) => ({ protocol: flow.protocol ?? "TCP", port })) };
}

/** A selector's part of a policy name: its label values, `all` for every pod. */
function selectorSlug(pods: PodLabels | undefined): string {
    const values = Object.keys(pods ?? {})
        .sort()
        // A flag label (`acme.cert-manager.io/http01-solver: "true"`) reads better by its key.
        .map((k) => (["true", "false"].includes(pods![k]) ? k.split("/").pop()! : pods![k]).toLowerCase().replace(/[^a-z0-9-]+/g, "-"));
    return values.length > 0 ? values.join("-") : "all";
}

/**
 * The NetworkPolicies of every managed namespace, from the flows: default-deny in both directions
 * and cluster DNS, then per destination pod selector one ingress policy holding a rule per flow
 * into it, and per source pod selector one egress policy holding a rule per flow out of it. Flows
 * whose ends lie in unmanaged namespaces add nothing there. Pure and deterministic (names sorted).
 */
export function flowPolicySpecs(flows: readonly Flow[], managed: readonly string[], network: ClusterNetwork): Map<string, NamedPolicy[]> {
    const managedSet = new Set(managed);
    type Group = {
        direction: "in" | "out";
        pods?: PodLabels;
        rules: (k8sInput.networking.v1.NetworkPolicyIngressRule | k8sInput.networking.v1.NetworkPolicyEgressRule)[];
    };
    const groups = new Map<string, Map<string, Group>>();
    const add = (namespace: string, direction: "in" | "out", pods: PodLabels | undefined, rule: Group["rules"][number]) => {
        const byKey = groups.get(namespace) ?? new Map<string, Group>();
        groups.set(namespace, byKey);
        const key = `${direction} ${JSON.stringify(Object.entries(pods ?? {}).sort())}`;
        const group = byKey.get(key) ?? { direction, pods, rules: [] };
        byKey.set(key, group);
        group.rules.push(rule);
    };
    for (const flow of flows) {
        if (isPodEnd(flow.to) && managedSet.has(flow.to.namespace)) {
            add(flow.to.namespace, "in", flow.to.pods, { from: peersOf(flow.from, network, "from"), ...portsOf(flow) });
        }
        if (isPodEnd(flow.from) && managedSet.has(flow.from.namespace)) {
            add(flow.from.namespace, "out", flow.from.pods, { to: peersOf(flow.to, network, "to"), ...portsOf(flow) });
        }
    }
    const result = new Map<string, NamedPolicy[]>();
    for (const namespace of [...managedSet].sort()) {
        const policies: NamedPolicy[] = [
            // Nothing reaches or leaves a pod here unless a policy below allows it. (Names differ from the
            // per-component policies of 0.1: the old objects are deleted after these exist, never clashing.)
            { name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
            {
                name: "dns-egress",
                spec: {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [
                        {
                            to: [namespacePeer("kube-system", { "k8s-app": "kube-dns" })],
                            ports: [
                                { protocol: "UDP", port: 53 },
                                { protocol: "TCP", port: 53 },
                            ],
                        },
                    ],
                },
            },
        ];
        const used = new Set(policies.map((p) => p.name));
        const sorted = [...(groups.get(namespace)?.values() ?? [])].sort((a, b) =>
            `${a.direction}${selectorSlug(a.pods)}`.localeCompare(`${b.direction}${selectorSlug(b.pods)}`),
        );
        for (const group of sorted) {
            const base = `${group.direction}-${selectorSlug(group.pods)}`.slice(0, 60);
            let name = base;
            for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
            used.add(name);
            const podSelector = group.pods ? { matchLabels: { ...group.pods } } : {};
            policies.push({
                name,
                spec:
                    group.direction === "in"
                        ? { podSelector, policyTypes: ["Ingress"], ingress: group.rules as k8sInput.networking.v1.NetworkPolicyIngressRule[] }
                        : { podSelector, policyTypes: ["Egress"], egress: group.rules as k8sInput.networking.v1.NetworkPolicyEgressRule[] },
            });
        }
        result.set(namespace, policies);
    }
    return result;
}

/** Creates a namespace's NetworkPolicies (k3s enforces them with its embedded kube-router controller). */
export function createNetworkPolicies(
    resourcePrefix: string,
    namespace: pulumi.Input<string>,
    policies: readonly NamedPolicy[],
    opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy[] {
    return policies.map(({ name, spec }) => new k8s.networking.v1.NetworkPolicy(`${resourcePrefix}-${name}`, { metadata: { name, namespace }, spec }, opts));
}
