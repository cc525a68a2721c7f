/**
 * Images the platform's own objects run (chart-internal images are pinned by the chart version
 * in charts/versions.ts). One line per image: Renovate's docker regex manager (renovate.json)
 * reads the image and tag of each entry.
 */
export const IMAGES = {
    /** ClickHouse server of the ClickHouseInstallation (24.8 LTS). */
    clickhouse: { image: "clickhouse/clickhouse-server", tag: "24.8.14.39" },
    /** ClickHouse Keeper, same release as the server. */
    clickhouseKeeper: { image: "clickhouse/clickhouse-keeper", tag: "24.8.14.39" },
    /**
     * Rancher system-upgrade-controller that ClusterK3s deploys. A bump must be checked against the
     * Plan CRD and RBAC in components/cluster/systemUpgrade.ts, which follow that release's manifests.
     */
    systemUpgradeController: { image: "rancher/system-upgrade-controller", tag: "v0.20.1" },
    /** kubectl the controller runs in each upgrade Job to cordon and drain (its default in v0.20.1). */
    kubectl: { image: "rancher/kubectl", tag: "v1.30.3" },
} as const;

/** `repository:tag` of one pinned image. */
export function pinnedImage(name: keyof typeof IMAGES): string {
    const { image, tag } = IMAGES[name];
    return `${image}:${tag}`;
}
