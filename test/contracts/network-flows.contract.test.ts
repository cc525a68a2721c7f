/**
 * Every real flow the platform needs (platform/flows.ts) against the NetworkPolicies each stack
 * renders, as k3s enforces them.
 *
 * Upstream behaviour relied on:
 * - kube-router (k3s's embedded network policy controller), pkg/controllers/netpol: each pod's
 *   firewall chain accepts traffic "when source is the pod's local node" (addrtype --src-type LOCAL)
 *   before any policy; traffic from other nodes goes through the policies like any other source.
 * - flannel's VXLAN backend (k3s default) gives each node's flannel.1 device the .0 address of the
 *   node's pod subnet, so the API server, kubelets and kernel clients reach a pod on another node
 *   from an address inside the pod CIDR, never from their node IP. Hence the `nodes` source is the
 *   pod CIDR (components/lib/networkPolicy.ts), and a rule naming namespaces or node IPs never
 *   admits the API server calling a webhook on another node.
 * - kube-proxy rewrites a Service or ServiceLB address to a pod address before the policy sees the
 *   packet: egress to a host's public address that lands on the ingress controller is egress to
 *   a pod in ingress-nginx.
 */
import { K3S_DEFAULT_CIDRS } from "../../components/lib/networkPolicy";
import type { SharedEvaluation as Evaluation } from "../shared";
import { rawManifests } from "../../offline/manifests";
import { parsePlatformConfig, PlatformConfig } from "../../config/config";
import { appFlows, FLOWS, Flow, FlowPart } from "../../platform/flows";
import { readStackFile } from "../../offline/stackfile";
import { evaluateStack } from "../harness";
import { admits, Endpoint, inCidr, PolicyObject } from "../netpolEval";
import { join } from "node:path";

/** Stand-in addresses: a pod on one node, a pod on another, a node's flannel address, an internet client. */
const POD_SOURCE_IP = "10.42.1.23";
const POD_DEST_IP = "10.42.2.34";
const NODE_FLANNEL_IP = "10.42.7.0";
const INTERNET_IP = "198.51.100.50";

function partsOn(config: PlatformConfig): Set<FlowPart> {
    const m = config.monitoring;
    const longhorn = config.storage.class === "longhorn";
    const on: [FlowPart, boolean][] = [
        ["ingress", config.ingress.enabled],
        ["dns", config.dns.provider !== "none"],
        ["harbor", config.harbor.enabled],
        ["longhorn", longhorn],
        ["longhornUi", longhorn && config.storage.longhorn.ui.enabled],
        ["monitoring", m.enabled],
        ["grafana", m.enabled && m.grafana.enabled],
        ["logs", m.enabled && m.logs.enabled],
        ["clickhouse", m.enabled && m.clickhouse.enabled],
        ["deepflow", m.enabled && m.clickhouse.enabled && m.deepflow.enabled],
    ];
    return new Set(on.filter(([, v]) => v).map(([k]) => k));
}

function source(flow: Flow): Endpoint {
    if (flow.from === "nodes") return { kind: "ip", ip: NODE_FLANNEL_IP };
    if (flow.from === "internet") return { kind: "ip", ip: INTERNET_IP };
    return { kind: "pod", namespace: flow.from.namespace, labels: { ...flow.from.labels }, ip: POD_SOURCE_IP };
}

const policiesOf = (evaluation: Evaluation) => rawManifests(evaluation.resources).filter((m) => m.kind === "NetworkPolicy") as unknown as PolicyObject[];

describe("the test evaluator follows NetworkPolicy semantics", () => {
    const deny: PolicyObject = { metadata: { name: "deny", namespace: "a" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } };
    const fromB: PolicyObject = { metadata: { name: "from-b", namespace: "a" }, spec: { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "b" } } }], ports: [{ protocol: "TCP", port: 80 }] }] } };
    const dest = { kind: "pod" as const, namespace: "a", labels: { app: "x" }, ip: POD_DEST_IP };
    const b = { kind: "pod" as const, namespace: "b", labels: {}, ip: POD_SOURCE_IP };

    it("admits what a selecting policy allows and nothing else", () => {
        expect(admits([deny], b, dest, 80).allowed).toBe(false);
        expect(admits([deny, fromB], b, dest, 80).allowed).toBe(true);
        expect(admits([deny, fromB], b, dest, 81).allowed).toBe(false);
        expect(admits([deny, fromB], { kind: "ip", ip: NODE_FLANNEL_IP }, dest, 80).allowed).toBe(false);
        expect(admits([], b, dest, 1).allowed).toBe(true);
        expect(inCidr(NODE_FLANNEL_IP, K3S_DEFAULT_CIDRS.cluster)).toBe(true);
    });
});

const ROOT = join(__dirname, "..", "..");
for (const stack of ["prod", "prod-eu"]) {
    describe(`${stack}: the NetworkPolicies admit every flow the platform needs`, () => {
        let policies: PolicyObject[];
        const config = parsePlatformConfig(readStackFile(ROOT, stack).config);
        beforeAll(async () => {
            policies = policiesOf(await evaluateStack(stack));
        });

        it("has policies to check (NetworkPolicies on, k3s CIDRs known)", () => {
            expect(config.defaults.networkPolicies).toBe(true);
            expect(policies.length).toBeGreaterThan(20);
        });

        const on = partsOn(config);
        for (const flow of [...FLOWS, ...appFlows(config.apps)].filter((f) => f.parts.every((p) => on.has(p)))) {
            it(`admits ${flow.name} (port ${flow.port}): ${flow.why}`, () => {
                const to = { kind: "pod" as const, namespace: flow.to.namespace, labels: { ...flow.to.labels }, ip: POD_DEST_IP };
                expect(admits(policies, source(flow), to, flow.port, flow.protocol)).toEqual({ allowed: true, reason: "" });
            });
        }

        it("keeps the ingress controller away from what it does not serve (databases, manager API, Prometheus, Alertmanager)", () => {
            const controller = { kind: "pod" as const, namespace: "ingress-nginx", labels: { "app.kubernetes.io/name": "nginx-ingress" }, ip: POD_SOURCE_IP };
            const to = (namespace: string, labels: Record<string, string>) => ({ kind: "pod" as const, namespace, labels, ip: POD_DEST_IP });
            expect(admits(policies, controller, to("harbor", { component: "database" }), 5432).allowed).toBe(false);
            expect(admits(policies, controller, to("harbor", { component: "redis" }), 6379).allowed).toBe(false);
            expect(admits(policies, controller, to("longhorn-system", { app: "longhorn-manager" }), 9500).allowed).toBe(false);
            expect(admits(policies, controller, to("monitoring", { "app.kubernetes.io/name": "prometheus" }), 9090).allowed).toBe(false);
            expect(admits(policies, controller, to("monitoring", { "app.kubernetes.io/name": "alertmanager" }), 9093).allowed).toBe(false);
        });

        it("keeps pods off the cloud metadata service and the nodes' own ports, and ClickHouse off the internet", () => {
            const pod = (namespace: string) => ({ kind: "pod" as const, namespace, labels: {}, ip: POD_SOURCE_IP });
            const node = { kind: "ip" as const, ip: "10.0.0.12" };
            for (const ns of ["harbor", "cert-manager", "longhorn-system", "clickhouse", "logging", "ingress-nginx", "deepflow"]) {
                expect({ ns, metadata: admits(policies, pod(ns), { kind: "ip", ip: "169.254.169.254" }, 80).allowed }).toEqual({ ns, metadata: false });
            }
            for (const ns of ["harbor", "cert-manager", "clickhouse", "logging", "ingress-nginx"]) {
                for (const port of [22, 2379, 9345, 10250]) {
                    expect({ ns, port, allowed: admits(policies, pod(ns), node, port).allowed }).toEqual({ ns, port, allowed: false });
                }
                // Every part reaches the API server behind the kubernetes Service.
                expect({ ns, api: admits(policies, pod(ns), node, 6443).allowed }).toEqual({ ns, api: true });
            }
            expect(admits(policies, pod("clickhouse"), { kind: "ip", ip: INTERNET_IP }, 443).allowed).toBe(false);
            expect(admits(policies, pod("harbor"), { kind: "ip", ip: INTERNET_IP }, 443).allowed).toBe(true);
        });

        it("fails a flow when its rule is removed (the check can fail)", () => {
            const webhook = FLOWS.find((f) => f.name === "API server -> Longhorn admission webhook")!;
            const without = policies.filter((p) => !(p.metadata.namespace === "longhorn-system" && p.spec.ingress?.some((r) => r.ports?.some((port) => port.port === 9502))));
            const to = { kind: "pod" as const, namespace: webhook.to.namespace, labels: { ...webhook.to.labels }, ip: POD_DEST_IP };
            expect(admits(without, source(webhook), to, webhook.port).allowed).toBe(false);
        });
    });
}
