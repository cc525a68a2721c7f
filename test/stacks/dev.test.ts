import type { SharedEvaluation as Evaluation } from "../shared";
import { byName, evaluateStack, ofType } from "../harness";
import { nodeConfigOf } from "./wholeStack";

let dev: Evaluation;
beforeAll(async () => {
    dev = await evaluateStack("dev");
});

describe("dev stack (Pulumi.dev.yaml)", () => {
    it("installs a single k3s server that initialises the cluster", () => {
        const installs = ofType(dev.resources, "command:remote:Command").filter((r) => r.name.endsWith("-install"));
        expect(installs.map((r) => r.name)).toEqual(["dev-cluster-dev-server-1-install"]);
        expect(nodeConfigOf(installs[0].inputs.create)).toMatchObject({ "cluster-init": true, "etcd-snapshot-retention": 5 });
    });

    it("checks every host's kernel for DeepFlow's eBPF agent before installing (DeepFlow on by default)", () => {
        const preflight = byName(dev.resources, "dev-cluster-dev-server-1-preflight").inputs.create as string;
        expect(preflight).toContain("older than 4.14, which DeepFlow's eBPF agent (monitoring.deepflow) needs");
        expect(byName(dev.resources, "dev-monitoring-deepflow-release")).toBeDefined();
    });

    it("protects nothing (dev can be torn down)", () => {
        expect(dev.resources.filter((r) => r.options.protect)).toEqual([]);
    });

    it("creates the apps namespace as restricted", () => {
        const ns = byName(dev.resources, "dev-ns-apps");
        expect(ns.inputs).toMatchObject({ metadata: { name: "apps", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } });
        expect(dev.outputs.namespaces).toEqual(["apps"]);
    });

    it("runs the same default-deny NetworkPolicies as prod in every namespace it creates (dev catches a cut flow first)", () => {
        const policies = ofType(dev.resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(
            (p) => p.inputs.metadata as { name: string; namespace: string },
        );
        const namespaces = ofType(dev.resources, "kubernetes:core/v1:Namespace").map((n) => (n.inputs.metadata as { name: string }).name);
        expect(namespaces.length).toBeGreaterThan(5);
        for (const ns of namespaces) {
            const names = policies.filter((p) => p.namespace === ns).map((p) => p.name);
            expect({ ns, names }).toEqual({ ns, names: expect.arrayContaining(["default-deny", "dns-egress"]) });
        }
    });
});
