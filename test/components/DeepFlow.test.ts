import { IMAGES } from "../../charts/images";
import { DeepFlow } from "../../components/monitoring/DeepFlow";
import { DEEPFLOW_DEFAULT_REGISTRY, deepflowValues } from "../../components/monitoring/deepflowValues";
import { unknownChartKeys } from "../../offline/chartKeys";
import { SECRET } from "../../offline/mocks";
import { allStrings, byName, mockedComponents } from "../harness";

type V = Record<string, Record<string, unknown>>;
const values = (registry = DEEPFLOW_DEFAULT_REGISTRY, ips = ["10.43.0.10"]) => deepflowValues({ imageRegistry: registry, clickhouseIps: ips }) as V;

describe("DeepFlow values", () => {
    it("write to every shard of the platform ClickHouse by its Service IP, one server per shard, and no bundled ClickHouse or Grafana", () => {
        const v = values(undefined, ["10.43.0.10", "10.43.0.11"]);
        expect(v.global.externalClickHouse).toEqual({
            enabled: true,
            type: "ep",
            clusterName: "platform",
            storagePolicy: "default",
            username: "deepflow",
            hosts: [
                { ip: "10.43.0.10", port: 9000 },
                { ip: "10.43.0.11", port: 9000 },
            ],
        });
        expect(v.global.replicas).toBe(2);
        expect(v.clickhouse).toEqual({ enabled: false });
        expect(v.grafana).toEqual({ enabled: false });
        const withPasswords = deepflowValues({ imageRegistry: "r", clickhouseIps: ["10.43.0.10"], passwords: { clickhouse: "ch-pw", mysql: "my-pw" } }) as V;
        expect(withPasswords.global).toMatchObject({ password: { mysql: "my-pw" }, externalClickHouse: { password: "ch-pw" } });
    });

    it("pull from a configurable registry (e.g. through Harbor) and expose no NodePorts", () => {
        expect(values("registry.example.com/dockerhub/deepflowce").global).toMatchObject({
            image: { repository: "registry.example.com/dockerhub/deepflowce" },
        });
        const service = (values().server as { service: { type: string; ports: Record<string, unknown>[] } }).service;
        expect(service.type).toBe("ClusterIP");
        expect(service.ports.every((p) => !("nodePort" in p))).toBe(true);
        // Agents' default controller and data ports stay reachable on the ClusterIP Service.
        expect(service.ports.map((p) => `${p.port}->${p.targetPort}`)).toEqual(expect.arrayContaining(["30035->20035", "30033->20033"]));
    });

    it("points the querier at the platform ClickHouse Service and hands ClickHouse a MySQL host it can resolve", () => {
        expect(values().configmap).toEqual({
            "server.yaml": {
                controller: { mysql: { host: "deepflow-mysql.deepflow.svc.cluster.local" } },
                querier: { clickhouse: { host: "clickhouse.clickhouse.svc.cluster.local" } },
            },
        });
    });

    it("runs pinned DeepFlow images (no moving v7.1 tag) from the configured registry", () => {
        const v = values("registry.example.com/deepflow-ce");
        expect(v.image).toEqual({
            server: { repository: "registry.example.com/deepflow-ce/deepflow-server", tag: IMAGES.deepflowServer.tag },
            app: { repository: "registry.example.com/deepflow-ce/deepflow-app", tag: IMAGES.deepflowApp.tag },
        });
        expect(v["deepflow-agent"]).toMatchObject({ image: { repository: "registry.example.com/deepflow-ce/deepflow-agent", tag: IMAGES.deepflowAgent.tag } });
        // The plugin image is the exception: its upstream publishes only the moving v7.1 (images.contract.test.ts).
        for (const tag of [IMAGES.deepflowServer.tag, IMAGES.deepflowApp.tag, IMAGES.deepflowAgent.tag]) expect(tag).not.toBe("v7.1");
    });

    it("uses only keys of deepflow 7.1.002 (and its deepflow-agent subchart)", () => {
        expect(unknownChartKeys("deepflow", values(), { "deepflow-agent": "deepflow-agent" })).toEqual([]);
        expect(
            unknownChartKeys("deepflow", deepflowValues({ imageRegistry: "r", clickhouseIps: ["1"], passwords: { clickhouse: "a", mysql: "b" } }), {
                "deepflow-agent": "deepflow-agent",
            }),
        ).toEqual([]);
    });
});

describe("DeepFlow component", () => {
    const mocks = mockedComponents();

    it("runs in the privileged PSA exception namespace with a reason, the passwords secret inside readable values", async () => {
        new DeepFlow("df", {
            config: {},
            clickhouse: { ips: ["10.43.0.10"], password: "clickhouse-pw-value" },
            protect: false,
            podSecurityVersion: "v1.36",
            after: [],
        });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("df-"));
        const ns = byName(mine, "df-ns").inputs as { metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> } };
        expect(ns.metadata.name).toBe("deepflow");
        expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
        expect(ns.metadata.annotations["platform/pod-security-reason"]).toMatch(/eBPF/);
        const release = byName(mine, "df-release").inputs as { values: V };
        expect(release.values.global.externalClickHouse).toMatchObject({ hosts: [{ ip: "10.43.0.10", port: 9000 }], password: SECRET });
        expect(release.values.global.password).toEqual({ mysql: SECRET });
        expect(allStrings(mine).join("\n")).not.toContain("clickhouse-pw-value");
    });
});
