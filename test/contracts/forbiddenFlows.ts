/**
 * Connections the NetworkPolicies must refuse, as data: who, to what, on which ports, and why it
 * must be denied. Not listed: connections between one namespace's own chart pods (Harbor's Trivy to
 * its PostgreSQL, say), which the flow model still admits on every port (ADR 0019, "What stays
 * hand-declared"). Upstream pods and ports are LITERALS with their source (never the project's
 * constants: a contract that read them could not fail). Namespaces are the platform's own
 * (charts/namespaces.ts), spelled out for the same reason.
 */
import type { ClusterNetwork } from "../../components/lib/networkPolicy";
import { type Endpoint, evaluateConnection, type PolicyCluster } from "../../offline/netpol";
import { standIns } from "../../offline/reachability";

/** A pod as the policies see it: namespace and labels. */
export interface PodRef {
    readonly what: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
}

/** A connection that must be refused: each source to the destination on each port. */
export interface Forbidden {
    readonly name: string;
    readonly from: readonly PodRef[];
    readonly to: PodRef | "metadata" | "nodes" | "internet";
    readonly ports: readonly number[];
    readonly why: string;
}

/** What a stack holds that the list depends on. */
export interface StackFacts {
    /** Apps: name, namespace and every port it declares (app port, ports[], metrics port). */
    readonly apps: readonly { readonly name: string; readonly namespace: string; readonly ports: readonly number[] }[];
    /** Namespaces the stack renders (Namespace manifests). */
    readonly namespaces: ReadonlySet<string>;
}

// grafana-community/helm-charts@grafana-12.11.1:charts/grafana/templates/_helpers.tpl (grafana.selectorLabels: app.kubernetes.io/name is the chart name).
const GRAFANA: PodRef = { what: "Grafana", namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana" } };
// nginx/kubernetes-ingress@v5.5.4:charts/nginx-ingress/templates/_helpers.tpl (nginx-ingress.selectorLabels: app.kubernetes.io/name is the chart name).
export const INGRESS_CONTROLLER: PodRef = { what: "ingress controller", namespace: "ingress-nginx", labels: { "app.kubernetes.io/name": "nginx-ingress" } };
// prometheus-operator labels the Alertmanager StatefulSet's pods app.kubernetes.io/name=alertmanager.
const ALERTMANAGER: PodRef = { what: "Alertmanager", namespace: "monitoring", labels: { "app.kubernetes.io/name": "alertmanager" } };
/** A pod in a namespace the platform does not manage (no policy of its own: only the destination can refuse it). */
const UNMANAGED: PodRef = { what: "a pod in an unmanaged namespace", namespace: "default", labels: {} };

// longhorn/longhorn-manager@v1.12.1:types/types.go GetShareManagerLabels (longhorn.io/component: share-manager);
// controller/share_manager_controller.go createServiceManifest (NFS on 2049/TCP).
const SHARE_MANAGER: PodRef = { what: "Longhorn share-manager", namespace: "longhorn-system", labels: { "longhorn.io/component": "share-manager" } };
// longhorn/longhorn@v1.12.1:chart/templates/daemonset-sa.yaml (app: longhorn-manager; containerPort 9500 "manager",
// 9502 "admission-wh"); chart/templates/network-policies/webhook-network-policy.yaml (webhooks on 9501 and 9502).
const LONGHORN_MANAGER: PodRef = { what: "longhorn-manager", namespace: "longhorn-system", labels: { app: "longhorn-manager" } };
// cert-manager/cert-manager@v1.21.1:deploy/charts/cert-manager/templates/webhook-deployment.yaml
// (app.kubernetes.io/component: "webhook"; containerPort .Values.webhook.securePort, 10250 in values.yaml).
const CERT_MANAGER_WEBHOOK: PodRef = { what: "cert-manager webhook", namespace: "cert-manager", labels: { "app.kubernetes.io/component": "webhook" } };
// prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack/templates/prometheus-operator/_prometheus-operator.tpl
// (app.kubernetes.io/name: <chart name>-prometheus-operator); values.yaml prometheusOperator.tls.internalPort 10250 (deployment.yaml --web.listen-address).
const OPERATOR_WEBHOOK: PodRef = { what: "Prometheus Operator webhook", namespace: "monitoring", labels: { "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator" } };
// grafana-community/helm-charts@loki-18.11.0:charts/loki/values.yaml (loki.server.http_listen_port: 3100).
const LOKI: PodRef = { what: "Loki", namespace: "logging", labels: { "app.kubernetes.io/name": "loki" } };

/** The first port above `port` an app does not declare. */
const undeclared = (declared: readonly number[]) => [22, ...[1, 2, 3].map((i) => Math.max(...declared) + i)].filter((p) => !declared.includes(p)).slice(0, 2);

/** The forbidden connections of a stack. */
export function forbiddenFlows(facts: StackFacts, managedNamespaces: readonly string[]): Forbidden[] {
    const appPods = facts.apps.map((a): PodRef => ({ what: `app ${a.name}`, namespace: a.namespace, labels: { "app.kubernetes.io/name": a.name } }));
    const anyPod = [...appPods.slice(0, 1), GRAFANA, INGRESS_CONTROLLER, UNMANAGED];
    // Pods in every namespace with policies: only a source's own egress can keep it off a host.
    const everyManagedPod = [...managedNamespaces.map((ns): PodRef => ({ what: `a pod in ${ns}`, namespace: ns, labels: {} })), GRAFANA, INGRESS_CONTROLLER, ...appPods];
    const list: Forbidden[] = [
        { name: "any pod -> Longhorn share-manager (NFS)", from: anyPod, to: SHARE_MANAGER, ports: [2049], why: "RWX volumes are NFS exports with no authentication: only the nodes' kernel NFS clients mount them" },
        {
            name: "any pod but Longhorn's own and Prometheus -> longhorn-manager API",
            from: anyPod,
            to: LONGHORN_MANAGER,
            ports: [9500],
            why: "the manager API creates, detaches and deletes volumes with no authentication; the UI and CSI components use it, Prometheus scrapes its /metrics",
        },
        { name: "any pod -> Longhorn admission and conversion webhooks", from: anyPod, to: LONGHORN_MANAGER, ports: [9501, 9502], why: "webhooks are for the API server" },
        { name: "any pod -> cert-manager webhook", from: anyPod, to: CERT_MANAGER_WEBHOOK, ports: [10250], why: "webhooks are for the API server" },
        { name: "any pod -> Prometheus Operator webhook", from: anyPod, to: OPERATOR_WEBHOOK, ports: [10250], why: "webhooks are for the API server" },
        { name: "any pod -> cloud instance metadata", from: everyManagedPod, to: "metadata", ports: [80], why: "169.254.169.254 hands out the node's cloud credentials" },
        {
            name: "any pod but Prometheus -> node SSH, etcd, kubelet",
            from: everyManagedPod,
            to: "nodes",
            // k3s-io/docs:docs/installation/requirements.md "Inbound Rules for K3s Nodes" (2379-2380 etcd, 10250 kubelet); 22 is sshd.
            ports: [22, 2379, 10250],
            why: "a compromised pod must not reach the hosts' management ports (only Prometheus scrapes the kubelet)",
        },
        { name: "Grafana -> internet on anything but 443", from: [GRAFANA], to: "internet", ports: [22, 25, 80], why: "Grafana fetches plugins and sends alerts over HTTPS only" },
        { name: "monitoring pods other than Grafana and Prometheus -> Loki", from: [ALERTMANAGER, { what: "a pod in monitoring", namespace: "monitoring", labels: {} }], to: LOKI, ports: [3100], why: "only Grafana queries logs (Alloy pushes from its own namespace)" },
    ];
    for (const app of facts.apps) {
        const to: PodRef = { what: `app ${app.name}`, namespace: app.namespace, labels: { "app.kubernetes.io/name": app.name } };
        list.push({ name: `ingress controller -> app ${app.name} on an undeclared port`, from: [INGRESS_CONTROLLER], to, ports: undeclared(app.ports), why: "the controller serves the app's port only" });
        const neighbours = appPods.filter((p) => p.namespace === app.namespace && p.labels["app.kubernetes.io/name"] !== app.name);
        const generic: PodRef = { what: `a pod in ${app.namespace}`, namespace: app.namespace, labels: {} };
        list.push({ name: `${app.namespace} pods -> app ${app.name} on an undeclared port`, from: [...neighbours, generic], to, ports: undeclared(app.ports), why: "pods in an app namespace reach each other only where a flow says so" });
    }
    // A destination namespace the stack does not render has no pods to protect; a source in one has no pods to send.
    const present = (p: PodRef) => p.namespace === UNMANAGED.namespace || facts.namespaces.has(p.namespace);
    return list
        .filter((f) => typeof f.to === "string" || present(f.to))
        .map((f) => ({ ...f, from: f.from.filter(present) }))
        .filter((f) => f.from.length > 0 && f.ports.length > 0);
}

/** The stand-in endpoints of a destination: a pod on node B, or the host addresses. */
function targets(to: Forbidden["to"], network: ClusterNetwork): { what: string; end: Endpoint }[] {
    const s = standIns(network);
    const hosts: Record<"metadata" | "nodes" | "internet", string[]> = {
        metadata: ["169.254.169.254"],
        nodes: network.nodeAddresses !== undefined && network.nodeAddresses.length > 0 ? [...network.nodeAddresses] : [s.privateOutside],
        internet: [s.publicAddress],
    };
    if (typeof to === "string") return hosts[to].map((ip) => ({ what: ip, end: { kind: "host", ip } }));
    return [{ what: to.what, end: { kind: "pod", namespace: to.namespace, labels: to.labels, ip: s.podDestination, node: "node-b" } }];
}

/** The verdicts of `from` (a pod on node A) to each stand-in of `to` on `port`. */
export function verdicts(cluster: PolicyCluster, network: ClusterNetwork, from: PodRef, to: Forbidden["to"], port: number): { what: string; admitted: boolean; reason: string }[] {
    const source: Endpoint = { kind: "pod", namespace: from.namespace, labels: from.labels, ip: standIns(network).podSource, node: "node-a" };
    return targets(to, network).map((t) => ({ what: t.what, ...evaluateConnection(cluster, { from: source, to: t.end, port }) }));
}

/** Every forbidden connection the policies admit, one line each (empty: all refused). */
export function admittedForbidden(list: readonly Forbidden[], cluster: PolicyCluster, network: ClusterNetwork): string[] {
    const out: string[] = [];
    for (const f of list) {
        for (const source of f.from) {
            for (const port of f.ports) {
                for (const v of verdicts(cluster, network, source, f.to, port).filter((x) => x.admitted)) {
                    out.push(`${f.name}: ${source.what} -> ${v.what}:${port} admitted (${v.reason}); must be denied: ${f.why}`);
                }
            }
        }
    }
    return out;
}
