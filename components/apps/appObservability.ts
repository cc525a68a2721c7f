/**
 * Pure builders for what a ContainerApp shows the platform's monitoring: the ServiceMonitor, the
 * PrometheusRule (from the promtool-tested template charts/rules/apps/app-alerts.yaml) and a Grafana
 * dashboard. Request, error and latency panels use the F5 NGINX Ingress Controller's upstream
 * latency histogram (`service` = the Service name), which exists with `enableLatencyMetrics`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { appLabels } from "./appWorkload";

/** The per-app alert rules template. */
const APP_RULES_TEMPLATE = join(__dirname, "..", "..", "charts", "rules", "apps", "app-alerts.yaml");
/** The ingress controller's per-upstream histogram (nginx/kubernetes-ingress internal/metrics/collectors/latency.go). */
export const LATENCY_METRIC = "nginx_ingress_controller_upstream_server_response_latency_ms";
/** Label the Grafana sidecar loads dashboard ConfigMaps by (components/monitoring/metricsValues.ts). */
const GRAFANA_DASHBOARD_LABEL = "grafana_dashboard";

export interface RuleInput {
    readonly name: string;
    readonly namespace: string;
    /** Whether an HPA exists (the autoscaler alert is left out otherwise). */
    readonly autoscaling: boolean;
    /** p95 latency threshold, ms. */
    readonly latencyMs: number;
}

interface Rule {
    readonly alert: string;
    readonly expr: string;
}

/** The template with the app's name, namespace and threshold filled in, as YAML text. */
export function renderRuleTemplate(input: Omit<RuleInput, "autoscaling">, template = readFileSync(APP_RULES_TEMPLATE, "utf8")): string {
    return template
        .replace(/APP_NAMESPACE/g, input.namespace)
        .replace(/APP_NAME/g, input.name)
        .replace(/APP_LATENCY_MS/g, String(input.latencyMs));
}

/** PrometheusRule `spec.groups` for one app. */
export function appRuleGroups(input: RuleInput): { name: string; rules: Rule[] }[] {
    const groups = (parse(renderRuleTemplate(input)) as { groups: { name: string; rules: Rule[] }[] }).groups;
    return groups.map((g) => ({ ...g, rules: g.rules.filter((r) => input.autoscaling || r.alert !== "AppAutoscalerAtMax") }));
}

export function serviceMonitorSpec(name: string, portName: string, path: string): Record<string, unknown> {
    return {
        // Stable and canary Services both carry the app name label: one monitor scrapes both tracks.
        selector: { matchLabels: { "app.kubernetes.io/name": name } },
        endpoints: [{ port: portName, path, interval: "30s", scrapeTimeout: "10s" }],
    };
}

const PROM = { type: "prometheus", uid: "prometheus" };
const LOKI = { type: "loki", uid: "loki" };

/** A Grafana dashboard for one app: traffic, errors and latency at the ingress, pod resources, restarts, logs. */
export function appDashboard(name: string, namespace: string, logs: boolean): Record<string, unknown> {
    const svc = `resource_namespace="${namespace}", service=~"${name}|${name}-canary"`;
    const pod = `namespace="${namespace}", container="${name}"`;
    const panel = (id: number, title: string, x: number, y: number, targets: { expr: string; legendFormat: string }[], unit: string) => ({
        id,
        type: "timeseries",
        title,
        datasource: PROM,
        gridPos: { h: 8, w: 12, x, y },
        fieldConfig: { defaults: { unit }, overrides: [] },
        targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: PROM, ...t })),
    });
    const panels: Record<string, unknown>[] = [
        panel(
            1,
            "Requests per second (by Service and status)",
            0,
            0,
            [{ expr: `sum by (service, code) (rate(${LATENCY_METRIC}_count{${svc}}[5m]))`, legendFormat: "{{service}} {{code}}" }],
            "reqps",
        ),
        panel(
            2,
            "5xx ratio",
            12,
            0,
            [
                {
                    expr: `sum by (service) (rate(${LATENCY_METRIC}_count{${svc}, code=~"5.."}[5m])) / sum by (service) (rate(${LATENCY_METRIC}_count{${svc}}[5m]))`,
                    legendFormat: "{{service}}",
                },
            ],
            "percentunit",
        ),
        panel(
            3,
            "Upstream latency p50 / p95 / p99",
            0,
            8,
            [0.5, 0.95, 0.99].map((q) => ({
                expr: `histogram_quantile(${q}, sum by (le, service) (rate(${LATENCY_METRIC}_bucket{${svc}}[5m])))`,
                legendFormat: `p${q * 100} {{service}}`,
            })),
            "ms",
        ),
        panel(
            4,
            "Restarts (15m)",
            12,
            8,
            [{ expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total{${pod}}[15m]))`, legendFormat: "{{pod}}" }],
            "short",
        ),
        panel(
            5,
            "CPU used vs requested",
            0,
            16,
            [
                { expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${pod}}[5m]))`, legendFormat: "{{pod}} used" },
                { expr: `sum by (pod) (kube_pod_container_resource_requests{${pod}, resource="cpu"})`, legendFormat: "{{pod}} requested" },
            ],
            "cores",
        ),
        panel(
            6,
            "Memory used vs requested",
            12,
            16,
            [
                { expr: `sum by (pod) (container_memory_working_set_bytes{${pod}})`, legendFormat: "{{pod}} used" },
                { expr: `sum by (pod) (kube_pod_container_resource_requests{${pod}, resource="memory"})`, legendFormat: "{{pod}} requested" },
            ],
            "bytes",
        ),
    ];
    if (logs) {
        panels.push({
            id: 7,
            type: "logs",
            title: "Logs",
            datasource: LOKI,
            gridPos: { h: 10, w: 24, x: 0, y: 24 },
            // Alloy labels pods' logs with namespace and app (app.kubernetes.io/name), components/monitoring/logsValues.ts.
            targets: [{ refId: "A", datasource: LOKI, expr: `{namespace="${namespace}", app="${name}"}` }],
            options: { showTime: true, wrapLogMessage: true, sortOrder: "Descending" },
        });
    }
    return {
        uid: `app-${namespace}-${name}`.slice(0, 40),
        title: `App ${namespace}/${name}`,
        tags: ["platform", "apps"],
        editable: false,
        schemaVersion: 39,
        time: { from: "now-3h", to: "now" },
        refresh: "30s",
        templating: { list: [] },
        panels,
    };
}

/** Labels of the dashboard ConfigMap: the app's, plus the one the Grafana sidecar watches. */
export function dashboardLabels(name: string): Record<string, string> {
    return { ...appLabels(name).labels, [GRAFANA_DASHBOARD_LABEL]: "1" };
}
