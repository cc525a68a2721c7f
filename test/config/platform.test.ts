/**
 * The Platform's wiring decisions, built directly from a resolved config under the mocks: what the
 * composition layer passes on (CIDRs, modes, switches), not what each component does with it.
 */
import { parsePlatformConfig } from "../../config/config";
import type { RecordedResource } from "../../offline/mocks";
import { Platform } from "../../platform/platform";
import { k3sStackConfig, mockedComponents, rawConfig, secure, TEST_KUBECONFIG } from "../harness";

const mocks = mockedComponents();

type Egress = { to?: { ipBlock?: { cidr: string; except?: string[] }; namespaceSelector?: unknown }[] };
type PolicySpec = { policyTypes: string[]; egress?: Egress[] };

/** Builds a Platform named `name` from a stack-file style config and returns what it registered. */
async function platform(name: string, config: Record<string, unknown>): Promise<RecordedResource[]> {
    new Platform(name, parsePlatformConfig(rawConfig(config)));
    await mocks.settle();
    return mocks.collector.resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}

const policies = (resources: RecordedResource[]) => resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
const spec = (r: RecordedResource) => r.inputs.spec as PolicySpec;
/** Every CIDR egress policies keep out of the "outside the cluster" rule. */
const excluded = (resources: RecordedResource[]) =>
    new Set(policies(resources).flatMap((p) => (spec(p).egress ?? []).flatMap((e) => (e.to ?? []).flatMap((t) => t.ipBlock?.except ?? []))));

const lean = {
    "platform:harbor": { enabled: false },
    "platform:monitoring": { enabled: false },
    "platform:namespaces": [{ name: "apps", podSecurity: "restricted" }],
};

describe("Platform wiring", () => {
    it("hands custom k3s pod and Service CIDRs to every generated policy instead of k3s's defaults", async () => {
        const cluster = k3sStackConfig()["platform:cluster"] as { k3s: Record<string, unknown> };
        const resources = await platform("cidr", {
            ...k3sStackConfig(lean),
            "platform:networkPolicies": true,
            "platform:cluster": { ...cluster, k3s: { ...cluster.k3s, clusterCidr: "10.52.0.0/16", serviceCidr: "10.53.0.0/16" } },
        });
        expect(excluded(resources)).toEqual(expect.objectContaining(new Set(["10.52.0.0/16", "10.53.0.0/16", "169.254.0.0/16"])));
        expect([...excluded(resources)]).not.toContain("10.42.0.0/16");
        // Workload namespaces and component namespaces alike: every managed namespace is closed by default.
        const denies = policies(resources).filter((p) => p.name.endsWith("-default-deny"));
        expect(denies.map((p) => (p.inputs.metadata as { namespace: string }).namespace)).toEqual(
            expect.arrayContaining(["apps", "ingress-nginx", "cert-manager"]),
        );
    });

    it("on an existing cluster, builds the policies from the pod and Service CIDRs in config, and refuses to guess them", async () => {
        const resources = await platform("ext", {
            ...k3sStackConfig(lean),
            "platform:networkPolicies": true,
            "platform:cluster": { mode: "existing", existing: { kubeconfig: secure(TEST_KUBECONFIG), podCidr: "10.62.0.0/16", serviceCidr: "10.63.0.0/16" } },
        });
        expect(resources.filter((r) => r.type === "command:remote:Command")).toEqual([]);
        const appsPolicies = policies(resources).filter((p) => (p.inputs.metadata as { namespace: string }).namespace === "apps");
        expect(appsPolicies.map((p) => (p.inputs.metadata as { name: string }).name)).toEqual(expect.arrayContaining(["default-deny", "dns-egress"]));
        expect(excluded(resources)).toEqual(expect.objectContaining(new Set(["10.62.0.0/16", "10.63.0.0/16"])));
        expect(() =>
            parsePlatformConfig(
                rawConfig({ ...k3sStackConfig(lean), "platform:cluster": { mode: "existing", existing: { kubeconfig: secure(TEST_KUBECONFIG) } } }),
            ),
        ).toThrow(/cluster\.existing\.podCidr: required while NetworkPolicies are on/);
        // Managed clusters serve the API on 443 (EKS, GKE, AKS) or 6443 (kubeadm, k3d): egress to it admits both.
        const egressPorts = policies(resources)
            .filter((p) => (p.inputs.metadata as { namespace: string }).namespace === "cert-manager")
            .flatMap((p) => (spec(p).egress ?? []) as { ports?: { port: number }[] }[])
            .map((e) => (e.ports ?? []).map((x) => x.port).join(","));
        expect(egressPorts).toContain("443,6443");
    });

    it("with DeepFlow off, installs no DeepFlow part, keeps ClickHouse, and asks hosts for no eBPF kernel", async () => {
        const names = (rs: RecordedResource[]) => rs.map((r) => r.name);
        const on = await platform("dfon", k3sStackConfig({ "platform:harbor": { enabled: false } }));
        const off = await platform("dfoff", k3sStackConfig({ "platform:harbor": { enabled: false }, "platform:monitoring": { deepflow: { enabled: false } } }));
        expect(names(on)).toEqual(expect.arrayContaining(["dfon-monitoring-deepflow-release", "dfon-monitoring-clickhouse-installation"]));
        // (ClickHouse keeps its deepflow user's password: issue 17 lists that as still to do.)
        expect(names(off).filter((n) => n.includes("deepflow") && n !== "dfoff-monitoring-clickhouse-deepflow-password")).toEqual([]);
        expect(names(off)).toContain("dfoff-monitoring-clickhouse-installation");
        const preflight = (rs: RecordedResource[]) => String(rs.find((r) => r.name.endsWith("-preflight"))?.inputs.create);
        expect(preflight(on)).toContain("DeepFlow");
        expect(preflight(off)).not.toContain("DeepFlow");
    });

    it("hands every component's scrape targets to the monitoring stack, and installs none of them after it", async () => {
        const resources = await platform(
            "scr",
            k3sStackConfig({
                "platform:storage": { class: "longhorn" },
                "platform:dns": { provider: "route53", route53: { region: "us-east-1", zoneType: "public" } },
                "platform:monitoring": { clickhouse: { enabled: false }, deepflow: { enabled: false }, logs: { enabled: false } },
            }),
        );
        const release = resources.find((r) => r.name === "scr-monitoring-release");
        const values = release?.inputs.values as
            | { prometheus: { additionalServiceMonitors: { name: string; namespaceSelector: { matchNames: string[] } }[] } }
            | undefined;
        const monitors = values?.prometheus.additionalServiceMonitors ?? [];
        expect(monitors.map((m) => `${m.name}@${m.namespaceSelector.matchNames[0]}`)).toEqual([
            "cert-manager@cert-manager",
            "nginx-ingress@ingress-nginx",
            "longhorn@longhorn-system",
            "external-dns@external-dns",
            "harbor@harbor",
        ]);
        // No chart ServiceMonitor, so no wait for kube-prometheus-stack's CRDs: they install side by side.
        for (const name of ["scr-dns-release", "scr-harbor-release"]) {
            expect(resources.find((r) => r.name === name)?.dependsOn).not.toContain("scr-monitoring-release");
        }
    });
});
