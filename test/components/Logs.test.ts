import { Logs } from "../../components/monitoring/Logs";
import * as pulumi from "@pulumi/pulumi";
import { EVENTS_JOB, LOKI_URL, alloyConfig, alloyValues, type LogsSettings, lokiValues } from "../../components/monitoring/logsValues";
import { unknownChartKeys } from "../../offline/chartKeys";
import { SECRET } from "../../offline/mocks";
import { allStrings, byName, mockedComponents } from "../harness";

/** Args as the Platform hands them over: the profile's retention and size (dev 7d/5Gi, prod 30d/50Gi; config tests cover the defaults). */
const logs = (value: Partial<LogsSettings> = {}, profile = "dev"): LogsSettings => ({
    ...(profile === "prod" ? { retention: "30d", storageSize: "50Gi" } : { retention: "7d", storageSize: "5Gi" }),
    ...value,
});
const s3 = {
    bucket: "logs-bucket",
    region: "eu-west-1",
    endpoint: "s3.eu-west-1.example.com",
    accessKey: "AKIAEXAMPLE",
    secretKey: pulumi.secret("s3-secret-value"),
};
type V = Record<string, Record<string, unknown>>;

describe("Loki values", () => {
    it("run one Monolithic Loki on a PVC with tsdb v13 and compactor retention from the profile (dev)", () => {
        const v = lokiValues(logs(), false) as V;
        expect(v.deploymentMode).toBe("Monolithic");
        expect(v.loki).toMatchObject({
            auth_enabled: false,
            commonConfig: { replication_factor: 1 },
            schemaConfig: { configs: [{ store: "tsdb", schema: "v13", object_store: "filesystem" }] },
            storage: { type: "filesystem" },
            compactor: { retention_enabled: true, delete_request_store: "filesystem" },
            limits_config: { retention_period: "7d" },
        });
        expect(v.singleBinary).toMatchObject({ replicas: 1, persistence: { enabled: true, size: "5Gi" } });
        // No caches, gateway, canary or test pods in the footprint.
        for (const off of ["gateway", "chunksCache", "resultsCache", "lokiCanary", "test"]) {
            expect(v[off]).toEqual({ enabled: false });
        }
    });

    it("keep chunks in S3 with credentials expanded from a Secret's env, 3 replicas in HA", () => {
        const v = lokiValues(logs({ s3 }, "prod"), true) as V;
        expect(v.loki).toMatchObject({
            commonConfig: { replication_factor: 3 },
            storage: {
                type: "s3",
                bucketNames: { chunks: "logs-bucket", ruler: "logs-bucket" },
                s3: {
                    region: "eu-west-1",
                    endpoint: "s3.eu-west-1.example.com",
                    s3ForcePathStyle: true,
                    accessKeyId: "${LOKI_S3_ACCESS_KEY_ID}",
                    secretAccessKey: "${LOKI_S3_SECRET_ACCESS_KEY}",
                },
            },
        });
        expect(v.defaults).toEqual({ extraArgs: ["-config.expand-env=true"], extraEnvFrom: [{ secretRef: { name: "loki-s3" } }] });
        expect(v.singleBinary.replicas).toBe(3);
        expect(JSON.stringify(v)).not.toContain("s3-secret-value");
    });

    it.each([false, true])("use only keys loki 18.11.0 and alloy 1.11.1 have (S3 %s)", (withS3) => {
        expect(unknownChartKeys("loki", lokiValues(logs(withS3 ? { s3 } : {}), withS3))).toEqual([]);
        expect(unknownChartKeys("alloy", alloyValues("dev", withS3))).toEqual([]);
    });
});

describe("Alloy", () => {
    it("ships pod logs through the API (no host mounts) and events, to Loki, labelled with the cluster", () => {
        const config = alloyConfig("prod", false);
        expect(config).toContain('loki.source.kubernetes "pods"');
        expect(config).toContain(`job_name   = "${EVENTS_JOB}"`);
        expect(config).toContain(`url = "${LOKI_URL}/loki/api/v1/push"`);
        expect(config).toContain('external_labels = { cluster = "prod" }');
        expect(config).not.toContain("clustering {");
        // Balanced braces: a quick structural check of the River text.
        expect(config.split("{").length).toBe(config.split("}").length);
        const v = alloyValues("prod", false) as V;
        expect(v.alloy.mounts).toBeUndefined();
        expect(v.controller).toMatchObject({ type: "deployment", replicas: 1 });
    });

    it("runs two clustered replicas with a PDB in HA", () => {
        const v = alloyValues("prod", true) as V;
        expect(v.controller).toMatchObject({ type: "deployment", replicas: 2, podDisruptionBudget: { enabled: true, maxUnavailable: 1 } });
        expect(v.alloy).toMatchObject({ clustering: { enabled: true } });
        expect((v.alloy.configMap as { content: string }).content).toContain("clustering {\n    enabled = true");
    });
});

describe("Logs component", () => {
    const mocks = mockedComponents();

    it("creates a restricted namespace, the S3 Secret before Loki, and Alloy after Loki", async () => {
        new Logs("logs", { config: logs({ s3 }), cluster: "dev", highAvailability: false, protect: true, podSecurityVersion: "v1.36", after: [] });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("logs-"));
        const ns = byName(mine, "logs-ns").inputs as { metadata: { name: string; labels: Record<string, string> } };
        expect(ns.metadata).toMatchObject({ name: "logging", labels: { "pod-security.kubernetes.io/enforce": "restricted" } });
        expect(byName(mine, "logs-loki-s3").inputs.stringData).toBe(SECRET);
        expect(byName(mine, "logs-loki").dependsOn).toContain("logs-loki-s3");
        expect(byName(mine, "logs-loki").options).toMatchObject({ protect: true });
        expect(byName(mine, "logs-alloy").dependsOn).toContain("logs-loki");
        // Its NetworkPolicies are the Platform's (generated from the flows), none of its own.
        expect(mine.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual([]);
        expect(allStrings(mine).join("\n")).not.toContain("s3-secret-value");
    });
});
