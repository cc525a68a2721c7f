/**
 * Pure builders for how traffic reaches a ContainerApp and where it may go: its NetworkPolicies,
 * the F5 NGINX VirtualServer that splits traffic between stable and canary, and the canary's
 * Certificate and DNS record. See docs/adr/0010-app-canary-through-virtualserver.md.
 */
import type * as k8sInput from "@pulumi/kubernetes/types/input";
import { INGRESS_NAMESPACE, MONITORING_NAMESPACE } from "../lib/networkPolicy";
import { appLabels } from "./appWorkload";

type PolicySpec = k8sInput.networking.v1.NetworkPolicySpec;
type Peer = k8sInput.networking.v1.NetworkPolicyPeer;
type Port = k8sInput.networking.v1.NetworkPolicyPort;

/** Another app this one talks to, or is called by: its namespace, name and ports. */
export interface AppPeer {
    readonly namespace: string;
    readonly name: string;
    /** The peer's ports (for egress to it); ignored for callers. */
    readonly ports?: readonly number[];
}

/** A platform service an app may call: where its pods run and on which ports. */
export interface ServicePeer {
    readonly namespace: string;
    /** Pod labels; every pod of the namespace when undefined. */
    readonly podLabels?: Readonly<Record<string, string>>;
    readonly ports: readonly number[];
}


export interface AppPolicyInput {
    readonly name: string;
    readonly namespace: string;
    /** Ports the ingress controller reaches (the app port). */
    readonly port: number;
    /** Extra Service ports, reachable by callers. */
    readonly extraPorts: readonly number[];
    readonly metricsPort?: number;
    /** Apps allowed to call this one. */
    readonly callers: readonly AppPeer[];
    /** Apps this one calls. */
    readonly callsApps: readonly AppPeer[];
    /** Platform services this one calls. */
    readonly callsServices: readonly ServicePeer[];
    /** Egress outside the cluster: every IPv4 address except these CIDRs (the cluster's); none when undefined. */
    readonly internet?: { readonly except: readonly string[] };
}

const tcp = (ports: readonly number[]): Port[] => ports.map((port) => ({ protocol: "TCP", port }));
const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
const appPeer = (p: AppPeer): Peer => ({ ...ns(p.namespace), podSelector: { matchLabels: appLabels(p.name).selector } });

/** Private IPv4 ranges, denied to `internet` egress when the cluster's own CIDRs are not known. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/**
 * The app's own NetworkPolicies, selecting only its pods (stable and canary): nothing in or out by
 * default; in from the ingress controller on the app port, from Prometheus on the metrics port, and
 * from the apps that list it in `calls`; out to cluster DNS and to what it lists in `calls`.
 */
export function appPolicySpecs(input: AppPolicyInput): { name: string; spec: PolicySpec }[] {
    const podSelector = { matchLabels: appLabels(input.name).selector };
    const ingress: k8sInput.networking.v1.NetworkPolicyIngressRule[] = [{ from: [ns(INGRESS_NAMESPACE)], ports: tcp([input.port]) }];
    if (input.metricsPort !== undefined) {
        ingress.push({ from: [ns(MONITORING_NAMESPACE)], ports: tcp([input.metricsPort]) });
    }
    if (input.callers.length > 0) {
        ingress.push({ from: input.callers.map(appPeer), ports: tcp([input.port, ...input.extraPorts]) });
    }
    const egress: k8sInput.networking.v1.NetworkPolicyEgressRule[] = [
        {
            to: [{ ...ns("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
            ],
        },
        ...input.callsApps.map((p) => ({ to: [appPeer(p)], ports: tcp(p.ports ?? []) })),
        ...input.callsServices.map((s) => ({ to: [{ ...ns(s.namespace), ...(s.podLabels ? { podSelector: { matchLabels: { ...s.podLabels } } } : {}) }], ports: tcp(s.ports) })),
    ];
    if (input.internet) {
        egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...input.internet.except] } }] });
    }
    return [
        // Both directions closed for the app's pods; the rules below are the only ways in and out.
        { name: `${input.name}-default-deny`, spec: { podSelector, policyTypes: ["Ingress", "Egress"] } },
        { name: `${input.name}-ingress`, spec: { podSelector, policyTypes: ["Ingress"], ingress } },
        { name: `${input.name}-egress`, spec: { podSelector, policyTypes: ["Egress"], egress } },
    ];
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
