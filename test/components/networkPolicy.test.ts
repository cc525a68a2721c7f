import { type Flow, routeFlows } from "../../components/lib/flows";
import { flowPolicySpecs, nodeFlannelAddresses } from "../../components/lib/networkPolicy";

const NETWORK = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" };
const web = { namespace: "apps", pods: { "app.kubernetes.io/name": "web" } };
const db = { namespace: "data", pods: { app: "db" } };

describe("the NetworkPolicy generator (one per destination and source selector, from the flows)", () => {
    it("admits a pod-to-pod flow at both ends, on its port only, and closes both directions by default", () => {
        const flows: Flow[] = [{ name: "web -> db", from: web, to: db, ports: [5432], why: "queries" }];
        const specs = flowPolicySpecs(flows, ["apps", "data"], NETWORK);
        expect(specs.get("data")!.map((p) => p.name)).toEqual(["default-deny", "dns-egress", "in-db"]);
        expect(specs.get("data")![0].spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        expect(specs.get("data")![2].spec).toEqual({
            podSelector: { matchLabels: { app: "db" } },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } },
                            podSelector: { matchLabels: { "app.kubernetes.io/name": "web" } },
                        },
                    ],
                    ports: [{ protocol: "TCP", port: 5432 }],
                },
            ],
        });
        expect(specs.get("apps")![2]).toMatchObject({
            name: "out-web",
            spec: { podSelector: { matchLabels: web.pods }, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "TCP", port: 5432 }] }] },
        });
    });

    it("adds nothing in a namespace it does not manage", () => {
        const specs = flowPolicySpecs([{ name: "web -> kube-system", from: web, to: { namespace: "kube-system" }, ports: [53], why: "x" }], ["apps"], NETWORK);
        expect([...specs.keys()]).toEqual(["apps"]);
    });

    it("admits the nodes by their flannel addresses only: never an address a pod can hold", () => {
        const spec = flowPolicySpecs([{ name: "API server -> webhook", from: "nodes", to: db, ports: [9443], why: "x" }], ["data"], NETWORK).get("data")![2]
            .spec;
        const cidrs = (spec.ingress as { from: { ipBlock: { cidr: string } }[] }[])[0].from.map((p) => p.ipBlock.cidr);
        expect(cidrs).toHaveLength(256);
        expect(cidrs.every((c) => /^10\.42\.\d+\.0\/32$/.test(c))).toBe(true);
        expect(cidrs).not.toContain("10.42.0.0/16");
    });

    it("keeps `internet` off private, shared, link-local and cluster ranges; `outside` only off link-local and the cluster", () => {
        const flows: Flow[] = [
            { name: "web -> internet", from: web, to: "internet", ports: [443], why: "x" },
            { name: "web -> s3", from: { namespace: "apps", pods: { app: "backup" } }, to: "outside", ports: [9000], why: "x" },
        ];
        const egress = flowPolicySpecs(flows, ["apps"], NETWORK)
            .get("apps")!
            .filter((p) => p.name.startsWith("out-"));
        const blocks = egress.map((p) => (p.spec.egress as { to: { ipBlock: { except: string[] } }[] }[])[0].to[0].ipBlock.except);
        expect(blocks.find((e) => e.includes("192.168.0.0/16"))).toEqual(
            expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"]),
        );
        expect(blocks.find((e) => !e.includes("192.168.0.0/16"))).toEqual(["10.42.0.0/16", "10.43.0.0/16", "169.254.0.0/16"]);
    });

    it("is deterministic: the same flows in another order give the same policies", () => {
        const flows: Flow[] = [
            { name: "a", from: web, to: db, ports: [1], why: "x" },
            { name: "b", from: "anywhere", to: web, ports: [80], why: "x" },
        ];
        expect(JSON.stringify([...flowPolicySpecs(flows, ["apps", "data"], NETWORK)])).toBe(
            JSON.stringify([...flowPolicySpecs([...flows].reverse(), ["data", "apps"], NETWORK)]),
        );
    });

    it("refuses a pod CIDR too wide for its node subnets", () => {
        expect(() => nodeFlannelAddresses({ podCidr: "10.0.0.0/8" })).toThrow(/65536 node subnets/);
        expect(nodeFlannelAddresses({ podCidr: "10.42.0.0/23" })).toEqual(["10.42.0.0", "10.42.1.0"]);
    });
});

describe("a route's flows", () => {
    const route = { host: "app.example.com", backend: web, port: 8080 };
    it("add cert-manager's HTTP-01 solver in the route's namespace only when the issuer solves over HTTP-01", () => {
        expect(routeFlows(route, false).map((f) => f.to)).toEqual([web]);
        // cert-manager@v1.21.1 pkg/apis/acme/v1/types.go SolverIdentificationLabelKey = "acme.cert-manager.io/http01-solver" (value "true",
        // pkg/issuer/acme/http/pod.go podLabels), pkg/issuer/acme/http/http.go acmeSolverListenPort = 8089; the pod runs in the challenge's namespace.
        expect(routeFlows(route, true)[1]).toMatchObject({ to: { namespace: "apps", pods: { "acme.cert-manager.io/http01-solver": "true" } }, ports: [8089] });
    });
});
