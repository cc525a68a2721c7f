import { ClickHouse } from "../../components/monitoring/ClickHouse";
import {
    clickhouseInstallationSpec,
    clickhouseOperatorValues,
    clickhouseServiceSpec,
    type ClickHouseSettings,
    keeperInstallationSpec,
} from "../../components/monitoring/clickhouseValues";
import { unknownChartKeys } from "../../offline/chartKeys";
import { SECRET } from "../../offline/mocks";
import { allStrings, byName, mockedComponents } from "../harness";
import { validateManifest } from "../k8sSchema";

/** Args as the Platform hands them over: the profile's shards and size (dev 1 x 10Gi, prod 2 x 100Gi; config tests cover the defaults). */
const clickhouse = (value: Partial<ClickHouseSettings> = {}, profile = "dev"): ClickHouseSettings => ({
    ...(profile === "prod" ? { shards: 2, storageSize: "100Gi" } : { shards: 1, storageSize: "10Gi" }),
    replicas: 1,
    ...value,
});
type Spec = {
    configuration: {
        users: Record<string, unknown>;
        zookeeper?: { nodes: { host: string; port: number }[] };
        clusters: { name: string; layout: { shardsCount: number; replicasCount: number } }[];
    };
    templates: {
        podTemplates: { podDistribution?: unknown; spec: { containers: { image: string; resources: unknown }[] } }[];
        volumeClaimTemplates: { reclaimPolicy: string; spec: { resources: { requests: { storage: string } } } }[];
    };
};

describe("ClickHouse installation", () => {
    it("lays out servers: one on 10Gi; two shards on 100Gi, one server per node, PVCs retained when protected", () => {
        const dev = clickhouseInstallationSpec(clickhouse(), false) as Spec;
        expect(dev.configuration.clusters).toEqual([{ name: "platform", layout: { shardsCount: 1, replicasCount: 1 } }]);
        expect(dev.configuration.zookeeper).toBeUndefined();
        expect(dev.templates.podTemplates[0].podDistribution).toBeUndefined();
        expect(dev.templates.volumeClaimTemplates[0]).toMatchObject({ reclaimPolicy: "Delete", spec: { resources: { requests: { storage: "10Gi" } } } });
        const prod = clickhouseInstallationSpec(clickhouse({}, "prod"), true) as Spec;
        expect(prod.configuration.clusters[0].layout).toEqual({ shardsCount: 2, replicasCount: 1 });
        expect(prod.configuration.zookeeper).toBeUndefined();
        expect(prod.templates.podTemplates[0].podDistribution).toEqual([{ type: "ClickHouseAntiAffinity", topologyKey: "kubernetes.io/hostname" }]);
        expect(prod.templates.volumeClaimTemplates[0].reclaimPolicy).toBe("Retain");
    });

    it("replicates shards through a 3-node Keeper when asked", () => {
        const replicated = clickhouseInstallationSpec(clickhouse({ replicas: 2 }, "prod"), true) as Spec;
        expect(replicated.configuration.clusters[0].layout).toEqual({ shardsCount: 2, replicasCount: 2 });
        expect(replicated.configuration.zookeeper).toEqual({ nodes: [{ host: "keeper-platform.clickhouse.svc.cluster.local", port: 2181 }] });
        const keeper = keeperInstallationSpec(true) as Spec;
        expect(keeper.configuration.clusters[0].layout.replicasCount).toBe(3);
        expect(keeper.templates.podTemplates[0].podDistribution).toEqual([{ type: "ShardAntiAffinity", topologyKey: "kubernetes.io/hostname" }]);
    });

    it("creates the deepflow (writer) and grafana (read-only, readonly=2 so queries may set limits) users with passwords from a Secret only", () => {
        const spec = clickhouseInstallationSpec(clickhouse(), false, true) as Spec & { configuration: { profiles: Record<string, unknown> } };
        expect(spec.configuration.users).toMatchObject({
            "deepflow/password": { valueFrom: { secretKeyRef: { name: "clickhouse-users", key: "deepflow" } } },
            "grafana/password": { valueFrom: { secretKeyRef: { name: "clickhouse-users", key: "grafana" } } },
            "grafana/profile": "grafana",
        });
        expect(spec.configuration.profiles).toEqual({ "grafana/readonly": 2 });
    });

    it("has no deepflow user when DeepFlow is off (turning DeepFlow off removes it)", () => {
        const users = Object.keys((clickhouseInstallationSpec(clickhouse(), false, false) as Spec).configuration.users);
        expect(users.filter((u) => u.startsWith("deepflow/"))).toEqual([]);
        expect(users).toContain("grafana/password");
    });

    it("pins the server image and sets requests and limits", () => {
        const [container] = (clickhouseInstallationSpec(clickhouse(), false) as Spec).templates.podTemplates[0].spec.containers;
        expect(container.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+\.\d+\.\d+$/);
        expect(container.resources).toMatchObject({
            requests: { cpu: expect.any(String), memory: expect.any(String) },
            limits: { memory: expect.any(String) },
        });
    });

    it("selects the installation's pods in the Service Grafana uses, and one shard's in each shard Service (HTTP and native ports)", () => {
        expect(clickhouseServiceSpec()).toMatchObject({ selector: { "clickhouse.altinity.com/chi": "platform" }, ports: [{ port: 8123 }, { port: 9000 }] });
        expect(clickhouseServiceSpec(1)).toMatchObject({ selector: { "clickhouse.altinity.com/chi": "platform", "clickhouse.altinity.com/shard": "1" } });
    });

    it("uses only keys of altinity-clickhouse-operator 0.25.6, without the hook that pulls an unpinned kubectl", () => {
        expect(unknownChartKeys("altinity-clickhouse-operator", clickhouseOperatorValues())).toEqual([]);
        expect(clickhouseOperatorValues()).toMatchObject({
            crdHook: { enabled: false },
            serviceMonitor: { enabled: true },
            podSecurityContext: { runAsNonRoot: true, runAsUser: 65534 },
        });
    });
});

describe("ClickHouse component", () => {
    const mocks = mockedComponents();

    it("creates the users Secret and operator before the installation, Keeper when replicated, and the Services last", async () => {
        new ClickHouse("ch", {
            config: clickhouse({ replicas: 2 }, "prod"),
            grafanaPassword: "grafana-pw-value",
            protect: true,
            podSecurityVersion: "v1.36",
            deepflowUser: true,
            after: [],
        });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("ch-"));
        expect(byName(mine, "ch-users").inputs.stringData).toBe(SECRET);
        const chi = byName(mine, "ch-installation");
        expect(chi.dependsOn).toEqual(expect.arrayContaining(["ch-operator", "ch-users", "ch-keeper"]));
        expect(chi.options).toMatchObject({ protect: true });
        expect(byName(mine, "ch-keeper").options).toMatchObject({ protect: true });
        for (const service of ["ch-service", "ch-shard-0", "ch-shard-1"]) {
            expect(byName(mine, service).dependsOn).toContain("ch-installation");
        }
        expect((byName(mine, "ch-shard-1").inputs.metadata as { name: string }).name).toBe("clickhouse-shard-1");
        for (const r of [chi, byName(mine, "ch-keeper"), byName(mine, "ch-service"), byName(mine, "ch-shard-0")]) {
            expect(() => validateManifest(r.inputs)).not.toThrow();
        }
        expect(allStrings(mine).join("\n")).not.toContain("grafana-pw-value");
    });

    it("creates no deepflow password without DeepFlow, and its users Secret then holds the grafana user only", async () => {
        const ch = new ClickHouse("solo", { config: clickhouse({}, "prod"), grafanaPassword: "pw", protect: false, podSecurityVersion: "v1.36", after: [] });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("solo-"));
        expect(mine.map((r) => r.name)).not.toContain("solo-deepflow-password");
        expect(ch.deepflowPassword).toBeUndefined();
        const users = (byName(mine, "solo-installation").inputs as { spec: Spec }).spec.configuration.users;
        expect(Object.keys(users).some((u) => u.startsWith("deepflow/"))).toBe(false);
    });
});
