import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** What every platform Ingress needs: the class to use and the issuer its certificate comes from. */
export interface IngressTlsContext {
    readonly className: string;
    /** ClusterIssuer name (`cert-manager.io/cluster-issuer`). */
    readonly issuer: string;
    /**
     * The issuer answers ACME HTTP-01: each Ingress then carries the challenge path itself
     * (cert-manager edit-in-place), because the F5 NGINX Ingress Controller serves a host only from
     * its oldest Ingress and would ignore a separate solver Ingress. @default false
     */
    readonly http01EditInPlace?: boolean;
}

/** cert-manager's edit-in-place switch (pkg/apis/acme/v1/types.go IngressEditInPlaceAnnotationKey). */
const HTTP01_EDIT_IN_PLACE = "acme.cert-manager.io/http01-edit-in-place";

/** TLS settings for one host: the same for raw Ingresses and for charts' ingress values. */
export interface IngressTls {
    readonly className: string;
    readonly annotations: Record<string, string>;
    readonly host: string;
    readonly secretName: string;
}

/** The one way the platform describes "this host is served over TLS by the platform issuer". */
export function ingressTls(ctx: IngressTlsContext, host: string, name: string, annotations: Record<string, string> = {}): IngressTls {
    return {
        className: ctx.className,
        annotations: {
            ...annotations,
            "cert-manager.io/cluster-issuer": ctx.issuer,
            ...(ctx.http01EditInPlace ? { [HTTP01_EDIT_IN_PLACE]: "true" } : {}),
        },
        host,
        secretName: `${name}-tls`,
    };
}

export interface TlsIngressArgs {
    readonly name: string;
    readonly namespace: pulumi.Input<string>;
    readonly host: string;
    readonly serviceName: pulumi.Input<string>;
    readonly servicePort: number | string;
    /** Extra annotations (e.g. `nginx.org/client-max-body-size`). */
    readonly annotations?: Record<string, string>;
    /** Path prefixes routed to the Service. @default ["/"] */
    readonly paths?: readonly string[];
}

/** A raw Ingress that always has TLS from the platform issuer and the platform IngressClass. */
export function tlsIngress(resourceName: string, ctx: IngressTlsContext, args: TlsIngressArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.Ingress {
    const tls = ingressTls(ctx, args.host, args.name, args.annotations);
    const port = typeof args.servicePort === "number" ? { number: args.servicePort } : { name: args.servicePort };
    return new k8s.networking.v1.Ingress(
        resourceName,
        {
            metadata: { name: args.name, namespace: args.namespace, annotations: tls.annotations },
            spec: {
                ingressClassName: tls.className,
                tls: [{ hosts: [tls.host], secretName: tls.secretName }],
                rules: [
                    {
                        host: tls.host,
                        http: {
                            paths: (args.paths ?? ["/"]).map((path) => ({ path, pathType: "Prefix", backend: { service: { name: args.serviceName, port } } })),
                        },
                    },
                ],
            },
        },
        opts,
    );
}

/**
 * F5 NIC's mergeable-Ingress annotation (nginx/kubernetes-ingress@v5.5.4 internal/k8s/utils.go
 * isMaster/isMinion): a `master` holds the host and its TLS and has no paths; each `minion` adds
 * locations to the master's server and has no TLS (internal/k8s/validation.go validateMasterSpec,
 * validateMinionSpec).
 */
export const MERGEABLE_INGRESS_TYPE = "nginx.org/mergeable-ingress-type";

/**
 * Certificate label that picks the ClusterIssuer's second HTTP-01 solver, whose solver Ingress is
 * created as an F5 NIC minion (components/edge/certManagerValues.ts). cert-manager copies a
 * Certificate's labels to its CertificateRequest and Order and matches solver selectors against
 * the Order's labels (cert-manager@v1.21.1 requestmanager_controller.go, certificaterequests/acme/acme.go,
 * util/solverpicker/solverpicker.go).
 */
export const HTTP01_MINION_SOLVER_LABEL = { key: "platform/http01-solver", value: "nginx-minion" } as const;

/** cert-manager issues a self-signed Secret first, so the host answers TLS before the real certificate (pkg/apis/certmanager/v1/types.go@v1.21.1). */
export const ISSUE_TEMPORARY_CERTIFICATE = "cert-manager.io/issue-temporary-certificate";

export interface MergeableTlsIngressArgs extends Omit<TlsIngressArgs, "annotations" | "paths"> {
    /**
     * Annotations of the minion that carries the Service's path `/`. F5 NIC applies auth
     * annotations of a minion to its locations only, never to the whole server, so the ACME
     * challenge path (another minion) stays open (e.g. `nginx.org/basic-auth-secret`).
     */
    readonly locationAnnotations: Record<string, string>;
}

/** The objects of one host served as an F5 NIC master/minion pair. */
export interface MergeableTlsIngress {
    readonly master: k8s.networking.v1.Ingress;
    readonly minion: k8s.networking.v1.Ingress;
    readonly certificate: k8s.apiextensions.CustomResource;
}

/**
 * A host whose `/` carries location-level annotations (basic auth) and still answers ACME HTTP-01:
 * a master Ingress (host and TLS), a minion routing `/` to the Service with the annotations, and an
 * explicit Certificate from the platform issuer.
 *
 * Why not one Ingress: F5 NIC applies `nginx.org/basic-auth-secret` of a regular (or master) Ingress
 * at server level (internal/configs/ingress.go@v5.5.4 generateNginxCfg), so Let's Encrypt's request
 * for the challenge path gets 401. Why not edit-in-place: cert-manager would add the challenge path
 * to the Ingress that asks for the certificate, and a master with a path is invalid. Instead the
 * Certificate carries HTTP01_MINION_SOLVER_LABEL: cert-manager creates its own solver Ingress as a
 * minion of this host, without auth. The temporary certificate matters because F5 NIC redirects HTTP
 * to HTTPS (ssl-redirect defaults to true) and rejects TLS handshakes while the Secret is missing;
 * Let's Encrypt follows that redirect. ingress-shim sets the same annotation for edit-in-place
 * Ingresses; this Certificate is the platform's own, so it sets it itself.
 */
export function mergeableTlsIngress(
    resourceName: string,
    ctx: IngressTlsContext,
    args: MergeableTlsIngressArgs,
    opts: pulumi.CustomResourceOptions,
): MergeableTlsIngress {
    const secretName = `${args.name}-tls`;
    const port = typeof args.servicePort === "number" ? { number: args.servicePort } : { name: args.servicePort };
    const certificate = new k8s.apiextensions.CustomResource(
        `${resourceName}-certificate`,
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: {
                name: secretName,
                namespace: args.namespace,
                ...(ctx.http01EditInPlace
                    ? { labels: { [HTTP01_MINION_SOLVER_LABEL.key]: HTTP01_MINION_SOLVER_LABEL.value }, annotations: { [ISSUE_TEMPORARY_CERTIFICATE]: "true" } }
                    : {}),
            },
            spec: { secretName, dnsNames: [args.host], issuerRef: { kind: "ClusterIssuer", name: ctx.issuer, group: "cert-manager.io" } },
        },
        opts,
    );
    // No cert-manager annotation on the master: the Certificate above is the host's only one.
    const master = new k8s.networking.v1.Ingress(
        resourceName,
        {
            metadata: { name: args.name, namespace: args.namespace, annotations: { [MERGEABLE_INGRESS_TYPE]: "master" } },
            spec: { ingressClassName: ctx.className, tls: [{ hosts: [args.host], secretName }], rules: [{ host: args.host }] },
        },
        opts,
    );
    const minion = new k8s.networking.v1.Ingress(
        `${resourceName}-minion`,
        {
            metadata: {
                name: `${args.name}-minion`,
                namespace: args.namespace,
                annotations: { ...args.locationAnnotations, [MERGEABLE_INGRESS_TYPE]: "minion" },
            },
            spec: {
                ingressClassName: ctx.className,
                rules: [{ host: args.host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: args.serviceName, port } } }] } }],
            },
        },
        opts,
    );
    return { master, minion, certificate };
}
