import { platformNamespace, podSecurityLabels, podSecurityVersion, POD_SECURITY_REASON_ANNOTATION } from "../../components/lib/namespace";
import { byName, mockedComponents } from "../harness";
import { validateManifest } from "../k8sSchema";

const mocks = mockedComponents();

describe("Pod Security labels", () => {
    it("enforce the chosen level and always audit and warn at restricted, all at one version", () => {
        expect(podSecurityLabels("privileged", "v1.36")).toEqual({
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/enforce-version": "v1.36",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/audit-version": "v1.36",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/warn-version": "v1.36",
        });
    });

    it("pin the policy version to the k3s minor release", () => {
        expect(podSecurityVersion("v1.36.4+k3s1")).toBe("v1.36");
        expect(podSecurityVersion("v1.9.0+k3s2")).toBe("v1.9");
        expect(podSecurityVersion(undefined)).toBe("latest");
    });
});

describe("platformNamespace", () => {
    it("creates a restricted namespace by default, valid against the Namespace schema", async () => {
        platformNamespace("ns-web", { name: "web", labels: { team: "a", "pod-security.kubernetes.io/enforce": "privileged" } }, {});
        await mocks.settle();
        const ns = byName(mocks.collector.resources, "ns-web");
        const labels = (ns.inputs.metadata as { labels: Record<string, string> }).labels;
        // PSA labels win over user labels of the same key.
        expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        expect(labels.team).toBe("a");
        expect((ns.inputs.metadata as { annotations?: unknown }).annotations).toBeUndefined();
        expect(() => validateManifest(ns.inputs)).not.toThrow();
    });

    it("records the reason for a lower level and refuses one without a reason", async () => {
        platformNamespace("ns-agents", { name: "agents", podSecurity: "privileged", reason: "eBPF agent needs host PID" }, {});
        await mocks.settle();
        const ns = byName(mocks.collector.resources, "ns-agents");
        expect((ns.inputs.metadata as { annotations: Record<string, string> }).annotations).toEqual({
            [POD_SECURITY_REASON_ANNOTATION]: "eBPF agent needs host PID",
        });
        expect(() => platformNamespace("ns-x", { name: "x", podSecurity: "baseline" }, {})).toThrow(/needs a reason/);
    });
});
