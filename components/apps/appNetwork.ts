/**
 * Pure builders for how traffic reaches a ContainerApp and where it may go: its NetworkPolicies,
 * the F5 NGINX VirtualServer that splits traffic between stable and canary, and the canary's
 * Certificate and DNS record. See docs/adr/0010-app-canary-through-virtualserver.md.
 */
import { type Flow, type PodEnd, PROMETHEUS, type Route } from "../lib/flows";
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
        flows.push({ name: `Prometheus -> app ${input.name} metrics`, from: PROMETHEUS, to: self, ports: [input.metricsPort], why: "the app's alerts, dashboard and canary analysis" });
    }
    for (const peer of input.callsApps) {
        flows.push({ name: `app ${input.name} -> app ${peer.name}`, from: self, to: appPods(peer.namespace, peer.name), ports: peer.ports ?? [], why: `${input.name} lists ${peer.name} in calls` });
    }
    for (const service of input.callsServices) {
        flows.push({ name: `app ${input.name} -> ${service.name}`, from: self, to: { namespace: service.namespace, pods: service.podLabels }, ports: service.ports, why: `${input.name} lists ${service.name} in calls` });
    }
    if (input.internet) {
        flows.push({ name: `app ${input.name} -> internet`, from: self, to: "internet", ports: [443, ...input.internet.ports], why: `${input.name} lists internet in calls` });
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
    /** Percent of requests sent to the canary Service (0-100). */
    readonly canaryWeight: number;
}

/**
 * A k8s.nginx.org/v1 VirtualServer: TLS from a Secret (HTTP redirected to HTTPS) and, per path,
 * `splits` sending `canaryWeight`% to `<name>-canary` and the rest to `<name>`. The controller
 * accepts weights 0-100 that add up to 100 and at least two splits, so 0 and 100 keep the same shape.
 */
export function virtualServerSpec(input: VirtualServerInput): Record<string, unknown> {
    const stable = input.name;
    const canary = `${input.name}-canary`;
    return {
        host: input.host,
        tls: { secret: input.tlsSecret, redirect: { enable: true, code: 301 } },
        upstreams: [
            { name: "stable", service: stable, port: input.port },
            { name: "canary", service: canary, port: input.port },
        ],
        routes: input.paths.map((path) => ({
            path,
            splits: [
                { weight: 100 - input.canaryWeight, action: { pass: "stable" } },
                { weight: input.canaryWeight, action: { pass: "canary" } },
            ],
        })),
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
