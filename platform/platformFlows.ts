/**
 * Every flow the platform needs (docs/adr/0018): what each component declares, plus what the
 * Platform derives from what it renders: each route (the ingress controller to the backend pods, and
 * cert-manager's HTTP-01 solver in the route's namespace when the issuer uses it), each scrape
 * target (Prometheus to the pods behind it), and each Service `npm run verify` reaches through the
 * API server's proxy (the nodes to the pods behind it).
 */
import { type Flow, PROMETHEUS, type Route, routeFlows } from "../components/lib/flows";
import type { ScrapeTarget } from "../components/lib/metrics";
import { type ProxyPart, SERVICE_PROXY_TARGETS } from "./serviceProxy";

export interface FlowSources {
    /** Declared flows and routes of every component and app that is on. */
    readonly parts: readonly { readonly flows: readonly Flow[]; readonly routes: readonly Route[] }[];
    readonly scrapeTargets: readonly ScrapeTarget[];
    /** cert-manager solves ACME challenges over HTTP-01. */
    readonly http01: boolean;
    /** Parts whose Services `npm run verify` reaches through the API server. */
    readonly proxyParts: ReadonlySet<ProxyPart>;
    /**
     * The ports the `kubernetes` Service's endpoints listen on: 6443 on k3s; managed clusters serve the
     * API on 443 (EKS, GKE, AKS) or 6443 (kubeadm, k3d), so an existing cluster gets both. @default the flows' own
     */
    readonly apiServerPorts?: readonly number[];
}

export function platformFlows(sources: FlowSources): Flow[] {
    const flows: Flow[] = sources.parts.flatMap((part) => [...part.flows, ...part.routes.flatMap((route) => routeFlows(route, sources.http01))]);
    for (const target of sources.scrapeTargets) {
        flows.push({
            name: `Prometheus -> ${target.name} metrics`,
            from: PROMETHEUS,
            to: { namespace: target.namespace, pods: target.pods },
            ports: [target.podPort],
            why: `the ${target.name} scrape target (alerts and dashboards)`,
        });
    }
    for (const [name, target] of Object.entries(SERVICE_PROXY_TARGETS)) {
        if (sources.proxyParts.has(target.part)) {
            flows.push({
                name: `API server -> ${name} (service proxy)`,
                from: "nodes",
                to: target.pods,
                ports: [target.podPort],
                why: `npm run verify reaches ${target.namespace}/${target.name}:${target.port} through the API server`,
            });
        }
    }
    // One flow per name: two routes of one namespace ask for the same solver flow under different hosts, which is fine; exact repeats are not kept.
    const seen = new Set<string>();
    const apiPorts = sources.apiServerPorts;
    return flows
        .filter((flow) => !seen.has(flow.name) && seen.add(flow.name) !== undefined)
        .map((flow) => (apiPorts !== undefined && flow.to === "apiServer" ? { ...flow, ports: apiPorts } : flow));
}
