/**
 * Images of the Rancher system-upgrade-controller (SUC) that ClusterK3s deploys, pinned. One line
 * per image: a Renovate regex manager (renovate.json) reads the image and tag of each entry.
 * A controller bump must also be checked against the Plan CRD and RBAC in systemUpgrade.ts, which
 * follow that release's manifests.
 */
export const SYSTEM_UPGRADE_IMAGES = {
    /** The controller (https://github.com/rancher/system-upgrade-controller). */
    controller: { image: "rancher/system-upgrade-controller", tag: "v0.20.1" },
    /** kubectl the controller runs in each Job to cordon and drain the node (its default in v0.20.1). */
    kubectl: { image: "rancher/kubectl", tag: "v1.30.3" },
} as const;

/** `repository:tag` of one pinned image. */
export function pinnedImage(name: keyof typeof SYSTEM_UPGRADE_IMAGES): string {
    const { image, tag } = SYSTEM_UPGRADE_IMAGES[name];
    return `${image}:${tag}`;
}

/**
 * The image k3s Plans run on each node; the controller appends the Plan's version as the tag
 * (`v1.36.4+k3s1` -> `rancher/k3s-upgrade:v1.36.4-k3s1`), so it is pinned through the k3s version.
 */
export const K3S_UPGRADE_IMAGE = "rancher/k3s-upgrade";
