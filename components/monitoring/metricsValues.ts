/**
 * kube-prometheus-stack values (88.5.3), k3s-tuned. k3s runs the control plane in one process per
 * node with one metrics registry on every component port, so each metric family is scraped once
 * (components/monitoring/k3sMetrics.ts): the API server's families from the apiserver job, etcd's
 * from 2381, everything else from the kubelet's /metrics on every node. The controller-manager,
 * scheduler and kube-proxy are not scraped on their own ports; their default rules and dashboards
 * select the kubelet job, except the "target down" alerts, which the project's k3s rules replace.
 * On other clusters those targets (and their default rules) are off, so no "target down" alert
 * fires forever.
 */
import type { IngressTls } from "../lib/ingress";
import { MONITORING_NAMESPACE } from "../lib/networkPolicy";
import { limited } from "../lib/resources";
import { CLICKHOUSE_HOST, CLICKHOUSE_HTTP_PORT, CLICKHOUSE_USERS } from "./clickhouseValues";
import { DEEPFLOW_APP_URL, DEEPFLOW_GRAFANA_PLUGINS, DEEPFLOW_QUERIER_URL, deepflowGrafanaPluginsImage } from "./deepflowValues";
import { K3S_METRIC_RELABELINGS, K3S_REPLACED_DEFAULT_ALERTS, KUBELET_JOB } from "./k3sMetrics";
import { LOKI_URL } from "./logsValues";
import { type ScrapeTarget, serviceMonitorFor } from "../lib/metrics";

/** kube-prometheus-stack release: its Services are `kps-kube-prometheus-stack-{prometheus,alertmanager}` and `kps-grafana`. */
export const METRICS_RELEASE = "kps";
export const ALERTMANAGER_CONFIG_SECRET = "alertmanager-platform";
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
/** Label the Grafana sidecar loads dashboard ConfigMaps by. */
export const DASHBOARD_LABEL = "grafana_dashboard";
/**
 * The Role (monitoring namespace only) Grafana's ServiceAccount gets: read ConfigMaps, nothing else.
 * The chart's own Role/ClusterRole always adds Secrets (grafana chart 12.11.1 templates/role.yaml,
 * clusterrole.yaml), so MonitoringStack creates this one and the chart only binds it.
 */
export const GRAFANA_SIDECAR_ROLE = "grafana-sidecar-configmaps";
export const GRAFANA_SIDECAR_RULES = [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }];

/** Prometheus's own retention and PVC size. */
export interface PrometheusSettings {
    /** How long metrics are kept, e.g. `15d`. */
    readonly retention: string;
    readonly storageSize: string;
}

export interface MetricsValuesArgs {
    readonly config: { readonly prometheus: PrometheusSettings };
    /** k3s server and all-node addresses; undefined on existing clusters. */
    readonly k3s?: { readonly servers: readonly string[]; readonly nodes: readonly string[] };
    readonly highAvailability: boolean;
    /** Namespace of the release (and of every dashboard and datasource ConfigMap Grafana loads). @default "monitoring" */
    readonly namespace?: string;
    /** Grafana's ingress (TLS from the platform issuer); undefined when Grafana is off. */
    readonly grafana?: IngressTls;
    /** The other monitoring parts Grafana gets datasources (and plugins) for. @default none */
    readonly parts?: GrafanaParts;
    /** Metrics endpoints of components installed before this chart (additionalServiceMonitors). @default [] */
    readonly scrapeTargets?: readonly ScrapeTarget[];
}

/** Which parts are on: Loki, ClickHouse, DeepFlow (with the registry its plugin image comes from). */
export interface GrafanaParts {
    readonly loki?: boolean;
    readonly clickhouse?: boolean;
    readonly deepflow?: { readonly imageRegistry: string };
}

/** Secret (monitoring namespace) with the ClickHouse `grafana` user's password, read into Grafana's env. */
export const GRAFANA_CLICKHOUSE_SECRET = "grafana-clickhouse";
const CLICKHOUSE_PASSWORD_ENV = "CLICKHOUSE_GRAFANA_PASSWORD";
/**
 * Grafana's ClickHouse datasource plugin, pinned. Installed from the grafana.com catalogue by id and
 * version (no download URL): Grafana then checks the archive against the catalogue's checksum for that
 * version, and the plugin is signed by Grafana Labs, so its files are checked again when it loads.
 */
const CLICKHOUSE_PLUGIN = { id: "grafana-clickhouse-datasource", version: "4.21.3" };

/** Datasources beyond Prometheus and Alertmanager (uids the dashboards in charts/dashboards use). */
export function grafanaDatasources(parts: GrafanaParts): Record<string, unknown>[] {
    return [
        ...(parts.loki ? [{ name: "Loki", type: "loki", uid: "loki", access: "proxy", url: LOKI_URL, editable: false }] : []),
        ...(parts.clickhouse
            ? [
                  {
                      name: "ClickHouse",
                      type: CLICKHOUSE_PLUGIN.id,
                      uid: "clickhouse",
                      editable: false,
                      jsonData: {
                          host: CLICKHOUSE_HOST,
                          port: CLICKHOUSE_HTTP_PORT,
                          protocol: "http",
                          username: CLICKHOUSE_USERS.grafana,
                          defaultDatabase: "default",
                      },
                      // Grafana expands this from its environment when it provisions the datasource.
                      secureJsonData: { password: `$__env{${CLICKHOUSE_PASSWORD_ENV}}` },
                  },
              ]
            : []),
        ...(parts.deepflow
            ? [
                  {
                      name: "DeepFlow",
                      type: "deepflowio-deepflow-datasource",
                      uid: "deepflow",
                      editable: false,
                      jsonData: { requestUrl: DEEPFLOW_QUERIER_URL, traceUrl: DEEPFLOW_APP_URL },
                  },
              ]
            : []),
    ];
}

/** Grafana values for the parts' plugins: ClickHouse from the catalogue, DeepFlow's from its init image. */
function grafanaPlugins(parts: GrafanaParts): Record<string, unknown> {
    const pluginDir = "/var/lib/grafana/plugins";
    return {
        ...(parts.clickhouse
            ? {
                  // `id@version`: a URL (`id@version@url`) would make Grafana skip the checksum.
                  plugins: [`${CLICKHOUSE_PLUGIN.id}@${CLICKHOUSE_PLUGIN.version}`],
                  envValueFrom: { [CLICKHOUSE_PASSWORD_ENV]: { secretKeyRef: { name: GRAFANA_CLICKHOUSE_SECRET, key: "password" } } },
              }
            : {}),
        ...(parts.deepflow
            ? {
                  extraInitContainers: [
                      {
                          name: "deepflow-plugins",
                          image: deepflowGrafanaPluginsImage(parts.deepflow.imageRegistry),
                          imagePullPolicy: "IfNotPresent",
                          resources: res("10m", "32Mi", "128Mi"),
                          volumeMounts: [{ name: "deepflow-plugins", mountPath: pluginDir }],
                      },
                  ],
                  extraEmptyDirMounts: [{ name: "deepflow-plugins", mountPath: pluginDir }],
                  // DeepFlow publishes these plugins unsigned: allowed by id, and only these (docs/adr/0009).
                  "grafana.ini": { plugins: { allow_loading_unsigned_plugins: DEEPFLOW_GRAFANA_PLUGINS.join(",") } },
              }
            : {}),
    };
}

const res = limited;

export function metricsValues(args: MetricsValuesArgs): Record<string, unknown> {
    const { config, k3s } = args;
    const namespace = args.namespace ?? MONITORING_NAMESPACE;
    const replicas = args.highAvailability ? 2 : 1;
    // k3s: one registry per process (k3sMetrics.ts). The controller-manager, scheduler and kube-proxy
    // are not scraped on their ports (their families come with the kubelet job), but stay enabled so
    // the chart keeps their rules and dashboards, pointed at the kubelet job.
    const viaKubelet = k3s
        ? { enabled: true, jobNameOverride: KUBELET_JOB, service: { enabled: false }, serviceMonitor: { enabled: false } }
        : { enabled: false };
    return {
        grafana: args.grafana
            ? {
                  enabled: true,
                  // Pinned admin credentials: the chart would otherwise generate a new password on every render.
                  admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
                  ingress: {
                      enabled: true,
                      ingressClassName: args.grafana.className,
                      annotations: { ...args.grafana.annotations },
                      hosts: [args.grafana.host],
                      tls: [{ secretName: args.grafana.secretName, hosts: [args.grafana.host] }],
                  },
                  // Dashboards and datasources as code: labelled ConfigMaps in the monitoring namespace only.
                  // Grafana faces the internet: its ServiceAccount reads ConfigMaps there and no Secrets
                  // (a namespaced RoleBinding to GRAFANA_SIDECAR_ROLE, no ClusterRole).
                  rbac: { namespaced: true, useExistingRole: GRAFANA_SIDECAR_ROLE },
                  sidecar: {
                      resources: res("10m", "64Mi", "128Mi"),
                      dashboards: { enabled: true, label: DASHBOARD_LABEL, labelValue: "1", resource: "configmap", searchNamespace: [namespace] },
                      datasources: {
                          enabled: true,
                          defaultDatasourceEnabled: true,
                          resource: "configmap",
                          searchNamespace: [namespace],
                          alertmanager: { enabled: true },
                      },
                  },
                  additionalDataSources: grafanaDatasources(args.parts ?? {}),
                  ...grafanaPlugins(args.parts ?? {}),
                  persistence: { enabled: false },
                  resources: res("50m", "128Mi", "512Mi"),
              }
            : { enabled: false },
        defaultRules: {
            create: true,
            rules: k3s ? {} : { etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false },
            // The controller-manager, scheduler and kube-proxy "target down" alerts would test the
            // kubelet job on k3s; the project's k3s rules replace them (k3sMetrics.ts).
            ...(k3s ? { disabled: Object.fromEntries(K3S_REPLACED_DEFAULT_ALERTS.map((alert) => [alert, true])) } : {}),
        },
        ...(k3s
            ? {
                  kubeApiServer: { serviceMonitor: { metricRelabelings: [...K3S_METRIC_RELABELINGS.apiserver] } },
                  kubelet: { serviceMonitor: { metricRelabelings: [...K3S_METRIC_RELABELINGS.kubelet] } },
              }
            : {}),
        kubeControllerManager: viaKubelet,
        kubeScheduler: viaKubelet,
        kubeProxy: viaKubelet,
        // etcd serves its own registry (etcd families, plus the process's Go and process collectors).
        kubeEtcd: k3s
            ? {
                  enabled: true,
                  endpoints: [...k3s.servers],
                  service: { enabled: true, port: 2381, targetPort: 2381 },
                  serviceMonitor: { enabled: true, metricRelabelings: [...K3S_METRIC_RELABELINGS.kubeEtcd] },
              }
            : { enabled: false },
        prometheusOperator: {
            // Webhook certificates from cert-manager: no Helm hook Jobs to patch them in.
            // Fail on rule errors, except during install: the chart's own rules are created before the operator serves.
            admissionWebhooks: { certManager: { enabled: true }, patch: { enabled: false }, failurePolicy: "IgnoreOnInstallOnly" },
            prometheusConfigReloader: { resources: res("10m", "32Mi", "64Mi") },
            resources: res("50m", "64Mi", "256Mi"),
        },
        prometheus: {
            additionalServiceMonitors: (args.scrapeTargets ?? []).map(serviceMonitorFor),
            prometheusSpec: {
                replicas,
                retention: config.prometheus.retention,
                // Pick up ServiceMonitors, PodMonitors, rules and probes from every namespace.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                podAntiAffinity: args.highAvailability ? "hard" : "",
                resources: res("200m", "512Mi", "2Gi"),
                storageSpec: {
                    volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: config.prometheus.storageSize } } } },
                },
            },
        },
        alertmanager: {
            alertmanagerSpec: {
                replicas,
                configSecret: ALERTMANAGER_CONFIG_SECRET,
                podAntiAffinity: args.highAvailability ? "hard" : "",
                resources: res("20m", "64Mi", "128Mi"),
            },
        },
        "kube-state-metrics": { resources: res("20m", "64Mi", "256Mi") },
        "prometheus-node-exporter": { resources: res("20m", "32Mi", "64Mi") },
    };
}
