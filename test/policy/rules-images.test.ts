import { checkAll, isAcceptedMovingTag, isFloatingTag, isPinnedImage } from "../../policy/rules";
import { dev, goodContainer, pod, prod, res, rule } from "./ruleFixtures";

describe("policy rules", () => {
    describe("images-pinned", () => {
        const release = (values: Record<string, unknown>) => res("kubernetes:helm.sh/v3:Release", { chart: "x", values });
        const chi = (image: string) =>
            res("kubernetes:clickhouse.altinity.com/v1:ClickHouseInstallation", {
                metadata: { namespace: "clickhouse" },
                spec: { templates: { podTemplates: [{ name: "clickhouse", spec: { containers: [{ name: "clickhouse", image }] } }] } },
            });
        const plan = (upgrade: Record<string, unknown>, version?: string) =>
            res("kubernetes:upgrade.cattle.io/v1:Plan", { spec: { upgrade, ...(version ? { version } : {}) } });
        it("passes tags and digests", () => {
            expect(isPinnedImage("registry.example.com:5000/team/app:1.2.3")).toBe(true);
            expect(isPinnedImage(`nginx@sha256:${"a".repeat(64)}`)).toBe(true);
            expect(isPinnedImage(`nginx:1.27@sha256:${"a".repeat(64)}`)).toBe(true);
            expect(isPinnedImage("clickhouse/clickhouse-server:24.8.14.39")).toBe(true);
            expect(rule("images-pinned").check(pod(goodContainer), dev)).toEqual([]);
            expect(rule("images-pinned").check(release({ controller: { image: { repository: "x", tag: "5.5.4" } } }), dev)).toEqual([]);
            // A repository without a tag takes the chart's own default, pinned by the chart version.
            expect(rule("images-pinned").check(release({ global: { image: { repository: "registry.example.com/deepflow" } } }), dev)).toEqual([]);
        });
        it("fails latest, missing tags, and latest in chart values", () => {
            expect(isPinnedImage("registry.example.com:5000/app")).toBe(false);
            expect(rule("images-pinned").check(pod({ ...goodContainer, image: "nginx:latest" }), dev)).toEqual([
                "r1 container app uses unpinned image nginx:latest",
            ]);
            expect(rule("images-pinned").check(pod({ ...goodContainer, image: "nginx" }), dev)).toHaveLength(1);
            expect(rule("images-pinned").check(release({ a: { image: { repository: "x", tag: "latest" } } }), dev)).toEqual([
                'r1 sets values.a.image.tag to "latest"',
            ]);
        });
        it("fails floating tags: only a major or major.minor, or a moving name", () => {
            for (const tag of ["v7.1", "7", "24.8", "stable", "edge", "nightly"]) expect(isFloatingTag(tag)).toBe(true);
            for (const tag of ["v7.1.8", "24.8.14.39", "v0.20.1", "1.27.0-alpine", "v1.36.4+k3s1"]) expect(isFloatingTag(tag)).toBe(false);
            expect(rule("images-pinned").check(pod({ ...goodContainer, image: "deepflowce/deepflow-server:v7.1" }), dev)).toEqual([
                "r1 container app uses unpinned image deepflowce/deepflow-server:v7.1",
            ]);
            expect(rule("images-pinned").check(release({ server: { image: { repository: "x", tag: "v7.1" } } }), dev)).toEqual([
                'r1 sets values.server.image.tag to "v7.1"',
            ]);
        });
        it("accepts the one image upstream publishes only under a moving tag, at that tag and from any registry, and nothing else", () => {
            // deepflowio/deepflow-gui-grafana publishes DeepFlow's Grafana plugins for 7.1 only as `v7.1`
            // (branch-named); chart deepflow 7.1.002 uses that tag itself.
            const init = (image: string) => release({ grafana: { extraInitContainers: [{ name: "deepflow-plugins", image }] } });
            expect(isAcceptedMovingTag("registry.cn-hongkong.aliyuncs.com/deepflow-ce/deepflowio-init-grafana:v7.1")).toBe(true);
            expect(rule("images-pinned").check(init("harbor.example.com/deepflowce/deepflowio-init-grafana:v7.1"), dev)).toEqual([]);
            expect(rule("images-pinned").check(init("harbor.example.com/deepflowce/deepflowio-init-grafana:latest"), dev)).toHaveLength(1);
            expect(rule("images-pinned").check(init("harbor.example.com/deepflowce/deepflowio-init-grafana:v7.0"), dev)).toHaveLength(1);
            expect(rule("images-pinned").check(init("harbor.example.com/deepflowce/deepflow-server:v7.1"), dev)).toHaveLength(1);
            // Still reported as lacking a digest in prod (advisory).
            expect(rule("images-digest").check(init("harbor.example.com/deepflowce/deepflowio-init-grafana:v7.1"), prod)).toEqual([
                "r1 sets values.grafana.extraInitContainers[0].image without a digest (harbor.example.com/deepflowce/deepflowio-init-grafana:v7.1: a tag upstream moves, charts/images.ts MOVING_TAG_IMAGES)",
            ]);
        });
        it("reads a chart's `version` as the tag, or as the digest when it is one (policy-controller's image maps), and knows latest-* moves", () => {
            const digest = `sha256:${"b".repeat(64)}`;
            expect(isFloatingTag("latest-dev")).toBe(true);
            expect(rule("images-pinned").check(release({ webhook: { image: { repository: "ghcr.io/x/y", version: digest } } }), dev)).toEqual([]);
            expect(rule("images-digest").check(release({ webhook: { image: { repository: "ghcr.io/x/y", version: digest } } }), prod)).toEqual([]);
            expect(rule("images-pinned").check(release({ cleanup: { image: { repository: "example.org/tool", version: "latest-dev" } } }), dev)).toEqual([
                'r1 sets values.cleanup.image.tag to "latest-dev"',
            ]);
            // policy-controller's leases-cleanup hook image: Chainguard publishes it only as latest/latest-dev (charts/images.ts MOVING_TAG_IMAGES).
            expect(
                rule("images-pinned").check(release({ leasescleanup: { image: { repository: "cgr.dev/chainguard/kubectl", version: "latest-dev" } } }), dev),
            ).toEqual([]);
        });
        it("reads image strings anywhere in Helm values (extra containers, sidecars)", () => {
            expect(
                rule("images-pinned").check(release({ grafana: { extraInitContainers: [{ name: "plugins", image: "example/plugins:v2.3.1" }] } }), dev),
            ).toEqual([]);
            expect(
                rule("images-pinned").check(release({ grafana: { extraInitContainers: [{ name: "plugins", image: "example/plugins:v2.3" }] } }), dev),
            ).toEqual(["r1 sets values.grafana.extraInitContainers[0].image to unpinned image example/plugins:v2.3"]);
            expect(rule("images-pinned").check(release({ sidecar: { image: "busybox" } }), dev)).toEqual([
                "r1 sets values.sidecar.image to unpinned image busybox",
            ]);
        });
        it("reads pod templates inside custom resources, and Plans' images with their version", () => {
            expect(rule("images-pinned").check(chi("clickhouse/clickhouse-server:24.8.14.39"), dev)).toEqual([]);
            expect(rule("images-pinned").check(chi("clickhouse/clickhouse-server:latest"), dev)).toEqual([
                "r1 container clickhouse uses unpinned image clickhouse/clickhouse-server:latest",
            ]);
            expect(rule("images-pinned").check(plan({ image: "rancher/k3s-upgrade" }, "v1.36.4+k3s1"), dev)).toEqual([]);
            expect(rule("images-pinned").check(plan({ image: "rancher/k3s-upgrade" }), dev)).toEqual(["r1 plan uses unpinned image rancher/k3s-upgrade"]);
        });
    });

    describe("images-digest (advisory, docs/adr/0013)", () => {
        const digest = `sha256:${"b".repeat(64)}`;
        it("passes digests in prod, and anything in dev", () => {
            expect(rule("images-digest").check(pod({ ...goodContainer, image: `nginx:1.27.0@${digest}` }), prod)).toEqual([]);
            expect(
                rule("images-digest").check(
                    res("kubernetes:helm.sh/v3:Release", { values: { controller: { image: { repository: "x", tag: "5.5.4", digest } } } }),
                    prod,
                ),
            ).toEqual([]);
            expect(rule("images-digest").check(pod(goodContainer), dev)).toEqual([]);
        });
        it("reports prod images without a digest, never blocking", () => {
            expect(rule("images-digest").advisory).toBe(true);
            expect(rule("images-digest").check(pod(goodContainer), prod)).toEqual(["r1 container app runs nginx:1.27.0 without a digest"]);
            expect(
                rule("images-digest").check(
                    res("kubernetes:helm.sh/v3:Release", { values: { controller: { image: { repository: "x", tag: "5.5.4" } } } }),
                    prod,
                ),
            ).toEqual(["r1 sets values.controller.image without a digest"]);
            expect(checkAll([pod(goodContainer)], prod).find((v) => v.rule === "images-digest")).toMatchObject({ advisory: true });
        });
    });

    describe("helm-chart-pinned", () => {
        it("passes exact versions", () => {
            expect(rule("helm-chart-pinned").check(res("kubernetes:helm.sh/v3:Release", { chart: "cert-manager", version: "v1.21.1" }), dev)).toEqual([]);
        });
        it("fails ranges and missing versions", () => {
            expect(rule("helm-chart-pinned").check(res("kubernetes:helm.sh/v3:Release", { chart: "harbor", version: "^1.19" }), dev)).toEqual([
                "r1 installs chart harbor without an exact version (^1.19)",
            ]);
            expect(rule("helm-chart-pinned").check(res("kubernetes:helm.sh/v3:Release", { chart: "harbor" }), dev)).toHaveLength(1);
        });
    });
});
