/**
 * The Platform's network (docs/adr/0019): the cluster network the NetworkPolicies are generated
 * for, every flow the platform needs (what its components declare plus what platform/platformFlows.ts
 * derives), and the policies of every namespace it creates.
 */
import type * as k8s from "@pulumi/kubernetes";
import { isIP } from "node:net";
import type * as pulumi from "@pulumi/pulumi";
import type { ContainerApp } from "../components/apps/ContainerApp";
import type { CertManager } from "../components/edge/CertManager";
import type { DnsRecords } from "../components/edge/DnsRecords";
import type { IngressNginx } from "../components/edge/IngressNginx";
import type { Flow, NetworkNeeds } from "../components/lib/flows";
import type { ScrapeTarget } from "../components/lib/metrics";
import { type ClusterNetwork, createNetworkPolicies, flowPolicySpecs, k3sClusterCidrs } from "../components/lib/networkPolicy";
import type { MonitoringStack } from "../components/monitoring/MonitoringStack";
import type { Harbor } from "../components/registry/Harbor";
import type { SignatureAdmission } from "../components/security/SignatureAdmission";
import type { Longhorn } from "../components/storage/Longhorn";
import type { PlatformConfig } from "../config/config";
import { platformFlows } from "./platformFlows";
import type { ProxyPart } from "./serviceProxy";

/** What the network is derived from: the Platform's namespaces and the components it built (those that are on). */
export interface PlatformParts {
    readonly namespaces: ReadonlyMap<string, k8s.core.v1.Namespace>;
    readonly ingress?: IngressNginx;
    readonly certManager: CertManager;
    readonly dns?: DnsRecords;
    readonly harbor?: Harbor;
    readonly storage?: Longhorn;
    readonly monitoring?: MonitoringStack;
    readonly admission?: SignatureAdmission;
    readonly apps: ReadonlyMap<string, ContainerApp>;
}

/** The cluster network the NetworkPolicies are generated for: k3s's CIDRs (or the existing cluster's), the node and API server addresses where config names them. */
export function clusterNetwork(cluster: PlatformConfig["cluster"]): ClusterNetwork {
    if (cluster.mode === "existing") {
        const { podCidr, serviceCidr, nodeCidrMaskSize } = cluster.existing;
        // The schema requires both while NetworkPolicies are on.
        return { podCidr: podCidr ?? "", serviceCidr: serviceCidr ?? "", nodeMaskBits: nodeCidrMaskSize };
    }
    const k3s = cluster.k3s;
    const [podCidr, serviceCidr] = k3sClusterCidrs(k3s);
    // A node's private `address` is its node-ip (and, on servers, the API server's advertise address);
    // without one k3s picks an address itself, so the policies admit any address outside the cluster on those ports.
    const ips = (nodes: readonly { address?: string }[]) =>
        nodes.every((n) => n.address !== undefined && isIP(n.address) === 4) ? nodes.map((n) => n.address!) : undefined;
    return { podCidr, serviceCidr, nodeAddresses: ips([...k3s.servers, ...k3s.agents]), apiServerAddresses: ips(k3s.servers) };
}

/** The platform components that are on, in the order their flows and namespaces are listed. */
function componentParts(platform: PlatformParts): NetworkNeeds[] {
    return [platform.ingress, platform.certManager, platform.dns, platform.harbor, platform.storage, platform.monitoring, platform.admission].filter(
        (p): p is NonNullable<typeof p> => p !== undefined,
    );
}

/** Every flow the platform needs: the components' and apps' own, and those the Platform derives from them. */
export function networkFlows(platform: PlatformParts, config: PlatformConfig): Flow[] {
    const parts = componentParts(platform);
    return platformFlows({
        parts: [...parts, ...platform.apps.values()],
        // Only a Prometheus that exists scrapes: with monitoring off a scrape flow would open every target's
        // namespace to pods nobody runs (and reachability.txt would list flows nobody makes).
        scrapeTargets: platform.monitoring ? parts.flatMap((p) => p.scrapeTargets ?? []) : [],
        http01: config.tls.issuer !== "selfSigned" && config.tls.acme?.solver === "http01",
        proxyParts: proxyPartsOf(platform, config.monitoring.grafana.enabled),
        apiServerPorts: config.cluster.mode === "existing" ? [443, 6443] : undefined,
    });
}

/**
 * The NetworkPolicies of every namespace the platform creates, its components' and the workload
 * namespaces, from one generator: `${name}-<namespace>` each, made with `opts`.
 */
export function createPolicies(
    name: string,
    platform: PlatformParts,
    flows: readonly Flow[],
    network: ClusterNetwork,
    opts: pulumi.CustomResourceOptions,
): void {
    const owned = [...[...platform.namespaces].map(([n, object]) => ({ name: n, object })), ...componentParts(platform).flatMap((p) => p.ownedNamespaces)];
    const specs = flowPolicySpecs(
        flows,
        owned.map((o) => o.name),
        network,
    );
    for (const { name: nsName, object } of owned) {
        createNetworkPolicies(`${name}-${nsName}`, object.metadata.name, specs.get(nsName) ?? [], opts);
    }
}

/** What the platform's components expose to Prometheus; each declares its own. */
export function scrapeTargetsOf(platform: PlatformParts): ScrapeTarget[] {
    return [platform.certManager, platform.ingress, platform.storage, platform.dns, platform.harbor].flatMap((c) => c?.scrapeTargets ?? []);
}

/** The parts whose Services `npm run verify` reaches through the API server's proxy (platform/serviceProxy.ts). */
function proxyPartsOf(platform: PlatformParts, grafana: boolean): Set<ProxyPart> {
    const monitoring = platform.monitoring;
    const on: [ProxyPart, boolean][] = [
        ["monitoring", monitoring !== undefined],
        ["grafana", monitoring !== undefined && grafana],
        ["logs", monitoring?.logs !== undefined],
        ["clickhouse", monitoring?.clickhouse !== undefined],
        ["deepflow", monitoring?.deepflow !== undefined],
        ["longhorn", platform.storage !== undefined],
    ];
    return new Set(on.filter(([, isOn]) => isOn).map(([part]) => part));
}
