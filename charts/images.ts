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
    /**
     * DeepFlow 7.1 (chart deepflow 7.1.002 defaults to the moving `v7.1` tag). DeepFlow's build
     * workflows push every git tag as an image tag of the same name, to Docker Hub (`deepflowce/`,
     * what Renovate reads) and to the Aliyun registries alike; the pods pull
     * `<monitoring.deepflow.imageRegistry>/<name>:<tag>` (deepflowImage below).
     */
    deepflowServer: { image: "deepflowce/deepflow-server", tag: "v7.1.8" },
    deepflowApp: { image: "deepflowce/deepflow-app", tag: "v7.1.8" },
    deepflowAgent: { image: "deepflowce/deepflow-agent", tag: "v7.1.8" },
    /** DeepFlow's Grafana plugins (unsigned), copied into Grafana's plugin folder by an init container. */
    deepflowGrafanaPlugins: { image: "deepflowce/deepflowio-init-grafana", tag: "v7.1.8" },
} as const;

/** `repository:tag` of one pinned image. */
export function pinnedImage(name: keyof typeof IMAGES): string {
    const { image, tag } = IMAGES[name];
    return `${image}:${tag}`;
}

/** DeepFlow's images, pulled from a configurable registry (monitoring.deepflow.imageRegistry). */
export type DeepFlowImage = "deepflowServer" | "deepflowApp" | "deepflowAgent" | "deepflowGrafanaPlugins";

/** The image's name in `registry` (e.g. `registry.example.com/deepflow-ce/deepflow-server`), without its tag. */
export function deepflowRepository(registry: string, name: DeepFlowImage): string {
    return `${registry}/${IMAGES[name].image.split("/").pop()!}`;
}

/** `<registry>/<name>:<pinned tag>` of one DeepFlow image. */
export function deepflowImage(registry: string, name: DeepFlowImage): string {
    return `${deepflowRepository(registry, name)}:${IMAGES[name].tag}`;
}
