import { egressTo, networkPolicySpecs } from "../../components/lib/networkPolicy";
import { validateManifest } from "../k8sSchema";

describe("namespace NetworkPolicies", () => {
    it("deny egress only when the cluster's CIDRs are known, then allow DNS, the namespace, outside the cluster and named namespaces", () => {
        expect(egressTo(undefined, "all")).toBeUndefined();
        expect(networkPolicySpecs("logging", { allow: [] }).some((s) => (s.spec.policyTypes as string[] | undefined)?.includes("Egress"))).toBe(false);
        const specs = networkPolicySpecs("deepflow", { allow: [], egress: egressTo(["10.42.0.0/16", "10.43.0.0/16"], ["clickhouse"]) });
        const byName = Object.fromEntries(specs.map((s) => [s.name, s.spec]));
        expect(Object.keys(byName).filter((n) => (byName[n].policyTypes as string[] | undefined)?.includes("Egress"))).toEqual([
            "default-deny-egress",
            "allow-egress-dns",
            "allow-egress-same-namespace",
            "allow-egress-outside-cluster",
            "allow-egress-to-clickhouse",
        ]);
        expect(byName["default-deny-egress"]).toEqual({ podSelector: {}, policyTypes: ["Egress"] });
        expect(byName["allow-egress-dns"].egress).toEqual([
            {
                to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                ports: [
                    { protocol: "UDP", port: 53 },
                    { protocol: "TCP", port: 53 },
                ],
            },
        ]);
        expect(byName["allow-egress-outside-cluster"].egress).toEqual([{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.42.0.0/16", "10.43.0.0/16"] } }] }]);
        expect(byName["allow-egress-to-clickhouse"].egress).toEqual([{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "clickhouse" } } }] }]);
        // A proxy or scraper reaches every pod.
        const all = networkPolicySpecs("monitoring", { allow: [], egress: egressTo(["10.42.0.0/16"], "all") });
        expect(all.find((s) => s.name === "allow-egress-cluster")?.spec.egress).toEqual([{ to: [{ namespaceSelector: {} }] }]);
        for (const s of [...specs, ...all]) {
            expect(() => validateManifest({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: s.name, namespace: "x" }, spec: s.spec })).not.toThrow();
        }
    });

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
