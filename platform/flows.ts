/**
 * The real network flows the platform needs, as data. Reviewed beside the NetworkPolicies the
 * components build (components/lib/networkPolicy.ts): a test evaluates every flow against the
 * rendered policies of each stack that has them, so a policy change that cuts one fails there.
 *
 * Sources: pods (namespace + labels), `nodes` (the API server, kubelets and kernel clients on the
 * host network, which reach pods on other nodes from their flannel address in the pod CIDR), or
 * `internet`. Destinations are pods; `port` is the container port the policy sees after kube-proxy
 * has rewritten a Service address.
 */
import { CERT_MANAGER_NAMESPACE } from "../components/edge/CertManager";
import { DNS_METRICS_PORT, DNS_NAMESPACE } from "../components/edge/dnsValues";
import { HARBOR_INGRESS_COMPONENTS, HARBOR_TLS_CONTAINER_PORT } from "../components/registry/harborValues";
import { INGRESS_NAMESPACE, MONITORING_NAMESPACE } from "../components/lib/networkPolicy";
import { CLICKHOUSE_HTTP_PORT, CLICKHOUSE_NAMESPACE, CLICKHOUSE_TCP_PORT } from "../components/monitoring/clickhouseValues";
import { DEEPFLOW_MYSQL_PORT, DEEPFLOW_NAMESPACE, DEEPFLOW_PORTS } from "../components/monitoring/deepflowValues";
import { LOGS_NAMESPACE } from "../components/monitoring/logsValues";
import { GRAFANA_PORT, OPERATOR_WEBHOOK_PORT } from "../components/monitoring/MonitoringStack";
import { LONGHORN_NAMESPACE, LONGHORN_UI_PORT } from "../components/storage/Longhorn";
import { NAMESPACES } from "../charts/namespaces";

/** A part of the platform a flow exists for; a flow is checked only when its part is on. */
export type FlowPart = "ingress" | "dns" | "harbor" | "longhorn" | "longhornUi" | "monitoring" | "grafana" | "logs" | "clickhouse" | "deepflow";

export interface PodEnd {
    readonly namespace: string;
    /** Labels of the pods at this end (what a podSelector would match). @default none */
    readonly labels?: Readonly<Record<string, string>>;
}

export type FlowSource = PodEnd | "nodes" | "internet";

export interface Flow {
    readonly name: string;
    readonly from: FlowSource;
    readonly to: PodEnd;
    readonly port: number;
    readonly protocol?: "TCP" | "UDP";
    /** Parts that must all be on for the flow to exist. */
    readonly parts: readonly FlowPart[];
    /** Why the platform needs it (what breaks without it). */
    readonly why: string;
}

const controller: PodEnd = { namespace: INGRESS_NAMESPACE, labels: { "app.kubernetes.io/name": "nginx-ingress" } };
const prometheus: PodEnd = { namespace: MONITORING_NAMESPACE, labels: { "app.kubernetes.io/name": "prometheus" } };
const grafana: PodEnd = { namespace: MONITORING_NAMESPACE, labels: { "app.kubernetes.io/name": "grafana" } };

export const FLOWS: readonly Flow[] = [
    { name: "clients -> ingress controller (http)", from: "internet", to: controller, port: 80, parts: ["ingress"], why: "HTTP, redirects and ACME HTTP-01 from Let's Encrypt" },
    { name: "clients -> ingress controller (https)", from: "internet", to: controller, port: 443, parts: ["ingress"], why: "every platform and application host" },
    {
        name: "cert-manager -> ingress controller (HTTP-01 self-check)",
        from: { namespace: CERT_MANAGER_NAMESPACE, labels: { "app.kubernetes.io/component": "controller" } },
        to: controller,
        port: 80,
        parts: ["ingress"],
        why: "cert-manager checks its challenge through the host's public address, which kube-proxy rewrites to a controller pod; no certificate is ordered until it passes",
    },
    {
        name: "API server -> cert-manager webhook",
        from: "nodes",
        to: { namespace: CERT_MANAGER_NAMESPACE, labels: { "app.kubernetes.io/component": "webhook" } },
        port: 10250,
        parts: [],
        why: "every Certificate and Issuer is validated by the webhook, which fails closed",
    },
    {
        name: "API server -> Longhorn admission webhook",
        from: "nodes",
        to: { namespace: LONGHORN_NAMESPACE, labels: { app: "longhorn-manager" } },
        port: 9502,
        parts: ["longhorn"],
        why: "Longhorn objects and PVCs are admitted by it (fail closed): without it the install breaks",
    },
    {
        name: "API server -> Longhorn conversion webhook",
        from: "nodes",
        to: { namespace: LONGHORN_NAMESPACE, labels: { app: "longhorn-manager" } },
        port: 9501,
        parts: ["longhorn"],
        why: "CRD version conversion of Longhorn objects",
    },
    {
        name: "kernel NFS clients -> Longhorn share-manager",
        from: "nodes",
        to: { namespace: LONGHORN_NAMESPACE, labels: { "longhorn.io/component": "share-manager" } },
        port: 2049,
        parts: ["longhorn"],
        why: "RWX volumes are NFS mounts made by the kernel of the node that runs the consuming pod",
    },
    ...HARBOR_INGRESS_COMPONENTS.map(
        (component): Flow => ({
            name: `ingress controller -> Harbor ${component}`,
            from: controller,
            to: { namespace: NAMESPACES.harbor, labels: { component } },
            port: HARBOR_TLS_CONTAINER_PORT,
            parts: ["harbor"],
            why: "registry.<domain>: UI, API and image pulls (node mirrors included)",
        }),
    ),
    {
        name: "ingress controller -> Longhorn UI",
        from: controller,
        to: { namespace: LONGHORN_NAMESPACE, labels: { app: "longhorn-ui" } },
        port: LONGHORN_UI_PORT,
        parts: ["longhornUi"],
        why: "longhorn.<domain> behind basic auth",
    },
    { name: "ingress controller -> Grafana", from: controller, to: grafana, port: GRAFANA_PORT, parts: ["grafana"], why: "grafana.<domain>" },
    {
        name: "API server -> Prometheus Operator webhook",
        from: "nodes",
        to: { namespace: MONITORING_NAMESPACE, labels: { "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator" } },
        port: OPERATOR_WEBHOOK_PORT,
        parts: ["monitoring"],
        why: "PrometheusRules are validated by the operator's admission webhook",
    },
    { name: "Prometheus -> ingress controller metrics", from: prometheus, to: controller, port: 9113, parts: ["monitoring", "ingress"], why: "ingress error-rate and latency alerts" },
    { name: "Prometheus -> cert-manager metrics", from: prometheus, to: { namespace: CERT_MANAGER_NAMESPACE }, port: 9402, parts: ["monitoring"], why: "certificate expiry alerts" },
    { name: "Prometheus -> Harbor exporter", from: prometheus, to: { namespace: NAMESPACES.harbor, labels: { component: "exporter" } }, port: 8001, parts: ["monitoring", "harbor"], why: "Harbor dashboard and alerts" },
    { name: "Prometheus -> external-dns metrics", from: prometheus, to: { namespace: DNS_NAMESPACE, labels: { "app.kubernetes.io/name": "external-dns" } }, port: DNS_METRICS_PORT, parts: ["monitoring", "dns"], why: "DNS sync errors show" },
    { name: "Prometheus -> Longhorn manager metrics", from: prometheus, to: { namespace: LONGHORN_NAMESPACE, labels: { app: "longhorn-manager" } }, port: 9500, parts: ["monitoring", "longhorn"], why: "volume health" },
    { name: "Grafana -> Loki", from: grafana, to: { namespace: LOGS_NAMESPACE, labels: { "app.kubernetes.io/name": "loki" } }, port: 3100, parts: ["grafana", "logs"], why: "the Loki datasource" },
    { name: "Grafana -> ClickHouse (HTTP)", from: grafana, to: { namespace: CLICKHOUSE_NAMESPACE }, port: CLICKHOUSE_HTTP_PORT, parts: ["grafana", "clickhouse"], why: "the ClickHouse datasource" },
    { name: "DeepFlow -> ClickHouse (native)", from: { namespace: DEEPFLOW_NAMESPACE, labels: { component: "deepflow-server" } }, to: { namespace: CLICKHOUSE_NAMESPACE }, port: CLICKHOUSE_TCP_PORT, parts: ["deepflow"], why: "DeepFlow writes and queries its data in ClickHouse" },
    {
        name: "ClickHouse -> DeepFlow MySQL (dictionaries)",
        from: { namespace: CLICKHOUSE_NAMESPACE },
        to: { namespace: DEEPFLOW_NAMESPACE },
        port: DEEPFLOW_MYSQL_PORT,
        parts: ["deepflow"],
        why: "DeepFlow's ClickHouse dictionaries read their rows from DeepFlow's MySQL",
    },
    { name: "Grafana -> DeepFlow querier", from: grafana, to: { namespace: DEEPFLOW_NAMESPACE }, port: DEEPFLOW_PORTS.querier, parts: ["grafana", "deepflow"], why: "the DeepFlow datasource" },
];

/** The flows every application needs: the ingress controller to its port, Prometheus to its metrics port. */
export function appFlows(apps: readonly { readonly name: string; readonly namespace: string; readonly port: number; readonly metrics?: { readonly port?: number } }[]): Flow[] {
    return apps.flatMap((app) => {
        const to: PodEnd = { namespace: app.namespace, labels: { "app.kubernetes.io/name": app.name } };
        const flows: Flow[] = [{ name: `ingress controller -> app ${app.name}`, from: controller, to, port: app.port, parts: ["ingress"], why: `${app.name}'s host` }];
        if (app.metrics) {
            flows.push({ name: `Prometheus -> app ${app.name} metrics`, from: prometheus, to, port: app.metrics.port ?? app.port, parts: ["monitoring"], why: "the app's alerts and dashboard" });
        }
        return flows;
    });
}
