/**
 * Contracts with k3s (v1.36.4+k3s1, the stacks' version) and the tools that drive it.
 */
import { KUBECTL_IMAGES, kubectlImage, kubernetesMinor } from "../../charts/images";
import { bootstrapApiUrl, k3sNodes, k3sSettings } from "../../components/cluster/ClusterK3s";
import { nodeConfig, secretsYaml } from "../../components/cluster/k3sFiles";
import { parsePlatformConfig } from "../../config/config";
import { isPublicZone, serviceLbAddresses } from "../../config/reachability";
import { isPrivateIp } from "../../config/validators";
import { k3sStackConfig, rawConfig, secure, TEST_HOST_KEY } from "../harness";
import { stackConfigs } from "./stacks";
import { parse } from "yaml";

const k3sStacks = () => stackConfigs().flatMap(([stack, c]) => (c.cluster.mode === "k3s" ? [[stack, c.cluster.k3s, c] as const] : []));

describe("k3s ServiceLB publishes a node's ExternalIP when any node has one, else every InternalIP", () => {
    // pkg/cloudprovider/servicelb.go podIPs (k3s v1.36): ExternalIP addresses when at least one node
    // has them, InternalIPs otherwise. The controller copies that status into every Ingress and
    // external-dns publishes it; node-external-ip is what makes a node's public address an ExternalIP.
    it("models the choice", () => {
        expect(serviceLbAddresses([{ name: "a", host: "10.0.0.1" }, { name: "b", host: "10.0.0.2" }])).toEqual(["10.0.0.1", "10.0.0.2"]);
        expect(serviceLbAddresses([{ name: "a", host: "198.51.100.1", address: "10.0.0.1" }, { name: "b", host: "10.0.0.2" }])).toEqual(["198.51.100.1"]);
    });

    it("gives every node with a public host its node-external-ip, so no public record points at a private node address", () => {
        for (const [stack, k3s, config] of k3sStacks()) {
            const nodes = k3sNodes(k3s);
            const settings = k3sSettings(k3s, nodes);
            for (const node of nodes.filter((n) => n.externalAddress !== undefined)) {
                expect({ stack, node: node.name, ip: nodeConfig(node, settings)["node-external-ip"] }).toEqual({ stack, node: node.name, ip: node.externalAddress });
            }
            if (isPublicZone(config.dns) && config.ingress.enabled && config.ingress.exposure === "loadBalancer") {
                const privateAddresses = new Set(nodes.map((n) => n.address).filter((a) => a !== undefined));
                const published = serviceLbAddresses([...k3s.servers, ...k3s.agents]);
                expect({ stack, leaked: published.filter((a) => privateAddresses.has(a) || isPrivateIp(a)) }).toEqual({ stack, leaked: [] });
                for (const record of config.dns.records.filter((r) => r.type === "A")) {
                    expect({ stack, record: record.name, leaked: record.targets.filter((t) => privateAddresses.has(t) || isPrivateIp(t)) }).toEqual({ stack, record: record.name, leaked: [] });
                }
            }
        }
    });

    it("refuses a public zone that would receive private node addresses", () => {
        const config = k3sStackConfig({
            "platform:cluster": { mode: "k3s", k3s: { version: "v1.36.4+k3s1", ssh: { privateKey: secure("k") }, servers: [{ name: "n1", host: "10.0.0.7", hostKey: TEST_HOST_KEY }] } },
            "platform:dns": { provider: "cloudflare", cloudflare: { apiToken: secure("t") }, records: [{ name: "api.dev.example.com", type: "A", targets: ["10.0.0.7"] }] },
        });
        expect(() => parsePlatformConfig(rawConfig(config))).toThrow(/platform:dns\.records\[0\]\.targets\[0\]: a public cloudflare zone must not point at the private address 10\.0\.0\.7/);
        expect(() => parsePlatformConfig(rawConfig(config))).toThrow(/platform:dns\.provider: the ingress would be published in the public cloudflare zone at private addresses \(10\.0\.0\.7\)/);
    });
});

describe("k3s secure join tokens: K10<sha256 of the cluster CA>::<user>:<password>", () => {
    // pkg/clientaccess/token.go (tokenPrefix K10, caHashLength 64, users from
    // pkg/daemons/control/deps/deps.go genUsers: "server" and "node"); docs.k3s.io/cli/token: the
    // agent token joins agents only; the first server can only take the short form.
    it("joins agents with the node user and never hands them the server password", () => {
        const hash = "0".repeat(64);
        const agent = parse(secretsYaml({ role: "agent", init: false }, { serverToken: "S3RVER", agentToken: "AG3NT", caHash: hash })) as Record<string, string>;
        expect(agent).toEqual({ token: `K10${hash}::node:AG3NT` });
        const first = parse(secretsYaml({ role: "server", init: true }, { serverToken: "S3RVER", agentToken: "AG3NT" })) as Record<string, string>;
        expect(first).toEqual({ token: "S3RVER", "agent-token": "AG3NT" });
    });
});

describe("The provider reaches the API before any DNS name of the stack exists", () => {
    // external-dns creates apiEndpoint's record from inside the cluster the provider is building.
    it("points the provider at the first server's host, which tls-san covers", () => {
        for (const [stack, k3s] of k3sStacks()) {
            const url = bootstrapApiUrl(k3s);
            const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
            expect({ stack, host }).toEqual({ stack, host: k3s.servers[0].host });
            expect(k3sSettings(k3s, k3sNodes(k3s)).tlsSans).toContain(host);
        }
    });
});

describe("kubectl supports one minor of skew against the API server", () => {
    // kubernetes.io/releases/version-skew-policy (kubectl: within one minor of kube-apiserver);
    // system-upgrade-controller v0.20.1 defaults SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE to rancher/kubectl:v1.30.3.
    it("runs upgrade Jobs with a kubectl of the cluster's own minor, for every stack", () => {
        for (const [minor, { tag }] of Object.entries(KUBECTL_IMAGES)) {
            expect(kubernetesMinor(tag)).toBe(minor);
        }
        for (const [stack, k3s] of k3sStacks()) {
            const [major, minor] = kubernetesMinor(k3s.version)!.split(".").map(Number);
            const kubectl = kubernetesMinor(kubectlImage(k3s.version)!.split(":")[1])!.split(".").map(Number);
            expect({ stack, skew: kubectl[0] === major ? Math.abs(kubectl[1] - minor) <= 1 : false }).toEqual({ stack, skew: true });
        }
    });

    it("refuses a k3s version whose minor has no kubectl image, naming the table", () => {
        const config = k3sStackConfig();
        (config["platform:cluster"] as { k3s: { version: string } }).k3s.version = "v1.99.0+k3s1";
        expect(() => parsePlatformConfig(rawConfig(config))).toThrow(/platform:cluster\.k3s\.version: expected a Kubernetes minor the platform has a kubectl image for \(charts\/images\.ts KUBECTL_IMAGES/);
    });
});
