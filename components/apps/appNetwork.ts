/**
 * Pure builders for how traffic reaches a ContainerApp and where it may go: its flows (from which
 * the Platform writes NetworkPolicies), the F5 NGINX VirtualServer that routes its host (and splits
 * traffic between stable and canary), its Certificate and DNS record. See
 * docs/adr/0010-app-canary-through-virtualserver.md and docs/adr/0020-one-route-per-app.md.
 */
import { type Flow, type PodEnd, PROMETHEUS, type Route } from "../lib/flows";
import { ISSUE_TEMPORARY_CERTIFICATE } from "../lib/ingress";
import { appLabels } from "./appWorkload";

/** Another app this one talks to, or is called by: its namespace, name and ports. */
export interface AppPeer {
    readonly namespace: string;
    readonly name: string;
    /** The peer's ports (for calls to it); ignored for callers. */
    readonly ports?: readonly number[];
}

/** A platform service an app may call: where its pods run and on which ports. */
export interface ServicePeer {
    /** The name an app spec uses in `calls`. */
    readonly name: string;
    readonly namespace: string;
    /** Pod labels; every pod of the namespace when undefined. */
    readonly podLabels?: Readonly<Record<string, string>>;
    readonly ports: readonly number[];
}

export interface AppFlowInput {
    readonly name: string;
    readonly namespace: string;
    /** The app port (the route's backend). */
    readonly port: number;
    readonly metricsPort?: number;
    /** The host it is published on, if any. */
    readonly host?: string;
    /** Apps this one calls. */
    readonly callsApps: readonly AppPeer[];
    /** Platform services this one calls. */
    readonly callsServices: readonly ServicePeer[];
    /** Public addresses on HTTPS (plus these ports); none when undefined. */
    readonly internet?: { readonly ports: readonly number[] };
}

/** The app's pods (stable and canary share the selector). */
function appPods(namespace: string, name: string): PodEnd {
    return { namespace, pods: appLabels(name).selector };
}

/**
 * What an app's pods need: its route (the Platform derives the controller's flow and the HTTP-01
 * solver's), Prometheus on the metrics port, and each `calls` entry: another app on its ports, a
 * platform service on its pods' port, the internet on HTTPS. Callers are the callees' flows: the
 * generator admits each flow at both ends, so nothing else is open, on no other port.
 */
export function appFlows(input: AppFlowInput): { flows: Flow[]; routes: Route[] } {
    const self = appPods(input.namespace, input.name);
    const flows: Flow[] = [];
    if (input.metricsPort !== undefined) {
        flows.push({
            name: `Prometheus -> app ${input.name} metrics`,
            from: PROMETHEUS,
            to: self,
            ports: [input.metricsPort],
            why: "the app's alerts, dashboard and canary analysis",
        });
    }
    for (const peer of input.callsApps) {
        flows.push({
            name: `app ${input.name} -> app ${peer.name}`,
            from: self,
            to: appPods(peer.namespace, peer.name),
            ports: peer.ports ?? [],
            why: `${input.name} lists ${peer.name} in calls`,
        });
    }
    for (const service of input.callsServices) {
        flows.push({
            name: `app ${input.name} -> ${service.name}`,
            from: self,
            to: { namespace: service.namespace, pods: service.podLabels },
            ports: service.ports,
            why: `${input.name} lists ${service.name} in calls`,
        });
    }
    if (input.internet) {
        flows.push({
            name: `app ${input.name} -> internet`,
            from: self,
            to: "internet",
            ports: [443, ...input.internet.ports],
            why: `${input.name} lists internet in calls`,
        });
    }
    const routes: Route[] = input.host ? [{ host: input.host, backend: self, port: input.port }] : [];
    return { flows, routes };
}

export interface VirtualServerInput {
    readonly name: string;
    readonly host: string;
    readonly paths: readonly string[];
    readonly port: number;
    readonly tlsSecret: string;
    /** Percent of requests sent to the canary Service (0-100); undefined: no canary, every request to the stable Service. */
    readonly canaryWeight?: number;
}

/**
 * A k8s.nginx.org/v1 VirtualServer: the app's one routing object for its whole life (docs/adr/0020).
 * TLS from the app's Secret, HTTP redirected to HTTPS. Without a canary every path passes to the
 * stable upstream `<name>`; with one, each path `splits` `canaryWeight`% to `<name>-canary` and the
 * rest to `<name>`. Starting and ending a canary so changes upstreams and weights only, never the
 * object that owns the host. The controller accepts weights 0-100 that add up to 100 and at least
 * two splits (nginx/kubernetes-ingress@v5.5.4 pkg/apis/configuration/validation/virtualserver.go),
 * so weight 0 keeps the canary's shape. No `tls.cert-manager`: the app's Certificate is explicit
 * (certificateSpec), and the controller's integration would create a second one for the same Secret.
 */
export function virtualServerSpec(input: VirtualServerInput): Record<string, unknown> {
    const stable = input.name;
    const canary = `${input.name}-canary`;
    const weight = input.canaryWeight;
    return {
        host: input.host,
        tls: { secret: input.tlsSecret, redirect: { enable: true, code: 301 } },
        upstreams: [
            { name: "stable", service: stable, port: input.port },
            ...(weight === undefined ? [] : [{ name: "canary", service: canary, port: input.port }]),
        ],
        routes: input.paths.map((path) =>
            weight === undefined
                ? { path, action: { pass: "stable" } }
                : {
                      path,
                      splits: [
                          { weight: 100 - weight, action: { pass: "stable" } },
                          { weight, action: { pass: "canary" } },
                      ],
                  },
        ),
    };
}

export interface CertificateInput {
    readonly host: string;
    readonly secretName: string;
    /** ClusterIssuer name. */
    readonly issuer: string;
    /** The issuer answers ACME HTTP-01 through the ingress controller. */
    readonly http01: boolean;
}

/**
 * The one cert-manager Certificate that writes the app's TLS Secret, for its whole life (no Ingress,
 * so no ingress-shim Certificate beside it: two Certificates on one Secret re-issue each other,
 * cert-manager@v1.21.1 internal/controller/certificates/policies/checks.go
 * SecretCertificateNameAnnotationsMismatch). Under HTTP-01 it asks for a temporary self-signed
 * certificate first: the VirtualServer redirects HTTP to HTTPS at server level, before any location
 * (version2/nginx.virtualserver.tmpl@v5.5.4), and rejects TLS handshakes while the Secret is missing
 * (virtualserver.go generateSSLConfig), so the ACME server, which follows the redirect, needs a
 * Secret to exist before the first real certificate does.
 */
export function certificateSpec(input: CertificateInput): { annotations: Record<string, string>; spec: Record<string, unknown> } {
    return {
        annotations: input.http01 ? { [ISSUE_TEMPORARY_CERTIFICATE]: "true" } : {},
        spec: { secretName: input.secretName, dnsNames: [input.host], issuerRef: { kind: "ClusterIssuer", name: input.issuer, group: "cert-manager.io" } },
    };
}

/**
 * The DNS record for a host served by a VirtualServer: external-dns's `ingress` source cannot see
 * VirtualServers, so a DNSEndpoint (its `crd` source, which the platform enables) points the host at
 * `target`, a name that already resolves to the same ingress controller.
 */
export function dnsEndpointSpec(host: string, target: string): Record<string, unknown> {
    return { endpoints: [{ dnsName: host, recordType: "CNAME", targets: [target], recordTTL: 300 }] };
}
