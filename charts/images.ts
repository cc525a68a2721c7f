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

/**
 * kubectl the system-upgrade-controller runs in each upgrade Job to cordon and drain, per
 * Kubernetes minor: kubectl supports one minor of skew against the API server, so the Jobs use the
 * line of the Plan's own version (the controller's default, v1.30.3 in v0.20.1, is six minors
 * behind k3s v1.36). Renovate moves each line's patch only (renovate.json). rancher/kubectl does
 * not publish every Kubernetes patch: take tags that exist on Docker Hub.
 */
export const KUBECTL_IMAGES: Readonly<Record<string, { readonly image: string; readonly tag: string }>> = {
    "1.35": { image: "rancher/kubectl", tag: "v1.35.6" },
    "1.36": { image: "rancher/kubectl", tag: "v1.36.0" },
};

/** The Kubernetes minor (`1.36`) of a k3s or Kubernetes version (`v1.36.4+k3s1`). */
export function kubernetesMinor(version: string): string | undefined {
    const match = /^v?(\d+)\.(\d+)\./.exec(version);
    return match ? `${match[1]}.${match[2]}` : undefined;
}

/** `repository:tag` of the kubectl for a cluster version, or undefined when the table has no line for its minor. */
export function kubectlImage(version: string): string | undefined {
    const minor = kubernetesMinor(version);
    const entry = minor === undefined ? undefined : KUBECTL_IMAGES[minor];
    return entry && `${entry.image}:${entry.tag}`;
}

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
