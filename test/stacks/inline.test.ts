import { EvaluationError } from "../../offline/evaluate";
import { fakeSecret, SECRET } from "../../offline/mocks";
import { allStrings, byName, evaluateConfig, k3sStackConfig, ofType, secure, TEST_KUBECONFIG, TEST_SSH_KEY, TEST_HOST_KEY } from "../harness";

describe("index.ts with inline config", () => {
    it("stops on invalid config before creating any resource", async () => {
        const config = k3sStackConfig({ "platform:profile": "prod", "platform:domian": "x" });
        const error = await evaluateConfig(config, "broken").then(
            () => undefined,
            (err: unknown) => err,
        );
        expect(error).toBeInstanceOf(EvaluationError);
        const failed = error as EvaluationError;
        expect(failed.problems).toEqual([
            "platform:domian: unknown key (did you mean 'domain'?)",
            "platform:cluster.k3s.servers: expected at least 3 servers for the prod profile (HA control plane), got 1",
        ]);
        // Pulumi registers the root stack before running the program; nothing else may exist.
        expect(failed.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
    });

    it("runs on an existing cluster: no SSH, one provider from the kubeconfig, namespaces on it", async () => {
        const { resources, outputs } = await evaluateConfig({
            ...k3sStackConfig(),
            "platform:cluster": {
                mode: "existing",
                existing: { kubeconfig: secure(TEST_KUBECONFIG), context: "admin@eks", podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" },
            },
            "platform:namespaces": [{ name: "agents", podSecurity: "privileged", reason: "node agents need host access" }],
            // Monitoring and Harbor off: the kubeconfig reaches only ClusterK3s's provider and the outputs (24 resources instead of 157).
            "platform:monitoring": { enabled: false },
            "platform:harbor": { enabled: false },
        });
        expect(ofType(resources, "command:remote:Command")).toEqual([]);
        const provider = byName(resources, "test-cluster-provider");
        expect(provider.inputs).toMatchObject({ kubeconfig: SECRET, context: "admin@eks" });
        const ns = byName(resources, "test-ns-agents");
        expect(ns.inputs).toMatchObject({
            metadata: {
                labels: { "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/enforce-version": "latest" },
                annotations: { "platform/pod-security-reason": "node agents need host access" },
            },
        });
        expect(outputs).toMatchObject({ kubeconfig: SECRET, apiEndpoint: "https://eks.example.com", nodes: [] });
        expect(allStrings([resources, outputs]).join("\n")).not.toContain("test-kubeconfig-token");
    });

    it("keeps config secrets and random values out of every recorded input and output", async () => {
        const { resources, outputs } = await evaluateConfig(
            k3sStackConfig({
                "platform:cluster": {
                    mode: "k3s",
                    k3s: {
                        version: "v1.36.4+k3s1",
                        ssh: { privateKey: secure(TEST_SSH_KEY) },
                        servers: [{ name: "n1", host: "10.0.0.1", hostKey: TEST_HOST_KEY }],
                    },
                },
            }),
            "leak",
        );
        const text = allStrings([resources, outputs]).join("\n");
        expect(text).not.toContain("test-ssh-key-material");
        expect(text).not.toContain(fakeSecret("random", "leak-cluster-token"));
        expect(text).not.toContain("client-key-data");
    });
});
