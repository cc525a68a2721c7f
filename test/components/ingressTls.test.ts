import { ingressTls, tlsIngress } from "../../components/lib/ingress";
import { byName, mockedComponents } from "../harness";
import { validateManifest } from "../k8sSchema";

const ctx = { className: "nginx", issuer: "letsencrypt" };

describe("Ingress with TLS", () => {
    it("describes a host with the platform class, issuer annotation and a per-name TLS secret", () => {
        expect(ingressTls(ctx, "registry.example.com", "harbor", { "nginx.org/client-max-body-size": "0" })).toEqual({
            className: "nginx",
            annotations: { "nginx.org/client-max-body-size": "0", "cert-manager.io/cluster-issuer": "letsencrypt" },
            host: "registry.example.com",
            secretName: "harbor-tls",
        });
    });

    it("never lets a caller override the issuer annotation", () => {
        expect(ingressTls(ctx, "a.example.com", "a", { "cert-manager.io/cluster-issuer": "other" }).annotations["cert-manager.io/cluster-issuer"]).toBe(
            "letsencrypt",
        );
    });

    describe("tlsIngress", () => {
        const mocks = mockedComponents();

        it("creates a valid Ingress whose TLS covers its only host", async () => {
            tlsIngress(
                "grafana-ingress",
                ctx,
                { name: "grafana", namespace: "monitoring", host: "grafana.example.com", serviceName: "grafana", servicePort: 80 },
                {},
            );
            await mocks.settle();
            const ingress = byName(mocks.collector.resources, "grafana-ingress").inputs as {
                spec: { ingressClassName: string; tls: { hosts: string[]; secretName: string }[]; rules: { host: string }[] };
            };
            expect(ingress.spec.ingressClassName).toBe("nginx");
            expect(ingress.spec.tls).toEqual([{ hosts: ["grafana.example.com"], secretName: "grafana-tls" }]);
            expect(ingress.spec.rules.map((r) => r.host)).toEqual(["grafana.example.com"]);
            expect(() => validateManifest(ingress)).not.toThrow();
        });
    });
});
