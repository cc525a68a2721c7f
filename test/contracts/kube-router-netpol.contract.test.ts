/**
 * The offline evaluator (offline/netpol.ts) behaves as k3s enforces NetworkPolicies: k3s v1.36.4+k3s1
 * embeds kube-router's policy controller (k3s-io/k3s@v1.36.4+k3s1:pkg/agent/netpol/netpol.go) from
 * the fork pinned in its go.mod (`github.com/cloudnativelabs/kube-router/v2 =>
 * github.com/k3s-io/kube-router/v2 v2.6.3-k3s1`). Each test states one fact of
 * k3s-io/kube-router@v2.6.3-k3s1:pkg/controllers/netpol/<file> (or of the API defaulting that runs
 * before it) on small literal policies.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluateConnection, type Endpoint, type NetworkPolicyManifest, policyCluster, type PodEndpoint } from "../../offline/netpol";

const pod = (namespace: string, labels: Record<string, string>, ip: string, node: string, namedPorts?: PodEndpoint["namedPorts"]): PodEndpoint => ({
    kind: "pod",
    namespace,
    labels,
    ip,
    node,
    namedPorts,
});
const host = (ip: string, node?: string): Endpoint => ({ kind: "host", ip, node });
const policy = (namespace: string, name: string, spec: NetworkPolicyManifest["spec"]) => ({ kind: "NetworkPolicy", metadata: { name, namespace }, spec });
const ns = (name: string, labels: Record<string, string> = {}) => ({ kind: "Namespace", metadata: { name, labels } });
const admitted = (manifests: Record<string, unknown>[], from: Endpoint, to: Endpoint, port: number | "all", protocol = "TCP") =>
    evaluateConnection(policyCluster(manifests), { from, to, port, protocol }).admitted;

const DENY_ALL = policy("a", "deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
const server = pod("a", { app: "server" }, "10.42.2.34", "node-b");
const client = pod("b", { app: "client" }, "10.42.1.23", "node-a");

describe("kube-router v2.6.3-k3s1 NetworkPolicy semantics (offline evaluator)", () => {
    it("accepts traffic to a pod from its own node before any policy, and not from another node", () => {
        // pod.go setupPodNetpolRules: "rule to permit the traffic traffic to pods when source is the
        // pod's local node": `-m addrtype --src-type LOCAL -d <pod IP> -j ACCEPT`, ahead of the policy chains.
        expect(admitted([DENY_ALL], host("10.0.0.12", "node-b"), server, 10250)).toBe(true);
        expect(admitted([DENY_ALL], host("10.42.7.0", "node-c"), server, 10250)).toBe(false);
    });

    it("leaves a pod open in a direction no policy selects it for", () => {
        // pod.go setupPodNetpolRules: without an ingress (egress) policy the pod's chain jumps to
        // KUBE-NWPLCY-DEFAULT, which marks the packet as admitted (network_policy_controller.go
        // ensureDefaultNetworkPolicyChain).
        const ingressOnly = policy("a", "in", { podSelector: {}, policyTypes: ["Ingress"] });
        expect(admitted([ingressOnly], server, host("203.0.113.10"), 443)).toBe(true);
        expect(admitted([ingressOnly], client, server, 80)).toBe(false);
        expect(admitted([], client, server, 80)).toBe(true);
    });

    it("adds policies up: any selecting policy's rule admits", () => {
        // pod.go setupPodNetpolRules jumps to every selecting policy's chain; a rule's match sets the
        // 0x10000 mark (policy.go appendRuleToPolicyChain) and only unmarked packets are rejected.
        const fromB = policy("a", "from-b", {
            podSelector: { matchLabels: { app: "server" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "b" } } }], ports: [{ port: 80 }] }],
        });
        expect(admitted([DENY_ALL, fromB], client, server, 80)).toBe(true);
        expect(admitted([DENY_ALL, fromB], client, server, 81)).toBe(false);
    });

    it("checks the source's egress and the destination's ingress, both", () => {
        // pod.go interceptPodOutboundTraffic (`-s <pod IP>`) and interceptPodInboundTraffic (`-d <pod IP>`):
        // both pods' chains see the packet, each rejects it when unmarked.
        const clientDeny = policy("b", "deny-egress", { podSelector: {}, policyTypes: ["Egress"] });
        const serverOpen = policy("a", "open", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] });
        expect(admitted([clientDeny, serverOpen], client, server, 80)).toBe(false);
        const clientOpen = policy("b", "egress-all", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
        expect(admitted([clientOpen, DENY_ALL], client, server, 80)).toBe(false);
        expect(admitted([clientOpen, serverOpen], client, server, 80)).toBe(true);
    });

    it("matches an ipBlock on the address, pods included: a block covering the pod CIDR admits every pod", () => {
        // policy.go evalIPBlockPeer puts the cidr in a hash:net ipset matched on the source address
        // (processIngressRules, srcIPBlocks): pod addresses match like any other.
        const fromPodCidr = policy("a", "nodes", {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ ipBlock: { cidr: "10.42.0.0/16" } }], ports: [{ port: 9502 }] }],
        });
        expect(admitted([fromPodCidr], client, server, 9502)).toBe(true);
        expect(admitted([fromPodCidr], host("10.42.7.0", "node-c"), server, 9502)).toBe(true);
        expect(admitted([fromPodCidr], host("10.0.0.12"), server, 9502)).toBe(false);
    });

    it("takes an ipBlock's except entries out of it", () => {
        // policy.go evalIPBlockPeer adds each except entry to the ipset with the `nomatch` option.
        const outside = policy("b", "outside", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.42.0.0/16", "169.254.0.0/16"] } }] }],
        });
        expect(admitted([outside], client, host("203.0.113.10"), 443)).toBe(true);
        expect(admitted([outside], client, host("169.254.169.254"), 80)).toBe(false);
        expect(admitted([outside], client, server, 80)).toBe(false);
    });

    it("never matches a host with a pod or namespace selector", () => {
        // policy.go evalPodPeer: selector peers are the IPs of matching pods, and nothing else.
        const allPods = policy("a", "all-pods", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }] }] });
        expect(admitted([allPods], client, server, 80)).toBe(true);
        expect(admitted([allPods], host("10.42.7.0", "node-c"), server, 80)).toBe(false);
    });

    it("reads a podSelector peer without namespaceSelector in the policy's namespace, and namespaceSelector on namespace labels", () => {
        // policy.go evalPodPeer: a lone podSelector lists the policy's namespace; a namespaceSelector
        // lists namespaces by their labels, which always include kubernetes.io/metadata.name
        // (kubernetes/kubernetes@v1.36.4:pkg/apis/core/v1/defaults.go SetDefaults_Namespace).
        const sameNs = policy("a", "same", {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }] }],
        });
        expect(admitted([sameNs], client, server, 80)).toBe(false);
        expect(admitted([sameNs], pod("a", { app: "client" }, "10.42.1.5", "node-a"), server, 80)).toBe(true);
        const byTeam = policy("a", "team", {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "x" } } }] }],
        });
        expect(admitted([byTeam, ns("b", { team: "x" })], client, server, 80)).toBe(true);
        expect(admitted([byTeam, ns("b", { team: "y" })], client, server, 80)).toBe(false);
    });

    it("evaluates matchExpressions as label selectors do", () => {
        // policy.go evalPodPeer converts selectors with metav1.LabelSelectorAsSelector (In, NotIn, Exists, DoesNotExist).
        const jobs = policy("a", "jobs", {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "job", operator: "Exists" }] } }] }],
        });
        expect(admitted([jobs], pod("a", { job: "x" }, "10.42.1.5", "node-a"), server, 80)).toBe(true);
        expect(admitted([jobs], pod("a", {}, "10.42.1.6", "node-a"), server, 80)).toBe(false);
    });

    it("resolves a named port against the destination pod's container ports", () => {
        // policy.go processNetworkPolicyPorts with grabNamedPortFromPod: the name becomes the number of
        // the matching pods' container port of that name and protocol.
        const named = policy("a", "named", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: "metrics" }] }] });
        const withPort = pod("a", { app: "server" }, "10.42.2.34", "node-b", [{ name: "metrics", port: 9090 }]);
        expect(admitted([named], client, withPort, 9090)).toBe(true);
        expect(admitted([named], client, withPort, 9091)).toBe(false);
        expect(admitted([named], client, server, 9090)).toBe(false);
    });

    it("never admits an ipBlock destination on a named port", () => {
        // policy.go processEgressRules: the ipBlock rules are written for the numeric ports only.
        const named = policy("b", "named-out", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: "https" }] }],
        });
        expect(admitted([named], client, host("203.0.113.10"), 443)).toBe(false);
    });

    it("defaults a port's protocol to TCP, and the policy types to Ingress (+ Egress with egress rules)", () => {
        // kubernetes/kubernetes@v1.36.4:pkg/apis/networking/v1/defaults.go SetDefaults_NetworkPolicyPort
        // and SetDefaults_NetworkPolicy run before kube-router reads the object.
        const dns = policy("a", "dns", { podSelector: {}, ingress: [{ ports: [{ port: 53 }] }] });
        expect(admitted([dns], client, server, 53, "TCP")).toBe(true);
        expect(admitted([dns], client, server, 53, "UDP")).toBe(false);
        const emptyEgress = policy("b", "no-egress-rules", { podSelector: {}, egress: [] });
        expect(admitted([emptyEgress], client, host("203.0.113.10"), 443)).toBe(true);
        const egressRules = policy("b", "egress-rules", { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] });
        expect(admitted([egressRules], client, host("203.0.113.10"), 443)).toBe(false);
    });

    it("reads endPort as a range, and admits 'every port' only from a rule without ports or port", () => {
        // policy.go processNetworkPolicyPorts: `port:endPort` when endPort >= port; no ports: matchAllPorts.
        const range = policy("a", "range", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: 30000, endPort: 30100 }] }] });
        expect(admitted([range], client, server, 30050)).toBe(true);
        expect(admitted([range], client, server, 30101)).toBe(false);
        expect(admitted([range], client, server, "all")).toBe(false);
        const any = policy("a", "any", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: [{ protocol: "TCP" }] }] });
        expect(admitted([any], client, server, "all")).toBe(true);
        expect(admitted([any], client, server, "all", "UDP")).toBe(false);
    });

    it("runs a policy of both types for either direction, so its ingress rules also admit the selected pods' egress among themselves", () => {
        // pod.go setupPodNetpolRules jumps to a kubeBothPolicyType chain with no -s/-d match, and the
        // chain's ingress rules match any source peer to any destination the policy selects.
        const both = policy("a", "both", { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: {} }] }] });
        const peer = pod("a", {}, "10.42.1.5", "node-a");
        expect(admitted([both], peer, server, 80)).toBe(true);
        expect(admitted([both], peer, host("203.0.113.10"), 443)).toBe(false);
    });

    it("reads only the rendered manifests, never the generator (an independent check)", () => {
        for (const file of ["offline/netpol.ts", "offline/reachability.ts"]) {
            const source = readFileSync(join(__dirname, "..", "..", file), "utf8");
            const imports = source.split("\n").filter((l) => /^import /.test(l));
            expect({ file, generator: imports.filter((l) => /networkPolicy/.test(l) && !/^import type /.test(l)) }).toEqual({ file, generator: [] });
            expect(source).not.toContain("nodeFlannelAddresses");
        }
    });
});
