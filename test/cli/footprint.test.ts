import { autoscaledHeadroom, footprint, hostSizing, longhornCopies, storageClaims, totalRequests } from "../../offline/footprint";
import { summaryText } from "../../offline/output";
import { evaluateStack, PROJECT_DIR } from "../harness";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const release = (parent: string, chart: string, values: Record<string, unknown>) => ({
    type: "kubernetes:helm.sh/v3:Release",
    parent,
    inputs: { chart, values },
});
const req = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { memory } });
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe("footprint", () => {
    it("counts each workload in chart values times the nearest replica count above it", () => {
        const rows = footprint([
            release("harbor", "harbor", {
                core: { replicas: 2, resources: req("100m", "256Mi") },
                registry: { replicas: 3, registry: { resources: req("10m", "64Mi") } },
                portal: { resources: req("10m", "32Mi") },
            }),
        ]);
        expect(rows).toEqual([{ component: "harbor", fixed: { cpu: 0.2 + 0.03 + 0.01, memory: (512 + 192 + 32) * MiB }, perNode: { cpu: 0, memory: 0 } }]);
    });

    it("takes a workload's replicas from the key its chart reads them from (DeepFlow's server: global.replicas)", () => {
        const rows = footprint([
            release("df", "deepflow", { global: { replicas: 2 }, server: { resources: req("200m", "256Mi") }, app: { resources: req("50m", "128Mi") } }),
        ]);
        expect(rows[0].fixed).toEqual({ cpu: 0.4 + 0.05, memory: (512 + 128) * MiB });
    });

    it("counts DaemonSets once per node: declared per chart or by kind", () => {
        const rows = footprint([
            release("mon", "kube-prometheus-stack", {
                "prometheus-node-exporter": { resources: req("20m", "32Mi") },
                prometheus: { prometheusSpec: { replicas: 2, resources: req("200m", "512Mi") } },
            }),
            release("edge", "nginx-ingress", { controller: { kind: "daemonset", replicaCount: 5, resources: req("100m", "128Mi") } }),
        ]);
        expect(totalRequests(rows, 3)).toEqual({ cpu: 0.4 + 3 * 0.02 + 3 * 0.1, memory: (1024 + 3 * 32 + 3 * 128) * MiB });
    });

    it("leaves out what holds no steady requests: cert-manager's install-time check Job, and init containers smaller than their pod", () => {
        // startupapicheck is a post-install hook Job (cert-manager@v1.21.1 templates/startupapicheck-job.yaml): a finished pod reserves nothing.
        const certManager = footprint([release("cm", "cert-manager", { resources: req("10m", "64Mi"), startupapicheck: { resources: req("10m", "32Mi") } })]);
        expect(certManager[0].fixed).toEqual({ cpu: 0.01, memory: 64 * MiB });
        // A pod reserves max(largest init container, sum of containers): Grafana's 32Mi plugin copier beside its 128Mi container adds nothing.
        const grafana = footprint([
            release("mon", "kube-prometheus-stack", {
                grafana: { resources: req("50m", "128Mi"), extraInitContainers: [{ name: "plugins", resources: req("10m", "32Mi") }] },
            }),
        ]);
        expect(grafana[0].fixed).toEqual({ cpu: 0.05, memory: 128 * MiB });
    });

    it("counts ClickHouse pods as shards x replicas of the pod template, and raw Deployments by replicas", () => {
        const chi = {
            type: "kubernetes:clickhouse.altinity.com/v1:ClickHouseInstallation",
            parent: "ch",
            inputs: {
                spec: {
                    configuration: { clusters: [{ layout: { shardsCount: 2, replicasCount: 2 } }] },
                    templates: { podTemplates: [{ spec: { containers: [{ resources: req("500m", "2Gi") }] } }] },
                },
            },
        };
        const deployment = {
            type: "kubernetes:apps/v1:Deployment",
            parent: "app",
            inputs: { kind: "Deployment", spec: { replicas: 3, template: { spec: { containers: [{ resources: req("10m", "16Mi") }] } } } },
        };
        const rows = footprint([chi, deployment]);
        expect(rows.map((r) => [r.component, r.fixed.cpu, r.fixed.memory / MiB])).toEqual([
            ["ch", 2, 8192],
            ["app", 0.03, 48],
        ]);
    });
});

describe("autoscaled apps (issue 27, item 5: an HPA's Deployment was counted as one replica)", () => {
    // An HPA sets the replica count of a Deployment that leaves spec.replicas unset, never below
    // minReplicas, which defaults to 1 (kubernetes/kubernetes@v1.36.0
    // staging/src/k8s.io/api/autoscaling/v2/types.go, HorizontalPodAutoscalerSpec.MinReplicas).
    const deployment = (name: string, namespace: string, replicas?: number) => ({
        type: "kubernetes:apps/v1:Deployment",
        parent: `app-${name}`,
        inputs: {
            kind: "Deployment",
            metadata: { name, namespace },
            spec: { ...(replicas !== undefined ? { replicas } : {}), template: { spec: { containers: [{ resources: req("50m", "64Mi") }] } } },
        },
    });
    const hpa = (name: string, namespace: string, min: number | undefined, max: number) => ({
        type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        parent: `app-${name}`,
        inputs: {
            kind: "HorizontalPodAutoscaler",
            metadata: { name, namespace },
            spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name }, ...(min !== undefined ? { minReplicas: min } : {}), maxReplicas: max },
        },
    });

    it("counts a Deployment its HPA scales at minReplicas, and reports the range and one pod's requests", () => {
        const rows = footprint([deployment("web", "apps"), hpa("web", "apps", 3, 8)]);
        expect(rows).toEqual([
            {
                component: "app-web",
                fixed: { cpu: 3 * 0.05, memory: 192 * MiB },
                perNode: { cpu: 0, memory: 0 },
                autoscaled: [{ name: "web", min: 3, max: 8, pod: { cpu: 0.05, memory: 64 * MiB } }],
            },
        ]);
        expect(autoscaledHeadroom(rows)).toEqual({ cpu: (8 - 3) * 0.05, memory: 5 * 64 * MiB });
    });

    it("takes minReplicas as 1 when unset, ignores an HPA of another namespace, and keeps a fixed replica count", () => {
        expect(footprint([deployment("web", "apps"), hpa("web", "apps", undefined, 4)])[0]).toMatchObject({
            fixed: { cpu: 0.05 },
            autoscaled: [{ min: 1, max: 4 }],
        });
        expect(footprint([deployment("web", "apps"), hpa("web", "other", 3, 8)])[0]).toEqual({
            component: "app-web",
            fixed: { cpu: 0.05, memory: 64 * MiB },
            perNode: { cpu: 0, memory: 0 },
        });
        expect(footprint([deployment("web", "apps", 2), hpa("web", "apps", 3, 8)])[0].fixed.cpu).toBeCloseTo(0.1);
    });

    it("counts the prod stack's hello (autoscaling 2-6) at 2 replicas and shows 6 in the summary", async () => {
        const prod = await evaluateStack("prod");
        const hello = footprint(prod.resources).find((r) => r.component === "prod-app-hello")!;
        // Pulumi.prod.yaml: autoscaling { min: 2, max: 6 }, requests { cpu: 50m, memory: 64Mi }.
        expect(hello).toMatchObject({ fixed: { cpu: 0.1, memory: 128 * MiB }, autoscaled: [{ name: "hello", min: 2, max: 6 }] });
        const summary = summaryText("prod", prod.resources, prod.outputs);
        expect(summary).toContain("  prod-app-hello: cpu 100m, memory 128Mi (hello: 2 of 2-6 replicas; at 6: cpu 300m, memory 384Mi)");
        const line = /^ {2}autoscaled apps at their maximum add cpu \d+m, memory \d+Mi per host \(hello 2-6 replicas\)$/m.exec(summary);
        expect(line).not.toBeNull();
        // docs/sizing.md explains the two figures with these lines, copied from this render.
        const doc = readFileSync(join(PROJECT_DIR, "docs", "sizing.md"), "utf8");
        expect(doc).toContain(line![0]);
        expect(doc).toContain("prod-app-hello: cpu 100m, memory 128Mi (hello: 2 of 2-6 replicas; at 6: cpu 300m, memory 384Mi)");
    });
});

describe("storage claims and host sizing", () => {
    it("counts PVC sizes in chart values per replica, skipping disabled persistence and Harbor's registry PVC with S3 storage", () => {
        const claims = storageClaims([
            release("mon", "kube-prometheus-stack", {
                prometheus: {
                    prometheusSpec: { replicas: 2, storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "50Gi" } } } } } },
                },
                grafana: { persistence: { enabled: false, size: "10Gi" } },
            }),
            release("reg", "harbor", {
                persistence: { imageChartStorage: { type: "s3" }, persistentVolumeClaim: { registry: { size: "200Gi" }, database: { size: "5Gi" } } },
            }),
        ]);
        expect(claims).toEqual([
            { component: "mon", bytes: 100 * GiB },
            { component: "reg", bytes: 5 * GiB },
        ]);
    });

    it("counts ClickHouse claims once per server (shards x replicas)", () => {
        const chi = {
            type: "kubernetes:clickhouse.altinity.com/v1:ClickHouseInstallation",
            parent: "ch",
            inputs: {
                spec: {
                    configuration: { clusters: [{ layout: { shardsCount: 2, replicasCount: 1 } }] },
                    templates: { volumeClaimTemplates: [{ spec: { resources: { requests: { storage: "100Gi" } } } }] },
                },
            },
        };
        expect(storageClaims([chi])).toEqual([{ component: "ch", bytes: 200 * GiB }]);
    });

    it("gives each host its DaemonSets plus an even share; disk spread with Longhorn copies, all on one host without", () => {
        const rows = [{ component: "x", fixed: { cpu: 3, memory: 6 * GiB }, perNode: { cpu: 0.1, memory: 128 * MiB } }];
        const claims = [{ component: "x", bytes: 120 * GiB }];
        const spread = hostSizing(rows, claims, { nodes: 3, volumeCopies: 3 });
        expect(spread).toMatchObject({ nodes: 3, memory: 2 * GiB + 128 * MiB, disk: 120 * GiB, spread: true });
        expect(spread.cpu).toBeCloseTo(1.1);
        expect(hostSizing(rows, claims, { nodes: 3 })).toMatchObject({ disk: 120 * GiB, spread: false });
        expect(longhornCopies([release("st", "longhorn", { persistence: { defaultClassReplicaCount: 2 } })])).toBe(2);
        expect(longhornCopies([])).toBeUndefined();
    });
});

describe("dev stack footprint", () => {
    let rows: ReturnType<typeof footprint>;
    let resources: Awaited<ReturnType<typeof evaluateStack>>["resources"];
    beforeAll(async () => {
        resources = (await evaluateStack("dev")).resources;
        rows = footprint(resources);
    });

    it("runs everything (metrics, logs, ClickHouse, DeepFlow, Harbor, signature admission, the sample app) within 2 CPUs and 4 GiB of requests on its one node", () => {
        expect(rows.map((r) => r.component)).toEqual(
            expect.arrayContaining([
                "dev-monitoring",
                "dev-monitoring-logs",
                "dev-monitoring-clickhouse",
                "dev-monitoring-deepflow",
                "dev-harbor",
                "dev-ingress",
                "dev-cert-manager",
                "dev-admission",
                "dev-app-hello",
            ]),
        );
        const total = totalRequests(rows, 1);
        expect(total.cpu).toBeLessThanOrEqual(2);
        expect(total.memory).toBeLessThanOrEqual(4 * GiB);
    });

    it("needs its volumes on its one host: Prometheus, Loki, Harbor and ClickHouse claims, no Longhorn", () => {
        const claims = storageClaims(resources);
        expect(claims.map((c) => c.component)).toEqual(
            expect.arrayContaining(["dev-monitoring", "dev-monitoring-logs", "dev-harbor", "dev-monitoring-clickhouse"]),
        );
        const size = hostSizing(rows, claims, { nodes: 1, volumeCopies: longhornCopies(resources) });
        expect(size).toMatchObject({ nodes: 1, spread: false });
        expect(size.disk).toBe(claims.reduce((n, c) => n + c.bytes, 0));
    });
});
