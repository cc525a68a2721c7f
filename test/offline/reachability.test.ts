/**
 * What the user sees of the network checks: reachability.txt (one line per needed flow with its
 * verdict), the summary's count, and the render failing on a blocked flow. Built from a small
 * literal evaluation, so a blocked flow exists whatever the platform's own policies are.
 */
import type { Flow } from "../../components/lib/flows";
import type { RecordedResource } from "../../offline/mocks";
import { renderFiles } from "../../offline/render";
import { verdict } from "../../scripts/render";

const resource = (type: string, name: string, inputs: Record<string, unknown>): RecordedResource => ({
    type,
    name,
    urn: `urn:pulumi:t::platform::${type}::${name}`,
    parent: null,
    dependsOn: [],
    inputs,
    custom: true,
    options: {},
});
const RESOURCES = [
    resource("kubernetes:core/v1:Namespace", "ns-shop", { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } }),
    resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "shop-deny", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "deny", namespace: "shop" },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    }),
    resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "shop-web", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "in-web", namespace: "shop" },
        spec: {
            podSelector: { matchLabels: { app: "web" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } } }], ports: [{ protocol: "TCP", port: 8080 }] }],
        },
    }),
];
const WEB = { namespace: "shop", pods: { app: "web" } };
const FLOWS: Flow[] = [
    { name: "edge -> web", from: { namespace: "edge" }, to: WEB, ports: [8080], why: "serves the shop" },
    { name: "edge -> web admin", from: { namespace: "edge" }, to: WEB, ports: [8080, 9090], why: "the admin page" },
    { name: "API server -> web webhook", from: "nodes", to: WEB, ports: [8443], why: "validates orders" },
];
const NETWORK = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeAddresses: ["10.0.0.11"] };
const evaluation = (flows: Flow[], network: typeof NETWORK | undefined, resources = RESOURCES) => ({ resources, outputs: {}, stackConfig: {}, flows, network });

describe("reachability.txt and the render's verdict on network flows", () => {
    const rendered = renderFiles("shop", evaluation(FLOWS, NETWORK));
    const lines = rendered.files["reachability.txt"].split("\n");

    it("lists each flow once: source -> destination:ports/protocol, verdict, name and why", () => {
        expect(lines[0]).toBe("reachability: shop");
        expect(lines).toContainEqual(
            expect.stringMatching(/^edge\/\* -> shop\/app=web:8080\/TCP {2}admitted {2}edge -> web: serves the shop \[.*ingress by shop\/in-web/),
        );
        // 9090 is refused: the flow is blocked, and the reason names the port and the policies that selected the pod.
        expect(lines).toContainEqual(
            expect.stringMatching(
                /^edge\/\* -> shop\/app=web:8080,9090\/TCP {2}BLOCKED {2}edge -> web admin: the admin page \[.*:9090 ingress: shop\/deny, shop\/in-web select shop\/app=web, none admits it\]$/,
            ),
        );
        // The API server on another node arrives from that node's flannel address (10.42.3.0), not from a pod.
        expect(lines).toContainEqual(
            expect.stringMatching(
                /^nodes -> shop\/app=web:8443\/TCP {2}BLOCKED {2}API server -> web webhook: validates orders \[10\.42\.3\.0 -> 10\.42\.2\.34:8443 /,
            ),
        );
        expect(lines).toContain("flows: 3 needed, 1 admitted, 2 blocked");
    });

    it("counts the needed and blocked flows in summary.txt", () => {
        expect(rendered.files["summary.txt"]).toMatch(/^network flows: 3 needed, 2 blocked \(reachability\.txt\)$/m);
        expect(rendered.blockedFlows).toHaveLength(2);
    });

    it("fails the render (exit 1) naming each blocked flow on stderr, with no stack trace", () => {
        const err: string[] = [];
        const code = verdict({ ...rendered, violations: 0 }, "out/shop", { out: () => undefined, err: (l) => err.push(l) });
        expect(code).toBe(1);
        expect(err[0]).toBe("render failed: the NetworkPolicies block 2 needed network flow(s) (see out/shop/reachability.txt):");
        expect(err.slice(1).map((l) => l.trim())).toEqual(rendered.blockedFlows);
        expect(err.join("\n")).not.toMatch(/^\s+at /m);
        expect(verdict(renderFiles("shop", evaluation(FLOWS.slice(0, 1), NETWORK)), "out/shop", { out: () => undefined, err: () => undefined })).toBe(0);
    });

    it("lists the flows unchecked when the stack has no NetworkPolicies", () => {
        const off = renderFiles("shop", evaluation(FLOWS, undefined, RESOURCES.slice(0, 1)));
        const text = off.files["reachability.txt"];
        expect(text).toContain("NetworkPolicies are off for this stack");
        expect(text).toContain("edge/* -> shop/app=web:8080/TCP  no policy  edge -> web: serves the shop\n");
        expect(off.files["summary.txt"]).toMatch(/^network flows: 3 needed, not checked: NetworkPolicies off \(reachability\.txt\)$/m);
        expect(off.blockedFlows).toEqual([]);
    });
});
