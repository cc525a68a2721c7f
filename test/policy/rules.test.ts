import { checkAll, HOST_ACCESS, isAcceptedMovingTag, isFloatingTag, isPinnedImage, PolicyResource, RULES } from "../../policy/rules";

const rule = (name: string) => RULES.find((r) => r.name === name)!;
const res = (type: string, inputs: Record<string, unknown>, extra: Partial<PolicyResource> = {}): PolicyResource => ({
    type,
    name: "r1",
    inputs,
    protect: false,
    secretMarker: "[secret]",
    ...extra,
});
const dev = { profile: "dev" as const };
const prod = { profile: "prod" as const };

const pod = (container: Record<string, unknown>, podExtra: Record<string, unknown> = {}, namespace = "apps") =>
    res("kubernetes:apps/v1:Deployment", {
        kind: "Deployment",
        metadata: { name: "web", namespace },
        spec: { template: { spec: { containers: [{ name: "app", ...container }], ...podExtra } } },
    });
const goodContainer = { image: "nginx:1.27.0", resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } } };

describe("policy rules", () => {
    it("has a test below for every rule", () => {
        expect(RULES.map((r) => r.name)).toEqual([
            "ingress-tls",
            "images-pinned",
            "images-digest",
            "namespace-pod-security",
            "no-plaintext-secrets",
            "load-balancer-allowed",
            "resources-set",
            "privileged-allowlist",
            "host-access-allowlist",
            "no-node-port",
            "helm-chart-pinned",
            "prod-stateful-protected",
        ]);
    });

    describe("ingress-tls", () => {
        const ingress = (tls: unknown) =>
            res("kubernetes:networking.k8s.io/v1:Ingress", { spec: { tls, rules: [{ host: "a.example.com" }, { host: "b.example.com" }] } });
        it("passes when TLS covers every host", () => {
            expect(rule("ingress-tls").check(ingress([{ hosts: ["a.example.com", "b.example.com"] }]), dev)).toEqual([]);
        });
        it("fails without TLS or with an uncovered host", () => {
            expect(rule("ingress-tls").check(ingress(undefined), dev)).toEqual(["Ingress r1 has no TLS section"]);
            expect(rule("ingress-tls").check(ingress([{ hosts: ["a.example.com"] }]), dev)).toEqual(["Ingress r1 serves b.example.com without TLS"]);
        });
        it("leaves F5 NIC minions to their master, which NIC alone gives TLS", () => {
            const typed = (type: string) =>
                res("kubernetes:networking.k8s.io/v1:Ingress", {
                    metadata: { annotations: { "nginx.org/mergeable-ingress-type": type } },
                    spec: { rules: [{ host: "a.example.com" }] },
                });
            expect(rule("ingress-tls").check(typed("minion"), dev)).toEqual([]);
            expect(rule("ingress-tls").check(typed("master"), dev)).toEqual(["Ingress r1 has no TLS section"]);
        });
        it("requires a VirtualServer (every app's route) to have a TLS Secret and redirect HTTP to HTTPS", () => {
            const vs = (tls: unknown) => res("kubernetes:k8s.nginx.org/v1:VirtualServer", { spec: { host: "a.example.com", tls } });
            expect(rule("ingress-tls").check(vs({ secret: "a-tls", redirect: { enable: true, code: 301 } }), dev)).toEqual([]);
            expect(rule("ingress-tls").check(vs(undefined), dev)).toEqual(["VirtualServer r1 has no TLS secret"]);
            expect(rule("ingress-tls").check(vs({ secret: "a-tls" }), dev)).toEqual(["VirtualServer r1 does not redirect HTTP to HTTPS"]);
        });
        const release = (values: Record<string, unknown>) => res("kubernetes:helm.sh/v3:Release", { chart: "x", values });
        it("passes chart Ingresses with TLS in their values (list, Longhorn's tls: true, Harbor's expose.tls)", () => {
            expect(
                rule("ingress-tls").check(
                    release({ grafana: { ingress: { enabled: true, hosts: ["g.example.com"], tls: [{ hosts: ["g.example.com"], secretName: "g" }] } } }),
                    dev,
                ),
            ).toEqual([]);
            expect(rule("ingress-tls").check(release({ ingress: { enabled: true, host: "l.example.com", tls: true } }), dev)).toEqual([]);
            expect(rule("ingress-tls").check(release({ expose: { type: "ingress", tls: { enabled: true } } }), dev)).toEqual([]);
            expect(rule("ingress-tls").check(release({ prometheus: { ingress: { enabled: false } } }), dev)).toEqual([]);
        });
        it("fails chart Ingresses enabled without TLS in their values", () => {
            expect(rule("ingress-tls").check(release({ grafana: { ingress: { enabled: true, hosts: ["g.example.com"] } } }), dev)).toEqual([
                "r1 enables an Ingress at values.grafana.ingress without TLS",
            ]);
            expect(rule("ingress-tls").check(release({ ingress: { enabled: true, tls: false } }), dev)).toHaveLength(1);
            expect(rule("ingress-tls").check(release({ prometheus: { ingress: { enabled: true, tls: [] } } }), dev)).toEqual([
                "r1 enables an Ingress at values.prometheus.ingress without TLS",
            ]);
            expect(rule("ingress-tls").check(release({ expose: { type: "ingress", tls: { enabled: false } } }), dev)).toEqual([
                "r1 enables an Ingress at values.expose.tls without TLS",
            ]);
        });
    });

    describe("images-pinned", () => {
        it("requires a VirtualServer (every app's route) to have a TLS Secret and redirect HTTP to HTTPS", () => {
            const vs = (tls: unknown) => res("kubernetes:k8s.nginx.org/v1:VirtualServer", { spec: { host: "a.example.com", tls } });
            expect(rule("ingress-tls").check(vs({ secret: "a-tls", redirect: { enable: true, code: 301 } }), dev)).toEqual([]);
            expect(rule("ingress-tls").check(vs(undefined), dev)).toEqual(["VirtualServer r1 has no TLS secret"]);
            expect(rule("ingress-tls").check(vs({ secret: "a-tls" }), dev)).toEqual(["VirtualServer r1 does not redirect HTTP to HTTPS"]);
        });
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

    describe("namespace-pod-security", () => {
        const ns = (labels: Record<string, string>) => res("kubernetes:core/v1:Namespace", { metadata: { name: "x", labels } });
        it("passes with an enforce level", () => {
            expect(rule("namespace-pod-security").check(ns({ "pod-security.kubernetes.io/enforce": "restricted" }), dev)).toEqual([]);
        });
        it("fails without one", () => {
            expect(rule("namespace-pod-security").check(ns({}), dev)).toEqual(["Namespace r1 has no pod-security.kubernetes.io/enforce label"]);
        });
    });

    describe("no-plaintext-secrets", () => {
        it("passes secrets shown as [secret] and references to Secrets", () => {
            const inputs = {
                connection: { password: "[secret]" },
                values: {
                    existingSecretAdminPassword: "harbor-admin",
                    core: { existingSecret: "harbor-core", secretName: "tok" },
                    ingress: { tlsSecret: "longhorn-tls", annotations: { "nginx.org/basic-auth-secret": "longhorn-ui-auth" } },
                    // Expanded from a Secret mounted as env (Loki's -config.expand-env, Grafana provisioning).
                    s3: { secretAccessKey: "${LOKI_S3_SECRET_ACCESS_KEY}" },
                    datasource: { secureJsonData: { password: "$__env{CLICKHOUSE_GRAFANA_PASSWORD}" } },
                },
            };
            expect(rule("no-plaintext-secrets").check(res("kubernetes:helm.sh/v3:Release", inputs), dev)).toEqual([]);
        });
        it("fails a plain-text password or token", () => {
            const inputs = { values: { adminPassword: "hunter2", auth: { apiToken: "abc" }, clientSecret: "Xk29fjq", dbPassword: "pre${FIX}" } };
            expect(rule("no-plaintext-secrets").check(res("kubernetes:helm.sh/v3:Release", inputs), dev)).toEqual([
                "r1 input values.adminPassword holds a plain-text secret; make it a Pulumi secret or a Secret reference",
                "r1 input values.auth.apiToken holds a plain-text secret; make it a Pulumi secret or a Secret reference",
                "r1 input values.clientSecret holds a plain-text secret; make it a Pulumi secret or a Secret reference",
                "r1 input values.dbPassword holds a plain-text secret; make it a Pulumi secret or a Secret reference",
            ]);
        });
        it("is render-only: the pack sees decrypted values and cannot judge them", () => {
            expect(rule("no-plaintext-secrets").renderOnly).toBe(true);
            expect(rule("no-plaintext-secrets").check(res("x:y:Z", { password: "p" }, { secretMarker: undefined }), dev)).toEqual([]);
        });
    });

    describe("load-balancer-allowed", () => {
        const svc = (namespace: string) => res("kubernetes:core/v1:Service", { metadata: { namespace }, spec: { type: "LoadBalancer" } });
        it("passes in the ingress namespace", () => {
            expect(rule("load-balancer-allowed").check(svc("ingress-nginx"), dev)).toEqual([]);
            expect(
                rule("load-balancer-allowed").check(
                    res("kubernetes:helm.sh/v3:Release", { namespace: "ingress-nginx", values: { controller: { service: { type: "LoadBalancer" } } } }),
                    dev,
                ),
            ).toEqual([]);
        });
        it("fails elsewhere, raw or through chart values", () => {
            expect(rule("load-balancer-allowed").check(svc("apps"), dev)).toEqual(["Service r1 is a LoadBalancer in namespace apps"]);
            expect(
                rule("load-balancer-allowed").check(
                    res("kubernetes:helm.sh/v3:Release", { namespace: "harbor", values: { expose: { type: "LoadBalancer" } } }),
                    dev,
                ),
            ).toEqual(["r1 creates a LoadBalancer Service in namespace harbor"]);
        });
    });

    describe("resources-set", () => {
        it("passes with requests and a memory limit", () => {
            expect(rule("resources-set").check(pod(goodContainer), dev)).toEqual([]);
        });
        it("fails without them", () => {
            expect(rule("resources-set").check(pod({ image: "nginx:1.27.0", resources: { requests: { cpu: "10m" } } }), dev)).toEqual([
                "r1 container app lacks requests or a memory limit",
            ]);
        });
    });

    describe("privileged-allowlist", () => {
        it("passes privileged pods and namespaces in the allow-list", () => {
            expect(rule("privileged-allowlist").check(pod({ ...goodContainer, securityContext: { privileged: true } }, {}, "deepflow"), dev)).toEqual([]);
            expect(
                rule("privileged-allowlist").check(
                    res("kubernetes:core/v1:Namespace", {
                        metadata: { name: "ingress-nginx", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
                    }),
                    dev,
                ),
            ).toEqual([]);
        });
        it("fails privileged containers, hostPath and privileged namespaces elsewhere", () => {
            expect(rule("privileged-allowlist").check(pod({ ...goodContainer, securityContext: { privileged: true } }), dev)).toEqual([
                "r1 container app is privileged in apps",
            ]);
            expect(
                rule("privileged-allowlist").check(
                    res("kubernetes:helm.sh/v3:Release", { namespace: "apps", values: { securityContext: { privileged: true } } }),
                    dev,
                ),
            ).toEqual(["r1 runs a privileged container in apps"]);
            expect(
                rule("privileged-allowlist").check(
                    res("kubernetes:core/v1:Namespace", { metadata: { name: "hacks", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } }),
                    dev,
                ),
            ).toEqual([expect.stringMatching(/^Namespace hacks is privileged but not in the allow-list/)]);
        });
    });

    describe("host-access-allowlist", () => {
        const release = (namespace: string, values: Record<string, unknown>) => res("kubernetes:helm.sh/v3:Release", { namespace, values });
        const check = (r: PolicyResource) => rule("host-access-allowlist").check(r, dev);
        it("names a reason for every allowed namespace", () => {
            expect(Object.keys(HOST_ACCESS).sort()).toEqual(["deepflow", "ingress-nginx", "longhorn-system", "system-upgrade"]);
            for (const entry of Object.values(HOST_ACCESS)) expect(entry.reason.length).toBeGreaterThan(20);
        });
        it("passes host access in its allow-listed namespaces", () => {
            expect(
                check(pod(goodContainer, { hostNetwork: true, hostPID: true, volumes: [{ name: "proc", hostPath: { path: "/proc" } }] }, "deepflow")),
            ).toEqual([]);
            expect(check(pod({ ...goodContainer, securityContext: { capabilities: { add: ["SYS_ADMIN", "NET_ADMIN"] } } }, {}, "deepflow"))).toEqual([]);
            expect(
                check(
                    release("ingress-nginx", {
                        controller: { hostPort: { enable: true }, securityContext: { capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] } } },
                    }),
                ),
            ).toEqual([]);
            expect(
                check(release("longhorn-system", { csi: { kubeletRootDir: "/var/lib/kubelet" }, defaultSettings: { hostPath: "/var/lib/longhorn" } })),
            ).toEqual([]);
            expect(check(pod(goodContainer, { securityContext: { runAsNonRoot: true } }))).toEqual([]);
        });
        it("fails hostNetwork, hostPID, hostIPC, hostPath, hostPort and added capabilities elsewhere", () => {
            expect(check(pod(goodContainer, { hostNetwork: true, hostPID: true, hostIPC: true }))).toEqual([
                "r1 uses hostNetwork at spec.template.spec.hostNetwork in namespace apps, which is not allowed there",
                "r1 uses hostPID at spec.template.spec.hostPID in namespace apps, which is not allowed there",
                "r1 uses hostIPC at spec.template.spec.hostIPC in namespace apps, which is not allowed there",
            ]);
            expect(check(pod(goodContainer, { volumes: [{ name: "h", hostPath: { path: "/" } }] }))).toEqual([
                "r1 uses hostPath at spec.template.spec.volumes[0] in namespace apps, which is not allowed there",
            ]);
            expect(check(pod({ ...goodContainer, ports: [{ containerPort: 8080, hostPort: 8080 }] }))).toEqual([
                expect.stringMatching(/^r1 uses hostPort at container app port 8080/),
            ]);
            expect(check(pod({ ...goodContainer, securityContext: { capabilities: { add: ["NET_ADMIN"] } } }))).toEqual([
                "r1 uses capabilities (NET_ADMIN) at container app in namespace apps, which is not allowed there",
            ]);
            expect(check(release("monitoring", { nodeExporter: { hostNetwork: true }, extraVolumes: [{ name: "h", hostPath: { path: "/" } }] }))).toHaveLength(
                2,
            );
            // ingress-nginx may bind low ports, nothing more; and no host network.
            expect(check(release("ingress-nginx", { controller: { securityContext: { capabilities: { add: ["NET_BIND_SERVICE", "NET_ADMIN"] } } } }))).toEqual([
                "r1 uses capabilities (NET_BIND_SERVICE, NET_ADMIN) at values.controller.securityContext.capabilities.add in namespace ingress-nginx, which is not allowed there",
            ]);
            expect(check(release("ingress-nginx", { controller: { hostNetwork: true } }))).toHaveLength(1);
            // Pod templates inside custom resources count too.
            const chi = res("kubernetes:clickhouse.altinity.com/v1:ClickHouseInstallation", {
                metadata: { namespace: "clickhouse" },
                spec: { templates: { podTemplates: [{ spec: { hostNetwork: true, containers: [{ name: "c", image: "x:1.0.0" }] } }] } },
            });
            expect(check(chi)).toEqual([
                expect.stringMatching(/^r1 uses hostNetwork at spec\.templates\.podTemplates\[0\]\.spec\.hostNetwork in namespace clickhouse/),
            ]);
        });
    });

    describe("no-node-port", () => {
        const svc = (type: string) => res("kubernetes:core/v1:Service", { metadata: { namespace: "apps" }, spec: { type } });
        it("passes ClusterIP and LoadBalancer Services", () => {
            expect(rule("no-node-port").check(svc("ClusterIP"), dev)).toEqual([]);
            expect(
                rule("no-node-port").check(res("kubernetes:helm.sh/v3:Release", { values: { controller: { service: { type: "LoadBalancer" } } } }), dev),
            ).toEqual([]);
        });
        it("fails NodePort Services, raw or in chart values", () => {
            expect(rule("no-node-port").check(svc("NodePort"), dev)).toEqual(["Service r1 is of type NodePort"]);
            // Harbor spells it `expose.type: nodePort`.
            expect(
                rule("no-node-port").check(
                    res("kubernetes:helm.sh/v3:Release", { values: { expose: { type: "nodePort" }, service: { type: "NodePort" } } }),
                    dev,
                ),
            ).toEqual(["r1 sets values.expose.type to NodePort", "r1 sets values.service.type to NodePort"]);
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

    describe("prod-stateful-protected", () => {
        const harbor = (protect: boolean) => res("kubernetes:helm.sh/v3:Release", { chart: "harbor" }, { protect });
        it("passes protected state in prod and anything in dev", () => {
            expect(rule("prod-stateful-protected").check(harbor(true), prod)).toEqual([]);
            expect(rule("prod-stateful-protected").check(harbor(false), dev)).toEqual([]);
            expect(rule("prod-stateful-protected").check(res("kubernetes:helm.sh/v3:Release", { chart: "nginx-ingress" }), prod)).toEqual([]);
        });
        it("fails unprotected data in prod: data-bearing releases, ClickHouse installations, the values stored data depends on", () => {
            const check = (r: PolicyResource) => rule("prod-stateful-protected").check(r, prod);
            expect(check(harbor(false))).toEqual(["r1 (kubernetes:helm.sh/v3:Release) holds state but is not protected"]);
            expect(check(res("kubernetes:helm.sh/v3:Release", { chart: "deepflow" }))).toHaveLength(1);
            expect(check(res("kubernetes:clickhouse.altinity.com/v1:ClickHouseInstallation", {}))).toHaveLength(1);
            expect(check(res("random:index/randomPassword:RandomPassword", {}, { name: "prod-cluster-token" }))).toHaveLength(1);
            expect(check(res("random:index/randomPassword:RandomPassword", {}, { name: "prod-harbor-database-password" }))).toHaveLength(1);
        });
        it("leaves values shared between pods only unprotected: they may be regenerated", () => {
            const check = (r: PolicyResource) => rule("prod-stateful-protected").check(r, prod);
            expect(check(res("random:index/randomPassword:RandomPassword", {}, { name: "prod-harbor-xsrf-key" }))).toEqual([]);
            expect(check(res("tls:index/privateKey:PrivateKey", {}, { name: "prod-harbor-internal-ca-key" }))).toEqual([]);
        });
        it("follows platform:protect over the profile", () => {
            expect(rule("prod-stateful-protected").check(harbor(false), { profile: "prod", protect: false })).toEqual([]);
            expect(rule("prod-stateful-protected").check(harbor(false), { profile: "dev", protect: true })).toHaveLength(1);
        });
    });

    it("collects violations with their rule and resource", () => {
        const violations = checkAll([pod({ image: "nginx:latest" })], dev);
        expect(violations.map((v) => v.rule)).toEqual(["images-pinned", "resources-set"]);
        expect(violations[0]).toMatchObject({ resource: "r1" });
    });
});
