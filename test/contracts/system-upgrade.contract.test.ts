/**
 * Contracts with the Rancher system-upgrade-controller v0.20.1 (rancher/system-upgrade-controller
 * tag v0.20.1) and the k3s-upgrade image its Plans run (k3s-io/k3s-upgrade; the newest tag in the
 * snapshot read here is v1.36.1+k3s1, e45db208; scripts/upgrade.sh is unchanged from it to the
 * snapshot's HEAD, last touched 2025-05-23). Read with `git show <tag>:<path>`.
 */
import { KUBECTL_IMAGES } from "../../charts/images";
import { controllerDeployment, k3sUpgradePlans, K8sObject, systemUpgradeRbac } from "../../components/cluster/systemUpgrade";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
/** One API call an upgrade Job makes: cluster-wide, or inside the Job's own namespace. */
interface ApiCall {
    readonly what: string;
    readonly verb: string;
    readonly group: string;
    readonly resource: string;
    readonly scope: "cluster" | "namespace";
}

/** Whether `serviceAccount` (in `namespace`) may make `call`, by the RBAC objects given (bindings to Roles count only in their own namespace). */
function allowed(objects: readonly K8sObject[], serviceAccount: string, namespace: string, call: ApiCall): boolean {
    const rulesOf = (kind: string, name: string, ns?: string) =>
        objects
            .filter((o) => o.kind === kind && o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns))
            .flatMap((o) => (o.rules ?? []) as Rule[]);
    const bound = (o: K8sObject) =>
        ((o.subjects ?? []) as { kind: string; name: string; namespace?: string }[]).some(
            (s) => s.kind === "ServiceAccount" && s.name === serviceAccount && s.namespace === namespace,
        );
    const rules: Rule[] = [];
    for (const b of objects.filter((o) => (o.kind === "ClusterRoleBinding" || o.kind === "RoleBinding") && bound(o))) {
        const ref = b.roleRef as { kind: string; name: string };
        const inScope = b.kind === "ClusterRoleBinding" || (call.scope === "namespace" && b.metadata.namespace === namespace);
        if (!inScope) continue;
        rules.push(...(ref.kind === "ClusterRole" ? rulesOf("ClusterRole", ref.name) : rulesOf("Role", ref.name, b.metadata.namespace)));
    }
    // A rule limited to resourceNames never allows list or watch (the request names no object).
    return rules.some(
        (r) =>
            r.apiGroups.includes(call.group) &&
            r.resources.includes(call.resource) &&
            r.verbs.includes(call.verb) &&
            (r.resourceNames === undefined || !["list", "watch"].includes(call.verb)),
    );
}

const rbac = systemUpgradeRbac();
const plans = k3sUpgradePlans("v1.36.4+k3s1") as (K8sObject & {
    spec: { serviceAccountName: string; prepare?: { args: string[] }; drain?: unknown; cordon?: boolean };
})[];

describe("k3s-upgrade's prepare step lists the control-plane nodes: the agent Plan's Jobs may read nodes cluster-wide", () => {
    // k3s-io/k3s-upgrade@v1.36.1+k3s1:scripts/upgrade.sh `prepare <plan>`: loops on
    // `kubectl get plan <plan> -n <the pod's namespace>` until its .status.applying is empty, then
    // verify_controlplane_versions loops on `kubectl get nodes --selector='node-role.kubernetes.io/control-plane'`
    // until every kubeletVersion equals the Plan's version. A refused call prints nothing, so the step
    // loops until the Job's deadline instead of failing.
    const PREPARE_CALLS: readonly ApiCall[] = [
        { what: "kubectl get plan <server plan> -n <namespace>", verb: "get", group: "upgrade.cattle.io", resource: "plans", scope: "namespace" },
        { what: "kubectl get nodes --selector=node-role.kubernetes.io/control-plane", verb: "list", group: "", resource: "nodes", scope: "cluster" },
    ];

    it("grants every call of the prepare step to the service account of each Plan that has one", () => {
        const withPrepare = plans.filter((p) => p.spec.prepare !== undefined);
        expect(withPrepare.map((p) => p.spec.prepare!.args[0])).toEqual(["prepare"]);
        for (const plan of withPrepare) {
            for (const call of PREPARE_CALLS) {
                expect({
                    plan: plan.metadata.name,
                    call: call.what,
                    allowed: allowed(rbac, plan.spec.serviceAccountName, plan.metadata.namespace!, call),
                }).toEqual({
                    plan: plan.metadata.name,
                    call: call.what,
                    allowed: true,
                });
            }
        }
    });

    // rancher/system-upgrade-controller@v0.20.1:manifests/clusterrolebinding.yaml binds the Jobs'
    // ServiceAccount `system-upgrade` to ClusterRole system-upgrade-controller
    // (manifests/clusterrole.yaml: "" namespaces,nodes get/list/watch) and to
    // system-upgrade-controller-drainer (nodes get/patch, pods get/list/delete, pods/eviction create,
    // apps statefulsets/daemonsets/replicasets get/list).
    const UPSTREAM_JOB_GRANTS: readonly ApiCall[] = [
        ...["get", "list", "watch", "patch"].map((verb) => ({ what: `${verb} nodes`, verb, group: "", resource: "nodes", scope: "cluster" as const })),
        ...["get", "list", "delete"].map((verb) => ({ what: `${verb} pods`, verb, group: "", resource: "pods", scope: "cluster" as const })),
        { what: "create pods/eviction", verb: "create", group: "", resource: "pods/eviction", scope: "cluster" },
        ...["statefulsets", "daemonsets", "replicasets"].flatMap((resource) =>
            ["get", "list"].map((verb) => ({ what: `${verb} ${resource}`, verb, group: "apps", resource, scope: "cluster" as const })),
        ),
    ];

    it("gives every Plan's Jobs the node, pod and owner rights upstream's manifests give them (cordon, drain, prepare)", () => {
        for (const plan of plans) {
            const refused = UPSTREAM_JOB_GRANTS.filter((call) => !allowed(rbac, plan.spec.serviceAccountName, plan.metadata.namespace!, call)).map(
                (c) => c.what,
            );
            expect({ plan: plan.metadata.name, refused }).toEqual({ plan: plan.metadata.name, refused: [] });
        }
    });
});

describe("system-upgrade-controller runs its kubectl image with arguments only, so the image's entrypoint must be kubectl", () => {
    // rancher/system-upgrade-controller@v0.20.1:pkg/upgrade/job/job.go: the cordon init container is
    // ContainerSpec{Image: <SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE>, Args: ["cordon", <node>]} and the drain
    // one Args ["drain", <node>, "--pod-selector", ...]: no Command, so the image's ENTRYPOINT runs them.
    const ENTRYPOINTS: Readonly<Record<string, { entrypoint: string; source: string; maintained: boolean }>> = {
        // ENTRYPOINT ["/bin/kubectl"]; built for every Kubernetes release (build/common.sh
        // kube::build::get_docker_wrapped_binaries lists kubectl since v1.28) and pushed to registry.k8s.io.
        "registry.k8s.io/kubectl": { entrypoint: "/bin/kubectl", source: "kubernetes/kubernetes:build/server-image/kubectl/Dockerfile", maintained: true },
        // ENTRYPOINT ["/bin/kubectl"], but its README says since 2025-10 (b8ab3e5) that the image is
        // deprecated and external consumers should move to another image.
        "rancher/kubectl": { entrypoint: "/bin/kubectl", source: "rancher/kubectl@6343a931:package/Dockerfile, README.md", maintained: false },
    };

    it("names a maintained kubectl image whose entrypoint is kubectl, for every minor the Plans can run", () => {
        // The table's keys only say which minors a Plan may run; the image is read from the Deployment.
        for (const version of Object.keys(KUBECTL_IMAGES).map((minor) => `v${minor}.0+k3s1`)) {
            const pod = (controllerDeployment(version).spec as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }).template
                .spec;
            const image = pod.containers[0].env.find((e) => e.name === "SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE")!.value!;
            const repository = image.replace(/@sha256:[a-f0-9]{64}$/, "").replace(/:[^:/]+$/, "");
            expect({ version, repository, known: ENTRYPOINTS[repository] }).toEqual({
                version,
                repository,
                known: expect.objectContaining({ maintained: true, entrypoint: expect.stringMatching(/\/kubectl$/) }),
            });
        }
    });
});
