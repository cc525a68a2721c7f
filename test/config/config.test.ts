import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ConfigError, parsePlatformConfig, PlatformConfig, readPulumiConfig } from "../../config/config";
import { k3sStackConfig, rawConfig, secure, TEST_KUBECONFIG, TEST_S3_SECRET, TEST_SSH_KEY, TEST_HOST_KEY, configProblems } from "../harness";

const problems = configProblems;

function parse(config: Record<string, unknown>): PlatformConfig {
    return parsePlatformConfig(rawConfig(config));
}

type Cluster = { mode: string; k3s: Record<string, unknown> & { servers: unknown[] } };

/** The valid base config with the k3s block edited. */
function withK3s(edit: (k3s: Record<string, unknown>) => void, top: Record<string, unknown> = {}): Record<string, unknown> {
    const config = k3sStackConfig(top);
    const cluster = structuredClone(config["platform:cluster"]) as Cluster;
    edit(cluster.k3s);
    config["platform:cluster"] = cluster;
    return config;
}

const threeServers = [
    { name: "s1", host: "10.0.0.1", hostKey: TEST_HOST_KEY },
    { name: "s2", host: "10.0.0.2", hostKey: TEST_HOST_KEY },
    { name: "s3", host: "10.0.0.3", hostKey: TEST_HOST_KEY },
];

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

    describe("rejects, naming the key", () => {
        it("missing required keys", () => {
            const config = k3sStackConfig();
            delete config["platform:domain"];
            expect(problems(config)).toEqual([expect.stringMatching(/^platform:domain: required key is missing \(expected string/)]);
            expect(problems({})).toEqual(
                expect.arrayContaining([
                    expect.stringMatching(/^platform:profile: required key is missing/),
                    expect.stringMatching(/^platform:cluster: required key is missing/),
                ]),
            );
            expect(problems(withK3s((k) => delete k.version))).toEqual([expect.stringMatching(/^platform:cluster\.k3s\.version: required key is missing/)]);
        });

        it("wrong types, saying what was given", () => {
            expect(problems(withK3s((k) => (k.ssh = { privateKey: secure(TEST_SSH_KEY), port: "22" })))).toEqual([
                'platform:cluster.k3s.ssh.port: expected number: SSH port, got "22"',
            ]);
            expect(problems(withK3s((k) => (k.servers = "node-1")))).toEqual([
                expect.stringMatching(/^platform:cluster\.k3s\.servers: expected array.*got "node-1"$/),
            ]);
            expect(problems({ ...k3sStackConfig(), "platform:profile": "staging" })).toEqual(['platform:profile: expected one of dev, prod, got "staging"']);
        });

        it("unknown keys, with a did-you-mean for near misses", () => {
            expect(problems({ ...k3sStackConfig(), "platform:domian": "x.example.com" })).toEqual(["platform:domian: unknown key (did you mean 'domain'?)"]);
            expect(problems(withK3s((k) => (k.severs = [])))).toEqual(["platform:cluster.k3s.severs: unknown key (did you mean 'servers'?)"]);
            expect(problems(withK3s((k) => (k.servers = [{ name: "a", host: "10.0.0.1", hostKey: TEST_HOST_KEY, adress: "10.0.0.1" }])))).toEqual([
                "platform:cluster.k3s.servers[0].adress: unknown key (did you mean 'address'?)",
            ]);
            const far = problems({ ...k3sStackConfig(), "platform:grafanaAdmin": "x" });
            // No near miss: list the keys that exist at that level instead.
            expect(far).toEqual([
                expect.stringMatching(/^platform:grafanaAdmin: unknown key \(known keys: profile, domain, cluster, namespaces, .*harbor.*\)$/),
            ]);
        });

        it("an even number of k3s servers (etcd quorum)", () => {
            expect(problems(withK3s((k) => (k.servers = threeServers.slice(0, 2))))).toEqual([
                "platform:cluster.k3s.servers: expected an odd number of servers (1, 3, 5...) so etcd keeps quorum, got 2",
            ]);
            expect(problems(withK3s((k) => (k.servers = [...threeServers, { name: "s4", host: "10.0.0.4", hostKey: TEST_HOST_KEY }])))).toHaveLength(1);
            expect(problems(withK3s((k) => (k.servers = [])))).toEqual([
                expect.stringMatching(/^platform:cluster\.k3s\.servers: expected at least one server/),
            ]);
            expect(problems(withK3s((k) => (k.servers = threeServers)))).toEqual([]);
        });

        it("a node without a pinned SSH host key, unless ssh.skipHostKeyCheck says why, which the prod profile refuses", () => {
            const noKey = (k: Record<string, unknown>) => (k.servers = [threeServers[0], { name: "s2", host: "10.0.0.2" }, threeServers[2]]);
            expect(problems(withK3s(noKey))).toEqual([
                expect.stringMatching(/^platform:cluster\.k3s\.servers\[1\]\.hostKey: required: pin the SSH host key of 10\.0\.0\.2 /),
            ]);
            const skip = { reason: "lab hosts re-imaged every night" };
            const skipping = (k: Record<string, unknown>) => {
                noKey(k);
                k.ssh = { ...(k.ssh as object), skipHostKeyCheck: skip };
            };
            expect(problems(withK3s(skipping))).toEqual([]);
            expect(problems(withK3s(skipping, { "platform:profile": "prod" }))).toEqual([
                "platform:cluster.k3s.ssh.skipHostKeyCheck: not allowed in the prod profile: pin every node's hostKey (docs/runbooks/bootstrap-environment.md, 'Collect host keys')",
            ]);
        });

        it("fewer than 3 servers on the prod profile", () => {
            expect(problems({ ...k3sStackConfig(), "platform:profile": "prod" })).toEqual([
                "platform:cluster.k3s.servers: expected at least 3 servers for the prod profile (HA control plane), got 1",
            ]);
        });

        it.each([["1.33.5+k3s1"], ["v1.33.5"], ["v1.33+k3s1"], ["v1.33.5-k3s1"], ["latest"], ["stable"]])("malformed k3s version %s", (version) => {
            expect(problems(withK3s((k) => (k.version = version)))).toEqual([
                `platform:cluster.k3s.version: expected a k3s release tag such as v1.36.4+k3s1, got "${version}"`,
            ]);
        });

        it("accepts k3s release and rc tags", () => {
            expect(problems(withK3s((k) => (k.version = "v1.36.4+k3s1")))).toEqual([]);
            expect(problems(withK3s((k) => (k.version = "v1.36.0-rc1+k3s2")))).toEqual([]);
        });

        it.each([[""], ["-bad-.example.com"], ["host name"], ["300.1.1.1.1."], ["https://10.0.0.1"], ["10.20.0.312"], ["10.1.2"]])(
            "malformed host %j",
            (host) => {
                const found = problems(withK3s((k) => (k.servers = [{ name: "node-1", host, hostKey: TEST_HOST_KEY }])));
                expect(found).toEqual([expect.stringMatching(/^platform:cluster\.k3s\.servers\[0\]\.host: expected an IPv4\/IPv6 address or DNS hostname/)]);
            },
        );

        it("accepts IPv4, IPv6 and hostnames for hosts", () => {
            for (const host of ["10.1.2.3", "2001:db8::10", "node-1.example.com", "node1"]) {
                expect(problems(withK3s((k) => (k.servers = [{ name: "node-1", host, hostKey: TEST_HOST_KEY }])))).toEqual([]);
            }
        });

        it("malformed node addresses, API endpoint, domains and CIDRs", () => {
            expect(problems(withK3s((k) => (k.servers = [{ name: "n", host: "10.0.0.1", hostKey: TEST_HOST_KEY, address: "node.internal" }])))).toEqual([
                expect.stringMatching(/^platform:cluster\.k3s\.servers\[0\]\.address: expected the node's private IPv4\/IPv6 address/),
            ]);
            expect(problems(withK3s((k) => (k.apiEndpoint = "https://k3s.example.com")))).toEqual([
                expect.stringMatching(/^platform:cluster\.k3s\.apiEndpoint: expected an IPv4\/IPv6 address or DNS hostname/),
            ]);
            for (const domain of ["localhost", "Example.com", "example.c0m", "-x.example.com", "example..com"]) {
                expect(problems({ ...k3sStackConfig(), "platform:domain": domain })).toEqual([
                    `platform:domain: expected a DNS domain such as dev.example.com (lower case), got "${domain}"`,
                ]);
            }
            expect(problems(withK3s((k) => (k.clusterCidr = "10.42.0.0/33")))).toEqual([
                expect.stringMatching(/^platform:cluster\.k3s\.clusterCidr: expected a CIDR/),
            ]);
        });

        it("node names, labels and taints Kubernetes would refuse", () => {
            const found = problems(
                withK3s(
                    (k) =>
                        (k.servers = [
                            { name: "Node_1", host: "10.0.0.1", hostKey: TEST_HOST_KEY, labels: { "bad key!": "x" }, taints: ["dedicated=db:Sometimes"] },
                        ]),
                ),
            );
            expect(found).toEqual(
                expect.arrayContaining([
                    expect.stringMatching(/^platform:cluster\.k3s\.servers\[0\]\.name: expected a node name/),
                    expect.stringMatching(/^platform:cluster\.k3s\.servers\[0\]\.labels\.bad key!: expected a Kubernetes label key/),
                    expect.stringMatching(/^platform:cluster\.k3s\.servers\[0\]\.taints\[0\]: expected a taint/),
                ]),
            );
        });

        it("duplicate node names and hosts across servers and agents", () => {
            const found = problems(
                withK3s((k) => {
                    k.agents = [
                        { name: "node-1", host: "10.0.0.9", hostKey: TEST_HOST_KEY },
                        { name: "agent-2", host: "192.0.2.10", hostKey: TEST_HOST_KEY },
                    ];
                }),
            );
            expect(found).toEqual([
                "platform:cluster.k3s.agents[0].name: duplicate node name 'node-1'",
                "platform:cluster.k3s.agents[1].host: duplicate host '192.0.2.10'",
            ]);
        });

        it("an SSH private key given in plain text", () => {
            const found = problems(withK3s((k) => (k.ssh = { privateKey: TEST_SSH_KEY })));
            expect(found).toEqual([
                "platform:cluster.k3s.ssh.privateKey: must be a secret but was given in plain text; " +
                    "set it with: pulumi config set --secret --path 'cluster.k3s.ssh.privateKey' < file",
            ]);
            // The message must not echo the key itself.
            expect(found.join("\n")).not.toContain("test-ssh-key-material");
        });

        it("an S3 secret key or a kubeconfig given in plain text", () => {
            const s3 = { bucket: "etcd-backups", accessKey: "AKIA1", secretKey: TEST_S3_SECRET };
            // Another secure value in the same key makes the key secret, which is all Pulumi records;
            // with no secure value anywhere under `cluster`, every secret field there is plain text.
            const plain = k3sStackConfig();
            const cluster = structuredClone(plain["platform:cluster"]) as Cluster;
            cluster.k3s.ssh = { privateKey: "plain" };
            cluster.k3s.etcdSnapshots = { s3 };
            plain["platform:cluster"] = cluster;
            expect(problems(plain)).toEqual([
                expect.stringMatching(/^platform:cluster\.k3s\.ssh\.privateKey: must be a secret/),
                expect.stringMatching(/^platform:cluster\.k3s\.etcdSnapshots\.s3\.secretKey: must be a secret/),
            ]);
            const existing = {
                ...k3sStackConfig(),
                "platform:cluster": { mode: "existing", existing: { kubeconfig: TEST_KUBECONFIG, podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" } },
            };
            const found = problems(existing);
            expect(found).toEqual([expect.stringMatching(/^platform:cluster\.existing\.kubeconfig: must be a secret/)]);
            expect(found.join("\n")).not.toContain("test-kubeconfig-token");
        });

        it("a plain secret next to an encrypted one under the same top-level key (issue 13, item 5)", () => {
            // `cluster` is secret as a whole (the SSH key is secure), yet the S3 secret key is plain.
            const found = problems(withK3s((k) => (k.etcdSnapshots = { s3: { bucket: "etcd-backups", accessKey: "AKIA1", secretKey: TEST_S3_SECRET } })));
            expect(found).toEqual([
                "platform:cluster.k3s.etcdSnapshots.s3.secretKey: must be a secret but was given in plain text; " +
                    "set it with: pulumi config set --secret --path 'cluster.k3s.etcdSnapshots.s3.secretKey' < file",
            ]);
            expect(found.join("\n")).not.toContain(TEST_S3_SECRET);
            // The same leaf set with --secret passes.
            expect(
                problems(withK3s((k) => (k.etcdSnapshots = { s3: { bucket: "etcd-backups", accessKey: "AKIA1", secretKey: secure(TEST_S3_SECRET) } }))),
            ).toEqual([]);
        });

        it("every plain leaf at a credential-like key, even where the schema has no secret field", () => {
            const config = k3sStackConfig({
                "platform:monitoring": { alertmanager: { webhook: { url: secure("https://hooks.example.com/x") }, pagerduty: { routingKey: "R0UT1NG" } } },
                "platform:ingress": { serviceAnnotations: { "example.com/api-token": "t0ken-value" } },
            });
            const found = problems(config);
            expect(found).toEqual(
                expect.arrayContaining([
                    expect.stringMatching(
                        /^platform:monitoring\.alertmanager\.pagerduty\.routingKey: must be a secret .* --path 'monitoring\.alertmanager\.pagerduty\.routingKey'/,
                    ),
                    expect.stringMatching(/^platform:ingress\.serviceAnnotations\.example\.com\/api-token: must be a secret/),
                ]),
            );
            expect(found).toHaveLength(2);
            expect(found.join("\n")).not.toMatch(/R0UT1NG|t0ken-value/);
        });

        it("without a stack file to read, falls back to the top-level key's secrecy", () => {
            const raw = rawConfig(withK3s((k) => (k.etcdSnapshots = { s3: { bucket: "etcd-backups", accessKey: "AKIA1", secretKey: TEST_S3_SECRET } })));
            // What the CLI alone reports: `cluster` is secret; nothing finer.
            expect(() => parsePlatformConfig({ values: raw.values, secretKeys: raw.secretKeys })).not.toThrow();
            expect(() => parsePlatformConfig(raw)).toThrow(/etcdSnapshots\.s3\.secretKey: must be a secret/);
        });

        it("a secret value of the wrong type without echoing it", () => {
            const found = problems(withK3s((k) => (k.ssh = { privateKey: { nested: "test-ssh-key-material" } })));
            expect(found).toEqual([expect.stringMatching(/^platform:cluster\.k3s\.ssh\.privateKey: expected string/)]);
            expect(found.join("\n")).not.toContain("test-ssh-key-material");
        });

        it("mode and settings that do not match", () => {
            expect(problems({ ...k3sStackConfig(), "platform:cluster": { mode: "existing" } })).toEqual([
                "platform:cluster.existing: required when mode is 'existing'",
            ]);
            const both = withK3s(() => undefined);
            (both["platform:cluster"] as Record<string, unknown>).existing = { kubeconfig: secure(TEST_KUBECONFIG) };
            expect(problems(both)).toEqual(["platform:cluster.existing: not allowed when mode is 'k3s'"]);
        });

        it("malformed etcd snapshot settings", () => {
            const found = problems(
                withK3s(
                    (k) =>
                        (k.etcdSnapshots = {
                            schedule: "every day",
                            retention: 0,
                            s3: { endpoint: "https://s3.example.com", bucket: "B", accessKey: "a", secretKey: secure(TEST_S3_SECRET) },
                        }),
                ),
            );
            expect(found).toEqual(
                expect.arrayContaining([
                    expect.stringMatching(/^platform:cluster\.k3s\.etcdSnapshots\.schedule: expected a five-field cron/),
                    expect.stringMatching(/^platform:cluster\.k3s\.etcdSnapshots\.retention: expected at least 1 snapshot, got 0$/),
                    expect.stringMatching(/^platform:cluster\.k3s\.etcdSnapshots\.s3\.endpoint: expected an S3 endpoint as host or host:port/),
                    expect.stringMatching(/^platform:cluster\.k3s\.etcdSnapshots\.s3\.bucket: expected an S3 bucket name/),
                ]),
            );
            expect(found).toHaveLength(4);
        });

        it("namespaces that are reserved, duplicated or unprivileged without a reason", () => {
            const found = problems({
                ...k3sStackConfig(),
                "platform:namespaces": [
                    { name: "kube-system" },
                    { name: "apps" },
                    { name: "apps" },
                    { name: "agents", podSecurity: "privileged" },
                    { name: "Bad_Name" },
                ],
            });
            expect(found).toEqual([
                'platform:namespaces[0].name: expected a name not reserved by Kubernetes, got "kube-system"',
                "platform:namespaces[3].reason: required when podSecurity is 'privileged': say which workload needs it",
                'platform:namespaces[4].name: expected a namespace name (DNS-1123 label), got "Bad_Name"',
                "platform:namespaces[2].name: duplicate namespace 'apps'",
            ]);
        });

        it("lists every problem at once, in a RunError (no stack trace under pulumi up)", () => {
            const config = withK3s(
                (k) => {
                    k.version = "latest";
                    k.servers = threeServers.slice(0, 2);
                },
                { "platform:domain": "nodots", "platform:profile": "qa" },
            );
            let error: unknown;
            try {
                parse(config);
            } catch (err) {
                error = err;
            }
            expect(error).toBeInstanceOf(pulumi.RunError);
            const e = error as ConfigError;
            expect(e.problems).toHaveLength(4);
            expect(e.message).toMatch(/^invalid stack configuration \(4 problems\):\n {2}- platform:/);
        });
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
