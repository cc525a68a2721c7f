/**
 * Creates the system-upgrade-controller and the k3s Plans (pure builders in systemUpgrade.ts) as
 * Pulumi resources for ClusterK3s, on the cluster's own provider.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { apiServerFlow } from "../lib/flows";
import { platformNamespace, podSecurityVersion } from "../lib/namespace";
import { createNetworkPolicies, flowPolicySpecs } from "../lib/networkPolicy";
import {
    controllerDeployment,
    K8sObject,
    k3sUpgradePlans,
    planCrd,
    SYSTEM_UPGRADE_NAMESPACE,
    SYSTEM_UPGRADE_PSA_REASON,
    systemUpgradeRbac,
} from "./systemUpgrade";

/**
 * SUC and the Plans `k3s-server` / `k3s-agent` at `version`. A version change in config changes only
 * the Plans' `version`; the controller then upgrades servers one at a time, then agents. The Plans
 * are created after `nodes` (every node's install), the CRD and the controller.
 * `name` is the cluster component's name; `opts` carries its parent and provider. Returns the Plans
 * and every object created (the Plans included), which a node restart must not overlap.
 */
export function systemUpgrade(
    name: string,
    version: string,
    nodes: readonly pulumi.Resource[],
    opts: pulumi.CustomResourceOptions,
    /** The cluster's pod and Service CIDRs: the controller's egress is then denied but for DNS and the API server. */
    clusterCidrs?: readonly string[],
): { plans: k8s.apiextensions.CustomResource[]; objects: pulumi.Resource[] } {
    const namespace = platformNamespace(
        `${name}-system-upgrade-ns`,
        { name: SYSTEM_UPGRADE_NAMESPACE, podSecurity: "privileged", reason: SYSTEM_UPGRADE_PSA_REASON, podSecurityVersion: podSecurityVersion(version) },
        opts,
    );
    // Nothing connects to the controller (no webhook, metrics or Service) and the Jobs use the host
    // network, so denying all ingress costs nothing, in every profile; the controller itself only
    // talks to the API server. Its own policies, from the one generator, whatever the profile says.
    const flows = [apiServerFlow({ namespace: SYSTEM_UPGRADE_NAMESPACE }, "system-upgrade-controller")];
    const policies =
        clusterCidrs && clusterCidrs.length >= 2
            ? createNetworkPolicies(
                  `${name}-system-upgrade-ns-netpol`,
                  namespace.metadata.name,
                  flowPolicySpecs(flows, [SYSTEM_UPGRADE_NAMESPACE], { podCidr: clusterCidrs[0], serviceCidr: clusterCidrs[1] }).get(
                      SYSTEM_UPGRADE_NAMESPACE,
                  ) ?? [],
                  opts,
              )
            : [];
    const crd = new k8s.apiextensions.v1.CustomResourceDefinition(
        `${name}-system-upgrade-crd`,
        planCrd() as k8s.apiextensions.v1.CustomResourceDefinitionArgs,
        opts,
    );
    const rbac = systemUpgradeRbac().map((o) =>
        rawObject(`${name}-system-upgrade-${o.kind.toLowerCase()}-${o.metadata.name}`, o, { ...opts, dependsOn: [namespace] }),
    );
    const controller = new k8s.apps.v1.Deployment(`${name}-system-upgrade-controller`, controllerDeployment(version) as k8s.apps.v1.DeploymentArgs, {
        ...opts,
        dependsOn: [namespace, crd, ...rbac],
    });
    const plans = k3sUpgradePlans(version).map(
        (plan) =>
            new k8s.apiextensions.CustomResource(`${name}-plan-${plan.metadata.name}`, plan as k8s.apiextensions.CustomResourceArgs, {
                ...opts,
                dependsOn: [crd, namespace, controller, ...nodes],
            }),
    );
    return { plans, objects: [namespace, ...policies, crd, ...rbac, controller, ...plans] };
}

/** Creates one raw object of the kinds systemUpgradeRbac returns. */
function rawObject(name: string, obj: K8sObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    switch (obj.kind) {
        case "ServiceAccount":
            return new k8s.core.v1.ServiceAccount(name, obj as k8s.core.v1.ServiceAccountArgs, opts);
        case "ClusterRole":
            return new k8s.rbac.v1.ClusterRole(name, obj as k8s.rbac.v1.ClusterRoleArgs, opts);
        case "ClusterRoleBinding":
            return new k8s.rbac.v1.ClusterRoleBinding(name, obj as k8s.rbac.v1.ClusterRoleBindingArgs, opts);
        case "Role":
            return new k8s.rbac.v1.Role(name, obj as k8s.rbac.v1.RoleArgs, opts);
        case "RoleBinding":
            return new k8s.rbac.v1.RoleBinding(name, obj as k8s.rbac.v1.RoleBindingArgs, opts);
        default:
            throw new Error(`no resource class for ${obj.kind} ${obj.metadata.name}`);
    }
}
