/** What ClusterK3s registers for a cluster as configured. How its inputs move when the config changes: ClusterK3sChanges.test.ts. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { parse } from "yaml";
import { afterNodeRestarts, ClusterK3s, sshConnection } from "../../components/cluster/ClusterK3s";
import { installScriptUrl } from "../../components/cluster/k3sFiles";
import { fakeSecret, RecordedResource, SECRET } from "../../offline/mocks";
import { allStrings, byName, TEST_KUBECONFIG, TEST_S3_SECRET, TEST_HOST_KEY } from "../harness";
import { clusterK3sMocks, k3sCluster, value } from "./clusterK3sFixture";

const { mocks, build } = clusterK3sMocks();

function configYamlOf(install: RecordedResource): Record<string, unknown> {
    const create = String(install.inputs.create);
    const body = /<<'PLATFORM_EOF'\n([\s\S]*?)\nPLATFORM_EOF/.exec(create);
    if (!body) throw new Error(`no config.yaml heredoc in ${install.name}`);
    return parse(body[1]) as Record<string, unknown>;
}

describe("ClusterK3s, k3s mode, one server", () => {
    let built: Awaited<ReturnType<typeof build>>;
    beforeAll(async () => {
        built = await build(
            "one",
            k3sCluster({ version: "v1.36.4+k3s1", apiEndpoint: "k3s.dev.example.com", servers: [{ name: "n1", host: "192.0.2.10", hostKey: TEST_HOST_KEY }] }),
        );
    });

    it("creates token, preflight, install, config, kubeconfig read, provider and the upgrade controller", () => {
        expect(built.resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
            "command:remote:Command one-n1-ca-hash",
            "command:remote:Command one-n1-config",
            "command:remote:Command one-n1-install",
            "command:remote:Command one-n1-kubeconfig",
            "command:remote:Command one-n1-preflight",
            "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition one-system-upgrade-crd",
            "kubernetes:apps/v1:Deployment one-system-upgrade-controller",
            "kubernetes:core/v1:Namespace one-system-upgrade-ns",
            "kubernetes:core/v1:ServiceAccount one-system-upgrade-serviceaccount-system-upgrade",
            "kubernetes:core/v1:ServiceAccount one-system-upgrade-serviceaccount-system-upgrade-controller",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy one-system-upgrade-ns-netpol-default-deny",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy one-system-upgrade-ns-netpol-dns-egress",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy one-system-upgrade-ns-netpol-out-all",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole one-system-upgrade-clusterrole-system-upgrade-controller",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole one-system-upgrade-clusterrole-system-upgrade-drain",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding one-system-upgrade-clusterrolebinding-system-upgrade-controller",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding one-system-upgrade-clusterrolebinding-system-upgrade-drain",
            "kubernetes:rbac.authorization.k8s.io/v1:Role one-system-upgrade-role-system-upgrade-controller",
            "kubernetes:rbac.authorization.k8s.io/v1:Role one-system-upgrade-role-system-upgrade-plans",
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding one-system-upgrade-rolebinding-system-upgrade-controller",
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding one-system-upgrade-rolebinding-system-upgrade-plans",
            "kubernetes:upgrade.cattle.io/v1:Plan one-plan-k3s-agent",
            "kubernetes:upgrade.cattle.io/v1:Plan one-plan-k3s-server",
            "platform:cluster:ClusterK3s one",
            "pulumi:providers:kubernetes one-provider",
            "random:index/randomPassword:RandomPassword one-agent-token",
            "random:index/randomPassword:RandomPassword one-token",
        ]);
        for (const r of built.resources.filter((x) => x.name !== "one")) {
            expect(r.parent).toBe("one");
        }
    });

    it("installs the pinned version with cluster-init and the API endpoint as tls-san", () => {
        const install = byName(built.resources, "one-n1-install");
        expect(install.inputs.create).toContain(installScriptUrl("v1.36.4+k3s1"));
        expect(install.inputs.create).toContain("INSTALL_K3S_VERSION='v1.36.4+k3s1'");
        const config = configYamlOf(install);
        expect(config["cluster-init"]).toBe(true);
        expect(config["tls-san"]).toEqual(["k3s.dev.example.com", "192.0.2.10"]);
        expect(config["etcd-snapshot-retention"]).toBe(5);
        expect(install.dependsOn).toEqual(expect.arrayContaining(["one-n1-preflight", "one-token"]));
    });

    it("keeps the SSH key, token and kubeconfig secret", async () => {
        const install = byName(built.resources, "one-n1-install");
        expect(install.inputs.connection).toBe(SECRET);
        expect(install.inputs.stdin).toBe(SECRET);
        expect(byName(built.resources, "one-provider").inputs.kubeconfig).toBe(SECRET);
        const read = byName(built.resources, "one-n1-kubeconfig");
        expect(read.options.additionalSecretOutputs).toEqual(expect.arrayContaining(["stdout"]));
        // Streamed command output is not masked by the engine: the admin kubeconfig must never be logged.
        expect(read.inputs.logging).toBe("none");
        expect(await pulumi.isSecret(built.component.kubeconfig)).toBe(true);
        const strings = allStrings(built.resources).join("\n");
        expect(strings).not.toContain("test-ssh-key-material");
        expect(strings).not.toContain(fakeSecret("random", "one-token"));
    });

    it("returns the kubeconfig pointed at the API endpoint, named after the cluster", async () => {
        const doc = parse(built.kubeconfig);
        expect(doc.clusters[0].cluster.server).toBe("https://k3s.dev.example.com:6443");
        expect(doc["current-context"]).toBe("one");
        expect(await value(built.component.apiEndpoint)).toBe("https://k3s.dev.example.com:6443");
        expect(await value(built.component.nodes)).toEqual([{ name: "n1", host: "192.0.2.10", role: "server" }]);
    });

    it("points its own provider at the first server's host, which exists before any DNS name (first up)", async () => {
        // k3s.dev.example.com is only created later by this stack's external-dns, inside this cluster.
        const doc = parse(await value(built.component.providerKubeconfig));
        expect(doc.clusters[0].cluster.server).toBe("https://192.0.2.10:6443");
        expect(configYamlOf(byName(built.resources, "one-n1-install"))["tls-san"]).toContain("192.0.2.10");
        expect(await pulumi.isSecret(built.component.providerKubeconfig)).toBe(true);
    });

    it("reads the cluster CA hash once the first server is installed, again when it is reinstalled", () => {
        const ca = byName(built.resources, "one-n1-ca-hash");
        expect(String(ca.inputs.create)).toContain("sha256sum /var/lib/rancher/k3s/server/tls/server-ca.crt");
        expect(ca.dependsOn).toContain("one-n1-install");
        expect(ca.inputs.triggers).toEqual(["one-n1-install-id"]);
    });

    it("does not protect anything unless asked", () => {
        expect(built.resources.filter((r) => r.options.protect)).toEqual([]);
    });
});

describe("sshConnection", () => {
    const ssh = { user: "deploy", port: 2222, privateKey: pulumi.secret("k") } as unknown as Parameters<typeof sshConnection>[1];

    it("pins the host key when one is configured", () => {
        expect(sshConnection("192.0.2.10", ssh, TEST_HOST_KEY)).toMatchObject({ host: "192.0.2.10", port: 2222, user: "deploy", hostKey: TEST_HOST_KEY });
    });

    it("connects without a host key only when none is configured (ssh.skipHostKeyCheck)", () => {
        expect(sshConnection("192.0.2.10", ssh, undefined)).not.toHaveProperty("hostKey");
    });
});

describe("ClusterK3s, k3s mode, three servers and two agents", () => {
    let built: Awaited<ReturnType<typeof build>>;
    // A public SSH host with a private address: config resolves the public one as the external address.
    const servers = [1, 2, 3].map((i) => ({
        name: `s${i}`,
        host: `203.0.113.${i}`,
        address: `10.0.0.${i}`,
        externalAddress: `203.0.113.${i}`,
        hostKey: TEST_HOST_KEY,
    }));
    const agents = [1, 2].map((i) => ({
        name: `a${i}`,
        host: `203.0.113.${10 + i}`,
        address: `10.0.1.${i}`,
        externalAddress: `203.0.113.${10 + i}`,
        hostKey: TEST_HOST_KEY,
    }));
    beforeAll(async () => {
        built = await build(
            "ha",
            k3sCluster(
                {
                    version: "v1.36.4+k3s1",
                    apiEndpoint: "k3s.example.com",
                    servers,
                    agents,
                    etcdSnapshots: {
                        s3: {
                            endpoint: "s3.amazonaws.com",
                            bucket: "etcd-snapshots",
                            insecure: false,
                            accessKey: "AKIA1",
                            secretKey: pulumi.secret(TEST_S3_SECRET),
                        },
                    },
                },
                "prod",
            ),
            true,
        );
    });

    it("runs cluster-init on the first server only and joins everything else to it", () => {
        const configs = [...servers, ...agents].map((n) => configYamlOf(byName(built.resources, `ha-${n.name}-install`)));
        expect(configs.map((c) => c["cluster-init"] === true)).toEqual([true, false, false, false, false]);
        for (const c of configs.slice(1)) {
            expect(c.server).toBe("https://10.0.0.1:6443");
        }
        expect(configs[0].server).toBeUndefined();
        expect(configs.map((c) => c["node-ip"])).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1", "10.0.1.2"]);
    });

    it("installs agents as agents and servers as servers, every one on the pinned version", () => {
        for (const n of servers) {
            expect(byName(built.resources, `ha-${n.name}-install`).inputs.create).toContain("INSTALL_K3S_VERSION='v1.36.4+k3s1' INSTALL_K3S_EXEC='server'");
        }
        for (const n of agents) {
            expect(byName(built.resources, `ha-${n.name}-install`).inputs.create).toContain("INSTALL_K3S_VERSION='v1.36.4+k3s1' INSTALL_K3S_EXEC='agent'");
        }
    });

    it("joins servers one at a time and agents after the last server", () => {
        expect(byName(built.resources, "ha-s2-install").dependsOn).toContain("ha-s1-install");
        expect(byName(built.resources, "ha-s3-install").dependsOn).toContain("ha-s2-install");
        expect(byName(built.resources, "ha-s3-install").dependsOn).not.toContain("ha-s1-install");
        for (const n of agents) {
            expect(byName(built.resources, `ha-${n.name}-install`).dependsOn).toContain("ha-s3-install");
        }
        expect(byName(built.resources, "ha-provider").dependsOn).toEqual(expect.arrayContaining([...servers, ...agents].map((n) => `ha-${n.name}-install`)));
    });

    it("covers the endpoint and every server in tls-san and configures S3 snapshots with prod defaults", () => {
        const config = configYamlOf(byName(built.resources, "ha-s2-install"));
        expect(config["tls-san"]).toEqual(["k3s.example.com", "203.0.113.1", "10.0.0.1", "203.0.113.2", "10.0.0.2", "203.0.113.3", "10.0.0.3"]);
        expect(config).toMatchObject({
            "etcd-s3": true,
            "etcd-s3-bucket": "etcd-snapshots",
            "etcd-s3-endpoint": "s3.amazonaws.com",
            "etcd-snapshot-retention": 28,
            "etcd-snapshot-schedule-cron": "0 */6 * * *",
        });
    });

    it("protects the token and the server installs, not the agents", () => {
        const protectedNames = built.resources
            .filter((r) => r.options.protect)
            .map((r) => r.name)
            .sort();
        expect(protectedNames).toEqual(["ha-agent-token", "ha-s1-install", "ha-s2-install", "ha-s3-install", "ha-token"]);
    });

    it("never puts the S3 secret key, SSH key or token in a command line", () => {
        const strings = allStrings(built.resources).join("\n");
        expect(strings).not.toContain(TEST_S3_SECRET);
        expect(strings).not.toContain("test-ssh-key-material");
        expect(strings).not.toContain(fakeSecret("random", "ha-token"));
        expect(strings).not.toContain(fakeSecret("random", "ha-agent-token"));
    });

    it("exports every node with its role", async () => {
        expect((await value(built.component.nodes)).map((n) => `${n.role}:${n.name}`)).toEqual(["server:s1", "server:s2", "server:s3", "agent:a1", "agent:a2"]);
    });

    it("restarts k3s for registry mirrors one node at a time, servers first, each after the previous one is ready", async () => {
        const before = new k8s.core.v1.ConfigMap("ha-before", { data: { a: "b" } }, { provider: built.component.provider });
        const commands = built.component.applyRegistries(
            { mirrors: { "docker.io": { endpoints: ["https://registry.example.com"], rewrite: { "^(.*)$": "dockerhub/$1" } } } },
            [before],
        );
        // What a component made after the mirrors looks like to the engine.
        new Later("ha-later", { parent: undefined, transformations: [afterNodeRestarts(commands)] });
        await mocks.settle();
        expect(commands).toHaveLength(5);
        const recorded = mocks.collector.resources.filter((r) => r.name.endsWith("-registries") && r.name.startsWith("ha-"));
        expect(recorded.map((r) => r.name)).toEqual(["ha-s1-registries", "ha-s2-registries", "ha-s3-registries", "ha-a1-registries", "ha-a2-registries"]);
        // The first restart waits for what came before it: the given objects and this component's own (the upgrade controller and Plans).
        expect(byName(recorded, "ha-s1-registries").dependsOn).toEqual(
            expect.arrayContaining([
                "ha-before",
                "ha-s1-config",
                "ha-system-upgrade-controller",
                "ha-plan-k3s-server",
                "ha-plan-k3s-agent",
                "ha-system-upgrade-ns-netpol-default-deny",
            ]),
        );
        // Every later one waits for the previous node's restart, which ends only once that node is ready.
        for (const [prev, next] of [
            ["s1", "s2"],
            ["s2", "s3"],
            ["s3", "a1"],
            ["a1", "a2"],
        ]) {
            expect(byName(recorded, `ha-${next}-registries`).dependsOn).toEqual(expect.arrayContaining([`ha-${prev}-registries`, `ha-${next}-config`]));
        }
        const server = String(byName(recorded, "ha-s1-registries").inputs.create);
        expect(server.slice(server.indexOf("systemctl restart k3s\n"))).toMatch(
            /until \$SUDO k3s kubectl get --raw=\/readyz .* && \[ "\$\(\$SUDO k3s kubectl get node 's1' /,
        );
        expect(byName(recorded, "ha-a1-registries").inputs.create).toContain("systemctl restart k3s-agent");
        // Kubernetes objects made afterwards wait for the last restart; other resources do not.
        expect(byName(mocks.collector.resources, "ha-later-config").dependsOn).toContain("ha-a2-registries");
        expect(byName(mocks.collector.resources, "ha-later-password").dependsOn).not.toContain("ha-a2-registries");
        expect(() => built.component.applyRegistries({ mirrors: {} })).toThrow(/already configured/);
    });
});

/** A component like the ones Platform builds after the mirrors: a Kubernetes object and a password. */
class Later extends pulumi.ComponentResource {
    constructor(name: string, opts: pulumi.ComponentResourceOptions) {
        super("test:index:Later", name, {}, opts);
        new k8s.core.v1.ConfigMap(`${name}-config`, { data: { a: "b" } }, { parent: this });
        new random.RandomPassword(`${name}-password`, { length: 8 }, { parent: this });
    }
}

describe("ClusterK3s, k3s mode, mirrors known up front", () => {
    it("restarts for them before the provider exists, so no Kubernetes object can overlap a restart", async () => {
        const registries = { mirrors: { "docker.io": { endpoints: ["https://registry.example.com"] } } };
        const component = new ClusterK3s("early", {
            cluster: k3sCluster({ version: "v1.36.4+k3s1", servers: [{ name: "n1", host: "192.0.2.10", hostKey: TEST_HOST_KEY }] }),
            clusterName: "early",
            registries,
        });
        await value(component.kubeconfig);
        await mocks.settle();
        expect(byName(mocks.collector.resources, "early-provider").dependsOn).toContain("early-n1-registries");
    });
});

describe("ClusterK3s, existing mode", () => {
    it("wraps the kubeconfig and context in one provider and exports the server URL", async () => {
        const built = await build("ext", { mode: "existing", existing: { kubeconfig: pulumi.secret(TEST_KUBECONFIG), context: "admin@eks" } });
        expect(built.resources.map((r) => r.type).sort()).toEqual(["platform:cluster:ClusterK3s", "pulumi:providers:kubernetes"]);
        const provider = byName(built.resources, "ext-provider");
        expect(provider.inputs).toMatchObject({ kubeconfig: SECRET, context: "admin@eks" });
        expect(await pulumi.isSecret(built.component.kubeconfig)).toBe(true);
        expect(await value(built.component.apiEndpoint)).toBe("https://eks.example.com");
        expect(await pulumi.isSecret(built.component.apiEndpoint)).toBe(false);
        expect(await value(built.component.nodes)).toEqual([]);
        expect(allStrings(built.resources).join("\n")).not.toContain("test-kubeconfig-token");
    });
});
