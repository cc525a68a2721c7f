import {
    AGENT_PLAN,
    CONTROLLER_ENV,
    CONTROLLER_SERVICE_ACCOUNT,
    controllerDeployment,
    JOB_SERVICE_ACCOUNT,
    k3sUpgradePlans,
    K8sObject,
    PLAN_CRD_NAME,
    planCrd,
    SERVER_PLAN,
    SYSTEM_UPGRADE_NAMESPACE,
    systemUpgradeRbac,
} from "../../components/cluster/systemUpgrade";
import { IMAGES } from "../../charts/images";
import { isPinnedImage } from "../../policy/rules";
import { validateManifest } from "../k8sSchema";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
const rbac = systemUpgradeRbac();
const rulesOf = (kind: string, name: string) => (rbac.find((o) => o.kind === kind && o.metadata.name === name)?.rules ?? []) as Rule[];
/** Service accounts a (Cluster)Role is bound to. */
const boundTo = (roleKind: string, roleName: string) =>
    rbac
        .filter((o) => (o.roleRef as { kind: string; name: string } | undefined)?.kind === roleKind && (o.roleRef as { name: string }).name === roleName)
        .flatMap((o) => (o.subjects as { name: string; namespace: string }[]).map((s) => `${s.namespace}/${s.name}`));

describe("system-upgrade-controller objects", () => {
    const all: K8sObject[] = [planCrd(), ...rbac, controllerDeployment("v1.36.4+k3s1"), ...k3sUpgradePlans("v1.36.4+k3s1")];

    it("are valid Kubernetes objects (Plans: the fields the controller requires)", () => {
        for (const o of all) {
            expect(() => validateManifest(o as unknown as Record<string, unknown>)).not.toThrow();
        }
    });

    it("define the Plan CRD the controller serves, with a status subresource and upgrade required", () => {
        const crd = planCrd();
        const spec = crd.spec as {
            group: string;
            names: { kind: string; plural: string };
            scope: string;
            versions: {
                name: string;
                subresources: unknown;
                schema: { openAPIV3Schema: { properties: { spec: { required: string[]; properties: Record<string, unknown> } } } };
            }[];
        };
        expect(crd.metadata.name).toBe(PLAN_CRD_NAME);
        expect(`${spec.names.plural}.${spec.group}`).toBe(PLAN_CRD_NAME);
        expect(spec.scope).toBe("Namespaced");
        expect(spec.versions[0].subresources).toEqual({ status: {} });
        const planSpec = spec.versions[0].schema.openAPIV3Schema.properties.spec;
        expect(planSpec.required).toEqual(["upgrade"]);
        for (const field of ["concurrency", "version", "nodeSelector", "serviceAccountName", "cordon", "drain", "prepare", "upgrade", "tolerations"]) {
            expect(planSpec.properties).toHaveProperty(field);
        }
    });

    it("runs a pinned controller that meets the restricted Pod Security level, with requests and a memory limit", () => {
        const pod = (controllerDeployment("v1.36.4+k3s1").spec as { template: { spec: Record<string, unknown> } }).template.spec as {
            serviceAccountName: string;
            securityContext: Record<string, unknown>;
            containers: {
                image: string;
                securityContext: Record<string, unknown>;
                resources: { requests: Record<string, string>; limits: Record<string, string> };
                env: { name: string; value?: string }[];
            }[];
            volumes: Record<string, unknown>[];
        };
        const [c] = pod.containers;
        expect(c.image).toBe(`rancher/system-upgrade-controller:${IMAGES.systemUpgradeController.tag}`);
        expect(isPinnedImage(c.image)).toBe(true);
        expect(pod.serviceAccountName).toBe(CONTROLLER_SERVICE_ACCOUNT);
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(pod.volumes.every((v) => v.hostPath === undefined)).toBe(true);
        expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.resources.limits.memory).toBeDefined();
        const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
        expect(env).toMatchObject({ ...CONTROLLER_ENV, SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE: expect.stringMatching(/^registry\.k8s\.io\/kubectl:v1\.36\.\d+$/) });
        expect(Object.keys(env)).toEqual(
            expect.arrayContaining(["SYSTEM_UPGRADE_CONTROLLER_NAME", "SYSTEM_UPGRADE_CONTROLLER_NAMESPACE", "SYSTEM_UPGRADE_CONTROLLER_NODE_NAME"]),
        );
    });

    it("gives the controller only its own CRD to write and the Jobs only drain and Plan-read rights", () => {
        const controller = rulesOf("ClusterRole", "system-upgrade-controller");
        const crdWrites = controller.filter((r) => r.resources.includes("customresourcedefinitions") && r.verbs.some((v) => ["update", "patch"].includes(v)));
        expect(crdWrites).toEqual([expect.objectContaining({ resourceNames: [PLAN_CRD_NAME] })]);
        expect(boundTo("ClusterRole", "system-upgrade-controller")).toEqual([`${SYSTEM_UPGRADE_NAMESPACE}/${CONTROLLER_SERVICE_ACCOUNT}`]);
        expect(boundTo("Role", "system-upgrade-controller")).toEqual([`${SYSTEM_UPGRADE_NAMESPACE}/${CONTROLLER_SERVICE_ACCOUNT}`]);
        expect(boundTo("ClusterRole", "system-upgrade-drain")).toEqual([`${SYSTEM_UPGRADE_NAMESPACE}/${JOB_SERVICE_ACCOUNT}`]);
        expect(boundTo("Role", "system-upgrade-plans")).toEqual([`${SYSTEM_UPGRADE_NAMESPACE}/${JOB_SERVICE_ACCOUNT}`]);
        expect(rulesOf("ClusterRole", "system-upgrade-drain")).toEqual(
            expect.arrayContaining([
                expect.objectContaining({ resources: ["pods/eviction"], verbs: ["create"] }),
                expect.objectContaining({ resources: ["nodes"], verbs: ["get", "list", "watch", "patch"] }),
            ]),
        );
        expect(rulesOf("Role", "system-upgrade-plans")).toEqual([{ apiGroups: ["upgrade.cattle.io"], resources: ["plans"], verbs: ["get", "list", "watch"] }]);
        // The controller's own namespace-scoped rights: Jobs, Secrets, its leader-election lease.
        const roleResources = rulesOf("Role", "system-upgrade-controller").flatMap((r) => r.resources);
        expect(new Set(roleResources)).toEqual(new Set(["jobs", "secrets", "leases"]));
    });
});

describe("k3s upgrade Plans", () => {
    const [server, agent] = k3sUpgradePlans("v1.36.4+k3s1").map((p) => p as K8sObject & { spec: Record<string, unknown> });

    it("upgrade servers one at a time, cordoned, to the configured version with rancher/k3s-upgrade", () => {
        expect(server.metadata).toMatchObject({ name: SERVER_PLAN, namespace: SYSTEM_UPGRADE_NAMESPACE });
        expect(server.spec).toMatchObject({
            concurrency: 1,
            version: "v1.36.4+k3s1",
            cordon: true,
            serviceAccountName: JOB_SERVICE_ACCOUNT,
            upgrade: { image: "rancher/k3s-upgrade" },
            nodeSelector: { matchExpressions: expect.arrayContaining([{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }]) },
        });
        expect(server.spec.drain).toBeUndefined();
    });

    it("then agents one at a time, waiting for the server Plan, drained", () => {
        expect(agent.metadata.name).toBe(AGENT_PLAN);
        expect(agent.spec).toMatchObject({
            concurrency: 1,
            version: "v1.36.4+k3s1",
            prepare: { image: "rancher/k3s-upgrade", args: ["prepare", SERVER_PLAN] },
            drain: { force: true },
            nodeSelector: { matchExpressions: expect.arrayContaining([{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }]) },
        });
    });

    it("skip nodes put on hold and reach tainted nodes", () => {
        for (const plan of [server, agent]) {
            expect((plan.spec.nodeSelector as { matchExpressions: unknown[] }).matchExpressions).toContainEqual({
                key: "platform/k3s-upgrade",
                operator: "NotIn",
                values: ["hold"],
            });
            expect(plan.spec.tolerations).toEqual([{ operator: "Exists" }]);
        }
    });
});
