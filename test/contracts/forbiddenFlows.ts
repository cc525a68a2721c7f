/**
 * Connections the NetworkPolicies must refuse, as data: who, to what, on which ports, and why it
 * must be denied. Harbor's and DeepFlow's parts are listed one by one (Trivy must not reach Harbor's
 * PostgreSQL); connections between Longhorn's, Loki's and ClickHouse's own pods are not, as the flow
 * model still admits them on every port (ADR 0019, "What stays hand-declared"). Upstream pods and
 * ports are LITERALS with their source (never the project's constants: a contract that read them
 * could not fail). Namespaces and release names are the platform's own (charts/namespaces.ts,
 * HARBOR_RELEASE, DEEPFLOW_RELEASE), spelled out for the same reason.
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
    readonly to: PodRef | "metadata" | "nodes" | "internet" | "outside";
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
export const GRAFANA: PodRef = { what: "Grafana", namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana" } };
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
const OPERATOR_WEBHOOK: PodRef = {
    what: "Prometheus Operator webhook",
    namespace: "monitoring",
    labels: { "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator" },
};
// grafana-community/helm-charts@loki-18.11.0:charts/loki/values.yaml (loki.server.http_listen_port: 3100).
const LOKI: PodRef = { what: "Loki", namespace: "logging", labels: { "app.kubernetes.io/name": "loki" } };

// goharbor/harbor-helm@v1.19.1:templates/_helpers.tpl (harbor.labels: release, chart, app "harbor", app.kubernetes.io/*)
// and each part's pod template (templates/core/core-dpl.yaml, jobservice/jobservice-dpl.yaml, registry/registry-dpl.yaml,
// portal/deployment.yaml, trivy/trivy-sts.yaml, exporter/exporter-dpl.yaml, database/database-ss.yaml,
// redis/statefulset.yaml: harbor.labels plus `component` and `app.kubernetes.io/component`). Release "harbor".
const harborPod = (component: string): PodRef => ({
    what: `Harbor ${component}`,
    namespace: "harbor",
    labels: {
        heritage: "Helm",
        release: "harbor",
        chart: "harbor",
        app: "harbor",
        "app.kubernetes.io/instance": "harbor",
        "app.kubernetes.io/name": "harbor",
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/part-of": "harbor",
        component,
        "app.kubernetes.io/component": component,
    },
});
export const HARBOR = {
    core: harborPod("core"),
    jobservice: harborPod("jobservice"),
    registry: harborPod("registry"),
    portal: harborPod("portal"),
    trivy: harborPod("trivy"),
    exporter: harborPod("exporter"),
    database: harborPod("database"),
    redis: harborPod("redis"),
};
// deepflowio/deepflow-charts@deepflow-7.1.002: charts/deepflow/templates/_helpers.tpl (deepflow-server.selectorLabels,
// deepflow-app.selectorLabels), charts/deepflow/charts/mysql/templates/_helpers.tpl (mysql.selectorLabels),
// charts/deepflow-agent/templates/_helpers.tpl (deepflow-agent.selectorLabels). Release "deepflow".
const deepflowPod = (what: string, component: string, name: string): PodRef => ({
    what: `DeepFlow ${what}`,
    namespace: "deepflow",
    labels: { app: "deepflow", component, "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "deepflow" },
});
export const DF_SERVER = deepflowPod("server", "deepflow-server", "deepflow");
export const DF_APP = deepflowPod("app", "deepflow-app", "deepflow");
export const DF_MYSQL = deepflowPod("MySQL", "mysql", "mysql");
export const DF_AGENT = deepflowPod("agent", "deepflow-agent", "deepflow-agent");
// The platform's ClickHouse server pods: the Altinity operator labels them with their installation's name ("platform").
export const CLICKHOUSE: PodRef = { what: "ClickHouse", namespace: "clickhouse", labels: { "clickhouse.altinity.com/chi": "platform" } };

/**
 * Harbor's and DeepFlow's parts that must not reach each other. Ports with internalTLS
 * (goharbor/harbor-helm@v1.19.1:templates/_helpers.tpl harbor.<part>.containerPort: registry 5443,
 * registryctl, jobservice 8443; harbor.database.port 5432; harbor.redis.addr 6379) and DeepFlow's
 * (deepflowio/deepflow-charts@deepflow-7.1.002:charts/deepflow/values.yaml: MySQL 30130, querier
 * 20416, controller 20417; deepflowio/deepflow@v7.1.8:server/ingester/config/config.go datasource 20106).
 * Who needs what is in chartConnections.ts.
 */
function chartForbidden(): Forbidden[] {
    const inHarbor: PodRef = { what: "a pod in harbor", namespace: "harbor", labels: {} };
    return [
        {
            name: "Harbor parts but core, the job service and the exporter -> Harbor PostgreSQL",
            from: [HARBOR.trivy, HARBOR.portal, HARBOR.registry, HARBOR.redis, inHarbor],
            to: HARBOR.database,
            ports: [5432],
            why: "Trivy parses untrusted images; the database holds every account, robot and setting, and only core, the job service and the exporter use it",
        },
        {
            name: "Harbor parts but core and the job service -> registry and registryctl",
            from: [HARBOR.trivy, HARBOR.portal, HARBOR.exporter, inHarbor],
            to: HARBOR.registry,
            ports: [5443, 8443],
            why: "image storage sits behind core's authorization (Trivy pulls through core); registryctl deletes blobs",
        },
        {
            name: "Trivy and the portal -> Harbor job service",
            from: [HARBOR.trivy, HARBOR.portal],
            to: HARBOR.jobservice,
            ports: [8443],
            why: "only core submits jobs",
        },
        {
            name: "Harbor portal and PostgreSQL -> Harbor Redis",
            from: [HARBOR.portal, HARBOR.database, inHarbor],
            to: HARBOR.redis,
            ports: [6379],
            why: "Redis holds core's sessions and the job queue, with no password",
        },
        // Not the registry: with images in a bucket it reaches its S3 endpoint, which may be public.
        {
            name: "Harbor PostgreSQL, Redis, portal and exporter -> internet",
            from: [HARBOR.database, HARBOR.redis, HARBOR.portal, HARBOR.exporter],
            to: "internet",
            ports: [80, 443],
            why: "only core, the job service and Trivy fetch from outside",
        },
        {
            name: "DeepFlow agent and app -> DeepFlow MySQL",
            from: [DF_AGENT, DF_APP],
            to: DF_MYSQL,
            ports: [30130],
            why: "only the server and ClickHouse's dictionaries read DeepFlow's metadata",
        },
        {
            name: "DeepFlow agent -> server HTTP APIs",
            from: [DF_AGENT],
            to: DF_SERVER,
            ports: [20416, 20417, 20106],
            why: "agents speak gRPC and send data to the ingester; the querier and controller APIs take no credentials",
        },
    ];
}

/** The first port above `port` an app does not declare. */
const undeclared = (declared: readonly number[]) => [22, ...[1, 2, 3].map((i) => Math.max(...declared) + i)].filter((p) => !declared.includes(p)).slice(0, 2);

/** The forbidden connections of a stack. */
export function forbiddenFlows(facts: StackFacts, managedNamespaces: readonly string[]): Forbidden[] {
    const appPods = facts.apps.map((a): PodRef => ({ what: `app ${a.name}`, namespace: a.namespace, labels: { "app.kubernetes.io/name": a.name } }));
    const anyPod = [...appPods.slice(0, 1), GRAFANA, INGRESS_CONTROLLER, UNMANAGED];
    // Pods in every namespace with policies: only a source's own egress can keep it off a host.
    const everyManagedPod = [
        ...managedNamespaces.map((ns): PodRef => ({ what: `a pod in ${ns}`, namespace: ns, labels: {} })),
        GRAFANA,
        INGRESS_CONTROLLER,
        ...appPods,
    ];
    const list: Forbidden[] = [
        {
            name: "any pod -> Longhorn share-manager (NFS)",
            from: anyPod,
            to: SHARE_MANAGER,
            ports: [2049],
            why: "RWX volumes are NFS exports with no authentication: only the nodes' kernel NFS clients mount them",
        },
        {
            name: "any pod but Longhorn's own and Prometheus -> longhorn-manager API",
            from: anyPod,
            to: LONGHORN_MANAGER,
            ports: [9500],
            why: "the manager API creates, detaches and deletes volumes with no authentication; the UI and CSI components use it, Prometheus scrapes its /metrics",
        },
        {
            name: "any pod -> Longhorn admission and conversion webhooks",
            from: anyPod,
            to: LONGHORN_MANAGER,
            ports: [9501, 9502],
            why: "webhooks are for the API server",
        },
        { name: "any pod -> cert-manager webhook", from: anyPod, to: CERT_MANAGER_WEBHOOK, ports: [10250], why: "webhooks are for the API server" },
        { name: "any pod -> Prometheus Operator webhook", from: anyPod, to: OPERATOR_WEBHOOK, ports: [10250], why: "webhooks are for the API server" },
        {
            name: "any pod -> cloud instance metadata",
            from: everyManagedPod,
            to: "metadata",
            ports: [80],
            why: "169.254.169.254 hands out the node's cloud credentials",
        },
        {
            name: "any pod but Prometheus -> node SSH, etcd, kubelet",
            from: everyManagedPod,
            to: "nodes",
            // k3s-io/docs:docs/installation/requirements.md "Inbound Rules for K3s Nodes" (2379-2380 etcd, 10250 kubelet); 22 is sshd.
            ports: [22, 2379, 10250],
            why: "a compromised pod must not reach the hosts' management ports (only Prometheus scrapes the kubelet)",
        },
        {
            name: "Grafana -> internet on anything but 443",
            from: [GRAFANA],
            to: "internet",
            ports: [22, 25, 80],
            why: "Grafana fetches plugins and sends alerts over HTTPS only",
        },
        {
            name: "monitoring pods other than Grafana and Prometheus -> Loki",
            from: [ALERTMANAGER, { what: "a pod in monitoring", namespace: "monitoring", labels: {} }],
            to: LOKI,
            ports: [3100],
            why: "only Grafana queries logs (Alloy pushes from its own namespace)",
        },
        ...chartForbidden(),
    ];
    for (const app of facts.apps) {
        const to: PodRef = { what: `app ${app.name}`, namespace: app.namespace, labels: { "app.kubernetes.io/name": app.name } };
        list.push({
            name: `ingress controller -> app ${app.name} on an undeclared port`,
            from: [INGRESS_CONTROLLER],
            to,
            ports: undeclared(app.ports),
            why: "the controller serves the app's port only",
        });
        const neighbours = appPods.filter((p) => p.namespace === app.namespace && p.labels["app.kubernetes.io/name"] !== app.name);
        const generic: PodRef = { what: `a pod in ${app.namespace}`, namespace: app.namespace, labels: {} };
        list.push({
            name: `${app.namespace} pods -> app ${app.name} on an undeclared port`,
            from: [...neighbours, generic],
            to,
            ports: undeclared(app.ports),
            why: "pods in an app namespace reach each other only where a flow says so",
        });
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
    const hosts: Record<"metadata" | "nodes" | "internet" | "outside", string[]> = {
        metadata: ["169.254.169.254"],
        nodes: network.nodeAddresses !== undefined && network.nodeAddresses.length > 0 ? [...network.nodeAddresses] : [s.privateOutside],
        internet: [s.publicAddress],
        outside: [s.privateOutside],
    };
    if (typeof to === "string") return hosts[to].map((ip) => ({ what: ip, end: { kind: "host", ip } }));
    return [{ what: to.what, end: { kind: "pod", namespace: to.namespace, labels: to.labels, ip: s.podDestination, node: "node-b" } }];
}

/** The verdicts of `from` (a pod on node A) to each stand-in of `to` on `port`. */
export function verdicts(
    cluster: PolicyCluster,
    network: ClusterNetwork,
    from: PodRef,
    to: Forbidden["to"],
    port: number,
): { what: string; admitted: boolean; reason: string }[] {
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
