/**
 * Images the platform's own objects run (chart-internal images are pinned by the chart version
 * in charts/versions.ts). One line per image: Renovate's docker regex manager (renovate.json)
 * reads the image, tag and optional digest of each entry, writes the digest in (`pinDigests`) and
 * keeps it current. A `digest` is only ever what Renovate or `crane digest <image>:<tag>` reported,
 * never typed by hand (docs/adr/0013). Each entry stays on one line: image, tag, then (once known)
 * the digest, each as a quoted string, in that order.
 */

/** One pinned image: repository, tag and, once Renovate has looked it up, the digest of that tag. */
export interface ImageEntry {
    readonly image: string;
    readonly tag: string;
    readonly digest?: string;
}

/** `repository:tag`, or `repository:tag@sha256:...` when the digest is known. */
export function imageRef(entry: ImageEntry): string {
    return entry.digest === undefined ? `${entry.image}:${entry.tag}` : `${entry.image}:${entry.tag}@${entry.digest}`;
}

// biome-ignore format: one line per image, as Renovate's regex manager (renovate.json) reads and rewrites them
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
     * workflows name each image after the git ref they build: a release tag (server, agent) or a
     * release branch (app), to Docker Hub (`deepflowce/`, what Renovate reads) and, in separate
     * pushes, to the Aliyun registries; the pods pull
     * `<monitoring.deepflow.imageRegistry>/<name>:<tag>` (deepflowImage below). Which build
     * publishes each tag: test/contracts/images.contract.test.ts.
     */
    deepflowServer: { image: "deepflowce/deepflow-server", tag: "v7.1.8" },
    deepflowApp: { image: "deepflowce/deepflow-app", tag: "v7.1.8" },
    deepflowAgent: { image: "deepflowce/deepflow-agent", tag: "v7.1.8" },
    /**
     * DeepFlow's Grafana plugins (unsigned), copied into Grafana's plugin folder by an init
     * container. They come from their own repository (deepflowio/deepflow-gui-grafana), which has no
     * per-patch release: the tag is the one chart deepflow 7.1.002 itself uses, built from that
     * repository's `v7.1` branch and moved by each push to it (see MOVING_TAG_IMAGES).
     */
    deepflowGrafanaPlugins: { image: "deepflowce/deepflowio-init-grafana", tag: "v7.1" },
    /**
     * Sigstore policy-controller, the admission webhook (docs/adr/0022). The digest is the one chart
     * policy-controller 0.10.6 itself pins (values.yaml `webhook.image.version`, recorded there from
     * `crane digest ...:v0.13.1`; the same in Chart.yaml `artifacthub.io/images`), not typed here:
     * test/contracts/policy-controller.contract.test.ts compares it with that file.
     */
    policyController: { image: "ghcr.io/sigstore/policy-controller/policy-controller", tag: "v0.13.1", digest: "sha256:0bcd60beb93f4427c29cf3a669743caf58490e98ded4380c33c09f092734a6ab" },
    /**
     * The kubectl image of policy-controller's post-delete hook (it deletes the webhook's leader
     * leases on uninstall; it never runs otherwise). Chainguard publishes this image under
     * `latest`/`latest-dev` only, and the hook runs `/bin/sh -c kubectl ...`, which needs the `-dev`
     * variant's shell: a moving tag until Renovate writes its digest (docs/adr/0013, MOVING_TAG_IMAGES),
     * which the hook then runs (`latest-dev@sha256:...`, components/security/admissionValues.ts
     * leasesCleanupImage). The hook cannot be turned off and registry.k8s.io/kubectl has no shell
     * (docs/adr/0022 "The post-delete hook's image").
     */
    policyControllerLeasesCleanup: { image: "cgr.dev/chainguard/kubectl", tag: "latest-dev" },
} as const satisfies Record<string, ImageEntry>;

/**
 * Entries whose upstream publishes no fixed tag for the release the platform runs, only a tag its
 * build moves with a branch. The `images-pinned` policy accepts exactly these (by image name and
 * tag, in any registry); `images-digest` still reports them in prod until a digest is set. A digest
 * only pins what the registry it was read from serves: DeepFlow pushes Docker Hub and Aliyun
 * separately, so a Docker Hub digest is not known to name the image in the Aliyun registry.
 */
export const MOVING_TAG_IMAGES: readonly ImageEntry[] = [IMAGES.deepflowGrafanaPlugins, IMAGES.policyControllerLeasesCleanup];

/**
 * kubectl the system-upgrade-controller runs in each upgrade Job to cordon and drain, per
 * Kubernetes minor: kubectl supports one minor of skew against the API server, so the Jobs use the
 * line of the Plan's own version (the controller's default, rancher/kubectl:v1.30.3 in v0.20.1, is
 * six minors behind k3s v1.36). Renovate moves each line's patch only (renovate.json).
 * registry.k8s.io/kubectl is the Kubernetes project's own image, published with every Kubernetes
 * release; its entrypoint is kubectl, which the controller needs (it passes only arguments).
 * rancher/kubectl, used before, is deprecated upstream (its README, since 2025-10).
 */
// biome-ignore format: one line per image, as Renovate's regex manager (renovate.json) reads and rewrites them
export const KUBECTL_IMAGES: Readonly<Record<string, ImageEntry>> = {
    "1.35": { image: "registry.k8s.io/kubectl", tag: "v1.35.6" },
    "1.36": { image: "registry.k8s.io/kubectl", tag: "v1.36.2" },
};

/** The Kubernetes minor (`1.36`) of a k3s or Kubernetes version (`v1.36.4+k3s1`). */
export function kubernetesMinor(version: string): string | undefined {
    const match = /^v?(\d+)\.(\d+)\./.exec(version);
    return match ? `${match[1]}.${match[2]}` : undefined;
}

/** The kubectl image for a cluster version (with its digest when known), or undefined when the table has no line for its minor. */
export function kubectlImage(version: string): string | undefined {
    const minor = kubernetesMinor(version);
    const entry = minor === undefined ? undefined : KUBECTL_IMAGES[minor];
    return entry && imageRef(entry);
}

/** One pinned image as a reference (`repository:tag`, with `@sha256:...` when the digest is known). */
export function pinnedImage(name: keyof typeof IMAGES): string {
    return imageRef(IMAGES[name]);
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
