/** What a valid stack config resolves to (profile defaults, secrets as secret Outputs, per-part settings). Rejections: configRejects.test.ts. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { parsePlatformConfig, readPulumiConfig } from "../../config/config";
import { configProblems as problems, k3sStackConfig, rawConfig, secure, TEST_HOST_KEY, TEST_KUBECONFIG, TEST_S3_SECRET } from "../harness";
import { type Cluster, parse, threeServers, withK3s } from "./stackConfig";

describe("stack config", () => {
    it("accepts the minimal k3s config and fills profile defaults", () => {
        const config = parse(k3sStackConfig());
        expect(config.profile).toBe("dev");
        expect(config.defaults.replicas).toBe(1);
        expect(config.cluster.mode).toBe("k3s");
        if (config.cluster.mode !== "k3s") throw new Error("unreachable");
        expect(config.cluster.k3s.ssh).toMatchObject({ user: "ubuntu", port: 22 });
        expect(config.cluster.k3s.etcdSnapshots).toEqual({ schedule: "0 */12 * * *", retention: 5 });
        expect(config.cluster.k3s.agents).toEqual([]);
        expect(Object.isFrozen(config.cluster.k3s.servers)).toBe(true);
    });

    it("resolves what ClusterK3s takes as given: public SSH host as the external address, k3s defaults, the AWS S3 endpoint", () => {
        const config = parse(
            withK3s((k) => {
                k.servers = [{ name: "s1", host: "203.0.113.1", address: "10.0.0.1", hostKey: TEST_HOST_KEY }];
                k.agents = [{ name: "a1", host: "192.0.2.11", hostKey: TEST_HOST_KEY }];
                k.etcdSnapshots = { s3: { bucket: "etcd-snapshots", accessKey: "AKIA1", secretKey: secure(TEST_S3_SECRET) } };
            }),
        );
        if (config.cluster.mode !== "k3s") throw new Error("expected k3s mode");
        const { k3s } = config.cluster;
        expect(k3s.servers[0]).toMatchObject({ externalAddress: "203.0.113.1" });
        expect(k3s.agents[0]).not.toHaveProperty("externalAddress");
        expect(k3s).toMatchObject({ disable: [], secretsEncryption: true, preflight: { minKernel: "4.18", checkPorts: false } });
        expect(k3s.etcdSnapshots.s3).toMatchObject({ endpoint: "s3.amazonaws.com", insecure: false });
    });

    it("applies prod defaults and lets the stack override them", () => {
        const prod = parse(withK3s((k) => (k.servers = threeServers), { "platform:profile": "prod" }));
        expect(prod.defaults).toMatchObject({ replicas: 2, highAvailability: true, protectStateful: true });
        if (prod.cluster.mode !== "k3s") throw new Error("unreachable");
        expect(prod.cluster.k3s.etcdSnapshots).toEqual({ schedule: "0 */6 * * *", retention: 28 });

        const overridden = parse(withK3s((k) => (k.etcdSnapshots = { retention: 3 })));
        if (overridden.cluster.mode !== "k3s") throw new Error("unreachable");
        expect(overridden.cluster.k3s.etcdSnapshots.retention).toBe(3);
    });

    it("turns secret fields into secret Outputs", async () => {
        const config = parse(k3sStackConfig());
        if (config.cluster.mode !== "k3s") throw new Error("unreachable");
        const key = config.cluster.k3s.ssh.privateKey;
        expect(pulumi.Output.isInstance(key)).toBe(true);
        expect(await pulumi.isSecret(key)).toBe(true);
    });

    it("ignores other namespaces' keys", () => {
        expect(problems({ ...k3sStackConfig(), "kubernetes:context": "x", "pulumi:tags": "{}" })).toEqual([]);
    });

    it("keeps the existing-cluster kubeconfig and context", async () => {
        const config = parse({
            ...k3sStackConfig(),
            "platform:cluster": {
                mode: "existing",
                existing: { kubeconfig: secure(TEST_KUBECONFIG), context: "admin@eks", podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" },
            },
        });
        if (config.cluster.mode !== "existing") throw new Error("unreachable");
        expect(config.cluster.existing.context).toBe("admin@eks");
        expect(await pulumi.isSecret(config.cluster.existing.kubeconfig)).toBe(true);
    });
});

describe("monitoring config", () => {
    const existingWith = (monitoring: Record<string, unknown>, profile = "dev") =>
        parse(
            k3sStackConfig({
                "platform:cluster": {
                    mode: "existing",
                    existing: { kubeconfig: secure("apiVersion: v1"), podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" },
                },
                "platform:profile": profile,
                "platform:monitoring": monitoring,
            }),
        ).monitoring;

    it("sizes ClickHouse and Loki by profile: dev 1 shard x 10Gi, logs 7d on 5Gi; prod 2 shards x 100Gi, logs 30d on 50Gi", () => {
        expect(existingWith({}).clickhouse).toEqual({ enabled: true, shards: 1, replicas: 1, storageSize: "10Gi" });
        expect(existingWith({}, "prod").clickhouse).toEqual({ enabled: true, shards: 2, replicas: 1, storageSize: "100Gi" });
        expect(existingWith({}).logs).toMatchObject({ retention: "7d", storageSize: "5Gi" });
        expect(existingWith({}, "prod").logs).toMatchObject({ retention: "30d", storageSize: "50Gi" });
    });

    it("refuses ClickHouse replicas while DeepFlow is on (it writes non-replicated tables)", () => {
        expect(() => existingWith({ clickhouse: { replicas: 2 } })).toThrow(
            /platform:monitoring\.clickhouse\.replicas: DeepFlow writes non-replicated tables to every shard: expected 1 .*got 2/,
        );
        expect(() => existingWith({ clickhouse: { replicas: 2 }, deepflow: { enabled: false } })).not.toThrow();
    });

    it("keeps metrics 3 days on 5Gi in dev, and requires alert receiver credentials to be secrets", () => {
        expect(existingWith({}).prometheus).toEqual({ retention: "3d", storageSize: "5Gi" });
        expect(() => existingWith({ alertmanager: { slack: { webhookUrl: "https://hooks.slack.example/T1", channel: "#alerts" } } })).toThrow(
            /platform:monitoring\.alertmanager\.slack\.webhookUrl: must be a secret/,
        );
    });

    it("requires the Loki S3 secret key to be a secret", () => {
        const s3 = { bucket: "logs-bucket", region: "eu-west-1", accessKey: "AKIAEXAMPLE", secretKey: "plain" };
        expect(() => existingWith({ logs: { s3 } })).toThrow(/platform:monitoring\.logs\.s3\.secretKey: must be a secret/);
    });

    it("resolves each part's effective switch once: all off with monitoring off, DeepFlow on only with ClickHouse", () => {
        const monitoring = (value: Record<string, unknown>) => parse(k3sStackConfig({ "platform:monitoring": value })).monitoring;
        expect(monitoring({})).toMatchObject({
            grafana: { enabled: true },
            logs: { enabled: true },
            clickhouse: { enabled: true },
            deepflow: { enabled: true },
        });
        expect(monitoring({ enabled: false })).toMatchObject({
            enabled: false,
            grafana: { enabled: false },
            logs: { enabled: false },
            clickhouse: { enabled: false },
            deepflow: { enabled: false },
        });
        expect(monitoring({ deepflow: { enabled: false } })).toMatchObject({ clickhouse: { enabled: true }, deepflow: { enabled: false } });
    });

    it("refuses DeepFlow without ClickHouse, and a DeepFlow registry that does not look like one", () => {
        const parseWith = (monitoring: Record<string, unknown>) => () =>
            parsePlatformConfig(
                rawConfig({
                    ...k3sStackConfig(),
                    "platform:cluster": {
                        mode: "existing",
                        existing: { kubeconfig: secure("apiVersion: v1"), podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" },
                    },
                    "platform:monitoring": monitoring,
                }),
            );
        expect(parseWith({ clickhouse: { enabled: false } })).toThrow(
            /platform:monitoring\.deepflow\.enabled: DeepFlow stores its data in the platform ClickHouse/,
        );
        expect(parseWith({ clickhouse: { enabled: false }, deepflow: { enabled: false } })).not.toThrow();
        expect(parseWith({ deepflow: { imageRegistry: "https://bad registry" } })).toThrow(
            /platform:monitoring\.deepflow\.imageRegistry: expected a registry and path/,
        );
    });
});

describe("harbor config", () => {
    it("defaults: registry.<domain>, PVC storage with chart sizes, internal database, Trivy on, the four upstream proxy caches", () => {
        expect(parse(k3sStackConfig()).harbor).toMatchObject({
            enabled: true,
            host: "registry.dev.example.com",
            storage: { type: "pvc", registrySize: "20Gi", databaseSize: "5Gi", redisSize: "1Gi", trivySize: "5Gi", jobLogSize: "1Gi" },
            database: { type: "internal" },
            trivy: true,
            proxyCache: [
                { upstream: "docker.io", project: "dockerhub" },
                { upstream: "ghcr.io", project: "ghcr" },
                { upstream: "quay.io", project: "quay" },
                { upstream: "registry.k8s.io", project: "k8s" },
            ],
            projects: [],
        });
    });

    it("fills project, robot and external database defaults", () => {
        const harbor = parse(
            k3sStackConfig({
                "platform:harbor": {
                    projects: [{ name: "apps" }],
                    robot: { projects: ["apps"] },
                    database: { type: "external", external: { host: "pg.example.com", username: "harbor", password: secure("pg-1") } },
                },
            }),
        ).harbor;
        expect(harbor.projects).toEqual([{ name: "apps", public: false, scanOnPush: true, requireSignature: false }]);
        expect(harbor.robot).toEqual({ name: "ci", projects: ["apps"] });
        expect(harbor.database.external).toMatchObject({ port: 5432, database: "registry", sslmode: "verify-full" });
    });
});

describe("storage config", () => {
    const storage = (value: Record<string, unknown>, profile = "dev") => {
        const base = k3sStackConfig({ "platform:profile": profile, "platform:storage": value });
        if (profile === "prod") {
            (base["platform:cluster"] as Cluster).k3s.servers = [1, 2, 3].map((i) => ({ name: `s${i}`, host: `10.0.0.${i}`, hostKey: TEST_HOST_KEY }));
        }
        return parse(base).storage;
    };

    it("defaults to local-path in dev and 3-replica Longhorn with its UI at longhorn.<domain> in prod", () => {
        expect(storage({}).class).toBe("local-path");
        expect(storage({}, "prod")).toMatchObject({
            class: "longhorn",
            longhorn: { replicas: 3, dataPath: "/var/lib/longhorn", ui: { enabled: true, host: "longhorn.dev.example.com" } },
        });
        expect(storage({ class: "longhorn" }).longhorn.replicas).toBe(1);
    });

    it("fills the backup schedule defaults: snapshots every 4 h (6 kept), backups daily at 02:00 (14 kept)", () => {
        const backup = { bucket: "volumes", region: "eu-central-1", accessKey: "AKIA1", secretKey: secure("vol-secret-1") };
        expect(storage({ longhorn: { backup } }, "prod").longhorn.backup).toMatchObject({
            snapshotSchedule: "0 */4 * * *",
            snapshotRetain: 6,
            backupSchedule: "0 2 * * *",
            backupRetain: 14,
        });
    });
});

describe("readPulumiConfig in a real run", () => {
    it("reads which leaves are plain from the stack file the CLI runs next to (PLATFORM_STACK_FILE overrides)", async () => {
        const dir = mkdtempSync(join(tmpdir(), "stackfile-leaves-"));
        const file = join(dir, "Pulumi.live.yaml");
        writeFileSync(
            file,
            stringify({
                config: { "platform:cluster": { k3s: { ssh: { privateKey: { secure: "v1:abc" } }, etcdSnapshots: { s3: { secretKey: "plain" } } } } },
            }),
        );
        await pulumi.runtime.setMocks({ newResource: () => ({ id: "x", state: {} }), call: () => ({}) }, "platform", "live", false);
        process.env.PLATFORM_STACK_FILE = file;
        try {
            const raw = readPulumiConfig();
            expect(raw.plainLeaves?.has("platform:cluster.k3s.etcdSnapshots.s3.secretKey")).toBe(true);
            expect(raw.plainLeaves?.has("platform:cluster.k3s.ssh.privateKey")).toBe(false);
        } finally {
            delete process.env.PLATFORM_STACK_FILE;
        }
    });
});
