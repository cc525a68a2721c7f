/**
 * A small evaluator of Kubernetes NetworkPolicy semantics, as kube-router (k3s's embedded policy
 * controller) applies them: a pod selected by no policy of a direction is open in that direction;
 * a selected pod admits a connection when any selecting policy has a rule whose peers and ports
 * match. Only `matchLabels` selectors are supported (the platform uses no others; anything else throws).
 */
import { isIP } from "node:net";

interface Selector {
    matchLabels?: Record<string, string>;
    matchExpressions?: unknown[];
}
interface Peer {
    ipBlock?: { cidr: string; except?: string[] };
    namespaceSelector?: Selector;
    podSelector?: Selector;
}
interface Rule {
    from?: Peer[];
    to?: Peer[];
    ports?: { protocol?: string; port?: number | string }[];
}
export interface PolicyObject {
    metadata: { name: string; namespace: string };
    spec: { podSelector: Selector; policyTypes?: string[]; ingress?: Rule[]; egress?: Rule[] };
}

/** One end of a connection: a pod (namespace, labels, IP) or a bare IP (a node, a client on the internet). */
export type Endpoint = { kind: "pod"; namespace: string; labels: Record<string, string>; ip: string } | { kind: "ip"; ip: string };

function selects(selector: Selector, labels: Record<string, string>): boolean {
    if (selector.matchExpressions && selector.matchExpressions.length > 0) {
        throw new Error("matchExpressions are not supported by the test evaluator");
    }
    return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function ipToInt(ip: string): number {
    return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

function inCidr(ip: string, cidr: string): boolean {
    const [net, bits] = cidr.split("/");
    if (isIP(ip) !== 4 || isIP(net) !== 4) {
        return false;
    }
    const size = 2 ** (32 - Number(bits));
    return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(net) / size);
}

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
    if (peer.ipBlock) {
        return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
    }
    if (other.kind !== "pod") {
        return false;
    }
    const nsLabels = { "kubernetes.io/metadata.name": other.namespace };
    const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, nsLabels) : other.namespace === policyNamespace;
    return nsOk && (peer.podSelector ? selects(peer.podSelector, other.labels) : true);
}

function portMatches(rule: Rule, port: number, protocol: string): boolean {
    return !rule.ports || rule.ports.length === 0 || rule.ports.some((p) => (p.protocol ?? "TCP") === protocol && (p.port === undefined || p.port === port));
}

function hasType(policy: PolicyObject, type: "Ingress" | "Egress"): boolean {
    return policy.spec.policyTypes ? policy.spec.policyTypes.includes(type) : type === "Ingress" || policy.spec.egress !== undefined;
}

/** Whether the policies let `from` open a connection to `to` on `port`. */
export function admits(policies: readonly PolicyObject[], from: Endpoint, to: Endpoint, port: number, protocol = "TCP"): { allowed: boolean; reason: string } {
    if (from.kind === "pod") {
        const egress = policies.filter((p) => p.metadata.namespace === from.namespace && hasType(p, "Egress") && selects(p.spec.podSelector, from.labels));
        if (egress.length > 0 && !egress.some((p) => (p.spec.egress ?? []).some((r) => (r.to ?? []).length === 0 ? portMatches(r, port, protocol) : (r.to ?? []).some((peer) => peerMatches(peer, p.metadata.namespace, to)) && portMatches(r, port, protocol)))) {
            return { allowed: false, reason: `egress from ${from.namespace} denied (policies: ${egress.map((p) => p.metadata.name).join(", ")})` };
        }
    }
    if (to.kind !== "pod") {
        return { allowed: true, reason: "" };
    }
    const ingress = policies.filter((p) => p.metadata.namespace === to.namespace && hasType(p, "Ingress") && selects(p.spec.podSelector, to.labels));
    if (ingress.length > 0 && !ingress.some((p) => (p.spec.ingress ?? []).some((r) => ((r.from ?? []).length === 0 || (r.from ?? []).some((peer) => peerMatches(peer, p.metadata.namespace, from))) && portMatches(r, port, protocol)))) {
        return { allowed: false, reason: `ingress to ${to.namespace} denied (policies: ${ingress.map((p) => p.metadata.name).join(", ")})` };
    }
    return { allowed: true, reason: "" };
}
