import { checkAll, isPinnedImage, PolicyResource, RULES } from "../../policy/rules";

const rule = (name: string) => RULES.find((r) => r.name === name)!;
const res = (type: string, inputs: Record<string, unknown>, extra: Partial<PolicyResource> = {}): PolicyResource => ({ type, name: "r1", inputs, protect: false, secretMarker: "[secret]", ...extra });
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
            "namespace-pod-security",
            "no-plaintext-secrets",
            "load-balancer-allowed",
            "resources-set",
            "privileged-allowlist",
            "helm-chart-pinned",
            "prod-stateful-protected",
        ]);
    });

    describe("ingress-tls", () => {
        const ingress = (tls: unknown) => res("kubernetes:networking.k8s.io/v1:Ingress", { spec: { tls, rules: [{ host: "a.example.com" }, { host: "b.example.com" }] } });
        it("passes when TLS covers every host", () => {
            expect(rule("ingress-tls").check(ingress([{ hosts: ["a.example.com", "b.example.com"] }]), dev)).toEqual([]);
        });
        it("fails without TLS or with an uncovered host", () => {
            expect(rule("ingress-tls").check(ingress(undefined), dev)).toEqual(["Ingress r1 has no TLS section"]);
            expect(rule("ingress-tls").check(ingress([{ hosts: ["a.example.com"] }]), dev)).toEqual(["Ingress r1 serves b.example.com without TLS"]);
        });
    });

    describe("images-pinned", () => {
        it("passes tags and digests", () => {
            expect(isPinnedImage("registry.example.com:5000/team/app:1.2.3")).toBe(true);
            expect(isPinnedImage(`nginx@sha256:${"a".repeat(64)}`)).toBe(true);
            expect(rule("images-pinned").check(pod(goodContainer), dev)).toEqual([]);
            expect(rule("images-pinned").check(res("kubernetes:helm.sh/v3:Release", { values: { controller: { image: { repository: "x", tag: "5.5.4" } } } }), dev)).toEqual([]);
        });
        it("fails latest, missing tags, and latest in chart values", () => {
            expect(isPinnedImage("registry.example.com:5000/app")).toBe(false);
            expect(rule("images-pinned").check(pod({ ...goodContainer, image: "nginx:latest" }), dev)).toEqual(["r1 container app uses unpinned image nginx:latest"]);
            expect(rule("images-pinned").check(pod({ ...goodContainer, image: "nginx" }), dev)).toHaveLength(1);
            expect(rule("images-pinned").check(res("kubernetes:helm.sh/v3:Release", { values: { a: { image: { repository: "x", tag: "latest" } } } }), dev)).toEqual([
                'r1 sets values.a.image.tag to "latest"',
            ]);
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
        it("is not applied where secrets are already decrypted (the pack)", () => {
            expect(rule("no-plaintext-secrets").check(res("x:y:Z", { password: "p" }, { secretMarker: undefined }), dev)).toEqual([]);
        });
    });

    describe("load-balancer-allowed", () => {
        const svc = (namespace: string) => res("kubernetes:core/v1:Service", { metadata: { namespace }, spec: { type: "LoadBalancer" } });
        it("passes in the ingress namespace", () => {
            expect(rule("load-balancer-allowed").check(svc("ingress-nginx"), dev)).toEqual([]);
            expect(rule("load-balancer-allowed").check(res("kubernetes:helm.sh/v3:Release", { namespace: "ingress-nginx", values: { controller: { service: { type: "LoadBalancer" } } } }), dev)).toEqual([]);
        });
        it("fails elsewhere, raw or through chart values", () => {
            expect(rule("load-balancer-allowed").check(svc("apps"), dev)).toEqual(["Service r1 is a LoadBalancer in namespace apps"]);
            expect(rule("load-balancer-allowed").check(res("kubernetes:helm.sh/v3:Release", { namespace: "harbor", values: { expose: { type: "LoadBalancer" } } }), dev)).toEqual([
                "r1 creates a LoadBalancer Service in namespace harbor",
            ]);
        });
    });

    describe("resources-set", () => {
        it("passes with requests and a memory limit", () => {
            expect(rule("resources-set").check(pod(goodContainer), dev)).toEqual([]);
        });
        it("fails without them", () => {
            expect(rule("resources-set").check(pod({ image: "nginx:1.27.0", resources: { requests: { cpu: "10m" } } }), dev)).toEqual(["r1 container app lacks requests or a memory limit"]);
        });
    });

    describe("privileged-allowlist", () => {
        it("passes privileged pods and namespaces in the allow-list", () => {
            expect(rule("privileged-allowlist").check(pod({ ...goodContainer, securityContext: { privileged: true } }, {}, "deepflow"), dev)).toEqual([]);
            expect(rule("privileged-allowlist").check(res("kubernetes:core/v1:Namespace", { metadata: { name: "ingress-nginx", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } }), dev)).toEqual([]);
        });
        it("fails privileged containers, hostPath and privileged namespaces elsewhere", () => {
            expect(rule("privileged-allowlist").check(pod({ ...goodContainer, securityContext: { privileged: true } }), dev)).toEqual(["r1 container app is privileged in apps"]);
            expect(rule("privileged-allowlist").check(pod(goodContainer, { volumes: [{ name: "h", hostPath: { path: "/" } }] }), dev)).toEqual(["r1 mounts a hostPath in apps"]);
            expect(rule("privileged-allowlist").check(res("kubernetes:core/v1:Namespace", { metadata: { name: "hacks", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } }), dev)).toEqual([
                expect.stringMatching(/^Namespace hacks is privileged but not in the allow-list/),
            ]);
        });
    });

    describe("helm-chart-pinned", () => {
        it("passes exact versions", () => {
            expect(rule("helm-chart-pinned").check(res("kubernetes:helm.sh/v3:Release", { chart: "cert-manager", version: "v1.21.1" }), dev)).toEqual([]);
        });
        it("fails ranges and missing versions", () => {
            expect(rule("helm-chart-pinned").check(res("kubernetes:helm.sh/v3:Release", { chart: "harbor", version: "^1.19" }), dev)).toEqual(["r1 installs chart harbor without an exact version (^1.19)"]);
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
        it("fails unprotected data-bearing releases and generated keys in prod", () => {
            expect(rule("prod-stateful-protected").check(harbor(false), prod)).toEqual(["r1 (kubernetes:helm.sh/v3:Release) holds state but is not protected"]);
            expect(rule("prod-stateful-protected").check(res("random:index/randomPassword:RandomPassword", {}), prod)).toHaveLength(1);
        });
    });

    it("collects violations with their rule and resource", () => {
        const violations = checkAll([pod({ image: "nginx:latest" })], dev);
        expect(violations.map((v) => v.rule)).toEqual(["images-pinned", "resources-set"]);
        expect(violations[0]).toMatchObject({ resource: "r1" });
    });
});
