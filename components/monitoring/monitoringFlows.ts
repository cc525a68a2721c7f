/**
 * The monitoring stack's traffic as flows (docs/adr/0018): what Prometheus, Grafana, Alertmanager,
 * the operator, Loki and Alloy, ClickHouse and DeepFlow need. Routes (grafana.<domain>), scrape
 * targets of other components and `npm run verify`'s service-proxy calls are derived by the Platform.
 */
import { apiServerFlow, type Flow, GRAFANA, type PodEnd, PROMETHEUS } from "../lib/flows";
import { endpointPort, MONITORING_NAMESPACE } from "../lib/networkPolicy";
import { CLICKHOUSE_HTTP_PORT, CLICKHOUSE_METRICS_PORTS, CLICKHOUSE_NAMESPACE, CLICKHOUSE_TCP_PORT } from "./clickhouseValues";
import { DEEPFLOW_PARTS, deepflowFlows } from "./deepflowFlows";
import { ALLOY_PORT, LOGS_NAMESPACE, LOKI_PORT } from "./logsValues";

/** The Prometheus operator's admission webhook port (the API server calls it). */
const OPERATOR_WEBHOOK_PORT = 10250;
/** Grafana's container port (grafana chart `service.targetPort`). */
export const GRAFANA_PORT = 3000;
/** Ports Prometheus scrapes on the nodes: the kubelet (and k3s's one registry behind it), node-exporter, k3s's etcd metrics. */
const NODE_SCRAPE_PORTS = [10250, 9100, 2381];

export const ALERTMANAGER: PodEnd = { namespace: MONITORING_NAMESPACE, pods: { "app.kubernetes.io/name": "alertmanager" } };
export const LOKI: PodEnd = { namespace: LOGS_NAMESPACE, pods: { "app.kubernetes.io/name": "loki" } };
const ALLOY: PodEnd = { namespace: LOGS_NAMESPACE, pods: { "app.kubernetes.io/name": "alloy" } };
const OPERATOR: PodEnd = { namespace: MONITORING_NAMESPACE, pods: { "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator" } };
const KUBE_STATE_METRICS: PodEnd = { namespace: MONITORING_NAMESPACE, pods: { "app.kubernetes.io/name": "kube-state-metrics" } };

export interface MonitoringFlowArgs {
    readonly grafana: boolean;
    readonly logs?: { readonly s3Endpoint?: string; readonly s3: boolean };
    readonly clickhouse: boolean;
    readonly deepflow: boolean;
    /** Alertmanager's receivers: the SMTP smarthost (`host:port`) and whether HTTP receivers (Slack, webhook, PagerDuty) are set. */
    readonly receivers: { readonly smarthost?: string; readonly http: boolean };
}

/**
 * The monitoring stack's flows, one function per part, in a fixed order (the policies are generated
 * from this list).
 */
export function monitoringFlows(args: MonitoringFlowArgs): Flow[] {
    return [
        ...kubePrometheusStackFlows(),
        ...alertReceiverFlows(args.receivers),
        ...(args.grafana ? grafanaFlows() : []),
        ...(args.logs ? logsFlows(args.logs, args.grafana) : []),
        ...(args.clickhouse ? clickhouseFlows(args.grafana, args.deepflow) : []),
    ];
}

/** Prometheus, Alertmanager and the operator: scrapes, alerts, the admission webhook, the API server. */
function kubePrometheusStackFlows(): Flow[] {
    const monitoring: PodEnd = { namespace: MONITORING_NAMESPACE };
    return [
        {
            name: "Prometheus -> every pod (scrapes)",
            from: PROMETHEUS,
            to: "allPods",
            ports: "all",
            why: "ServiceMonitors and PodMonitors anywhere in the cluster; each target's namespace admits only its metrics port",
        },
        {
            name: "Prometheus -> nodes (kubelet, node-exporter, etcd metrics)",
            from: PROMETHEUS,
            to: "nodes",
            ports: NODE_SCRAPE_PORTS,
            why: "node, container and control-plane metrics",
        },
        { name: "Prometheus -> Alertmanager", from: PROMETHEUS, to: ALERTMANAGER, ports: [9093], why: "alerts are sent to Alertmanager" },
        // The chart's own ServiceMonitors (kube-prometheus-stack 88.5.3 templates/*/servicemonitor.yaml).
        {
            name: "Prometheus -> Prometheus (self and peer, config reloader)",
            from: PROMETHEUS,
            to: PROMETHEUS,
            ports: [9090, 8080],
            why: "Prometheus's ServiceMonitor scrapes every replica and its reloader-web port",
            cite: "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack/templates/prometheus/servicemonitor.yaml",
        },
        {
            name: "Prometheus -> Alertmanager config reloader",
            from: PROMETHEUS,
            to: ALERTMANAGER,
            ports: [8080],
            why: "Alertmanager's ServiceMonitor scrapes reloader-web",
            cite: "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack/templates/alertmanager/servicemonitor.yaml",
        },
        {
            name: "Prometheus -> kube-state-metrics",
            from: PROMETHEUS,
            to: KUBE_STATE_METRICS,
            ports: [8080],
            why: "every workload-state alert and dashboard",
            cite: "prometheus-community/helm-charts@kube-state-metrics-8.4.0:charts/kube-state-metrics/values.yaml",
        },
        {
            name: "Prometheus -> Prometheus Operator metrics",
            from: PROMETHEUS,
            to: OPERATOR,
            ports: [OPERATOR_WEBHOOK_PORT],
            why: "the operator's ServiceMonitor (port https)",
            cite: "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack/templates/prometheus-operator/servicemonitor.yaml",
        },
        {
            name: "API server -> Prometheus Operator webhook",
            from: "nodes",
            to: OPERATOR,
            ports: [OPERATOR_WEBHOOK_PORT],
            why: "PrometheusRules are validated by the operator's admission webhook",
            cite: "prometheus-community/helm-charts@kube-prometheus-stack-84.0.0:charts/kube-prometheus-stack/templates/prometheus-operator/deployment.yaml",
        },
        apiServerFlow(monitoring, "monitoring (operator, kube-state-metrics, Prometheus discovery, Grafana sidecars)"),
        {
            name: "Alertmanager -> Alertmanager (cluster)",
            from: ALERTMANAGER,
            to: ALERTMANAGER,
            ports: [9094],
            why: "replicas gossip to deduplicate notifications",
        },
        {
            name: "Alertmanager -> Alertmanager (cluster, UDP)",
            from: ALERTMANAGER,
            to: ALERTMANAGER,
            ports: [9094],
            protocol: "UDP",
            why: "replicas gossip to deduplicate notifications",
        },
    ];
}

/** Alertmanager's notifications leave the cluster: HTTP receivers on 80/443, e-mail on the smarthost's port. */
function alertReceiverFlows(receivers: MonitoringFlowArgs["receivers"]): Flow[] {
    const flows: Flow[] = [];
    if (receivers.http) {
        flows.push({
            name: "Alertmanager -> HTTP receivers",
            from: ALERTMANAGER,
            to: "outside",
            ports: [80, 443],
            why: "Slack, PagerDuty and webhook notifications",
        });
    }
    if (receivers.smarthost) {
        const port = Number(/:(\d+)$/.exec(receivers.smarthost)?.[1] ?? 25);
        flows.push({ name: "Alertmanager -> SMTP smarthost", from: ALERTMANAGER, to: "outside", ports: [port], why: "e-mail notifications" });
    }
    return flows;
}

/** Grafana's datasources and downloads, and Prometheus scraping it. */
function grafanaFlows(): Flow[] {
    return [
        { name: "Grafana -> Prometheus", from: GRAFANA, to: PROMETHEUS, ports: [9090], why: "the Prometheus datasource" },
        { name: "Grafana -> Alertmanager", from: GRAFANA, to: ALERTMANAGER, ports: [9093], why: "the Alertmanager datasource" },
        { name: "Grafana -> internet (HTTPS)", from: GRAFANA, to: "internet", ports: [443], why: "plugin and dashboard downloads" },
        {
            name: "Prometheus -> Grafana metrics",
            from: PROMETHEUS,
            to: GRAFANA,
            ports: [GRAFANA_PORT],
            why: "Grafana's ServiceMonitor (grafana.serviceMonitor.enabled in kube-prometheus-stack's values)",
        },
    ];
}

/** Loki and Alloy among themselves, their metrics, Grafana's Loki datasource and Loki's bucket. */
function logsFlows(logs: NonNullable<MonitoringFlowArgs["logs"]>, grafana: boolean): Flow[] {
    const flows: Flow[] = [
        {
            name: "Loki parts -> each other",
            from: { namespace: LOGS_NAMESPACE },
            to: LOKI,
            ports: "all",
            why: "Loki's components (gRPC, memberlist) and its gateway",
        },
        { name: "Alloy -> Loki (push)", from: ALLOY, to: LOKI, ports: [LOKI_PORT], why: "pod logs and Kubernetes events" },
        { name: "Alloy -> Alloy (cluster)", from: ALLOY, to: ALLOY, ports: [ALLOY_PORT], why: "Alloy's clustering shares targets between replicas" },
        apiServerFlow({ namespace: LOGS_NAMESPACE }, "Alloy and Loki", "reads pod logs and events through the API"),
        { name: "Prometheus -> Loki metrics", from: PROMETHEUS, to: LOKI, ports: [LOKI_PORT], why: "Loki's ServiceMonitor" },
        { name: "Prometheus -> Alloy metrics", from: PROMETHEUS, to: ALLOY, ports: [ALLOY_PORT], why: "Alloy's ServiceMonitor" },
    ];
    if (grafana) {
        flows.push({ name: "Grafana -> Loki", from: GRAFANA, to: LOKI, ports: [LOKI_PORT], why: "the Loki datasource" });
    }
    if (logs.s3) {
        const port = endpointPort(logs.s3Endpoint) ?? 443;
        flows.push({
            name: "Loki -> S3",
            from: LOKI,
            to: logs.s3Endpoint ? "outside" : "internet",
            ports: [port],
            why: "chunks and index in the bucket",
        });
    }
    return flows;
}

/** ClickHouse among itself, its metrics, Grafana's ClickHouse datasource, and DeepFlow (only with ClickHouse). */
function clickhouseFlows(grafana: boolean, deepflow: boolean): Flow[] {
    const clickhouse: PodEnd = { namespace: CLICKHOUSE_NAMESPACE };
    const flows: Flow[] = [
        {
            name: "ClickHouse parts -> each other",
            from: clickhouse,
            to: clickhouse,
            ports: "all",
            why: "replication, Keeper and the operator's status queries",
        },
        apiServerFlow(clickhouse, "clickhouse-operator"),
        {
            name: "Prometheus -> ClickHouse metrics",
            from: PROMETHEUS,
            to: clickhouse,
            ports: CLICKHOUSE_METRICS_PORTS,
            why: "the operator's and the servers' metrics",
        },
    ];
    if (grafana) {
        flows.push({
            name: "Grafana -> ClickHouse (HTTP)",
            from: GRAFANA,
            to: clickhouse,
            ports: [CLICKHOUSE_HTTP_PORT],
            why: "the ClickHouse datasource",
        });
    }
    if (deepflow) {
        flows.push(
            {
                name: "DeepFlow -> ClickHouse",
                from: DEEPFLOW_PARTS.server,
                to: clickhouse,
                ports: [CLICKHOUSE_TCP_PORT, CLICKHOUSE_HTTP_PORT],
                why: "DeepFlow writes and queries its data in ClickHouse",
            },
            ...deepflowFlows({ clickhouse, grafana }),
        );
    }
    return flows;
}
