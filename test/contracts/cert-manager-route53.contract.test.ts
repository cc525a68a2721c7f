/**
 * Contracts with cert-manager v1.21.1's Route53 DNS-01 solver (charts/versions.ts): how it takes an
 * IAM role without static keys. The stack is evaluated from inline config the way `pulumi up` runs it.
 */
import { CHARTS } from "../../charts/versions";
import type { RecordedResource } from "../../offline/mocks";
import { byName, evaluateConfig, k3sStackConfig, ofType, secure, TEST_KUBECONFIG } from "../harness";

const ROLE = "arn:aws:iam::123456789012:role/platform-dns";

/** An EKS-style stack: existing cluster, Route53 through an IAM role, Let's Encrypt over DNS-01. */
const irsaStack = (route53: Record<string, unknown>) =>
    k3sStackConfig({
        "platform:cluster": {
            mode: "existing",
            existing: { kubeconfig: secure(TEST_KUBECONFIG), context: "admin@eks", podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" },
        },
        "platform:tls": { issuer: "letsencrypt", acme: { email: "ops@example.com" } },
        "platform:dns": { provider: "route53", route53: { region: "eu-west-1", ...route53 } },
        // Monitoring and Harbor off: these contracts read only cert-manager's objects (30 resources instead of 164).
        "platform:monitoring": { enabled: false },
        "platform:harbor": { enabled: false },
    });

type Solver = { dns01: { route53: Record<string, unknown> } };
const route53Solver = (resources: readonly RecordedResource[]) => {
    const issuer = ofType(resources, "kubernetes:cert-manager.io/v1:ClusterIssuer").find((r) => (r.inputs.metadata as { name: string }).name === "letsencrypt");
    return (issuer?.inputs.spec as { acme: { solvers: Solver[] } } | undefined)?.acme.solvers[0]?.dns01.route53;
};
const inNamespace = (resources: readonly RecordedResource[], type: string, namespace: string) =>
    ofType(resources, type).filter((r) => (r.inputs.metadata as { namespace?: string }).namespace === namespace);

describe("cert-manager's Route53 solver assumes `role` with a token it requests for `auth.kubernetes.serviceAccountRef`", () => {
    // cert-manager@v1.21.1:pkg/apis/acme/v1/types_issuer.go ACMEIssuerDNS01ProviderRoute53: json `role`,
    //   `auth` -> Route53Auth `kubernetes` -> Route53KubernetesAuth `serviceAccountRef` -> ServiceAccountRef `name`.
    // cert-manager@v1.21.1:pkg/issuer/acme/dns/dns.go solverForChallenge: with serviceAccountRef it calls
    //   createToken(resourceNamespace, name, ["sts.amazonaws.com"]) (a TokenRequest on the ServiceAccount);
    //   pkg/controller/helper.go ResourceNamespaceRef: for a ClusterIssuer that is the cluster resource
    //   namespace, which the chart sets to the release namespace (deploy/charts/cert-manager/templates/
    //   deployment.yaml `--cluster-resource-namespace=$(POD_NAMESPACE)`).
    // cert-manager@v1.21.1:pkg/issuer/acme/dns/route53/route53.go GetSession: Role + WebIdentityToken ->
    //   sts AssumeRoleWithWebIdentity; no access key is needed then. Role alone (no token) -> sts AssumeRole
    //   FROM the pod's ambient credentials, which on EKS without an annotated pod are the node's.
    // The chart's RBAC grants no `serviceaccounts/token` (git grep at v1.21.1: no match under deploy/), and
    //   its controller's ServiceAccount is `cert-manager.fullname`, i.e. the release name when it contains
    //   the chart name (deploy/charts/cert-manager/templates/_helpers.tpl).
    const UPSTREAM = {
        tokenResource: "serviceaccounts/token",
        tokenVerb: "create",
        controllerServiceAccount: "cert-manager",
        clusterResourceNamespace: "cert-manager",
    };

    let resources: readonly RecordedResource[];
    beforeAll(async () => {
        ({ resources } = await evaluateConfig(irsaStack({ roleArn: ROLE }), "irsa"));
    });

    it("gives the ClusterIssuer the role and a ServiceAccount reference, and no static key", () => {
        expect(CHARTS.certManager.version).toBe("v1.21.1");
        const solver = route53Solver(resources);
        expect(solver).toEqual({ region: "eu-west-1", role: ROLE, auth: { kubernetes: { serviceAccountRef: { name: expect.any(String) } } } });
        expect(solver).not.toHaveProperty("accessKeyID");
        expect(solver).not.toHaveProperty("secretAccessKeySecretRef");
        // No credential Secret either: nothing to rotate.
        expect(inNamespace(resources, "kubernetes:core/v1:Secret", UPSTREAM.clusterResourceNamespace).map((r) => r.inputs.metadata)).not.toContainEqual(
            expect.objectContaining({ name: "acme-dns01-credentials" }),
        );
    });

    it("creates that ServiceAccount in the cluster resource namespace and lets cert-manager's controller request its tokens", () => {
        const auth = route53Solver(resources)?.auth as { kubernetes: { serviceAccountRef: { name: string } } } | undefined;
        const name = auth?.kubernetes.serviceAccountRef.name;
        expect(name).toEqual(expect.any(String));
        const sa = inNamespace(resources, "kubernetes:core/v1:ServiceAccount", UPSTREAM.clusterResourceNamespace);
        expect(sa.map((r) => (r.inputs.metadata as { name: string }).name)).toContain(name);
        const [role] = inNamespace(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role", UPSTREAM.clusterResourceNamespace);
        expect(role.inputs.rules).toEqual([{ apiGroups: [""], resources: [UPSTREAM.tokenResource], resourceNames: [name], verbs: [UPSTREAM.tokenVerb] }]);
        const [binding] = inNamespace(resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", UPSTREAM.clusterResourceNamespace);
        expect(binding.inputs).toMatchObject({
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: (role.inputs.metadata as { name: string }).name },
            subjects: [{ kind: "ServiceAccount", name: UPSTREAM.controllerServiceAccount, namespace: UPSTREAM.clusterResourceNamespace }],
        });
        // The controller's ServiceAccount is the chart's default: release `cert-manager`, no name override.
        const release = byName(resources, "irsa-cert-manager-release").inputs as { name: string; namespace: string; values: Record<string, unknown> };
        expect({ name: release.name, namespace: release.namespace }).toEqual({
            name: UPSTREAM.controllerServiceAccount,
            namespace: UPSTREAM.clusterResourceNamespace,
        });
        expect(release.values).not.toHaveProperty("serviceAccount");
        expect(release.values).not.toHaveProperty("fullnameOverride");
        // The issuer waits for the RBAC, so the first challenge does not fail on a missing grant.
        const issuer = ofType(resources, "kubernetes:cert-manager.io/v1:ClusterIssuer").find(
            (r) => (r.inputs.metadata as { name: string }).name === "letsencrypt",
        );
        expect(issuer?.dependsOn).toEqual(expect.arrayContaining([binding.name]));
    });

    it("keeps static keys as they were: no role, no ServiceAccount reference, the key from the solver Secret", async () => {
        const { resources: keyed } = await evaluateConfig(irsaStack({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: secure("aws-secret-1") }), "keyed");
        expect(route53Solver(keyed)).toEqual({
            region: "eu-west-1",
            accessKeyID: "AKIAEXAMPLE",
            secretAccessKeySecretRef: { name: "acme-dns01-credentials", key: "secret" },
        });
        expect(inNamespace(keyed, "kubernetes:rbac.authorization.k8s.io/v1:Role", UPSTREAM.clusterResourceNamespace)).toEqual([]);
    });
});
