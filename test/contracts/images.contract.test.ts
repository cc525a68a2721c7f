/**
 * Every image the platform's own objects run (charts/images.ts) is a tag some upstream build
 * publishes. One row per entry: the build (repo@ref:path) that pushes it, the image name it pushes
 * under, and the tags it pushes for the line the platform runs, as a literal pattern. A new entry
 * without a row fails, and so does a tag outside the row's pattern: a tag no build publishes leaves
 * its pod in ImagePullBackOff (DeepFlow's Grafana plugins at `v7.1.8` kept Grafana in Init, so the
 * kube-prometheus-stack release rolled back and everything after it never installed).
 * No registry is reachable from here: the rows come from the build definitions and the git refs of
 * each upstream repository, read with `git show <ref>:<path>`, not from the registries.
 */
import { IMAGES, KUBECTL_IMAGES, MOVING_TAG_IMAGES, type ImageEntry } from "../../charts/images";

interface Publisher {
    /** The image name the build pushes (Docker Hub name, or registry/name). */
    readonly image: string;
    /** Tags it pushes for the line the platform runs. */
    readonly tags: RegExp;
    /** The build that pushes them, as repo@ref:path, and what it names each tag after. */
    readonly build: string;
    /** The tag moves with a branch and no fixed tag exists for the release (charts/images.ts MOVING_TAG_IMAGES). */
    readonly moving?: true;
}

/** ClickHouse: the release workflow builds each image at the release tag v<X.Y.Z.W>-lts and tags it <X.Y.Z.W>, <X.Y.Z>, <X.Y>. */
const CLICKHOUSE_BUILD =
    "ClickHouse/ClickHouse@02ac9d7e:.github/workflows/create_release.yml (steps 'Docker clickhouse/clickhouse-server|keeper building': --tag=<image>:${CLICKHOUSE_VERSION_STRING}); earlier releases: tests/ci/docker_server.py gen_tags('release'); release tag v24.8.14.39-lts (502d0392)";
/** DeepFlow's workflows push `deepflowce/<IMAGE>:${{ github.ref_name }}` (and the Aliyun registries, in separate steps). */
const DEEPFLOW_TAG = "IMAGE_TAG_PREFIX=${{ github.ref_name }} -> deepflowce/<IMAGE>:${IMAGE_TAG_PREFIX}";
/**
 * Kubernetes releases: build/common.sh kube::build::get_docker_wrapped_binaries lists kubectl (from
 * v1.28), built from build/server-image/kubectl/Dockerfile and promoted to registry.k8s.io/kubectl:<release tag>.
 * rancher/kubectl@6343a931:versions.txt (taken from kubernetes/kubernetes GitHub releases, non-prerelease)
 * lists v1.35.6 and v1.36.2.
 */
const KUBECTL_BUILD = "kubernetes/kubernetes@72d35842:build/common.sh (kubectl image), build/server-image/kubectl/Dockerfile; tag = the Kubernetes release tag";

const PUBLISHERS: Readonly<Record<string, Publisher>> = {
    "IMAGES.clickhouse": { image: "clickhouse/clickhouse-server", tags: /^24\.8\.\d+\.\d+$/, build: CLICKHOUSE_BUILD },
    "IMAGES.clickhouseKeeper": { image: "clickhouse/clickhouse-keeper", tags: /^24\.8\.\d+\.\d+$/, build: CLICKHOUSE_BUILD },
    // on: push: tags: ['*']; publish-image action tag: ${{ github.ref_name }}, public-repo rancher (Docker Hub).
    // A release past 0.20 must have its Plan CRD and RBAC re-read (components/cluster/systemUpgrade.ts).
    "IMAGES.systemUpgradeController": {
        image: "rancher/system-upgrade-controller",
        tags: /^v0\.20\.\d+$/,
        build: "rancher/system-upgrade-controller@v0.20.1 (f1362a3f):.github/workflows/release.yml job publish",
    },
    // on: push: tags: ['*'] (branch filters v7.[0-9] and path filters do not apply to tag pushes); tag v7.1.8 = ed89af6d.
    "IMAGES.deepflowServer": {
        image: "deepflowce/deepflow-server",
        tags: /^v7\.1\.\d+$/,
        build: `deepflowio/deepflow@v7.1.8:.github/workflows/server-build.yml, ${DEEPFLOW_TAG}`,
    },
    // Same workflow trigger; job build_agent_image pushes the image.
    "IMAGES.deepflowAgent": {
        image: "deepflowce/deepflow-agent",
        tags: /^v7\.1\.\d+$/,
        build: `deepflowio/deepflow@v7.1.8:.github/workflows/agent-build.yml job build_agent_image, ${DEEPFLOW_TAG}`,
    },
    // deepflow-app has no v7.1.x git tags: its workflow also builds branches v7.[0-9].[0-9], and branch v7.1.8 is f2ba15d0.
    "IMAGES.deepflowApp": {
        image: "deepflowce/deepflow-app",
        tags: /^v7\.1\.\d+$/,
        build: `deepflowio/deepflow-app@v7.1.8 (branch):.github/workflows/app-build.yml, ${DEEPFLOW_TAG}`,
    },
    // The plugins' own repository builds branches main (as `latest`), v6.[1-9], v7.[1-9], v7.[0-9].[0-9] and every
    // git tag. Its newest git tag is v6.6.5 and the snapshot read here (to 2025-04-18) has no v7.1 ref at all;
    // the only 7.1 tag upstream names is the one chart deepflow 7.1.002 uses
    // (deepflowio/deepflow-charts@deepflow-7.1.002:charts/deepflow/values.yaml, grafana.extraInitContainers
    // init-custom-plugins: `deepflowio-init-grafana:v7.1`), pushed from the v7.1 branch and moved with it.
    "IMAGES.deepflowGrafanaPlugins": {
        image: "deepflowce/deepflowio-init-grafana",
        tags: /^v7\.1$/,
        build: `deepflowio/deepflow-gui-grafana@b9f3490e (main):.github/workflows/main.yml, ${DEEPFLOW_TAG}`,
        moving: true,
    },
    // ko pushes gcr.io/projectsigstore/policy-controller:<git tag>, which release/release.mk
    // copy-policy-controller-signed-release-to-ghcr copies (cosign copy) to ghcr.io/sigstore/policy-controller/policy-controller:<git tag>.
    "IMAGES.policyController": {
        image: "ghcr.io/sigstore/policy-controller/policy-controller",
        tags: /^v0\.13\.\d+$/,
        build: "sigstore/policy-controller@v0.13.1 (ccbb37f3):.github/workflows/release.yaml (make build-sign-release-images, copy-signed-release-to-ghcr), Makefile ko-policy-controller --tags $(GIT_VERSION)",
    },
    // Chainguard's public registry serves kubectl as `latest` and `latest-dev` (the `-dev` variant adds a shell);
    // version tags are for paying organisations ("access to older tags", images/kubectl/README.md).
    "IMAGES.policyControllerLeasesCleanup": {
        image: "cgr.dev/chainguard/kubectl",
        tags: /^latest-dev$/,
        build: "chainguard-images/images@151cd3df:images/kubectl/main.tf (module tagger: latest, latest-dev), README.md",
        moving: true,
    },
    "KUBECTL_IMAGES.1.35": { image: "registry.k8s.io/kubectl", tags: /^v1\.35\.\d+$/, build: KUBECTL_BUILD },
    "KUBECTL_IMAGES.1.36": { image: "registry.k8s.io/kubectl", tags: /^v1\.36\.\d+$/, build: KUBECTL_BUILD },
};

const entries: [string, ImageEntry][] = [
    ...Object.entries(IMAGES).map(([key, entry]): [string, ImageEntry] => [`IMAGES.${key}`, entry]),
    ...Object.entries(KUBECTL_IMAGES).map(([minor, entry]): [string, ImageEntry] => [`KUBECTL_IMAGES.${minor}`, entry]),
];

describe("every pinned image is a tag an upstream build publishes", () => {
    it("names the publishing build of every entry in charts/images.ts, and no build for an entry that is gone", () => {
        expect(entries.map(([key]) => key).sort()).toEqual(Object.keys(PUBLISHERS).sort());
    });

    it.each(entries)("%s: the image name and a tag its build pushes", (key, entry) => {
        const publisher = PUBLISHERS[key];
        expect({ key, image: entry.image, tagPublished: publisher.tags.test(entry.tag) }).toEqual({ key, image: publisher.image, tagPublished: true });
    });

    it("treats as moving exactly the entries whose upstream publishes no fixed tag, so the policy exception covers nothing else", () => {
        const moving = entries.filter(([key]) => PUBLISHERS[key].moving === true).map(([, entry]) => entry);
        expect([...MOVING_TAG_IMAGES]).toEqual(moving);
    });
});
