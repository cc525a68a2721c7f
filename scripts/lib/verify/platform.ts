/**
 * Where the platform's parts live in a cluster, from the stack's resolved config and the
 * components' own constants (no name is spelt twice): the namespaces `verify` inspects and the
 * in-cluster Services it reaches through the API server.
 */
import type { PlatformConfig } from "../../../config/config";
import { SYSTEM_UPGRADE_NAMESPACE } from "../../../components/cluster/systemUpgrade";
import { CERT_MANAGER_NAMESPACE } from "../../../components/edge/CertManager";
import { DNS_NAMESPACE } from "../../../components/edge/dnsValues";
import { INGRESS_NAMESPACE, MONITORING_NAMESPACE } from "../../../components/lib/networkPolicy";
import { CLICKHOUSE_HTTP_PORT, CLICKHOUSE_NAMESPACE, CLICKHOUSE_SERVICE } from "../../../components/monitoring/clickhouseValues";
import { DEEPFLOW_NAMESPACE, DEEPFLOW_PORTS, DEEPFLOW_RELEASE } from "../../../components/monitoring/deepflowValues";
import { LOGS_NAMESPACE, LOKI_PORT, LOKI_RELEASE } from "../../../components/monitoring/logsValues";
import { METRICS_RELEASE } from "../../../components/monitoring/metricsValues";
import { HARBOR_NAMESPACE } from "../../../components/registry/harborValues";
import { LONGHORN_NAMESPACE } from "../../../components/storage/Longhorn";
import { LONGHORN_MANAGER } from "../../../components/storage/longhornValues";
import type { ServiceRef } from "./kube";

/** Which parts of the platform the stack turns on (the same flags platform/platform.ts uses). */
export function parts(config: PlatformConfig) {
    const m = config.monitoring;
    return {
        k3s: config.cluster.mode === "k3s",
        ingress: config.ingress.enabled,
        certManager: config.tls.installCertManager,
        dns: config.dns.provider !== "none",
        harbor: config.harbor.enabled,
        longhorn: config.storage.class === "longhorn",
        longhornBackup: config.storage.class === "longhorn" && config.storage.longhorn.backup !== undefined,
        monitoring: m.enabled,
        // Effective flags, resolved once in config/resolve.ts.
        grafana: m.grafana.enabled,
        logs: m.logs.enabled,
        clickhouse: m.clickhouse.enabled,
        deepflow: m.deepflow.enabled,
        etcdSnapshots: config.cluster.mode === "k3s",
    };
}

/** The namespaces the platform itself installs into, in install order. */
export function platformNamespaces(config: PlatformConfig): string[] {
    const on = parts(config);
    return [
        ...(on.k3s ? [SYSTEM_UPGRADE_NAMESPACE] : []),
        ...(on.ingress ? [INGRESS_NAMESPACE] : []),
        ...(on.certManager ? [CERT_MANAGER_NAMESPACE] : []),
        ...(on.longhorn ? [LONGHORN_NAMESPACE] : []),
        ...(on.monitoring ? [MONITORING_NAMESPACE] : []),
        ...(on.dns ? [DNS_NAMESPACE] : []),
        ...(on.harbor ? [HARBOR_NAMESPACE] : []),
        ...(on.logs ? [LOGS_NAMESPACE] : []),
        ...(on.clickhouse ? [CLICKHOUSE_NAMESPACE] : []),
        ...(on.deepflow ? [DEEPFLOW_NAMESPACE] : []),
    ];
}

/**
 * Where the names and ports come from (upstream, at the pinned versions):
 * - kube-prometheus-stack 88.5.3 templates/_helpers.tpl `kube-prometheus-stack.fullname`:
 *   `<release>-kube-prometheus-stack` truncated to 26 characters; Services `<fullname>-prometheus`
 *   (values `prometheus.service.port` 9090) and `<fullname>-alertmanager` (9093); the grafana
 *   12.11.1 subchart's `<release>-grafana`, values `service.port` 80.
 * - loki 18.11.0 (Monolithic): Service `<release>`, `loki.server.http_listen_port` 3100.
 * - longhorn v1.12.1 chart/templates/daemonset-sa.yaml: Service `longhorn-backend` port 9500,
 *   longhorn-manager's REST API (GET /v1/volumes, GET /v1/backuptargets).
 * - deepflow 7.1.002: Service `<release>-server` with port 20417, the port its liveness probe
 *   (values `server.livenessProbe`) GETs /v1/health/ on.
 */
const KPS_FULLNAME = `${METRICS_RELEASE}-kube-prometheus-stack`.slice(0, 26).replace(/-+$/, "");

export const SERVICES = {
    prometheus: { namespace: MONITORING_NAMESPACE, name: `${KPS_FULLNAME}-prometheus`, port: 9090 },
    alertmanager: { namespace: MONITORING_NAMESPACE, name: `${KPS_FULLNAME}-alertmanager`, port: 9093 },
    grafana: { namespace: MONITORING_NAMESPACE, name: `${METRICS_RELEASE}-grafana`, port: 80 },
    loki: { namespace: LOGS_NAMESPACE, name: LOKI_RELEASE, port: LOKI_PORT },
    clickhouse: { namespace: CLICKHOUSE_NAMESPACE, name: CLICKHOUSE_SERVICE, port: CLICKHOUSE_HTTP_PORT },
    // The chart's server Deployment probes GET /v1/health/ on its `server` port (deepflow values.yaml @ 7.1.002).
    deepflow: { namespace: DEEPFLOW_NAMESPACE, name: `${DEEPFLOW_RELEASE}-server`, port: DEEPFLOW_PORTS.controller },
    longhorn: { namespace: LONGHORN_NAMESPACE, name: LONGHORN_MANAGER.service, port: LONGHORN_MANAGER.port },
} as const satisfies Record<string, ServiceRef>;
