import { networkPolicySpecs } from "../../components/lib/networkPolicy";
import { validateManifest } from "../k8sSchema";

describe("namespace NetworkPolicies", () => {
    it("deny all ingress by default and allow the namespace itself", () => {
        const specs = networkPolicySpecs("harbor", { allow: [] });
        expect(specs.map((s) => s.name)).toEqual(["default-deny-ingress", "allow-same-namespace"]);
        expect(specs[0].spec).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
        expect(specs[1].spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "harbor" } } }] }]);
    });

    it("allow named namespaces, anywhere on given ports (both IP families), and Prometheus on metrics ports", () => {
        const specs = networkPolicySpecs("ingress-nginx", { allow: [{ anywhere: true, ports: [80, 443] }, { namespaces: ["apps"] }], metricsPorts: [9113] });
        const byName = Object.fromEntries(specs.map((s) => [s.name, s.spec]));
        expect(byName["allow-from-anywhere-0"].ingress).toEqual([
            {
                from: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }],
                ports: [
                    { protocol: "TCP", port: 80 },
                    { protocol: "TCP", port: 443 },
                ],
            },
        ]);
        expect(byName["allow-from-apps-1"].ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } } }] }]);
        expect(byName["allow-metrics-scrape"].ingress).toEqual([
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9113 }] },
        ]);
        for (const s of specs) {
            expect(() => validateManifest({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: s.name, namespace: "ingress-nginx" }, spec: s.spec })).not.toThrow();
        }
    });
});
