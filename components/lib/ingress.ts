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
export const HTTP01_EDIT_IN_PLACE = "acme.cert-manager.io/http01-edit-in-place";

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
                        http: { paths: (args.paths ?? ["/"]).map((path) => ({ path, pathType: "Prefix", backend: { service: { name: args.serviceName, port } } })) },
                    },
                ],
            },
        },
        opts,
    );
}
