/**
 * Contracts with cert-manager v1.21.1 (charts/versions.ts) and the ACME servers it talks to.
 */
import { CHARTS } from "../../charts/versions";
import { clusterIssuers } from "../../components/edge/certManagerValues";
import { ingressTls } from "../../components/lib/ingress";
import { parsePlatformConfig, TlsConfig } from "../../config/config";
import { k3sStackConfig, rawConfig, secure, TEST_HOST_KEY } from "../harness";
import { stackConfigs } from "./stacks";

const acmeSolvers = (tls: TlsConfig) => {
    const [issuer] = clusterIssuers(tls, { namespace: "cert-manager", ingressClass: "nginx" });
    return (issuer.spec as { acme: { solvers: Record<string, unknown>[] } }).acme.solvers;
};

describe("cert-manager edits the host's own Ingress only when the issuer's HTTP-01 solver is an ingress solver", () => {
    // pkg/apis/acme/v1/types.go@v1.21.1 IngressEditInPlaceAnnotationKey; certificate-shim/sync.go
    // setIssuerSpecificConfig turns it into the http01-override-ingress-name Certificate annotation;
    // acmeorders/util.go applyIngressParameterAnnotationOverrides applies it only when
    // solver.http01.ingress is set; issuer/acme/http/ingress.go addChallengePathToIngress then adds
    // the challenge path to that Ingress instead of creating a new one.
    it("uses the annotation cert-manager reads, and an http01.ingress solver it can override", () => {
        expect(CHARTS.certManager.version).toBe("v1.21.1");
        // What a platform Ingress carries when its issuer solves HTTP-01.
        expect(ingressTls({ className: "nginx", issuer: "letsencrypt", http01EditInPlace: true }, "a.example.com", "a").annotations).toMatchObject({
            "acme.cert-manager.io/http01-edit-in-place": "true",
        });
        const solvers = acmeSolvers({ installCertManager: true, issuer: "letsencrypt", acme: { email: "ops@example.com", solver: "http01" } });
        // The catch-all solver (no selector) is the one edit-in-place Certificates use; the other one only
        // answers Certificates carrying its label (f5-nginx-mergeable.contract.test.ts).
        expect(solvers.filter((s) => s.selector === undefined)).toEqual([{ http01: { ingress: { ingressClassName: "nginx" } } }]);
    });
});

describe("Let's Encrypt validates HTTP-01 from the internet, DNS-01 through the zone", () => {
    const base = (nodes: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
        rawConfig(
            k3sStackConfig({
                "platform:cluster": { mode: "k3s", k3s: { version: "v1.36.4+k3s1", ssh: { privateKey: secure("k") }, servers: nodes } },
                "platform:tls": { issuer: "letsencrypt", acme: { email: "ops@example.com" } },
                ...extra,
            }),
        );

    it("uses DNS-01 whenever the DNS provider can answer it, with the provider's own credentials", () => {
        const config = parsePlatformConfig(
            base([{ name: "n1", host: "192.0.2.10", hostKey: TEST_HOST_KEY }], {
                "platform:dns": { provider: "cloudflare", cloudflare: { apiToken: secure("cf") } },
            }),
        );
        expect(config.tls.acme).toMatchObject({ solver: "dns01", dns01: { provider: "cloudflare", cloudflare: { apiToken: expect.anything() } } });
        expect(acmeSolvers(config.tls)).toEqual([{ dns01: { cloudflare: { apiTokenSecretRef: { name: "acme-dns01-credentials", key: "secret" } } } }]);
        for (const [stack, c] of stackConfigs().filter(([, s]) => s.tls.issuer !== "selfSigned" && ["cloudflare", "route53"].includes(s.dns.provider))) {
            expect({ stack, solver: c.tls.acme?.solver }).toEqual({ stack, solver: "dns01" });
        }
    });

    it("refuses HTTP-01 when the nodes have only private addresses, naming the key and the fix", () => {
        expect(() => parsePlatformConfig(base([{ name: "n1", host: "10.0.0.5", hostKey: TEST_HOST_KEY }]))).toThrow(
            /platform:tls\.acme\.solver: http01 needs Let's Encrypt to reach port 80 of a node from the internet, but this is an internal-only cluster \(every node address is private: 10\.0\.0\.5\)\. DNS-01 is the only ACME challenge that works here/,
        );
        expect(() => parsePlatformConfig(base([{ name: "n1", host: "10.0.0.5", externalAddress: "192.0.2.5", hostKey: TEST_HOST_KEY }]))).not.toThrow();
    });
});
