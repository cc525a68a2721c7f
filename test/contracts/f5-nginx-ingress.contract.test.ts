/**
 * Contracts with the F5 NGINX Ingress Controller (nginx/kubernetes-ingress v5.5.4, chart
 * nginx-ingress 2.6.4) and the charts whose Ingresses it serves.
 */
import { CHARTS } from "../../charts/versions";
import { ingressValues } from "../../components/edge/ingressValues";
import { ingressTls } from "../../components/lib/ingress";
import { HARBOR_RELEASE, harborFullname, harborValues } from "../../components/registry/harborValues";
import { stackConfigs } from "./stacks";

/** The only annotation F5 NIC reads to speak TLS to a backend (internal/configs/annotations.go@v5.5.4 getSSLServices). */
const SSL_SERVICES = "nginx.org/ssl-services";
/** cert-manager's switch to solve HTTP-01 through the host's own Ingress (cert-manager@v1.21.1 pkg/apis/acme/v1/types.go IngressEditInPlaceAnnotationKey). */
const HTTP01_EDIT_IN_PLACE = "acme.cert-manager.io/http01-edit-in-place";

describe("F5 NIC speaks TLS to a backend only when nginx.org/ssl-services names its Service", () => {
    // internal/configs/annotations.go@v5.5.4 getSSLServices reads nginx.org/ssl-services; nothing in
    // internal/ reads the community nginx.ingress.kubernetes.io/backend-protocol that harbor-helm
    // v1.19.1 templates/ingress/ingress.yaml adds. With internalTLS, harbor-core and harbor-portal
    // serve HTTPS only on 443 (templates/_helpers.tpl harbor.core.servicePort / harbor.portal.servicePort).
    it("names the chart's core and portal Services, derived from the release as harbor.fullname does", () => {
        expect(CHARTS.harbor.version).toBe("1.19.1");
        expect(harborFullname("harbor")).toBe("harbor");
        expect(harborFullname("registry")).toBe("registry-harbor");
        for (const [stack, config] of stackConfigs().filter(([, c]) => c.harbor.enabled)) {
            const values = harborValues({
                config: config.harbor,
                tls: ingressTls({ className: "nginx", issuer: "i" }, config.harbor.host, "harbor"),
                highAvailability: false,
                replicas: 1,
            }) as { internalTLS: { enabled: boolean }; expose: { ingress: { annotations: Record<string, string> } } };
            expect({ stack, internalTLS: values.internalTLS.enabled }).toEqual({ stack, internalTLS: true });
            expect(values.expose.ingress.annotations[SSL_SERVICES].split(",")).toEqual([
                `${harborFullname(HARBOR_RELEASE)}-core`,
                `${harborFullname(HARBOR_RELEASE)}-portal`,
            ]);
        }
    });
});

describe("F5 NIC serves a host from its oldest Ingress only, so HTTP-01 answers through the host's own Ingress", () => {
    // internal/k8s/configuration.go@v5.5.4 chooseObjectMetaWinner (older creationTimestamp wins a
    // host); cert-manager's separate solver Ingress for the same host is newer and ignored
    // (cert-manager#5048, nginx/kubernetes-ingress#1243).
    it("puts cert-manager's edit-in-place annotation on every platform Ingress when the issuer uses HTTP-01", () => {
        expect(ingressTls({ className: "nginx", issuer: "letsencrypt", http01EditInPlace: true }, "a.example.com", "a").annotations).toMatchObject({
            [HTTP01_EDIT_IN_PLACE]: "true",
            "cert-manager.io/cluster-issuer": "letsencrypt",
        });
        expect(ingressTls({ className: "nginx", issuer: "platform-ca" }, "a.example.com", "a").annotations).not.toHaveProperty([HTTP01_EDIT_IN_PLACE]);
    });
});

describe("F5 NIC reports product telemetry unless told not to", () => {
    // cmd/nginx-ingress/flags.go@v5.5.4: -enable-telemetry-reporting defaults to true; chart values
    // controller.telemetryReporting.enable: true.
    it("turns telemetry off unless platform:ingress.telemetry is true", () => {
        const base = { enabled: true, className: "nginx", kind: "daemonset", exposure: "loadBalancer", replicas: 1, clientBodyTempSize: "10Gi" } as const;
        const off = ingressValues({ config: { ...base, telemetry: false }, highAvailability: false, releaseName: "nginx-ingress" });
        const on = ingressValues({ config: { ...base, telemetry: true }, highAvailability: false, releaseName: "nginx-ingress" });
        expect(off).toMatchObject({ controller: { telemetryReporting: { enable: false } } });
        expect(on).toMatchObject({ controller: { telemetryReporting: { enable: true } } });
        for (const [stack, config] of stackConfigs()) {
            expect({ stack, telemetry: config.ingress.telemetry }).toEqual({ stack, telemetry: false });
        }
    });
});
