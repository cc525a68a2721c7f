import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** Harbor components that serve TLS to each other when internal TLS is on. */
export const INTERNAL_TLS_COMPONENTS = ["core", "jobservice", "registry", "portal", "trivy"] as const;
export type InternalTlsComponent = (typeof INTERNAL_TLS_COMPONENTS)[number];

/** Secret holding one component's ca.crt/tls.crt/tls.key. */
export function internalTlsSecretName(component: InternalTlsComponent): string {
    return `harbor-internal-tls-${component}`;
}

/** The Service names a component is reached by (release `harbor` names them `harbor-<component>`). */
export function internalDnsNames(component: InternalTlsComponent, namespace: string): string[] {
    const service = `harbor-${component}`;
    return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

/**
 * A private CA and one certificate per component, made once with @pulumi/tls: the chart's "auto"
 * mode would mint new ones on every render. Keys stay secrets; certificates last 10 years (the
 * CA) and 2 years (leaves) and are renewed by `pulumi up` once `earlyRenewalHours` is reached.
 */
export function harborInternalTls(
    name: string,
    namespace: pulumi.Input<string>,
    namespaceName: string,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret[] {
    const caKey = new tls.PrivateKey(`${name}-internal-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, opts);
    const ca = new tls.SelfSignedCert(
        `${name}-internal-ca`,
        {
            privateKeyPem: caKey.privateKeyPem,
            subject: { commonName: "harbor internal CA" },
            isCaCertificate: true,
            validityPeriodHours: 24 * 365 * 10,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        },
        opts,
    );
    return INTERNAL_TLS_COMPONENTS.map((component) => {
        const key = new tls.PrivateKey(`${name}-internal-${component}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, opts);
        const dnsNames = internalDnsNames(component, namespaceName);
        const request = new tls.CertRequest(
            `${name}-internal-${component}-csr`,
            { privateKeyPem: key.privateKeyPem, subject: { commonName: dnsNames[0] }, dnsNames },
            opts,
        );
        const cert = new tls.LocallySignedCert(
            `${name}-internal-${component}-cert`,
            {
                certRequestPem: request.certRequestPem,
                caPrivateKeyPem: caKey.privateKeyPem,
                caCertPem: ca.certPem,
                validityPeriodHours: 24 * 365 * 2,
                earlyRenewalHours: 24 * 30,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
            },
            opts,
        );
        return new k8s.core.v1.Secret(
            `${name}-secret-${internalTlsSecretName(component)}`,
            {
                metadata: { name: internalTlsSecretName(component), namespace },
                type: "kubernetes.io/tls",
                stringData: pulumi.secret({ "ca.crt": ca.certPem, "tls.crt": cert.certPem, "tls.key": key.privateKeyPem }),
            },
            { parent: opts.parent },
        );
    });
}
