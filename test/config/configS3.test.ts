/**
 * Shared S3 backends (`platform:s3.backends`) and the consumers that reference them, the old inline
 * forms with their deprecation warnings, and the `platform:protect` switch.
 */
import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfigWithWarnings, type PlatformConfig } from "../../config/config";
import { configProblems, k3sStackConfig, rawConfig, secure, TEST_S3_SECRET } from "../harness";

const minio = { endpoint: "https://minio.example.com:9000", region: "us-east-1", accessKey: "minio-user", secretKey: secure(TEST_S3_SECRET) };

/** The base k3s stack with etcd snapshots going to `s3` and any other keys. */
/** What k3s's etcd-s3 settings resolve to from either form (host:port, no scheme). */
const K3S_ETCD_S3 = {
    endpoint: "minio.example.com:9000",
    bucket: "etcd-snapshots",
    region: "us-east-1",
    folder: "dev",
    accessKey: "minio-user",
    insecure: false,
};

function stack(etcdS3: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const base = k3sStackConfig();
    const cluster = structuredClone(base["platform:cluster"]) as { k3s: Record<string, unknown> };
    if (etcdS3) {
        cluster.k3s.etcdSnapshots = { s3: etcdS3 };
    }
    return { ...base, "platform:cluster": cluster, ...extra };
}

function load(config: Record<string, unknown>): { config: PlatformConfig; warnings: readonly string[] } {
    return parsePlatformConfigWithWarnings(rawConfig(config));
}

const k3sOf = (config: PlatformConfig) => {
    if (config.cluster.mode !== "k3s") throw new Error("expected k3s");
    return config.cluster.k3s;
};

async function plain(value: unknown): Promise<unknown> {
    return pulumi.Output.isInstance(value) ? new Promise((resolve) => (value as pulumi.Output<unknown>).apply(resolve)) : value;
}

describe("shared S3 backends", () => {
    const all = stack(
        { backend: "minio", bucket: "etcd-snapshots", prefix: "dev" },
        {
            "platform:s3": { backends: { minio } },
            "platform:storage": { class: "longhorn", longhorn: { backup: { backend: "minio", bucket: "volumes", prefix: "dev" } } },
            "platform:harbor": { storage: { type: "s3", s3: { backend: "minio", bucket: "registry", prefix: "/images" } } },
            "platform:monitoring": { logs: { s3: { backend: "minio", bucket: "logs" } } },
        },
    );

    it("gives each consumer the one backend in the form it takes, without warnings", async () => {
        const { config, warnings } = load(all);
        expect(warnings).toEqual([]);
        // k3s etcd-s3: host:port, no scheme.
        expect(k3sOf(config).etcdSnapshots.s3).toMatchObject(K3S_ETCD_S3);
        // Longhorn and Harbor: the URL.
        expect(config.storage.longhorn.backup).toMatchObject({
            endpoint: "https://minio.example.com:9000",
            bucket: "volumes",
            region: "us-east-1",
            folder: "dev",
            accessKey: "minio-user",
            backupSchedule: "0 2 * * *",
        });
        expect(config.harbor.storage.s3).toMatchObject({
            endpoint: "https://minio.example.com:9000",
            bucket: "registry",
            region: "us-east-1",
            rootDirectory: "/images",
            accessKey: "minio-user",
        });
        // Loki: host:port.
        expect(config.monitoring.logs.s3).toMatchObject({ endpoint: "minio.example.com:9000", bucket: "logs", region: "us-east-1", accessKey: "minio-user" });
        expect(config.monitoring.logs.s3).not.toHaveProperty("insecure");
        // The secret is typed once and stays a secret for every consumer.
        for (const secret of [
            k3sOf(config).etcdSnapshots.s3?.secretKey,
            config.storage.longhorn.backup?.secretKey,
            config.harbor.storage.s3?.secretKey,
            config.monitoring.logs.s3?.secretKey,
        ]) {
            expect(pulumi.Output.isInstance(secret)).toBe(true);
            expect(await plain(secret)).toBe(TEST_S3_SECRET);
        }
    });

    it("turns an http:// endpoint into plain HTTP for k3s and Loki, with the port spelled out", () => {
        const http = { ...all, "platform:s3": { backends: { minio: { ...minio, endpoint: "http://minio.internal" } } } };
        const { config } = load(http);
        expect(k3sOf(config).etcdSnapshots.s3).toMatchObject({ endpoint: "minio.internal:80", insecure: true });
        expect(config.monitoring.logs.s3).toMatchObject({ endpoint: "minio.internal:80", insecure: true });
        expect(config.storage.longhorn.backup?.endpoint).toBe("http://minio.internal");
    });

    it("targets AWS S3 in the backend's region when the backend has no endpoint", () => {
        const aws = stack(
            { backend: "aws", bucket: "etcd-snapshots" },
            { "platform:s3": { backends: { aws: { region: "eu-central-1", accessKey: "AKIAEXAMPLE", secretKey: secure(TEST_S3_SECRET) } } } },
        );
        const s3 = k3sOf(load(aws).config).etcdSnapshots.s3;
        expect(s3).toMatchObject({ endpoint: "s3.eu-central-1.amazonaws.com", region: "eu-central-1", insecure: false });
        expect(s3).not.toHaveProperty("folder");
    });

    it("refuses an unknown backend name, naming the key and the defined names", () => {
        expect(configProblems(stack({ backend: "mino", bucket: "etcd-snapshots" }, { "platform:s3": { backends: { minio, aws: minio } } }))).toEqual([
            'platform:cluster.k3s.etcdSnapshots.s3.backend: expected one of platform:s3.backends (minio, aws), got "mino"',
        ]);
        expect(configProblems(stack({ backend: "minio", bucket: "etcd-snapshots" }))).toEqual([
            'platform:cluster.k3s.etcdSnapshots.s3.backend: expected the name of a backend under platform:s3.backends, but none is defined, got "minio"',
        ]);
    });

    it("takes the endpoint only as a URL without a path, with a real host", () => {
        const endpoint = (value: string) => configProblems(stack(undefined, { "platform:s3": { backends: { minio: { ...minio, endpoint: value } } } }));
        expect(endpoint("https://minio.example.com")).toEqual([]);
        expect(endpoint("http://[fd00::5]:9000")).toEqual([]);
        for (const bad of ["minio.example.com:9000", "https://minio.example.com/bucket", "ftp://minio.example.com", "https://10.20.0.312:9000"]) {
            expect(endpoint(bad)).toEqual([
                `platform:s3.backends.minio.endpoint: expected the endpoint as a URL without a path: https://host[:port], or http://host[:port] for plain HTTP (e.g. https://minio.example.com:9000), got "${bad}"`,
            ]);
        }
    });

    it("requires the backend's secret key to be a secret, with the command that sets it", () => {
        expect(configProblems(stack(undefined, { "platform:s3": { backends: { minio: { ...minio, secretKey: "plain" } } } }))).toEqual([
            "platform:s3.backends.minio.secretKey: must be a secret but was given in plain text; set it with: pulumi config set --secret --path 's3.backends.minio.secretKey' < file",
        ]);
    });

    it("keeps the endpoint and keys on the backend: a reference that repeats them is refused", () => {
        expect(
            configProblems(stack({ backend: "minio", bucket: "etcd-snapshots", folder: "dev", accessKey: "x" }, { "platform:s3": { backends: { minio } } })),
        ).toEqual([
            "platform:cluster.k3s.etcdSnapshots.s3.folder: not allowed with backend: write it as prefix",
            "platform:cluster.k3s.etcdSnapshots.s3.accessKey: not allowed with backend: it belongs to the backend under platform:s3.backends",
        ]);
    });

    it("refuses a block with neither a backend nor the old key pair", () => {
        expect(configProblems(stack({ bucket: "etcd-snapshots", prefix: "dev" }))).toEqual([
            "platform:cluster.k3s.etcdSnapshots.s3.prefix: needs backend (a platform:s3.backends name); the old inline form calls it folder",
            "platform:cluster.k3s.etcdSnapshots.s3.accessKey: required key is missing: set backend (a platform:s3.backends name), or the old inline accessKey and secretKey",
            "platform:cluster.k3s.etcdSnapshots.s3.secretKey: required key is missing: set backend (a platform:s3.backends name), or the old inline accessKey and secretKey",
        ]);
    });
});

describe("old inline S3 blocks (deprecated, accepted for one minor release)", () => {
    const inline = stack(
        {
            endpoint: "minio.example.com:9000",
            bucket: "etcd-snapshots",
            region: "us-east-1",
            folder: "dev",
            accessKey: "minio-user",
            secretKey: secure(TEST_S3_SECRET),
        },
        {
            "platform:storage": {
                class: "longhorn",
                longhorn: {
                    backup: {
                        bucket: "volumes",
                        region: "us-east-1",
                        folder: "dev",
                        endpoint: "https://minio.example.com:9000",
                        accessKey: "minio-user",
                        secretKey: secure(TEST_S3_SECRET),
                    },
                },
            },
            "platform:harbor": {
                storage: {
                    type: "s3",
                    s3: {
                        bucket: "registry",
                        region: "us-east-1",
                        endpoint: "https://minio.example.com:9000",
                        rootDirectory: "/images",
                        accessKey: "minio-user",
                        secretKey: secure(TEST_S3_SECRET),
                    },
                },
            },
            "platform:monitoring": {
                logs: {
                    s3: { bucket: "logs", region: "us-east-1", endpoint: "minio.example.com", accessKey: "minio-user", secretKey: secure(TEST_S3_SECRET) },
                },
            },
        },
    );

    it("still resolves to the same settings as before", () => {
        const { config } = load(inline);
        expect(k3sOf(config).etcdSnapshots.s3).toMatchObject(K3S_ETCD_S3);
        expect(config.storage.longhorn.backup).toMatchObject({
            endpoint: "https://minio.example.com:9000",
            bucket: "volumes",
            folder: "dev",
            region: "us-east-1",
        });
        expect(config.harbor.storage.s3).toMatchObject({ endpoint: "https://minio.example.com:9000", rootDirectory: "/images", region: "us-east-1" });
        expect(config.monitoring.logs.s3).toMatchObject({ endpoint: "minio.example.com", region: "us-east-1" });
    });

    it("gives the same settings as the backend form of the same store (migration changes nothing)", () => {
        const migrated = stack(
            { backend: "minio", bucket: "etcd-snapshots", prefix: "dev" },
            {
                "platform:s3": { backends: { minio } },
                "platform:storage": { class: "longhorn", longhorn: { backup: { backend: "minio", bucket: "volumes", prefix: "dev" } } },
                "platform:harbor": { storage: { type: "s3", s3: { backend: "minio", bucket: "registry", prefix: "/images" } } },
            },
        );
        const before = load(inline).config;
        const after = load(migrated).config;
        // Everything but the secret Output (same plaintext, distinct Output objects).
        const settings = (block: object | undefined) => Object.fromEntries(Object.entries(block ?? {}).filter(([key]) => key !== "secretKey"));
        expect(settings(k3sOf(after).etcdSnapshots.s3)).toEqual(settings(k3sOf(before).etcdSnapshots.s3));
        expect(settings(after.storage.longhorn.backup)).toEqual(settings(before.storage.longhorn.backup));
        expect(settings(after.harbor.storage.s3)).toEqual(settings(before.harbor.storage.s3));
        expect(settings(after.harbor.storage.s3)).toMatchObject({ bucket: "registry", rootDirectory: "/images" });
    });

    it("warns once per block, naming the new key", () => {
        const { warnings } = load(inline);
        expect(warnings).toHaveLength(4);
        for (const key of ["cluster.k3s.etcdSnapshots.s3", "storage.longhorn.backup", "harbor.storage.s3", "monitoring.logs.s3"]) {
            const warning = warnings.find((w) => w.startsWith(`platform:${key}: `));
            expect(warning).toContain("deprecated");
            expect(warning).toContain("platform:s3.backends.<name>");
            expect(warning).toContain(`platform:${key}.backend`);
        }
        expect(warnings.join("\n")).not.toContain(TEST_S3_SECRET);
    });

    it("keeps the old k3s defaults: AWS's global endpoint, HTTPS", () => {
        const { config } = load(stack({ bucket: "etcd-snapshots", accessKey: "AKIAEXAMPLE", secretKey: secure(TEST_S3_SECRET) }));
        expect(k3sOf(config).etcdSnapshots.s3).toMatchObject({ endpoint: "s3.amazonaws.com", insecure: false });
    });

    it("still requires the region the old Longhorn, Harbor and Loki blocks needed", () => {
        expect(
            configProblems({
                ...k3sStackConfig(),
                "platform:monitoring": { logs: { s3: { bucket: "logs", accessKey: "a", secretKey: secure(TEST_S3_SECRET) } } },
            }),
        ).toEqual(["platform:monitoring.logs.s3.region: required key is missing: set backend (a platform:s3.backends name), or the old inline region"]);
    });
});

describe("platform:protect", () => {
    const prodServers = [1, 2, 3].map((i) => ({
        name: `s${i}`,
        host: `192.0.2.${i}`,
        hostKey: (k3sStackConfig()["platform:cluster"] as { k3s: { servers: { hostKey: string }[] } }).k3s.servers[0].hostKey,
    }));
    const prod = (extra: Record<string, unknown> = {}) => {
        const config = stack(undefined, { "platform:profile": "prod", ...extra });
        (config["platform:cluster"] as { k3s: Record<string, unknown> }).k3s.servers = prodServers;
        return config;
    };

    it("defaults from the profile: prod protects data, dev does not", () => {
        expect(load(prod()).config.defaults.protectStateful).toBe(true);
        expect(load(stack(undefined)).config.defaults.protectStateful).toBe(false);
    });

    it("lets a prod-sized stack turn protection off (and a dev stack on), keeping the prod sizing", () => {
        const staging = load(prod({ "platform:protect": false })).config;
        expect(staging.defaults).toMatchObject({ protectStateful: false, replicas: 2, highAvailability: true, volumeReplicas: 3 });
        expect(load(stack(undefined, { "platform:protect": true })).config.defaults.protectStateful).toBe(true);
    });

    it("takes only a boolean", () => {
        expect(configProblems(stack(undefined, { "platform:protect": "yes" }))).toEqual([
            'platform:protect: expected boolean: Protect the data from deletion (Pulumi `protect`, and Longhorn/ClickHouse volumes kept on PVC deletion): the k3s tokens and server installs, the PVC-backed releases (Longhorn, Prometheus, Loki, ClickHouse, DeepFlow, Harbor) and the secrets bound to stored data; default by profile (dev false, prod true). Set false for a prod-sized stack you mean to tear down, got "yes"',
        ]);
    });
});
