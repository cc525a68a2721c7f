import { ClickHouse } from "../../components/monitoring/ClickHouse";
import { clickhouseInstallationSpec, clickhouseOperatorValues, clickhouseServiceSpec, keeperInstallationSpec } from "../../components/monitoring/clickhouseValues";
import { unknownChartKeys } from "../../scripts/lib/chartKeys";
import { SECRET } from "../../scripts/lib/mocks";
import { MonitoringConfig, parsePlatformConfig } from "../../stacks/config";
import { allStrings, byName, k3sStackConfig, mockedComponents, rawConfig, secure } from "../harness";
import { validateManifest } from "../k8sSchema";

const clickhouse = (value: Record<string, unknown> = {}, profile = "dev"): MonitoringConfig["clickhouse"] =>
    parsePlatformConfig(rawConfig({ ...k3sStackConfig(), "platform:cluster": { mode: "existing", existing: { kubeconfig: secure("apiVersion: v1") } }, "platform:profile": profile, "platform:monitoring": { clickhouse: value } })).monitoring.clickhouse;
type Spec = {
    configuration: { users: Record<string, unknown>; zookeeper?: { nodes: { host: string; port: number }[] }; clusters: { name: string; layout: { shardsCount: number; replicasCount: number } }[] };
    templates: { podTemplates: { podDistribution?: unknown; spec: { containers: { image: string; resources: unknown }[] } }[]; volumeClaimTemplates: { reclaimPolicy: string; spec: { resources: { requests: { storage: string } } } }[] };
};

describe("ClickHouse installation", () => {
    it("sizes by profile: one replica on 10Gi in dev; two replicas on 100Gi with Keeper and anti-affinity in prod", () => {
        expect(clickhouse()).toEqual({ enabled: true, replicas: 1, storageSize: "10Gi" });
        expect(clickhouse({}, "prod")).toEqual({ enabled: true, replicas: 2, storageSize: "100Gi" });
        const dev = clickhouseInstallationSpec(clickhouse(), false) as Spec;
        expect(dev.configuration.clusters).toEqual([{ name: "platform", layout: { shardsCount: 1, replicasCount: 1 } }]);
        expect(dev.configuration.zookeeper).toBeUndefined();
        expect(dev.templates.volumeClaimTemplates[0]).toMatchObject({ reclaimPolicy: "Delete", spec: { resources: { requests: { storage: "10Gi" } } } });
        const prod = clickhouseInstallationSpec(clickhouse({}, "prod"), true) as Spec;
        expect(prod.configuration.clusters[0].layout.replicasCount).toBe(2);
        expect(prod.configuration.zookeeper).toEqual({ nodes: [{ host: "keeper-platform.clickhouse.svc.cluster.local", port: 2181 }] });
        expect(prod.templates.podTemplates[0].podDistribution).toEqual([{ type: "ReplicaAntiAffinity", topologyKey: "kubernetes.io/hostname" }]);
        expect(prod.templates.volumeClaimTemplates[0].reclaimPolicy).toBe("Retain");
        expect((keeperInstallationSpec(true) as Spec).configuration.clusters[0].layout.replicasCount).toBe(3);
    });

    it("creates the deepflow (writer) and grafana (read-only) users with passwords from a Secret only", () => {
        const users = (clickhouseInstallationSpec(clickhouse(), false) as Spec).configuration.users;
        expect(users).toMatchObject({
            "deepflow/password": { valueFrom: { secretKeyRef: { name: "clickhouse-users", key: "deepflow" } } },
            "grafana/password": { valueFrom: { secretKeyRef: { name: "clickhouse-users", key: "grafana" } } },
            "grafana/profile": "readonly",
        });
    });

    it("pins the server image and sets requests and limits", () => {
        const [container] = (clickhouseInstallationSpec(clickhouse(), false) as Spec).templates.podTemplates[0].spec.containers;
        expect(container.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+\.\d+\.\d+$/);
        expect(container.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
    });

    it("selects the installation's pods in the Service clients use (HTTP and native ports)", () => {
        expect(clickhouseServiceSpec()).toMatchObject({ selector: { "clickhouse.altinity.com/chi": "platform" }, ports: [{ port: 8123 }, { port: 9000 }] });
    });

    it("uses only keys of altinity-clickhouse-operator 0.25.6, without the hook that pulls an unpinned kubectl", () => {
        expect(unknownChartKeys("altinity-clickhouse-operator", clickhouseOperatorValues())).toEqual([]);
        expect(clickhouseOperatorValues()).toMatchObject({ crdHook: { enabled: false }, serviceMonitor: { enabled: true } });
    });
});

describe("ClickHouse component", () => {
    const mocks = mockedComponents();

    it("creates the users Secret and operator before the installation, Keeper when replicated, and the Service last", async () => {
        new ClickHouse("ch", { config: clickhouse({}, "prod"), grafanaPassword: "grafana-pw-value", protect: true, podSecurityVersion: "v1.36", networkPolicies: true, clients: ["deepflow"], after: [] });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("ch-"));
        expect(byName(mine, "ch-users").inputs.stringData).toBe(SECRET);
        const chi = byName(mine, "ch-installation");
        expect(chi.dependsOn).toEqual(expect.arrayContaining(["ch-operator", "ch-users", "ch-keeper"]));
        expect(chi.options).toMatchObject({ protect: true });
        expect(byName(mine, "ch-keeper").options).toMatchObject({ protect: true });
        expect(byName(mine, "ch-service").dependsOn).toContain("ch-installation");
        for (const r of [chi, byName(mine, "ch-keeper"), byName(mine, "ch-service")]) {
            expect(() => validateManifest(r.inputs)).not.toThrow();
        }
        expect(allStrings(mine).join("\n")).not.toContain("grafana-pw-value");
        const allow = byName(mine, "ch-ns-netpol-allow-from-monitoring-deepflow").inputs as { spec: { ingress: { ports: { port: number }[] }[] } };
        expect(allow.spec.ingress[0].ports.map((p) => p.port)).toEqual([8123, 9000]);
    });
});
