/** Every config rule rejects bad input with a message naming the key. What valid input resolves to: config.test.ts. */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parsePlatformConfig } from "../../config/config";
import { configProblems as problems, k3sStackConfig, rawConfig, secure, TEST_HOST_KEY, TEST_KUBECONFIG, TEST_S3_SECRET, TEST_SSH_KEY } from "../harness";
import { type Cluster, parse, threeServers, withK3s } from "./stackConfig";

describe("stack config", () => {
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
});
