import { HOST_ACCESS, type PolicyResource } from "../../policy/rules";
import { dev, goodContainer, pod, res, rule } from "./ruleFixtures";

describe("policy rules", () => {
    describe("namespace-pod-security", () => {
        const ns = (labels: Record<string, string>) => res("kubernetes:core/v1:Namespace", { metadata: { name: "x", labels } });
        it("passes with an enforce level", () => {
            expect(rule("namespace-pod-security").check(ns({ "pod-security.kubernetes.io/enforce": "restricted" }), dev)).toEqual([]);
        });
        it("fails without one", () => {
            expect(rule("namespace-pod-security").check(ns({}), dev)).toEqual(["Namespace r1 has no pod-security.kubernetes.io/enforce label"]);
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
});
