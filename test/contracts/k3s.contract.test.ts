/**
 * Contracts with k3s (v1.36.4+k3s1, the stacks' version) and the tools that drive it.
 */
import { KUBECTL_IMAGES, kubectlImage, kubernetesMinor } from "../../charts/images";
import { bootstrapApiUrl, k3sNodes, k3sSettings } from "../../components/cluster/ClusterK3s";
import { nodeConfig, secretsYaml } from "../../components/cluster/k3sFiles";
import { parsePlatformConfig } from "../../config/config";
import { isPublicZone, serviceLbAddresses } from "../../config/reachability";
import { isPrivateIp } from "../../config/validators";
import { evaluateConfig, evaluateStack, k3sStackConfig, PROJECT_DIR, rawConfig, secure, TEST_HOST_KEY } from "../harness";
import { summaryText } from "../../offline/output";
import { policyViolations } from "../../offline/policyReport";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stackNames } from "../shared";
import { stackConfigs } from "./stacks";
import { parse } from "yaml";

const k3sStacks = () => stackConfigs().flatMap(([stack, c]) => (c.cluster.mode === "k3s" ? [[stack, c.cluster.k3s, c] as const] : []));

describe("k3s ServiceLB publishes a node's ExternalIP when any node has one, else every InternalIP", () => {
    // pkg/cloudprovider/servicelb.go podIPs (k3s v1.36): ExternalIP addresses when at least one node
    // has them, InternalIPs otherwise. The controller copies that status into every Ingress and
    // external-dns publishes it; node-external-ip is what makes a node's public address an ExternalIP.
    it("models the choice", () => {
        expect(
            serviceLbAddresses([
                { name: "a", host: "10.0.0.1" },
                { name: "b", host: "10.0.0.2" },
            ]),
        ).toEqual(["10.0.0.1", "10.0.0.2"]);
        expect(
            serviceLbAddresses([
                { name: "a", host: "198.51.100.1", address: "10.0.0.1" },
                { name: "b", host: "10.0.0.2" },
            ]),
        ).toEqual(["198.51.100.1"]);
    });

    it("gives every node with a public host its node-external-ip, so no public record points at a private node address", () => {
        for (const [stack, k3s, config] of k3sStacks()) {
            const nodes = k3sNodes(k3s);
            const settings = k3sSettings(k3s, nodes);
            for (const node of nodes.filter((n) => n.externalAddress !== undefined)) {
                expect({ stack, node: node.name, ip: nodeConfig(node, settings)["node-external-ip"] }).toEqual({
                    stack,
                    node: node.name,
                    ip: node.externalAddress,
                });
            }
            if (isPublicZone(config.dns) && config.ingress.enabled && config.ingress.exposure === "loadBalancer") {
                const privateAddresses = new Set(nodes.map((n) => n.address).filter((a) => a !== undefined));
                const published = serviceLbAddresses([...k3s.servers, ...k3s.agents]);
                expect({ stack, leaked: published.filter((a) => privateAddresses.has(a) || isPrivateIp(a)) }).toEqual({ stack, leaked: [] });
                for (const record of config.dns.records.filter((r) => r.type === "A")) {
                    expect({ stack, record: record.name, leaked: record.targets.filter((t) => privateAddresses.has(t) || isPrivateIp(t)) }).toEqual({
                        stack,
                        record: record.name,
                        leaked: [],
                    });
                }
            }
        }
    });

    it("refuses a public zone that would receive private addresses while nodes have public ones", () => {
        // n1 has a public host and no `address`: its InternalIP is public, it has no ExternalIP, so
        // ServiceLB publishes every InternalIP, n2's private one included (podIPs above).
        const mixed = k3sStackConfig({
            "platform:cluster": {
                mode: "k3s",
                k3s: {
                    version: "v1.36.4+k3s1",
                    ssh: { privateKey: secure("k") },
                    servers: [
                        { name: "n1", host: "198.51.100.7", hostKey: TEST_HOST_KEY },
                        { name: "n2", host: "10.0.0.8", hostKey: TEST_HOST_KEY },
                    ],
                },
            },
            "platform:dns": { provider: "cloudflare", cloudflare: { apiToken: secure("t") } },
        });
        expect(() => parsePlatformConfig(rawConfig(mixed))).toThrow(
            /platform:dns\.provider: the ingress would be published in the public cloudflare zone at private addresses \(10\.0\.0\.8\) although nodes have public ones \(n1: 198\.51\.100\.7\)/,
        );
        // A record at the private address of a node that has a public one: refused, naming the public one.
        const record = k3sStackConfig({
            "platform:cluster": {
                mode: "k3s",
                k3s: {
                    version: "v1.36.4+k3s1",
                    ssh: { privateKey: secure("k") },
                    servers: [{ name: "n1", host: "198.51.100.7", address: "10.0.0.7", hostKey: TEST_HOST_KEY }],
                },
            },
            "platform:dns": {
                provider: "cloudflare",
                cloudflare: { apiToken: secure("t") },
                records: [{ name: "api.dev.example.com", type: "A", targets: ["10.0.0.7"] }],
            },
        });
        expect(() => parsePlatformConfig(rawConfig(record))).toThrow(
            /platform:dns\.records\[0\]\.targets\[0\]: a public cloudflare zone must not point at node n1's private address 10\.0\.0\.7: the node has the public address 198\.51\.100\.7/,
        );
    });
});

describe("An internal-only cluster in a public zone: k3s ServiceLB publishes every InternalIP when no node has an ExternalIP", () => {
    // Same upstream fact (k3s pkg/cloudprovider/servicelb.go podIPs, v1.36.4+k3s1): with no
    // node-external-ip anywhere, the LoadBalancer status, hence every Ingress and every external-dns
    // record, carries the nodes' private InternalIPs. For a homelab or office network with a public
    // zone that is the intent (issue 27, item 1): published, with a warning, never refused.
    const recipe = (): Record<string, unknown> => {
        const text = readFileSync(join(PROJECT_DIR, "docs", "stack-examples.md"), "utf8");
        const at = text.indexOf("## internal: private addresses, public zone");
        const yaml = /```yaml\n([\s\S]*?)```/.exec(text.slice(at))![1];
        return (parse(yaml) as { config: Record<string, unknown> }).config;
    };

    it("renders the docs recipe (prod profile, Cloudflare, DNS-01) with the warning and 0 policy violations", async () => {
        const evaluation = await evaluateConfig(recipe(), "office");
        expect(evaluation.warnings).toEqual([
            expect.stringMatching(
                /^platform:dns\.provider: internal only: reachable from your network, not from the internet\. .*private addresses 10\.20\.0\.11, 10\.20\.0\.12, 10\.20\.0\.13/,
            ),
            expect.stringMatching(/^platform:dns\.records\[0\]: internal only: /),
        ]);
        expect(policyViolations(evaluation.resources, "prod").filter((v) => !v.advisory)).toEqual([]);
        const summary = summaryText("office", evaluation.resources, evaluation.outputs, { stackConfig: recipe(), warnings: evaluation.warnings });
        expect(summary).toContain("DNS names the stack publishes:\n  internal only: reachable from your network, not from the internet");
        expect(summary).toContain("grafana.office.example.com -> A 10.20.0.11, 10.20.0.12, 10.20.0.13 (the ingress controller, via ServiceLB)");
        expect(summary).toMatch(/^warnings \(2\):$/m);
    }, 60_000);

    it("refuses HTTP-01 there with an error that names DNS-01 as the challenge that works", () => {
        const config = recipe();
        const http01 = { ...config, "platform:tls": { issuer: "letsencrypt", acme: { email: "ops@example.com", solver: "http01" } } };
        expect(() => parsePlatformConfig(rawConfig(http01))).toThrow(
            /platform:tls\.acme\.solver: http01 needs Let's Encrypt to reach port 80 of a node from the internet, but this is an internal-only cluster .*DNS-01 is the only ACME challenge that works here/,
        );
    });
});

describe("k3s secure join tokens: K10<sha256 of the cluster CA>::<user>:<password>", () => {
    // pkg/clientaccess/token.go (tokenPrefix K10, caHashLength 64, users from
    // pkg/daemons/control/deps/deps.go genUsers: "server" and "node"); docs.k3s.io/cli/token: the
    // agent token joins agents only; the first server can only take the short form.
    it("joins agents with the node user and never hands them the server password", () => {
        const hash = "0".repeat(64);
        const agent = parse(secretsYaml({ role: "agent", init: false }, { serverToken: "S3RVER", agentToken: "AG3NT", caHash: hash })) as Record<
            string,
            string
        >;
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
        expect(() => parsePlatformConfig(rawConfig(config))).toThrow(
            /platform:cluster\.k3s\.version: expected a Kubernetes minor the platform has a kubectl image for \(charts\/images\.ts KUBECTL_IMAGES/,
        );
    });
});

/*
 * The next two contracts were read in k3s-io/k3s and k3s-io/docs as the code index stores them (the
 * newest copies it holds, v1.2x/v1.30-era files; the snapshot of the pinned v1.36.4+k3s1 tag is over
 * the fetch size limit). The behaviour has been the same in every copy read, and docs.k3s.io states
 * it for current releases.
 */
describe("k3s advertises the API server at the first node-external-ip unless advertise-address is set; etcd peers use node-ip", () => {
    // pkg/cli/server/server.go run(): AdvertiseIP = advertise-address, else the first node-external-ip,
    // else the first node-ip (CLI help: "default: node-external-ip/node-ip"); the API server publishes
    // it in the `kubernetes` Endpoints that pods and every agent's API load balancer dial.
    // pkg/etcd/etcd.go: the member's peer and client URLs use PrivateIP, the first node-ip (else the
    // interface of the default route).
    const advertisedBy = (c: Record<string, unknown>) => c["advertise-address"] ?? c["node-external-ip"] ?? c["node-ip"];
    const etcdPeerOf = (c: Record<string, unknown>) => c["node-ip"];

    it("keeps every stack's API servers and etcd peers on the servers' private addresses", () => {
        for (const [stack, k3s] of k3sStacks()) {
            const nodes = k3sNodes(k3s);
            const settings = k3sSettings(k3s, nodes);
            for (const node of nodes.filter((n) => n.role === "server" && n.externalAddress !== undefined)) {
                const config = nodeConfig(node, settings);
                const privateAddress = node.address ?? node.host;
                expect({ stack, node: node.name, advertised: advertisedBy(config), etcd: etcdPeerOf(config) }).toEqual({
                    stack,
                    node: node.name,
                    advertised: privateAddress,
                    etcd: privateAddress,
                });
            }
        }
        // The prod stacks have public hosts with private addresses: the rule is exercised, not vacuous.
        expect(k3sStacks().filter(([, k3s]) => k3sNodes(k3s).some((n) => n.role === "server" && n.externalAddress !== undefined)).length).toBeGreaterThan(0);
    });

    it("uses a private SSH host as the private address when none is given", () => {
        const node = k3sNodes({ servers: [{ name: "s1", host: "10.0.0.5", externalAddress: "192.0.2.5" }], agents: [] })[0];
        const config = nodeConfig(node, {
            joinUrl: "https://10.0.0.5:6443",
            tlsSans: [],
            disable: [],
            secretsEncryption: true,
            etcdSnapshots: { schedule: "0 * * * *", retention: 1 },
        });
        expect({ advertised: advertisedBy(config), etcd: etcdPeerOf(config) }).toEqual({ advertised: "10.0.0.5", etcd: "10.0.0.5" });
    });

    it("refuses a server with a public address and no private one it could advertise, naming the key", () => {
        const config = k3sStackConfig({
            "platform:cluster": {
                mode: "k3s",
                k3s: {
                    version: "v1.36.4+k3s1",
                    ssh: { privateKey: secure("k") },
                    servers: [{ name: "n1", host: "k3s-1.example.com", externalAddress: "192.0.2.7", hostKey: TEST_HOST_KEY }],
                },
            },
        });
        expect(() => parsePlatformConfig(rawConfig(config))).toThrow(
            /platform:cluster\.k3s\.servers\[0\]\.address: required when the server has a public externalAddress \(192\.0\.2\.7\)/,
        );
    });
});

describe("k3s reads registries.yaml only when it starts", () => {
    // pkg/agent/config/config.go get(): registries.GetPrivateRegistries(envInfo.PrivateRegistry) builds
    // the node's registry configuration while the agent starts (Get() retries get() until the server
    // answers, then never calls it again); --private-registry defaults to /etc/rancher/k3s/registries.yaml
    // (pkg/cli/cmds/agent.go). k3s-io/docs docs/installation/private-registry.md: "Upon startup, K3s will
    // check to see if /etc/rancher/k3s/registries.yaml exists" and a restart of K3s on each node applies
    // changes. install.sh setup_env names the unit `k3s` for a server and `k3s-agent` for an agent.
    const REGISTRIES_FILE = "/etc/rancher/k3s/registries.yaml";
    const UNIT: Record<string, string> = { server: "k3s", agent: "k3s-agent" };
    type Recorded = { name: string; type: string; inputs: Record<string, unknown>; dependsOn: string[] };
    /** The mirror steps in the order of the stack's nodes (servers first, as ClusterK3s installs them), with each node. */
    const registrySteps = (resources: Recorded[], outputs: Record<string, unknown>) =>
        ((outputs.nodes ?? []) as { name: string; role: string }[]).flatMap((node) => {
            const step = resources.find((r) => r.type === "command:remote:Command" && r.name.endsWith(`-${node.name}-registries`));
            return step ? [{ node, step }] : [];
        });

    it.each(stackNames())("restarts each node's own unit after writing the file in the %s stack, one node at a time, servers first", async (stack) => {
        const { resources, outputs } = await evaluateStack(stack);
        const steps = registrySteps(resources, outputs);
        const nodes = (outputs.nodes ?? []) as { name: string; role: string }[];
        expect(steps.length).toBe(stack === "e2e" ? 0 : nodes.length);
        expect(steps.map(({ node }) => node.role)).toEqual([...steps.map(({ node }) => node.role)].sort((a, b) => (a === b ? 0 : a === "server" ? -1 : 1)));
        steps.forEach(({ node, step }, i) => {
            const script = String(step.inputs.create);
            const restart = script.indexOf(`systemctl restart ${UNIT[node.role]}\n`);
            expect(restart).toBeGreaterThan(script.lastIndexOf(REGISTRIES_FILE));
            // The command ends when the node serves again; only then does the next node restart.
            expect(script.slice(restart)).toContain(node.role === "server" ? `k3s kubectl get --raw=/readyz` : "/healthz");
            if (i > 0) expect(step.dependsOn).toContain(steps[i - 1].step.name);
        });
    });

    // The provider talks to the first server's API, which is down while its k3s restarts: any object
    // created or updated through the provider then fails the `pulumi up`.
    it.each(stackNames())("lets no Kubernetes object of the %s stack be in flight while a node restarts for the mirrors", async (stack) => {
        const { resources, outputs } = await evaluateStack(stack);
        const steps = registrySteps(resources, outputs);
        if (steps.length === 0) return;
        const [first, last] = [steps[0].step, steps[steps.length - 1].step];
        const overlapping = resources
            .filter((r) => r.type.startsWith("kubernetes:"))
            .filter((r) => !first.dependsOn.includes(r.name) && !r.dependsOn.includes(last.name))
            .map((r) => r.name);
        expect(overlapping).toEqual([]);
    });
});
