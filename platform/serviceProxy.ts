/**
 * The in-cluster Services `npm run verify` reaches through the API server's service proxy, and the
 * pods and container ports behind them. The API server proxies from the node it runs on: to a pod
 * on another node the connection comes from that node's flannel address, so each target is also a
 * flow from `nodes` the NetworkPolicies must admit (platform/platformFlows.ts).
 *
 * Where the names and ports come from (upstream, at the pinned versions):
 * - kube-prometheus-stack 88.5.3 templates/_helpers.tpl `kube-prometheus-stack.fullname`:
 *   `<release>-kube-prometheus-stack` truncated to 26 characters; Services `<fullname>-prometheus`
 *   (values `prometheus.service.port` 9090) and `<fullname>-alertmanager` (9093); the grafana
 *   12.11.1 subchart's `<release>-grafana`, values `service.port` 80 to container port 3000.
 * - loki 18.11.0 (Monolithic): Service `<release>`, `loki.server.http_listen_port` 3100.
 * - longhorn v1.12.1 chart/templates/daemonset-sa.yaml: Service `longhorn-backend` port 9500,
 *   longhorn-manager's REST API (GET /v1/volumes, GET /v1/backuptargets).
 * - deepflow 7.1.002: Service `<release>-server` with port 20417, the port its liveness probe
 *   (values `server.livenessProbe`) GETs /v1/health/ on.
 */
import { type PodEnd, GRAFANA, PROMETHEUS } from "../components/lib/flows";
import { MONITORING_NAMESPACE } from "../components/lib/networkPolicy";
import { CLICKHOUSE_HTTP_PORT, CLICKHOUSE_NAMESPACE, CLICKHOUSE_SERVICE } from "../components/monitoring/clickhouseValues";
import { DEEPFLOW_NAMESPACE, DEEPFLOW_PORTS, DEEPFLOW_RELEASE } from "../components/monitoring/deepflowValues";
import { LOGS_NAMESPACE, LOKI_PORT, LOKI_RELEASE } from "../components/monitoring/logsValues";
import { METRICS_RELEASE } from "../components/monitoring/metricsValues";
import { ALERTMANAGER, GRAFANA_PORT, LOKI } from "../components/monitoring/monitoringFlows";
import { LONGHORN_NAMESPACE } from "../components/storage/Longhorn";
import { LONGHORN_MANAGER } from "../components/storage/longhornValues";

/** A part of the platform a target exists for. */
export type ProxyPart = "monitoring" | "grafana" | "logs" | "clickhouse" | "deepflow" | "longhorn";

interface ProxyTargetSpec {
    readonly namespace: string;
    /** The Service's name and port (what the proxy URL names). */
    readonly name: string;
    readonly port: number;
    /** The pods behind it and their container port (what the NetworkPolicy sees). */
    readonly pods: PodEnd;
    readonly podPort: number;
    readonly part: ProxyPart;
}

const KPS_FULLNAME = `${METRICS_RELEASE}-kube-prometheus-stack`.slice(0, 26).replace(/-+$/, "");

export const SERVICE_PROXY_TARGETS = {
    prometheus: { namespace: MONITORING_NAMESPACE, name: `${KPS_FULLNAME}-prometheus`, port: 9090, pods: PROMETHEUS, podPort: 9090, part: "monitoring" },
    alertmanager: { namespace: MONITORING_NAMESPACE, name: `${KPS_FULLNAME}-alertmanager`, port: 9093, pods: ALERTMANAGER, podPort: 9093, part: "monitoring" },
    grafana: { namespace: MONITORING_NAMESPACE, name: `${METRICS_RELEASE}-grafana`, port: 80, pods: GRAFANA, podPort: GRAFANA_PORT, part: "grafana" },
    loki: { namespace: LOGS_NAMESPACE, name: LOKI_RELEASE, port: LOKI_PORT, pods: LOKI, podPort: LOKI_PORT, part: "logs" },
    clickhouse: {
        namespace: CLICKHOUSE_NAMESPACE,
        name: CLICKHOUSE_SERVICE,
        port: CLICKHOUSE_HTTP_PORT,
        pods: { namespace: CLICKHOUSE_NAMESPACE },
        podPort: CLICKHOUSE_HTTP_PORT,
        part: "clickhouse",
    },
    deepflow: {
        namespace: DEEPFLOW_NAMESPACE,
        name: `${DEEPFLOW_RELEASE}-server`,
        port: DEEPFLOW_PORTS.controller,
        pods: { namespace: DEEPFLOW_NAMESPACE, pods: { component: "deepflow-server" } },
        podPort: DEEPFLOW_PORTS.controller,
        part: "deepflow",
    },
    longhorn: {
        namespace: LONGHORN_NAMESPACE,
        name: LONGHORN_MANAGER.service,
        port: LONGHORN_MANAGER.port,
        pods: { namespace: LONGHORN_NAMESPACE, pods: { app: "longhorn-manager" } },
        podPort: LONGHORN_MANAGER.port,
        part: "longhorn",
    },
} as const satisfies Record<string, ProxyTargetSpec>;

export type ProxyTarget = keyof typeof SERVICE_PROXY_TARGETS;
