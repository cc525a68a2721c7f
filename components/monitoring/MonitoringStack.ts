import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { parse } from "yaml";
import { CHARTS } from "../../charts/versions";
import { toYaml } from "../lib/yaml";
import { installChart } from "../lib/chart";
import { type IngressTls, IngressTlsContext, ingressTls } from "../lib/ingress";
import type { ScrapeTarget } from "../lib/metrics";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import type { Flow, NetworkNeeds, Route, OwnedNamespace } from "../lib/flows";
import { MONITORING_NAMESPACE } from "../lib/networkPolicy";
import { GRAFANA_PORT, monitoringFlows } from "./monitoringFlows";
import { alertmanagerConfig } from "./alertmanagerConfig";
import { ClickHouse } from "./ClickHouse";
import type { ClickHouseSettings } from "./clickhouseValues";
import { DeepFlow, type DeepFlowSettings } from "./DeepFlow";
import { DEEPFLOW_DEFAULT_REGISTRY } from "./deepflowValues";
import { Logs } from "./Logs";
import type { LogsSettings } from "./logsValues";
import {
    ALERTMANAGER_CONFIG_SECRET,
    DASHBOARD_LABEL,
    GRAFANA_ADMIN_SECRET,
    GRAFANA_CLICKHOUSE_SECRET,
    GRAFANA_SIDECAR_ROLE,
    GRAFANA_SIDECAR_RULES,
    METRICS_RELEASE,
    metricsValues,
    type PrometheusSettings,
} from "./metricsValues";

/** Files in `dir` ending in `suffix`, sorted, without those of parts that are off. */
export function partFiles(dir: string, suffix: string, on: Readonly<Record<(typeof PARTS)[number], boolean>>): string[] {
    const off = PARTS.filter((p) => !on[p]).map((p) => `${p}${suffix}`);
    return readdirSync(dir)
        .filter((f) => f.endsWith(suffix) && !off.includes(f))
        .sort();
}

/** The project's alert rules (charts/rules/<part>-alerts.yaml), the same files promtool tests. */
export const RULES_DIR = join(__dirname, "..", "..", "charts", "rules");
/** The project's Grafana dashboards (JSON), one ConfigMap each. */
const DASHBOARDS_DIR = join(__dirname, "..", "..", "charts", "dashboards");

/**
 * Optional parts: `<part>.json` dashboards and `<part>-alerts.yaml` rules load only with their part.
 * `k3s` is on when the platform runs the cluster: its rules watch components a hosted control plane hides.
 */
const PARTS = ["logs", "clickhouse", "deepflow", "k3s"] as const;

/** Where alerts go; secret values (URLs, keys, the SMTP password) as Outputs. */
export interface AlertReceiverSettings {
    readonly slack?: { readonly webhookUrl: pulumi.Input<string>; readonly channel: string };
    readonly email?: {
        readonly to: string;
        readonly from: string;
        readonly smarthost: string;
        readonly username?: string;
        readonly password?: pulumi.Input<string>;
    };
    readonly webhook?: { readonly url: pulumi.Input<string> };
    readonly pagerduty?: { readonly routingKey: pulumi.Input<string> };
}

/**
 * The monitoring parts and their settings. Each `enabled` is the effective one (the Platform
 * passes what config/resolve computed): DeepFlow is only on with ClickHouse.
 */
export interface MonitoringSettings {
    readonly prometheus: PrometheusSettings;
    readonly alertmanager: AlertReceiverSettings;
    readonly grafana: { readonly enabled: boolean; readonly host: string };
    readonly logs: LogsSettings & { readonly enabled: boolean };
    readonly clickhouse: ClickHouseSettings & { readonly enabled: boolean };
    readonly deepflow: DeepFlowSettings & { readonly enabled: boolean };
}

export interface MonitoringStackArgs extends NamespacePolicyArgs {
    readonly config: MonitoringSettings;
    /** k3s server and node addresses (scrape targets); undefined on existing clusters. */
    readonly k3s?: { readonly servers: readonly string[]; readonly nodes: readonly string[] };
    readonly highAvailability: boolean;
    readonly protect: boolean;
    /** IngressClass + issuer for Grafana's Ingress. */
    readonly ingress: IngressTlsContext;
    /** Resources the release waits for: cert-manager (admission webhook certificates). @default [] */
    readonly after?: pulumi.Resource[];
    /** `cluster` label on shipped logs. @default the component name */
    readonly clusterName?: string;
    /** Metrics endpoints of components installed before kube-prometheus-stack (their `scrapeTargets`). @default [] */
    readonly scrapeTargets?: readonly ScrapeTarget[];
}

/**
 * Metrics and alerting: kube-prometheus-stack (Prometheus, Alertmanager, operator, node exporter,
 * kube-state-metrics), Alertmanager's configuration as a Secret, and the platform alert rules.
 */
export class MonitoringStack extends pulumi.ComponentResource implements NetworkNeeds {
    public readonly release: k8s.helm.v3.Release;
    public readonly logs?: Logs;
    public readonly clickhouse?: ClickHouse;
    public readonly deepflow?: DeepFlow;
    /** Grafana URL and admin password (secret), when Grafana is on. */
    public readonly grafana?: { url: string; username: string; password: pulumi.Output<string> };
    public readonly flows: readonly Flow[];
    /** grafana.<domain>, when Grafana is on. */
    public readonly routes: readonly Route[];
    public readonly ownedNamespaces: readonly OwnedNamespace[];

    constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:monitoring:MonitoringStack", name, {}, opts);
        const ns = platformNamespace(
            `${name}-ns`,
            {
                name: MONITORING_NAMESPACE,
                podSecurity: "privileged",
                reason: "node-exporter reads host metrics with hostNetwork, hostPID and hostPath mounts",
                podSecurityVersion: args.podSecurityVersion,
            },
            { parent: this },
        );
        const am = args.config.alertmanager;
        const grafanaConfig = args.config.grafana;
        const parts = args.config;
        const on: PartsOn = { logs: parts.logs.enabled, clickhouse: parts.clickhouse.enabled, deepflow: parts.deepflow.enabled, k3s: args.k3s !== undefined };
        const configSecret = alertmanagerConfigSecret(this, name, ns, am);
        const clickhouseGrafana = on.clickhouse ? clickhouseGrafanaCredentials(this, name, ns, grafanaConfig.enabled) : undefined;
        const grafana = grafanaConfig.enabled ? grafanaResources(this, name, ns, args.ingress, grafanaConfig.host, on) : undefined;
        this.grafana = grafana?.access;
        // Everything the release mounts or binds (Secrets, Grafana's sidecar Role) exists before it starts.
        const before = [configSecret, ...(clickhouseGrafana?.before ?? []), ...(grafana?.before ?? [])];
        this.release = installKubePrometheusStack(this, name, ns, args, on, grafana?.tls, before);
        alertRules(this, name, ns, on, this.release);

        // The parts scrape themselves with ServiceMonitors: their releases come after kube-prometheus-stack's CRDs.
        const installed = installParts(this, name, args, on, this.release, clickhouseGrafana?.password);
        this.logs = installed.logs;
        this.clickhouse = installed.clickhouse;
        this.deepflow = installed.deepflow;
        const logsS3 = parts.logs.s3;
        this.flows = monitoringFlows({
            grafana: grafanaConfig.enabled,
            logs: on.logs ? { s3: logsS3 !== undefined, s3Endpoint: logsS3?.endpoint } : undefined,
            clickhouse: this.clickhouse !== undefined,
            deepflow: this.deepflow !== undefined,
            receivers: { smarthost: am.email?.smarthost, http: am.slack !== undefined || am.webhook !== undefined || am.pagerduty !== undefined },
        });
        this.routes = grafanaConfig.enabled
            ? [{ host: grafanaConfig.host, backend: { namespace: MONITORING_NAMESPACE, pods: { "app.kubernetes.io/name": "grafana" } }, port: GRAFANA_PORT }]
            : [];
        this.ownedNamespaces = [
            { name: MONITORING_NAMESPACE, object: ns },
            ...[this.logs, this.clickhouse, this.deepflow].flatMap((part) => (part ? [part.ownedNamespace] : [])),
        ];
        this.registerOutputs({});
    }
}

/** Which optional parts are on (see PARTS). */
type PartsOn = Readonly<Record<(typeof PARTS)[number], boolean>>;

/** Alertmanager's whole configuration as a Secret: receiver URLs, keys and the SMTP password stay secret. */
function alertmanagerConfigSecret(parent: pulumi.Resource, name: string, ns: k8s.core.v1.Namespace, am: AlertReceiverSettings): k8s.core.v1.Secret {
    const resolved = pulumi
        .all([am.slack?.webhookUrl, am.email?.password, am.webhook?.url, am.pagerduty?.routingKey])
        .apply(([slackUrl, smtpPassword, webhookUrl, routingKey]) =>
            toYaml(
                alertmanagerConfig({
                    ...(am.slack ? { slack: { webhookUrl: slackUrl!, channel: am.slack.channel } } : {}),
                    ...(am.email
                        ? {
                              email: {
                                  to: am.email.to,
                                  from: am.email.from,
                                  smarthost: am.email.smarthost,
                                  username: am.email.username,
                                  password: smtpPassword,
                              },
                          }
                        : {}),
                    ...(am.webhook ? { webhook: { url: webhookUrl! } } : {}),
                    ...(am.pagerduty ? { pagerduty: { routingKey: routingKey! } } : {}),
                }),
            ),
        );
    return new k8s.core.v1.Secret(
        `${name}-alertmanager-config`,
        {
            metadata: { name: ALERTMANAGER_CONFIG_SECRET, namespace: ns.metadata.name },
            type: "Opaque",
            stringData: { "alertmanager.yaml": pulumi.secret(resolved) },
        },
        { parent },
    );
}

/**
 * The ClickHouse `grafana` user's password: Grafana reads it from this Secret (made only when Grafana
 * is on, and returned in `before`: the release mounts it), ClickHouse from its own.
 */
function clickhouseGrafanaCredentials(
    parent: pulumi.Resource,
    name: string,
    ns: k8s.core.v1.Namespace,
    grafanaEnabled: boolean,
): { password: pulumi.Output<string>; before: pulumi.Resource[] } {
    const password = pulumi.secret(new random.RandomPassword(`${name}-clickhouse-grafana-password`, { length: 32, special: false }, { parent }).result);
    if (!grafanaEnabled) {
        return { password, before: [] };
    }
    const secret = new k8s.core.v1.Secret(
        `${name}-grafana-clickhouse`,
        {
            metadata: { name: GRAFANA_CLICKHOUSE_SECRET, namespace: ns.metadata.name },
            type: "Opaque",
            stringData: { password },
        },
        { parent },
    );
    return { password, before: [secret] };
}

/**
 * Grafana's admin Secret, one ConfigMap per dashboard of the parts that are on, and the Role its
 * sidecars get; returns what the release must wait for (`before`), its Ingress TLS and access.
 */
function grafanaResources(
    parent: pulumi.Resource,
    name: string,
    ns: k8s.core.v1.Namespace,
    ingress: IngressTlsContext,
    host: string,
    on: PartsOn,
): { before: pulumi.Resource[]; tls: IngressTls; access: NonNullable<MonitoringStack["grafana"]> } {
    // Not protected: Grafana keeps no state (no PVC) and takes the password from the Secret on every start.
    const password = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 24, special: false }, { parent });
    const adminSecret = new k8s.core.v1.Secret(
        `${name}-grafana-admin`,
        {
            metadata: { name: GRAFANA_ADMIN_SECRET, namespace: ns.metadata.name },
            type: "Opaque",
            stringData: pulumi.secret({ "admin-user": "admin", "admin-password": password.result }),
        },
        { parent },
    );
    for (const file of partFiles(DASHBOARDS_DIR, ".json", on)) {
        const id = file.replace(/\.json$/, "");
        new k8s.core.v1.ConfigMap(
            `${name}-dashboard-${id}`,
            {
                metadata: { name: `dashboard-${id}`, namespace: ns.metadata.name, labels: { [DASHBOARD_LABEL]: "1" } },
                data: { [file]: readFileSync(join(DASHBOARDS_DIR, file), "utf8") },
            },
            { parent },
        );
    }
    // The only permissions Grafana's ServiceAccount gets (the chart binds it, namespaced): no Secrets.
    const sidecarRole = new k8s.rbac.v1.Role(
        `${name}-grafana-sidecar-role`,
        { metadata: { name: GRAFANA_SIDECAR_ROLE, namespace: ns.metadata.name }, rules: GRAFANA_SIDECAR_RULES },
        { parent },
    );
    return {
        before: [adminSecret, sidecarRole],
        tls: ingressTls(ingress, host, "grafana"),
        access: { url: `https://${host}`, username: "admin", password: pulumi.secret(password.result) },
    };
}

/** The kube-prometheus-stack release, after everything it mounts (`before`) and what the platform passes in `after`. */
function installKubePrometheusStack(
    parent: pulumi.Resource,
    name: string,
    ns: k8s.core.v1.Namespace,
    args: MonitoringStackArgs,
    on: PartsOn,
    grafanaTls: IngressTls | undefined,
    before: pulumi.Resource[],
): k8s.helm.v3.Release {
    const deepflowRegistry = args.config.deepflow.imageRegistry ?? DEEPFLOW_DEFAULT_REGISTRY;
    return installChart(
        `${name}-release`,
        {
            chart: CHARTS.kubePrometheusStack,
            releaseName: METRICS_RELEASE,
            namespace: ns.metadata.name,
            values: metricsValues({
                config: args.config,
                k3s: args.k3s,
                highAvailability: args.highAvailability,
                namespace: MONITORING_NAMESPACE,
                grafana: grafanaTls,
                scrapeTargets: args.scrapeTargets,
                parts: { loki: on.logs, clickhouse: on.clickhouse, deepflow: on.deepflow ? { imageRegistry: deepflowRegistry } : undefined },
            }),
            timeoutSeconds: 900,
        },
        // CRDs ship in the chart's crds/ folder: Helm installs them once; upgrades apply them first (docs/runbooks/upgrade.md).
        { parent, dependsOn: [...before, ...(args.after ?? [])], protect: args.protect },
    );
}

/** One PrometheusRule per rules file of the parts that are on; the operator's CRD comes with the release. */
function alertRules(parent: pulumi.Resource, name: string, ns: k8s.core.v1.Namespace, on: PartsOn, release: k8s.helm.v3.Release): void {
    for (const file of partFiles(RULES_DIR, "-alerts.yaml", on)) {
        const id = file.replace(/\.yaml$/, "");
        const rules = parse(readFileSync(join(RULES_DIR, file), "utf8")) as { groups: unknown[] };
        new k8s.apiextensions.CustomResource(
            `${name}-${id.replace(/-alerts$/, "")}-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: id, namespace: ns.metadata.name },
                spec: { groups: rules.groups },
            },
            { parent, dependsOn: [release] },
        );
    }
}

/** Logs, ClickHouse and DeepFlow (DeepFlow only with ClickHouse), each after the release. */
function installParts(
    parent: pulumi.Resource,
    name: string,
    args: MonitoringStackArgs,
    on: PartsOn,
    release: k8s.helm.v3.Release,
    clickhouseGrafanaPassword: pulumi.Output<string> | undefined,
): { logs?: Logs; clickhouse?: ClickHouse; deepflow?: DeepFlow } {
    const parts = args.config;
    const child = { parent };
    const shared = { highAvailability: args.highAvailability, protect: args.protect, podSecurityVersion: args.podSecurityVersion };
    const logs = on.logs ? new Logs(`${name}-logs`, { config: parts.logs, cluster: args.clusterName ?? name, ...shared, after: [release] }, child) : undefined;
    if (!(on.clickhouse && clickhouseGrafanaPassword)) {
        return { logs };
    }
    const clickhouse = new ClickHouse(
        `${name}-clickhouse`,
        {
            config: parts.clickhouse,
            grafanaPassword: clickhouseGrafanaPassword,
            deepflowUser: on.deepflow,
            ...shared,
            after: [release],
        },
        child,
    );
    // ClickHouse made the deepflow user (and its password) exactly when DeepFlow is on.
    const deepflowPassword = clickhouse.deepflowPassword;
    const deepflow = deepflowPassword
        ? new DeepFlow(
              `${name}-deepflow`,
              {
                  config: parts.deepflow,
                  clickhouse: { ips: clickhouse.shardServices.map((s) => s.spec.clusterIP), password: deepflowPassword },
                  ...shared,
                  // Each shard's Service has endpoints once its server serves.
                  after: clickhouse.shardServices,
              },
              child,
          )
        : undefined;
    return { logs, clickhouse, deepflow };
}
