import { footprint, totalRequests } from "../offline/footprint";
import { evaluateStack } from "./harness";

const release = (parent: string, chart: string, values: Record<string, unknown>) => ({ type: "kubernetes:helm.sh/v3:Release", parent, inputs: { chart, values } });
const req = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { memory } });
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe("footprint", () => {
    it("counts each workload in chart values times the nearest replica count above it", () => {
        const rows = footprint([
            release("harbor", "harbor", { core: { replicas: 2, resources: req("100m", "256Mi") }, registry: { replicas: 3, registry: { resources: req("10m", "64Mi") } }, portal: { resources: req("10m", "32Mi") } }),
        ]);
        expect(rows).toEqual([{ component: "harbor", fixed: { cpu: 0.2 + 0.03 + 0.01, memory: (512 + 192 + 32) * MiB }, perNode: { cpu: 0, memory: 0 } }]);
    });

    it("takes a workload's replicas from the key its chart reads them from (DeepFlow's server: global.replicas)", () => {
        const rows = footprint([release("df", "deepflow", { global: { replicas: 2 }, server: { resources: req("200m", "256Mi") }, app: { resources: req("50m", "128Mi") } })]);
        expect(rows[0].fixed).toEqual({ cpu: 0.4 + 0.05, memory: (512 + 128) * MiB });
    });

    it("counts DaemonSets once per node: declared per chart or by kind", () => {
        const rows = footprint([
            release("mon", "kube-prometheus-stack", { "prometheus-node-exporter": { resources: req("20m", "32Mi") }, prometheus: { prometheusSpec: { replicas: 2, resources: req("200m", "512Mi") } } }),
            release("edge", "nginx-ingress", { controller: { kind: "daemonset", replicaCount: 5, resources: req("100m", "128Mi") } }),
        ]);
        expect(totalRequests(rows, 3)).toEqual({ cpu: 0.4 + 3 * 0.02 + 3 * 0.1, memory: (1024 + 3 * 32 + 3 * 128) * MiB });
    });

    it("counts ClickHouse pods as shards x replicas of the pod template, and raw Deployments by replicas", () => {
        const chi = {
            type: "kubernetes:clickhouse.altinity.com/v1:ClickHouseInstallation",
            parent: "ch",
            inputs: { spec: { configuration: { clusters: [{ layout: { shardsCount: 2, replicasCount: 2 } }] }, templates: { podTemplates: [{ spec: { containers: [{ resources: req("500m", "2Gi") }] } }] } } },
        };
        const deployment = { type: "kubernetes:apps/v1:Deployment", parent: "app", inputs: { kind: "Deployment", spec: { replicas: 3, template: { spec: { containers: [{ resources: req("10m", "16Mi") }] } } } } };
        const rows = footprint([chi, deployment]);
        expect(rows.map((r) => [r.component, r.fixed.cpu, r.fixed.memory / MiB])).toEqual([
            ["ch", 2, 8192],
            ["app", 0.03, 48],
        ]);
    });
});

describe("dev stack footprint", () => {
    let rows: ReturnType<typeof footprint>;
    beforeAll(async () => {
        rows = footprint((await evaluateStack("dev")).resources);
    });

    it("runs everything (metrics, logs, ClickHouse, DeepFlow, Harbor) within 2 CPUs and 4 GiB of requests on its one node", () => {
        expect(rows.map((r) => r.component)).toEqual(expect.arrayContaining(["dev-monitoring", "dev-monitoring-logs", "dev-monitoring-clickhouse", "dev-monitoring-deepflow", "dev-harbor", "dev-ingress", "dev-cert-manager"]));
        const total = totalRequests(rows, 1);
        expect(total.cpu).toBeLessThanOrEqual(2);
        expect(total.memory).toBeLessThanOrEqual(4 * GiB);
    });
});
