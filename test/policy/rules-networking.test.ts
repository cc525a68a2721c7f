import { dev, res, rule } from "./ruleFixtures";

describe("policy rules", () => {
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
});
