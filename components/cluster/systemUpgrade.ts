/**
 * The Rancher system-upgrade-controller (SUC) as plain Kubernetes objects, and the two k3s Plans it
 * runs. Pure builders (no Pulumi), so tests validate every object and the render shows them; the
 * fields and permissions follow SUC v0.20.1 (pkg/apis/upgrade.cattle.io/v1, manifests/), written
 * for this project. ClusterK3s creates them on the cluster's provider.
 */
import { kubectlImage, kubernetesMinor, pinnedImage } from "../../charts/images";
import { K3S_UPGRADE_IMAGE } from "./systemUpgradeImages";
import { NAMESPACES } from "../../charts/namespaces";

export const SYSTEM_UPGRADE_NAMESPACE = NAMESPACES.systemUpgrade;
/** The controller's own identity (API access to Plans, Jobs, Nodes). */
export const CONTROLLER_SERVICE_ACCOUNT = "system-upgrade-controller";
/** What the upgrade Jobs run as: enough to drain a node, read nodes and read the server Plan, nothing more. */
export const JOB_SERVICE_ACCOUNT = "system-upgrade";
const CONTROLLER_NAME = "system-upgrade-controller";
export const PLAN_CRD_NAME = "plans.upgrade.cattle.io";
export const SERVER_PLAN = "k3s-server";
export const AGENT_PLAN = "k3s-agent";
/** Label a node `platform/k3s-upgrade=hold` to keep it out of both Plans (e.g. while debugging it). */
const HOLD_LABEL = "platform/k3s-upgrade";

/** Why the namespace is below `restricted` (recorded on it and shown in the render). */
export const SYSTEM_UPGRADE_PSA_REASON =
    "system-upgrade-controller's upgrade Jobs run privileged with host PID, IPC and network and the host's / mounted to replace the k3s binary";

/** A Kubernetes object as the builders return it. */
export interface K8sObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: {
        readonly name: string;
        readonly namespace?: string;
        readonly labels?: Record<string, string>;
        readonly annotations?: Record<string, string>;
    };
    // Typed loosely: these are API-shaped JSON (CRD schemas use the API's hyphenated keys, which the
    // SDK's input types spell differently); the kind decides the resource class in ClusterK3s.
    readonly spec?: unknown;
    readonly rules?: unknown;
    readonly roleRef?: unknown;
    readonly subjects?: unknown;
}

const LABELS = { "app.kubernetes.io/name": CONTROLLER_NAME, "app.kubernetes.io/managed-by": "pulumi" };

// ---- Plan CRD: a structural schema of upgrade.cattle.io/v1 Plan ----------------------------------

type Schema = Record<string, unknown>;
const str: Schema = { type: "string" };
const int: Schema = { type: "integer" };
const bool: Schema = { type: "boolean" };
const arr = (items: Schema, extra: Schema = {}): Schema => ({ type: "array", items, ...extra });
const obj = (properties: Record<string, Schema>, required?: string[]): Schema => ({ type: "object", properties, ...(required ? { required } : {}) });
/** Core Kubernetes types embedded in the Plan (selectors, tolerations, env, securityContext): kept whole. */
const embedded: Schema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };

const containerSpec = obj(
    {
        image: str,
        command: arr(str),
        args: arr(str),
        // SUC's JSON name for the container env is `envs`.
        envs: arr(embedded),
        envFrom: arr(embedded),
        volumes: arr(obj({ name: str, source: str, destination: str }, ["name", "source", "destination"])),
        securityContext: embedded,
    },
    ["image"],
);

/** The openAPIV3Schema of Plan: spec and status fields of SUC v0.20.1. */
function planSchema(): Schema {
    return obj({
        apiVersion: str,
        kind: str,
        metadata: { type: "object" },
        spec: obj(
            {
                channel: str,
                concurrency: { ...int, format: "int64" },
                cordon: bool,
                drain: obj({
                    timeout: { "x-kubernetes-int-or-string": true, anyOf: [int, str] },
                    gracePeriod: int,
                    deleteLocalData: bool,
                    deleteEmptydirData: bool,
                    ignoreDaemonSets: bool,
                    force: bool,
                    disableEviction: bool,
                    skipWaitForDeleteTimeout: int,
                    podSelector: embedded,
                }),
                exclusive: bool,
                imagePullSecrets: arr(obj({ name: str })),
                jobActiveDeadlineSecs: { ...int, format: "int64" },
                nodeSelector: embedded,
                postCompleteDelay: str,
                postCompleteLabels: { type: "object", additionalProperties: str },
                prepare: containerSpec,
                priorityClassName: str,
                secrets: arr(obj({ name: str, path: str, ignoreUpdates: bool, defaultMode: int }, ["name", "path"])),
                serviceAccountName: str,
                tolerations: arr(embedded),
                upgrade: containerSpec,
                version: str,
                window: obj({ days: arr(str, { minItems: 1 }), startTime: str, endTime: str, timeZone: str }),
            },
            ["upgrade"],
        ),
        status: obj({ applying: arr(str), conditions: arr(embedded), latestHash: str, latestVersion: str }),
    });
}

/**
 * The Plan CRD. SUC also registers its embedded copy of this CRD when it starts (a full update), so
 * the cluster converges on upstream's schema for the pinned version; creating it here first lets the
 * Plans be created in the same `up`, ordered after it. `patchForce` lets a later Pulumi update win
 * over the controller's field ownership instead of failing with a conflict.
 */
export function planCrd(): K8sObject {
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: PLAN_CRD_NAME, labels: LABELS, annotations: { "pulumi.com/patchForce": "true" } },
        spec: {
            group: "upgrade.cattle.io",
            names: { kind: "Plan", listKind: "PlanList", plural: "plans", singular: "plan" },
            scope: "Namespaced",
            versions: [
                {
                    name: "v1",
                    served: true,
                    storage: true,
                    subresources: { status: {} },
                    additionalPrinterColumns: [
                        { name: "Image", type: "string", jsonPath: ".spec.upgrade.image" },
                        { name: "Version", type: "string", jsonPath: ".spec.version" },
                        { name: "Complete", type: "string", jsonPath: ".status.conditions[?(@.type=='Complete')].status" },
                        { name: "Message", type: "string", jsonPath: ".status.conditions[?(@.message!='')].message" },
                        { name: "Applying", type: "string", jsonPath: ".status.applying", priority: 10 },
                    ],
                    schema: { openAPIV3Schema: planSchema() },
                },
            ],
        },
    };
}

// ---- RBAC ----------------------------------------------------------------------------------------

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): Rule => ({
    apiGroups,
    resources,
    verbs,
    ...(resourceNames ? { resourceNames } : {}),
});
const READ = ["get", "list", "watch"];

function role(kind: "ClusterRole" | "Role", name: string, rules: Rule[]): K8sObject {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind,
        metadata: { name, labels: LABELS, ...(kind === "Role" ? { namespace: SYSTEM_UPGRADE_NAMESPACE } : {}) },
        rules,
    };
}

function binding(kind: "ClusterRoleBinding" | "RoleBinding", name: string, roleName: string, serviceAccount: string): K8sObject {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind,
        metadata: { name, labels: LABELS, ...(kind === "RoleBinding" ? { namespace: SYSTEM_UPGRADE_NAMESPACE } : {}) },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: kind === "RoleBinding" ? "Role" : "ClusterRole", name: roleName },
        subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace: SYSTEM_UPGRADE_NAMESPACE }],
    };
}

/**
 * Service accounts, roles and bindings. The controller gets what SUC v0.20.1 asks for, narrowed
 * where the code allows it: CRD writes only on the Plan CRD, leader-election leases only in its
 * namespace. The Jobs get their own account with the drain permissions, read access to nodes and
 * Plans (the agents' prepare step waits for the server Plan, then for every control-plane node to
 * report the new version), none of the controller's write rights.
 */
export function systemUpgradeRbac(): K8sObject[] {
    const serviceAccount = (name: string): K8sObject => ({
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name, namespace: SYSTEM_UPGRADE_NAMESPACE, labels: LABELS },
    });
    return [
        serviceAccount(CONTROLLER_SERVICE_ACCOUNT),
        serviceAccount(JOB_SERVICE_ACCOUNT),
        role("ClusterRole", CONTROLLER_NAME, [
            rule(["batch"], ["jobs"], READ),
            // Registers its CRD on start: lists all, creates or updates only its own.
            rule(["apiextensions.k8s.io"], ["customresourcedefinitions"], [...READ, "create"]),
            rule(["apiextensions.k8s.io"], ["customresourcedefinitions"], ["update", "patch"], [PLAN_CRD_NAME]),
            // kube-system's UID is its cluster id; nodes are labelled with the applied Plan hash.
            rule([""], ["namespaces", "nodes"], READ),
            rule([""], ["nodes"], ["update"]),
            rule([""], ["events"], ["get", "create", "patch", "update"]),
            rule(["upgrade.cattle.io"], ["plans", "plans/status"], [...READ, "create", "patch", "update", "delete"]),
        ]),
        binding("ClusterRoleBinding", CONTROLLER_NAME, CONTROLLER_NAME, CONTROLLER_SERVICE_ACCOUNT),
        role("Role", CONTROLLER_NAME, [
            rule(["batch"], ["jobs"], [...READ, "create", "delete", "deletecollection", "patch", "update"]),
            // Plans may mount Secrets; their hashes are part of the Plan hash.
            rule([""], ["secrets"], READ),
            rule(["coordination.k8s.io"], ["leases"], ["create"]),
            rule(["coordination.k8s.io"], ["leases"], ["get", "update"], [CONTROLLER_NAME]),
        ]),
        binding("RoleBinding", CONTROLLER_NAME, CONTROLLER_NAME, CONTROLLER_SERVICE_ACCOUNT),
        role("ClusterRole", `${JOB_SERVICE_ACCOUNT}-drain`, [
            rule([""], ["pods/eviction"], ["create"]),
            rule([""], ["pods"], ["get", "list", "delete"]),
            // get/patch cordon the node; list/watch because the agents' prepare step lists the
            // control-plane nodes until all run the Plan's version (k3s-upgrade scripts/upgrade.sh
            // verify_controlplane_versions). SUC v0.20.1's manifests grant the Jobs the same.
            rule([""], ["nodes"], [...READ, "patch"]),
            // kubectl drain looks up each pod's owner to skip DaemonSets.
            rule(["apps"], ["statefulsets", "daemonsets", "replicasets"], ["get", "list"]),
        ]),
        binding("ClusterRoleBinding", `${JOB_SERVICE_ACCOUNT}-drain`, `${JOB_SERVICE_ACCOUNT}-drain`, JOB_SERVICE_ACCOUNT),
        role("Role", `${JOB_SERVICE_ACCOUNT}-plans`, [rule(["upgrade.cattle.io"], ["plans"], READ)]),
        binding("RoleBinding", `${JOB_SERVICE_ACCOUNT}-plans`, `${JOB_SERVICE_ACCOUNT}-plans`, JOB_SERVICE_ACCOUNT),
    ];
}

// ---- Controller Deployment -------------------------------------------------------------------------

/** Controller settings (SUC reads them from the environment). */
export const CONTROLLER_ENV: Readonly<Record<string, string>> = {
    SYSTEM_UPGRADE_CONTROLLER_DEBUG: "false",
    SYSTEM_UPGRADE_CONTROLLER_THREADS: "2",
    SYSTEM_UPGRADE_CONTROLLER_LEADER_ELECT: "true",
    // A node's Job may take 15 minutes (drain included); a failed one is retried, the Plan waits.
    SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS: "900",
    SYSTEM_UPGRADE_JOB_BACKOFF_LIMIT: "99",
    // Images are pinned by tag (k3s-upgrade by the Plan version), so a cached copy is the right one.
    SYSTEM_UPGRADE_JOB_IMAGE_PULL_POLICY: "IfNotPresent",
    SYSTEM_UPGRADE_JOB_PRIVILEGED: "true",
    SYSTEM_UPGRADE_JOB_TTL_SECONDS_AFTER_FINISH: "900",
    SYSTEM_UPGRADE_PLAN_POLLING_INTERVAL: "15m",
};

/**
 * One controller replica on a server node. The pod itself meets `restricted`: non-root, read-only
 * root filesystem, no capabilities. Unlike upstream's manifest it mounts no host CA directories:
 * Plans here carry a fixed `version`, so the controller never resolves a release channel over HTTPS.
 */
export function controllerDeployment(version: string): K8sObject {
    const kubectl = kubectlImage(version);
    if (kubectl === undefined) {
        throw new Error(`no kubectl image for Kubernetes ${kubernetesMinor(version) ?? version} in charts/images.ts KUBECTL_IMAGES`);
    }
    const selector = { "upgrade.cattle.io/controller": CONTROLLER_NAME };
    const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: CONTROLLER_NAME, namespace: SYSTEM_UPGRADE_NAMESPACE, labels: LABELS },
        spec: {
            replicas: 1,
            // Never two controllers handing out Jobs at once.
            strategy: { type: "Recreate" },
            selector: { matchLabels: selector },
            template: {
                // SUC's drain skips pods carrying its controller label, so it never evicts itself.
                metadata: { labels: { ...LABELS, ...selector } },
                spec: {
                    serviceAccountName: CONTROLLER_SERVICE_ACCOUNT,
                    securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                    affinity: {
                        nodeAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: {
                                nodeSelectorTerms: [
                                    {
                                        matchExpressions: [
                                            { key: "node-role.kubernetes.io/control-plane", operator: "Exists" },
                                            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                                        ],
                                    },
                                ],
                            },
                        },
                    },
                    tolerations: [
                        { key: "CriticalAddonsOnly", operator: "Exists" },
                        { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
                        { key: "node-role.kubernetes.io/etcd", operator: "Exists", effect: "NoExecute" },
                    ],
                    containers: [
                        {
                            name: "controller",
                            image: pinnedImage("systemUpgradeController"),
                            imagePullPolicy: "IfNotPresent",
                            env: [
                                ...Object.entries(CONTROLLER_ENV).map(([name, value]) => ({ name, value })),
                                // Within one minor of the cluster the Plans move it to.
                                { name: "SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE", value: kubectl },
                                fieldEnv("SYSTEM_UPGRADE_CONTROLLER_NAME", "metadata.labels['upgrade.cattle.io/controller']"),
                                fieldEnv("SYSTEM_UPGRADE_CONTROLLER_NAMESPACE", "metadata.namespace"),
                                fieldEnv("SYSTEM_UPGRADE_CONTROLLER_NODE_NAME", "spec.nodeName"),
                            ],
                            resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                            securityContext: {
                                allowPrivilegeEscalation: false,
                                readOnlyRootFilesystem: true,
                                runAsNonRoot: true,
                                capabilities: { drop: ["ALL"] },
                            },
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        },
                    ],
                    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                },
            },
        },
    };
}

// ---- k3s Plans ---------------------------------------------------------------------------------

/**
 * The two Plans that move every node to `version`: servers one at a time (cordoned, not drained:
 * k3s restarts in place and the pods keep running), then agents one at a time, each waiting in its
 * prepare step until the server Plan has finished, then drained. Both tolerate every taint, or a
 * tainted node would silently stay on the old version. A node labelled `platform/k3s-upgrade=hold`
 * is skipped by both.
 */
export function k3sUpgradePlans(version: string): K8sObject[] {
    const hold = { key: HOLD_LABEL, operator: "NotIn", values: ["hold"] };
    const common = {
        concurrency: 1,
        version,
        serviceAccountName: JOB_SERVICE_ACCOUNT,
        tolerations: [{ operator: "Exists" }],
        upgrade: { image: K3S_UPGRADE_IMAGE },
    };
    const plan = (name: string, spec: Record<string, unknown>): K8sObject => ({
        apiVersion: "upgrade.cattle.io/v1",
        kind: "Plan",
        metadata: { name, namespace: SYSTEM_UPGRADE_NAMESPACE, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
        spec,
    });
    return [
        plan(SERVER_PLAN, {
            ...common,
            nodeSelector: { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }, hold] },
            cordon: true,
        }),
        plan(AGENT_PLAN, {
            ...common,
            nodeSelector: { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }, hold] },
            // k3s-upgrade's prepare step blocks until the named Plan has completed on every server.
            prepare: { image: K3S_UPGRADE_IMAGE, args: ["prepare", SERVER_PLAN] },
            // Bare pods would block the drain forever; pods stuck terminating for over 60s are not
            // waited for. Evictions honour PodDisruptionBudgets (the Job retries until its deadline).
            drain: { force: true, skipWaitForDeleteTimeout: 60 },
        }),
    ];
}
