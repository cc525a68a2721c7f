/**
 * The image k3s Plans run on each node; the controller appends the Plan's version as the tag
 * (`v1.36.4+k3s1` -> `rancher/k3s-upgrade:v1.36.4-k3s1`), so it is pinned through the k3s version.
 * The controller's own images are pinned in charts/images.ts.
 */
export const K3S_UPGRADE_IMAGE = "rancher/k3s-upgrade";
