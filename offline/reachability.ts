/**
 * `out/<stack>/reachability.txt`: every network flow the platform needs (the Platform's `flows`),
 * each checked against the rendered NetworkPolicies by the independent evaluator (offline/netpol.ts)
 * between stand-in addresses, one line per flow with its verdict.
 *
 * The stand-ins are computed here from the ClusterNetwork, not taken from the generator:
 * - a pod source runs on node A, a pod destination on node B (pod addresses in their node subnets);
 * - `nodes` as a source is node C's flannel address: flannel's VXLAN backend gives each node's
 *   flannel.1 device the network address of its pod subnet (flannel-io/flannel@v0.28.4:pkg/backend/vxlan/vxlan.go,
 *   `dev.Configure(ip.IP4Net{IP: lease.Subnet.IP, PrefixLen: 32}, ...)`; k3s-io/k3s@v1.36.4+k3s1:go.mod
 *   pins flannel v0.28.4), the source address of whatever the node sends to a pod on another node.
 *   Same-node traffic is accepted before any policy (offline/netpol.ts), so the other node is the case to check;
 * - `nodes` / `apiServer` as destinations are the network's node / API server addresses, or an
 *   address outside the cluster when those are unknown;
 * - `internet` and `anywhere` are a public address, `outside` a private address outside the cluster;
 * - `allPods` is a pod in a namespace no policy manages (each target namespace's own ingress is
 *   checked by the flows into it).
 */
import { endLabel, type Flow, type FlowEnd, isPodEnd } from "../components/lib/flows";
import type { ClusterNetwork } from "../components/lib/networkPolicy";
import { type Endpoint, evaluateConnection, inCidr, type PolicyCluster, policyCluster } from "./netpol";

/** Node subnets are /24 unless the network says otherwise (kube-controller-manager --node-cidr-mask-size, IPv4 default 24). */
const DEFAULT_NODE_MASK = 24;
/** A public address (TEST-NET-3, RFC 5737: never routed, but no policy treats it as private). */
const PUBLIC_CANDIDATES = ["203.0.113.10", "198.51.100.200"];
/** The namespace of the `allPods` stand-in: one no platform policy manages. */
const ANY_NAMESPACE = "any-namespace";
/** A private address outside the cluster's CIDRs. */
const PRIVATE_CANDIDATES = ["192.168.77.10", "172.20.77.10", "10.254.77.10"];

export interface FlowVerdict {
    readonly flow: Flow;
    /** undefined when NetworkPolicies are off. */
    readonly admitted?: boolean;
    readonly reason: string;
    readonly line: string;
}

export interface Reachability {
    readonly text: string;
    readonly verdicts: readonly FlowVerdict[];
    /** The lines of the needed flows the policies block. */
    readonly blocked: readonly string[];
}

function ipv4ToInt(ip: string): number {
    return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}
function intToIpv4(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** The stand-in addresses for one network. */
export interface StandIns {
    readonly podSource: string;
    readonly podDestination: string;
    readonly nodeSource: string;
    readonly publicAddress: string;
    readonly privateOutside: string;
}

/** Node subnet `index` of the pod CIDR, plus `offset` (node A is subnet 1, B 2, C 3). */
function subnetAddress(network: ClusterNetwork, index: number, offset: number): string {
    const [base, prefixText] = network.podCidr.split("/");
    const prefix = Number(prefixText);
    const mask = network.nodeMaskBits ?? DEFAULT_NODE_MASK;
    const subnets = 2 ** Math.max(0, mask - prefix);
    const size = 2 ** (32 - mask);
    const start = Math.floor(ipv4ToInt(base) / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
    return intToIpv4(start + (index % subnets) * size + Math.min(offset, size - 2));
}

export function standIns(network: ClusterNetwork): StandIns {
    const cluster = [network.podCidr, network.serviceCidr];
    const taken = new Set([...(network.nodeAddresses ?? []), ...(network.apiServerAddresses ?? [])]);
    const free = (candidates: string[]) => candidates.find((ip) => !taken.has(ip) && !cluster.some((c) => inCidr(ip, c))) ?? candidates[0];
    return {
        podSource: subnetAddress(network, 1, 23),
        podDestination: subnetAddress(network, 2, 34),
        nodeSource: subnetAddress(network, 3, 0),
        publicAddress: free(PUBLIC_CANDIDATES),
        privateOutside: free(PRIVATE_CANDIDATES),
    };
}

/** The endpoints a flow end stands for (several for nodes and the API server: each must be reachable). */
function endpoints(end: FlowEnd, role: "from" | "to", network: ClusterNetwork, s: StandIns): Endpoint[] {
    if (isPodEnd(end)) {
        return [
            {
                kind: "pod",
                namespace: end.namespace,
                labels: { ...(end.pods ?? {}) },
                ip: role === "from" ? s.podSource : s.podDestination,
                node: role === "from" ? "node-a" : "node-b",
            },
        ];
    }
    const host = (ip: string, node?: string): Endpoint => ({ kind: "host", ip, node });
    switch (end) {
        case "nodes":
        case "apiServer": {
            if (role === "from") return [host(s.nodeSource, "node-c")];
            const addresses = end === "nodes" ? network.nodeAddresses : network.apiServerAddresses;
            return addresses !== undefined && addresses.length > 0 ? addresses.map((ip) => host(ip)) : [host(s.privateOutside)];
        }
        case "internet":
        case "anywhere":
            return [host(s.publicAddress)];
        case "outside":
            return [host(s.privateOutside)];
        case "allPods":
            // Every pod anywhere: one in a namespace no policy manages, so only the source's egress decides.
            return [
                {
                    kind: "pod",
                    namespace: ANY_NAMESPACE,
                    labels: {},
                    ip: role === "from" ? s.podSource : s.podDestination,
                    node: role === "from" ? "node-a" : "node-b",
                },
            ];
    }
}

function portsText(flow: Flow): string {
    return `${flow.ports === "all" ? "*" : flow.ports.join(",")}/${flow.protocol ?? "TCP"}`;
}

function flowLine(flow: Flow, verdict: string, reason?: string): string {
    const line = `${endLabel(flow.from)} -> ${endLabel(flow.to)}:${portsText(flow)}  ${verdict}  ${flow.name}: ${flow.why}`;
    return reason === undefined ? line : `${line} [${reason}]`;
}

/** Every port of every stand-in pair must be admitted; the first refusal is the reason. */
function evaluateFlow(flow: Flow, cluster: PolicyCluster, network: ClusterNetwork, s: StandIns): { admitted: boolean; reason: string } {
    const reasons = new Set<string>();
    for (const from of endpoints(flow.from, "from", network, s)) {
        for (const to of endpoints(flow.to, "to", network, s)) {
            for (const port of flow.ports === "all" ? (["all"] as const) : flow.ports) {
                const verdict = evaluateConnection(cluster, { from, to, port, protocol: flow.protocol ?? "TCP" });
                if (!verdict.admitted) {
                    return { admitted: false, reason: `${from.ip} -> ${to.ip}:${port} ${verdict.reason}` };
                }
                reasons.add(verdict.reason);
            }
        }
    }
    return { admitted: true, reason: [...reasons].join("; ") };
}

/**
 * The verdict of every flow and the text of reachability.txt. `network` undefined: the stack renders
 * no NetworkPolicies (or does not know its cluster's addresses), and the flows are listed as unchecked.
 */
export function reachability(
    stack: string,
    flows: readonly Flow[],
    manifests: readonly Record<string, unknown>[],
    network: ClusterNetwork | undefined,
): Reachability {
    const cluster = policyCluster(manifests);
    if (network === undefined) {
        const verdicts = flows.map((flow) => ({ flow, reason: "NetworkPolicies off", line: flowLine(flow, "no policy") }));
        const header =
            cluster.policies.length > 0
                ? `The stack renders ${cluster.policies.length} NetworkPolicies but its cluster network is unknown: no flow was checked.`
                : "NetworkPolicies are off for this stack (platform:defaults.networkPolicies): nothing restricts these flows.";
        const text = [`reachability: ${stack}`, header, "", ...verdicts.map((v) => v.line), "", `flows: ${flows.length} needed, none checked`, ""].join("\n");
        return { text, verdicts, blocked: [] };
    }
    const s = standIns(network);
    const verdicts = flows.map((flow) => {
        const { admitted, reason } = evaluateFlow(flow, cluster, network, s);
        return { flow, admitted, reason, line: flowLine(flow, admitted ? "admitted" : "BLOCKED", reason) };
    });
    const blocked = verdicts.filter((v) => !v.admitted).map((v) => v.line);
    const text = [
        `reachability: ${stack}`,
        "Every network flow the platform needs, checked against the NetworkPolicies of manifests.yaml as k3s's embedded",
        "kube-router enforces them (offline/netpol.ts). Ports are those the policy sees (a Service port is already the pod's).",
        `Network: pods ${network.podCidr} (node subnets /${network.nodeMaskBits ?? DEFAULT_NODE_MASK}), Services ${network.serviceCidr}; ` +
            `nodes ${network.nodeAddresses?.join(", ") ?? "unknown"}; API server ${network.apiServerAddresses?.join(", ") ?? "unknown"}.`,
        `Stand-ins: pod source ${s.podSource} (node A), pod destination ${s.podDestination} (node B), nodes from ${s.nodeSource} (node C's flannel address),`,
        `internet/anywhere ${s.publicAddress}, outside ${s.privateOutside}, allPods a pod in ${ANY_NAMESPACE} (no policy of its own).`,
        "",
        ...verdicts.map((v) => v.line),
        "",
        `flows: ${flows.length} needed, ${flows.length - blocked.length} admitted, ${blocked.length} blocked`,
        "",
    ].join("\n");
    return { text, verdicts, blocked };
}
