/**
 * An evaluator of NetworkPolicy manifests with the semantics k3s enforces them by: k3s runs
 * kube-router's network policy controller inside the agent (k3s-io/k3s@v1.36.4+k3s1:pkg/agent/netpol/netpol.go),
 * and pins the fork k3s-io/kube-router v2.6.3-k3s1 (k3s-io/k3s@v1.36.4+k3s1:go.mod, `replace
 * github.com/cloudnativelabs/kube-router/v2`). Citations below are to that tag,
 * k3s-io/kube-router@v2.6.3-k3s1:pkg/controllers/netpol/<file>.
 *
 * It reads the rendered manifests only (NetworkPolicy and Namespace objects), never the generator
 * (components/lib/networkPolicy.ts): an independent check of what the generator wrote. IPv4 only;
 * IPv6 blocks never match an IPv4 address. Only the policies the program creates directly are seen
 * (manifests.yaml), not any a chart creates inside its release.
 */

export interface LabelSelector {
    readonly matchLabels?: Readonly<Record<string, string>>;
    readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}
export interface NetworkPolicyPeer {
    readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
    readonly namespaceSelector?: LabelSelector;
    readonly podSelector?: LabelSelector;
}
export interface NetworkPolicyPort {
    readonly protocol?: string;
    readonly port?: number | string;
    readonly endPort?: number;
}
interface Rule {
    readonly from?: readonly NetworkPolicyPeer[];
    readonly to?: readonly NetworkPolicyPeer[];
    readonly ports?: readonly NetworkPolicyPort[];
}
export interface NetworkPolicyManifest {
    readonly metadata: { readonly name: string; readonly namespace: string };
    readonly spec: {
        readonly podSelector: LabelSelector;
        readonly policyTypes?: readonly string[];
        readonly ingress?: readonly Rule[];
        readonly egress?: readonly Rule[];
    };
}

/** A pod kube-router acts on (it has an IP, is not on the host network, has not finished: utils.go isNetPolActionable). */
export interface PodEndpoint {
    readonly kind: "pod";
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly ip: string;
    /** The node the pod runs on. */
    readonly node: string;
    /** Named container ports (what a policy's `port: <name>` resolves to). @default none */
    readonly namedPorts?: readonly { readonly name: string; readonly port: number; readonly protocol?: string }[];
}
/** An address that is no pod: a node (its own or its flannel address), a client outside the cluster. */
export interface HostEndpoint {
    readonly kind: "host";
    readonly ip: string;
    /** The cluster node this address is local to; undefined outside the cluster. */
    readonly node?: string;
}
export type Endpoint = PodEndpoint | HostEndpoint;

/** What the policies see of the cluster: the policies and each namespace's labels. */
export interface PolicyCluster {
    readonly policies: readonly NetworkPolicyManifest[];
    readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export interface Connection {
    readonly from: Endpoint;
    readonly to: Endpoint;
    /** A destination port, or "all": admitted only when every port of the protocol is. */
    readonly port: number | "all";
    /** @default "TCP" */
    readonly protocol?: string;
}

export interface Verdict {
    readonly admitted: boolean;
    /** Which policy admitted it, or which selected the pod and admitted nothing. */
    readonly reason: string;
}

type Manifest = {
    readonly kind?: unknown;
    readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown; readonly labels?: unknown };
    readonly spec?: unknown;
};

/** The NetworkPolicies and Namespaces among rendered manifests. */
export function policyCluster(manifests: readonly Record<string, unknown>[]): PolicyCluster {
    const objects = manifests as readonly Manifest[];
    const namespaceLabels = new Map<string, Record<string, string>>();
    for (const ns of objects.filter((m) => m.kind === "Namespace" && typeof m.metadata?.name === "string")) {
        namespaceLabels.set(ns.metadata!.name as string, { ...((ns.metadata!.labels as Record<string, string> | undefined) ?? {}) });
    }
    const policies = objects.filter((m) => m.kind === "NetworkPolicy") as unknown as NetworkPolicyManifest[];
    return { policies, namespaceLabels };
}

/** metav1.LabelSelectorAsSelector: every matchLabels pair and every expression must hold; an empty selector selects all. */
function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
    const pairs = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    return (
        pairs &&
        (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
            switch (operator) {
                case "In":
                    return key in labels && values.includes(labels[key]);
                case "NotIn":
                    return !(key in labels) || !values.includes(labels[key]);
                case "Exists":
                    return key in labels;
                case "DoesNotExist":
                    return !(key in labels);
                default:
                    throw new Error(`unknown label selector operator ${operator}`);
            }
        })
    );
}

function ipv4ToInt(ip: string): number | undefined {
    const parts = ip.split(".");
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** Whether an IPv4 address lies in an IPv4 CIDR (an IPv6 CIDR never holds it). */
export function inCidr(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const address = ipv4ToInt(ip);
    const network = ipv4ToInt(base);
    if (address === undefined || network === undefined) return false;
    const size = 2 ** (32 - Number(bits));
    return Math.floor(address / size) === Math.floor(network / size);
}

/**
 * API defaulting before kube-router reads a policy (kubernetes/kubernetes@v1.36.4:pkg/apis/networking/v1/defaults.go,
 * SetDefaults_NetworkPolicy): no policyTypes means Ingress, plus Egress when there are egress rules.
 */
function directions(policy: NetworkPolicyManifest): { ingress: boolean; egress: boolean } {
    const types = policy.spec.policyTypes ?? [];
    if (types.length === 0) return { ingress: true, egress: (policy.spec.egress ?? []).length > 0 };
    return { ingress: types.includes("Ingress"), egress: types.includes("Egress") };
}

const selectedBy = (policy: NetworkPolicyManifest, end: Endpoint): end is PodEndpoint =>
    end.kind === "pod" && end.namespace === policy.metadata.namespace && selects(policy.spec.podSelector, end.labels);

/**
 * A peer's match. Selector peers are sets of pod IPs (policy.go evalPodPeer: pods of the namespaces
 * the namespaceSelector picks, or of the policy's own namespace, filtered by podSelector), so they
 * never match a host. An ipBlock peer is a set of networks matched on the address (policy.go
 * evalIPBlockPeer: `hash:net` ipsets, `except` entries as `nomatch`), pods included; it counts only
 * on a peer with no selector.
 */
function peerMatches(peer: NetworkPolicyPeer, policy: NetworkPolicyManifest, cluster: PolicyCluster, other: Endpoint): { pod: boolean; block: boolean } {
    if (peer.podSelector === undefined && peer.namespaceSelector === undefined) {
        const block = peer.ipBlock !== undefined && inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
        return { pod: false, block };
    }
    if (other.kind !== "pod") return { pod: false, block: false };
    // Every namespace carries kubernetes.io/metadata.name (kubernetes/kubernetes@v1.36.4:pkg/apis/core/v1/defaults.go SetDefaults_Namespace).
    const namespaceLabels = { ...(cluster.namespaceLabels.get(other.namespace) ?? {}), "kubernetes.io/metadata.name": other.namespace };
    const namespaceOk = peer.namespaceSelector !== undefined ? selects(peer.namespaceSelector, namespaceLabels) : other.namespace === policy.metadata.namespace;
    return { pod: namespaceOk && (peer.podSelector === undefined || selects(peer.podSelector, other.labels)), block: false };
}

/**
 * A rule's ports (policy.go processNetworkPolicyPorts): none means every port and protocol; a
 * missing protocol is TCP (kubernetes/kubernetes@v1.36.4:pkg/apis/networking/v1/defaults.go
 * SetDefaults_NetworkPolicyPort); no port means every port of the protocol; endPort makes a range
 * when not below port; a named port is the number of a container port of that name and protocol on
 * the pods it resolves against (`named`, undefined: it resolves to nothing).
 */
function portMatches(
    ports: readonly NetworkPolicyPort[] | undefined,
    c: Connection,
    named: ((name: string, protocol: string) => number | undefined) | undefined,
): boolean {
    if (ports === undefined || ports.length === 0) return true;
    const protocol = c.protocol ?? "TCP";
    return ports.some((p) => {
        if ((p.protocol ?? "TCP") !== protocol) return false;
        if (p.port === undefined) return true;
        if (typeof p.port === "string") {
            const resolved = named?.(p.port, protocol);
            return resolved !== undefined && resolved === c.port;
        }
        const end = p.endPort !== undefined && p.endPort >= p.port ? p.endPort : p.port;
        return c.port === "all" ? p.port <= 1 && end >= 65535 : c.port >= p.port && c.port <= end;
    });
}

const namedPortOf = (pod: Endpoint) => (name: string, protocol: string) =>
    pod.kind === "pod" ? pod.namedPorts?.find((n) => n.name === name && (n.protocol ?? "TCP") === protocol)?.port : undefined;

/**
 * Whether one of the policy chain's rules marks the packet (policy.go processIngressRules and
 * processEgressRules). Ingress rules match a destination among the policy's pods and a source among
 * the peers; egress rules a source among the policy's pods and a destination among the peers. Both
 * kinds sit in the one chain, whichever direction jumped to it.
 */
function policyMarks(policy: NetworkPolicyManifest, cluster: PolicyCluster, c: Connection): boolean {
    const { ingress, egress } = directions(policy);
    if (ingress && selectedBy(policy, c.to)) {
        for (const rule of policy.spec.ingress ?? []) {
            const from = rule.from ?? [];
            // Named ports resolve against the policy's own pods, the destination here.
            if (
                (from.length === 0 || from.some((peer) => Object.values(peerMatches(peer, policy, cluster, c.from)).some(Boolean))) &&
                portMatches(rule.ports, c, namedPortOf(c.to))
            )
                return true;
        }
    }
    if (egress && selectedBy(policy, c.from)) {
        for (const rule of policy.spec.egress ?? []) {
            const to = rule.to ?? [];
            if (to.length === 0) {
                // Named ports resolve against the pods of the policy's namespace: known here only when the destination is one.
                const named = c.to.kind === "pod" && c.to.namespace === policy.metadata.namespace ? namedPortOf(c.to) : undefined;
                if (portMatches(rule.ports, c, named)) return true;
                continue;
            }
            const matches = to.map((peer) => peerMatches(peer, policy, cluster, c.to));
            // A destination pod peer resolves named ports against itself; an ipBlock destination takes numeric ports only.
            if (matches.some((m) => m.pod) && portMatches(rule.ports, c, namedPortOf(c.to))) return true;
            if (matches.some((m) => m.block) && portMatches(rule.ports, c, undefined)) return true;
        }
    }
    return false;
}

const policyName = (p: NetworkPolicyManifest) => `${p.metadata.namespace}/${p.metadata.name}`;

/**
 * One pod's firewall chain (pod.go setupPodNetpolRules), run for traffic from the pod (`source`)
 * and to it (`destination`). In order: traffic to the pod from its own node (`addrtype --src-type
 * LOCAL`) is accepted before any policy; a pod no policy selects for a direction goes through
 * KUBE-NWPLCY-DEFAULT, which marks it (network_policy_controller.go ensureDefaultNetworkPolicyChain):
 * open in that direction; otherwise the chain of every selecting policy is jumped (an Ingress
 * policy's for traffic to the pod, an Egress policy's for traffic from it, a policy of both types'
 * for either) and any mark admits, so policies add up; an unmarked packet is rejected.
 */
function podChain(cluster: PolicyCluster, pod: PodEndpoint, role: "source" | "destination", c: Connection): Verdict {
    const direction = role === "destination" ? "ingress" : "egress";
    if (role === "destination" && c.from.kind === "host" && c.from.node !== undefined && c.from.node === pod.node) {
        return { admitted: true, reason: "from the pod's own node, accepted before any policy" };
    }
    const selecting = cluster.policies.filter((p) => selectedBy(p, pod));
    const ofDirection = selecting.filter((p) => directions(p)[direction]);
    if (ofDirection.length === 0) {
        return { admitted: true, reason: `no policy selects ${pod.namespace}/${labelText(pod.labels)} for ${direction}` };
    }
    // Jumped: an Ingress policy's chain for traffic to the pod, an Egress policy's from it, a policy of both types' either way.
    const marking = ofDirection.find((p) => policyMarks(p, cluster, c));
    if (marking !== undefined) {
        return { admitted: true, reason: `${direction} by ${policyName(marking)}` };
    }
    return {
        admitted: false,
        reason: `${direction}: ${ofDirection.map(policyName).join(", ")} select ${pod.namespace}/${labelText(pod.labels)}, none admits it`,
    };
}

function labelText(labels: Readonly<Record<string, string>>): string {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    return pairs.length > 0 ? pairs.join(",") : "*";
}

/**
 * Whether the policies let `from` open a connection to `to`. A pod source's chain runs on its node
 * and a pod destination's on its own (pod.go interceptPodOutboundTraffic, `-s <pod IP>`;
 * interceptPodInboundTraffic, `-d <pod IP>`): both must admit. Established return traffic is
 * accepted by KUBE-NWPLCY-COMMON, so only the opening direction counts.
 */
export function evaluateConnection(cluster: PolicyCluster, c: Connection): Verdict {
    const legs: Verdict[] = [];
    if (c.from.kind === "pod") legs.push(podChain(cluster, c.from, "source", c));
    if (c.to.kind === "pod") legs.push(podChain(cluster, c.to, "destination", c));
    const denied = legs.find((v) => !v.admitted);
    if (denied !== undefined) return denied;
    return { admitted: true, reason: legs.length > 0 ? legs.map((v) => v.reason).join("; ") : "no pod at either end" };
}
