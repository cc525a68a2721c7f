import { SignatureAdmission } from "../../components/security/SignatureAdmission";
import { admissionFailurePolicy, admissionPolicies, admissionValues } from "../../components/security/admissionValues";
import { unknownChartKeys } from "../../offline/chartKeys";
import { byName, mockedComponents } from "../harness";
import { validateManifest } from "../k8sSchema";

const signer = { issuer: "https://token.actions.githubusercontent.com", subject: "https://github.com/acme/platform/.github/workflows/app.yml@refs/heads/main" };
const KEY = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEexample\n-----END PUBLIC KEY-----\n";

describe("signature admission policies", () => {
    it("require the signer's keyless signature in the bundle format on the app images, in the stack's mode", () => {
        const [policy] = admissionPolicies({ mode: "enforce", images: ["registry.example.com/apps/**"], signer, publicKeys: [], exempt: [] });
        expect(policy).toEqual({
            apiVersion: "policy.sigstore.dev/v1beta1",
            kind: "ClusterImagePolicy",
            metadata: { name: "platform-signed-apps" },
            spec: {
                mode: "enforce",
                images: [{ glob: "registry.example.com/apps/**" }],
                authorities: [{ name: "build-workflow", keyless: { url: "https://fulcio.sigstore.dev", identities: [signer] }, signatureFormat: "bundle" }],
            },
        });
        expect(() => validateManifest(policy as unknown as Record<string, unknown>)).not.toThrow();
    });

    it("accept a stack's own keys beside the signer, in cosign's legacy format, and pass exempt platform images statically", () => {
        const policies = admissionPolicies({
            mode: "warn",
            images: ["r/apps/**"],
            signer,
            publicKeys: [KEY],
            exempt: [{ images: ["quay.io/jetstack/cert-manager-acmesolver:**"], why: "solver" }],
        });
        expect(policies[0].spec.authorities).toEqual([
            expect.objectContaining({ name: "build-workflow" }),
            { name: "stack-key-1", key: { data: KEY, hashAlgorithm: "sha256" } },
        ]);
        expect(policies[1]).toMatchObject({
            metadata: { name: "platform-exempt-1", annotations: { "platform/exempt-reason": "solver" } },
            spec: { mode: "warn", authorities: [{ static: { action: "pass" } }] },
        });
        for (const p of policies) expect(() => validateManifest(p as unknown as Record<string, unknown>)).not.toThrow();
    });

    it("make no signature policy without images or authorities (the controller's no-match policy then decides)", () => {
        expect(admissionPolicies({ mode: "enforce", images: [], signer, publicKeys: [], exempt: [] })).toEqual([]);
        expect(admissionPolicies({ mode: "enforce", images: ["r/apps/**"], publicKeys: [], exempt: [] })).toEqual([]);
    });
});

describe("policy-controller values", () => {
    it("fail closed and deny unmatched images when enforcing; fail open and warn otherwise", () => {
        expect(admissionFailurePolicy("enforce")).toBe("Fail");
        expect(admissionFailurePolicy("warn")).toBe("Ignore");
        expect(admissionValues({ mode: "enforce", replicas: 2, highAvailability: true })).toMatchObject({
            webhook: { failurePolicy: "Fail", configData: { "no-match-policy": "deny" }, replicaCount: 2, podDisruptionBudget: { enabled: true } },
        });
        expect(admissionValues({ mode: "warn", replicas: 1, highAvailability: false })).toMatchObject({
            webhook: { failurePolicy: "Ignore", configData: { "no-match-policy": "warn" }, replicaCount: 1, podDisruptionBudget: { enabled: false } },
        });
    });

    it("use only keys chart 0.10.6 has, and run as Pod Security restricted asks (non-root, RuntimeDefault seccomp) with requests set", () => {
        const values = admissionValues({ mode: "enforce", replicas: 2, highAvailability: true, registryCa: { name: "registry-ca", key: "ca.pem" } });
        expect(unknownChartKeys("policy-controller", values)).toEqual([]);
        expect(values).toMatchObject({
            webhook: {
                securityContext: { enabled: true, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                resources: { requests: { cpu: "20m", memory: "64Mi" } },
                registryCaBundle: { name: "registry-ca", key: "ca.pem" },
            },
            leasescleanup: {
                podSecurityContext: {
                    enabled: true,
                    runAsNonRoot: true,
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                },
            },
        });
    });
});

describe("SignatureAdmission", () => {
    const mocks = mockedComponents();
    it("installs the chart into its own restricted namespace, then the policies, and trusts a registry CA from a ConfigMap", async () => {
        new SignatureAdmission("adm", {
            mode: "enforce",
            images: ["registry.example.com/apps/**"],
            signer,
            registryCaBundle: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            replicas: 2,
            highAvailability: true,
            podSecurityVersion: "v1.36",
        });
        await mocks.settle();
        const resources = mocks.collector.resources;
        expect(byName(resources, "adm-ns").inputs).toMatchObject({
            metadata: { name: "cosign-system", labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
        });
        expect(byName(resources, "adm-release").inputs).toMatchObject({
            chart: "policy-controller",
            version: "0.10.6",
            name: "policy-controller",
            values: { webhook: { registryCaBundle: { name: "registry-ca", key: "ca.pem" } } },
        });
        expect(byName(resources, "adm-release").dependsOn).toContain("adm-registry-ca");
        expect(byName(resources, "adm-platform-signed-apps").dependsOn).toContain("adm-release");
    });

    it("refuses to be built without a signer or a key (every app image would be refused)", () => {
        expect(
            () => new SignatureAdmission("none", { mode: "enforce", images: ["r/**"], replicas: 1, highAvailability: false, podSecurityVersion: "v1.36" }),
        ).toThrow(/give a signer or at least one public key/);
    });
});
