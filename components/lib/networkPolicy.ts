import * as k8s from "@pulumi/kubernetes";
import type * as k8sInput from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACES } from "../../charts/namespaces";

/** Namespace Prometheus scrapes from (the monitoring stack's). */
export const MONITORING_NAMESPACE = NAMESPACES.monitoring;
/** Namespace the ingress controller runs in. */
export const INGRESS_NAMESPACE = NAMESPACES.ingress;

/** k3s's pod and Service CIDRs unless `cluster.k3s.clusterCidr` / `serviceCidr` say otherwise. */
export const K3S_DEFAULT_CIDRS = { cluster: "10.42.0.0/16", service: "10.43.0.0/16" } as const;

/**
 * A k3s cluster's IPv4 pod and Service CIDRs, pod CIDR first (what `EgressArgs.clusterCidrs` and
 * the `nodes` source expect); IPv6 ranges are left out, as egress rules are IPv4 only.
 */
export function k3sClusterCidrs(k3s: { readonly clusterCidr?: string; readonly serviceCidr?: string }): string[] {
    return [k3s.clusterCidr ?? K3S_DEFAULT_CIDRS.cluster, k3s.serviceCidr ?? K3S_DEFAULT_CIDRS.service].filter((c) => !c.includes(":"));
}

/** Pod labels a rule applies to (or matches), e.g. `{ app: "longhorn-manager" }`; all pods when undefined. */
export type PodLabels = Readonly<Record<string, string>>;

/** One allowed source of traffic into a namespace. */
export type IngressSource =
    /** Pods in these namespaces (by the kubernetes.io/metadata.name label every namespace carries). */
    | { readonly namespaces: readonly string[]; readonly ports?: readonly number[]; readonly pods?: PodLabels }
    /** Anywhere, e.g. clients on the internet. */
    | { readonly anywhere: true; readonly ports: readonly number[]; readonly pods?: PodLabels }
    /**
     * The nodes themselves: the API server calling a webhook, kernel NFS clients, host-network
     * agents. On k3s a node reaches pods on *other* nodes from its flannel address inside the pod
     * CIDR (10.42.X.0), and kube-router admits node traffic without a rule only to pods on the same
     * node, so a rule naming namespaces or node IPs never admits it: the peer must cover the pod
     * CIDR. Without a known pod CIDR (existing clusters) the rule falls back to anywhere on its ports.
     */
    | { readonly nodes: true; readonly ports: readonly number[]; readonly pods?: PodLabels };

export interface NetworkPolicyArgs {
    /** Where traffic may come from, besides the namespace itself (always allowed). */
    readonly allow: readonly IngressSource[];
    /** Ports Prometheus scrapes from the monitoring namespace. */
    readonly metricsPorts?: readonly number[];
    /** Deny egress too, except what `EgressArgs` allows; egress is open when undefined. */
    readonly egress?: EgressArgs;
    /** The cluster's pod CIDR, which `nodes` sources come from. @default the first of `egress.clusterCidrs` */
    readonly podCidr?: string;
}

/** A port of pods in another namespace a namespace's pods may connect to when egress is denied. */
export interface EgressTarget {
    readonly namespace: string;
    readonly ports: readonly number[];
    readonly pods?: PodLabels;
}

/** Where a namespace's pods may connect when egress is denied by default. */
export interface EgressArgs {
    /** The cluster's pod and Service CIDRs (pod CIDR first): every other IPv4 address (nodes, API server, internet) is allowed. */
    readonly clusterCidrs: readonly string[];
    /** Other namespaces reachable inside the cluster (their pods on any port), or "all" for every pod. @default [] */
    readonly to?: readonly string[] | "all";
    /** Single ports of pods in other namespaces (a Service address is rewritten to a pod address before policy applies). @default [] */
    readonly ports?: readonly EgressTarget[];
    /**
     * TCP ports reachable outside the cluster (node addresses, the API server behind the
     * `kubernetes` Service, the internet), or "all" where a part must reach node ports (Prometheus
     * scrapes kubelets and node-exporter). Port 53 is opened for UDP too. The cloud metadata range
     * is never reachable. @default OUTSIDE_DEFAULT_PORTS
     */
    readonly outside?: readonly number[] | "all";
}

/** HTTPS (registries, ACME, S3, cloud APIs, receivers) and the API server (a pod reaching `kubernetes.default` lands on a node's 6443). */
export const OUTSIDE_DEFAULT_PORTS: readonly number[] = [443, 6443];
/** Only the API server: parts that need nothing from the internet. */
export const API_SERVER_ONLY: readonly number[] = [6443];
/** Link-local addresses, where clouds serve instance metadata and credentials (169.254.169.254). */
const LINK_LOCAL_CIDR = "169.254.0.0/16";

/** The TCP port of an endpoint URL (`https://minio.example.com:9000` -> 9000; 443/80 by scheme), undefined for none. */
export function endpointPort(url: string | undefined): number | undefined {
    if (url === undefined) {
        return undefined;
    }
    const parsed = new URL(url.includes("://") ? url : `https://${url}`);
    return parsed.port !== "" ? Number(parsed.port) : parsed.protocol === "http:" ? 80 : 443;
}

/** Egress args for a component: none unless the cluster's CIDRs are known (k3s mode with policies on). */
export function egressTo(clusterCidrs: readonly string[] | undefined, options: Omit<EgressArgs, "clusterCidrs"> = {}): EgressArgs | undefined {
    return clusterCidrs ? { clusterCidrs, ...options } : undefined;
}

/** The NetworkPolicy specs for a namespace: default-deny ingress, then each allow. Pure, for tests. */
type PolicySpec = k8sInput.networking.v1.NetworkPolicySpec;
type Peer = k8sInput.networking.v1.NetworkPolicyPeer;

export function networkPolicySpecs(namespace: string, args: NetworkPolicyArgs): { name: string; spec: PolicySpec }[] {
    const ports = (list?: readonly number[]) => (list && list.length > 0 ? { ports: list.map((port) => ({ protocol: "TCP", port })) } : {});
    const fromNamespaces = (names: readonly string[]): Peer[] => names.map((n) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } } }));
    const specs: { name: string; spec: PolicySpec }[] = [
        // Nothing reaches a pod here unless a policy below allows it.
        { name: "default-deny-ingress", spec: { podSelector: {}, policyTypes: ["Ingress"] } },
        { name: "allow-same-namespace", spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: fromNamespaces([namespace]) }] } },
    ];
    const podCidr = args.podCidr ?? args.egress?.clusterCidrs[0];
    const anywhere: Peer[] = [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }];
    args.allow.forEach((source, i) => {
        const from: Peer[] =
            "anywhere" in source ? anywhere : "nodes" in source ? (podCidr ? [{ ipBlock: { cidr: podCidr } }] : anywhere) : fromNamespaces(source.namespaces);
        const label = "anywhere" in source ? "anywhere" : "nodes" in source ? "nodes" : source.namespaces.join("-");
        specs.push({
            name: `allow-from-${label}${args.allow.length > 1 ? `-${i}` : ""}`.slice(0, 63),
            spec: { podSelector: source.pods ? { matchLabels: { ...source.pods } } : {}, policyTypes: ["Ingress"], ingress: [{ from, ...ports(source.ports) }] },
        });
    });
    if (args.metricsPorts && args.metricsPorts.length > 0) {
        specs.push({ name: "allow-metrics-scrape", spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: fromNamespaces([MONITORING_NAMESPACE]), ...ports(args.metricsPorts) }] } });
    }
    if (args.egress) {
        const egress = (name: string, to: Peer[], extra: Partial<k8sInput.networking.v1.NetworkPolicyEgressRule> = {}) =>
            specs.push({ name, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to, ...extra }] } });
        specs.push({ name: "default-deny-egress", spec: { podSelector: {}, policyTypes: ["Egress"] } });
        egress("allow-egress-dns", [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], {
            ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
            ],
        });
        egress("allow-egress-same-namespace", fromNamespaces([namespace]));
        // Outside the pod and Service networks: the API server, registries, ACME, S3, receivers; on
        // the listed ports only, so node ports (kubelet, etcd, supervisor, SSH) stay closed; never
        // the metadata range.
        const outside = args.egress.outside ?? OUTSIDE_DEFAULT_PORTS;
        const outsidePorts =
            outside === "all"
                ? {}
                : {
                      ports: [...new Set(outside)]
                          .sort((a, b) => a - b)
                          .flatMap((port) => [{ protocol: "TCP", port }, ...(port === 53 ? [{ protocol: "UDP", port }] : [])]),
                  };
        egress("allow-egress-outside-cluster", [{ ipBlock: { cidr: "0.0.0.0/0", except: [...args.egress.clusterCidrs, LINK_LOCAL_CIDR] } }], outsidePorts);
        const to = args.egress.to ?? [];
        if (to === "all") {
            egress("allow-egress-cluster", [{ namespaceSelector: {} }]);
        } else if (to.length > 0) {
            egress(`allow-egress-to-${to.join("-")}`.slice(0, 63), fromNamespaces(to));
        }
        for (const target of args.egress.ports ?? []) {
            const peer: Peer = {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": target.namespace } },
                ...(target.pods ? { podSelector: { matchLabels: { ...target.pods } } } : {}),
            };
            egress(`allow-egress-to-${target.namespace}-${target.ports.join("-")}`.slice(0, 63), [peer], ports(target.ports));
        }
    }
    return specs;
}

/** Creates the namespace's NetworkPolicies (k3s enforces them with its embedded network policy controller). */
export function namespaceNetworkPolicies(
    resourcePrefix: string,
    namespace: k8s.core.v1.Namespace,
    namespaceName: string,
    args: NetworkPolicyArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy[] {
    return networkPolicySpecs(namespaceName, args).map(
        ({ name, spec }) =>
            new k8s.networking.v1.NetworkPolicy(`${resourcePrefix}-netpol-${name}`, { metadata: { name, namespace: namespace.metadata.name }, spec }, opts),
    );
}
