/**
 * The network flow model (docs/adr/0018): every connection the platform needs, as data. Components
 * declare the flows their parts need (`flows`), the Platform derives the rest from what it renders
 * (routes, the ACME HTTP-01 solver, scrape targets, app `calls`, the service-proxy targets of
 * `npm run verify`), and one generator (components/lib/networkPolicy.ts `flowPolicySpecs`) turns
 * them into least-privilege NetworkPolicies per namespace. The offline render evaluates those
 * policies with kube-router's semantics against the same list (offline/reachability.ts) and writes
 * `out/<stack>/reachability.txt`.
 */
import type * as k8s from "@pulumi/kubernetes";
import { NAMESPACES } from "../../charts/namespaces";
import type { ScrapeTarget } from "./metrics";

/** Pod labels a flow end selects (`matchLabels`); every pod of the namespace when undefined. */
export type PodLabels = Readonly<Record<string, string>>;

/** Pods in one namespace. */
export interface PodEnd {
    readonly namespace: string;
    /** @default every pod of the namespace */
    readonly pods?: PodLabels;
}

/**
 * Where a flow starts or ends, besides pods:
 * - `nodes`: the hosts themselves (the API server calling a webhook or proxying to a Service,
 *   kubelets, kernel NFS clients). As a source they reach a pod on another node from that node's
 *   flannel address (the `.0` of its pod subnet); as a destination, the node addresses.
 * - `apiServer`: the Kubernetes API (destination only): the servers' addresses on 6443.
 * - `internet`: public addresses only (never private ranges, 100.64/10, link-local or the cluster).
 * - `outside`: any address outside the cluster but link-local, private hosts included (a declared
 *   S3, database or receiver endpoint that may sit on the LAN).
 * - `anywhere`: any client (source only): the ingress controller's 80/443.
 * - `allPods`: every pod of every namespace (destination only): Prometheus's scrapes, whose targets'
 *   namespaces admit only their metrics ports.
 */
export type FlowEnd = PodEnd | "nodes" | "apiServer" | "internet" | "outside" | "anywhere" | "allPods";

export type Protocol = "TCP" | "UDP";

export interface Flow {
    /** Short, unique within a stack: `<source> -> <destination> (<what>)`. */
    readonly name: string;
    readonly from: FlowEnd;
    readonly to: FlowEnd;
    /** Destination ports as the policy sees them (a Service port is rewritten to the pod's before policy applies); "all" for every port. */
    readonly ports: readonly number[] | "all";
    /** @default "TCP" */
    readonly protocol?: Protocol;
    /** What breaks without it. */
    readonly why: string;
    /** Where the flow comes from when it is inside a chart or controller: `owner/repo@tag:path`. */
    readonly cite?: string;
}

/** The ingress controller's pods (F5 nginx-ingress chart: app.kubernetes.io/name is the chart name). */
export const INGRESS_CONTROLLER: PodEnd = { namespace: NAMESPACES.ingress, pods: { "app.kubernetes.io/name": "nginx-ingress" } };
/** Prometheus's pods (prometheus-operator labels the StatefulSet's pods app.kubernetes.io/name=prometheus). */
export const PROMETHEUS: PodEnd = { namespace: NAMESPACES.monitoring, pods: { "app.kubernetes.io/name": "prometheus" } };
/** Grafana's pods (grafana chart selector labels). */
export const GRAFANA: PodEnd = { namespace: NAMESPACES.monitoring, pods: { "app.kubernetes.io/name": "grafana" } };

/** cert-manager's HTTP-01 solver pods, created in the namespace of the Ingress they solve for. */
const HTTP01_SOLVER_LABELS: PodLabels = { "acme.cert-manager.io/http01-solver": "true" };
/** The solver pod's port (cert-manager's acmesolver listens on 8089). */
const HTTP01_SOLVER_PORT = 8089;

/** A host the ingress controller serves, and the pods and port behind it. */
export interface Route {
    readonly host: string;
    readonly backend: PodEnd;
    /** The backend's container port. */
    readonly port: number;
}

export function isPodEnd(end: FlowEnd): end is PodEnd {
    return typeof end === "object";
}

/** `ns/app=x` or the keyword, for names and reports. */
export function endLabel(end: FlowEnd): string {
    if (!isPodEnd(end)) {
        return end;
    }
    const labels = Object.entries(end.pods ?? {}).map(([k, v]) => `${k}=${v}`);
    return labels.length > 0 ? `${end.namespace}/${labels.join(",")}` : `${end.namespace}/*`;
}

/** The flows a route needs: the controller to the backend, and the HTTP-01 solver when it is used. */
export function routeFlows(route: Route, http01: boolean): Flow[] {
    const flows: Flow[] = [
        {
            name: `ingress controller -> ${route.host} (${endLabel(route.backend)})`,
            from: INGRESS_CONTROLLER,
            to: route.backend,
            ports: [route.port],
            why: `serves https://${route.host}`,
        },
    ];
    if (http01) {
        flows.push({
            name: `ingress controller -> HTTP-01 solver in ${route.backend.namespace} (${route.host})`,
            from: INGRESS_CONTROLLER,
            to: { namespace: route.backend.namespace, pods: HTTP01_SOLVER_LABELS },
            ports: [HTTP01_SOLVER_PORT],
            why: `the ACME challenge for ${route.host}: without it no certificate is issued`,
            cite: "cert-manager/cert-manager@v1.21.1:pkg/issuer/acme/http/http.go (acmeSolverListenPort), pkg/apis/acme/v1/types.go (SolverIdentificationLabelKey)",
        });
    }
    return flows;
}

/** The Kubernetes API's port on k3s servers (the `kubernetes` Service's endpoints); the Platform adds 443 for other clusters. */
const KUBE_API_PORT = 6443;

/** The flow from pods to the Kubernetes API (controllers, operators, sidecars that watch objects). */
export function apiServerFlow(from: PodEnd, who: string, why = "watches and updates Kubernetes objects"): Flow {
    return { name: `${who} -> API server`, from, to: "apiServer", ports: [KUBE_API_PORT], why };
}

/** What a component tells the Platform about its traffic (docs/adr/0018). */
export interface NetworkNeeds {
    /** Flows its parts need: webhooks, endpoints, the API server, flows inside its charts. */
    readonly flows: readonly Flow[];
    /** Hosts it serves through the ingress controller (the Platform derives the controller's and the solver's flows). */
    readonly routes: readonly Route[];
    /** The namespaces it creates: the Platform's NetworkPolicies are created in them once they exist. */
    readonly ownedNamespaces: readonly OwnedNamespace[];
    /** Its metrics endpoints (the Platform derives Prometheus's flow to each). @default none */
    readonly scrapeTargets?: readonly ScrapeTarget[];
}

/** A namespace a component creates: its name, and the object to wait for. */
export interface OwnedNamespace {
    readonly name: string;
    readonly object: k8s.core.v1.Namespace;
}
