import { endpointPort, egressTo, networkPolicySpecs } from "../../components/lib/networkPolicy";
import { validateManifest } from "../k8sSchema";

describe("namespace NetworkPolicies", () => {
    it("deny egress only when the cluster's CIDRs are known, then allow DNS, the namespace, outside the cluster and named namespaces", () => {
        expect(egressTo(undefined, { to: "all" })).toBeUndefined();
        expect(networkPolicySpecs("logging", { allow: [] }).some((s) => (s.spec.policyTypes as string[] | undefined)?.includes("Egress"))).toBe(false);
        const specs = networkPolicySpecs("deepflow", { allow: [], egress: egressTo(["10.42.0.0/16", "10.43.0.0/16"], { to: ["clickhouse"] }) });
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
        // Outside the cluster: HTTPS and the API server only, never the cloud metadata range.
        expect(byName["allow-egress-outside-cluster"].egress).toEqual([
            {
                to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.42.0.0/16", "10.43.0.0/16", "169.254.0.0/16"] } }],
                ports: [
                    { protocol: "TCP", port: 443 },
                    { protocol: "TCP", port: 6443 },
                ],
            },
        ]);
        expect(byName["allow-egress-to-clickhouse"].egress).toEqual([{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "clickhouse" } } }] }]);
        // A proxy or scraper reaches every pod.
        const all = networkPolicySpecs("monitoring", { allow: [], egress: egressTo(["10.42.0.0/16"], { to: "all", outside: "all" }) });
        expect(all.find((s) => s.name === "allow-egress-cluster")?.spec.egress).toEqual([{ to: [{ namespaceSelector: {} }] }]);
        // A scraper of node ports reaches every port outside the cluster, still not the metadata range.
        expect(all.find((s) => s.name === "allow-egress-outside-cluster")?.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.42.0.0/16", "169.254.0.0/16"] } }] }]);
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

    it("admit the nodes (API server, kernel clients) from the pod CIDR they use to reach other nodes' pods, only to the selected pods", () => {
        const specs = networkPolicySpecs("longhorn-system", { allow: [{ nodes: true, ports: [9502], pods: { app: "longhorn-manager" } }], podCidr: "10.42.0.0/16" });
        expect(specs.find((s) => s.name === "allow-from-nodes")?.spec).toEqual({
            podSelector: { matchLabels: { app: "longhorn-manager" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ ipBlock: { cidr: "10.42.0.0/16" } }], ports: [{ protocol: "TCP", port: 9502 }] }],
        });
        // Unknown pod CIDR (existing clusters): anywhere, on those ports and pods only.
        const open = networkPolicySpecs("x", { allow: [{ nodes: true, ports: [9502] }] });
        expect(open.find((s) => s.name === "allow-from-nodes")?.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }], ports: [{ protocol: "TCP", port: 9502 }] }]);
    });

    it("open single ports of another namespace's pods, and DNS over UDP too when port 53 is listed outside", () => {
        const specs = networkPolicySpecs("external-dns", {
            allow: [],
            egress: egressTo(["10.42.0.0/16"], { outside: [443, 53], ports: [{ namespace: "ingress-nginx", ports: [80], pods: { app: "c" } }] }),
        });
        const byName = Object.fromEntries(specs.map((s) => [s.name, s.spec]));
        expect(byName["allow-egress-to-ingress-nginx-80"].egress).toEqual([
            { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } }, podSelector: { matchLabels: { app: "c" } } }], ports: [{ protocol: "TCP", port: 80 }] },
        ]);
        expect((byName["allow-egress-outside-cluster"].egress as { ports: unknown }[])[0].ports).toEqual([
            { protocol: "TCP", port: 53 },
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 443 },
        ]);
    });

    it("read the port of an endpoint URL, by scheme when none is given", () => {
        expect(endpointPort("https://minio.example.com:9000")).toBe(9000);
        expect(endpointPort("http://minio.example.com")).toBe(80);
        expect(endpointPort("s3.eu-west-1.amazonaws.com")).toBe(443);
        expect(endpointPort(undefined)).toBeUndefined();
    });
});
