import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { CHARTS } from "../../charts/versions";
import type { MonitoringConfig } from "../../stacks/config";
import { toYaml } from "../cluster/k3sFiles";
import { installChart } from "../lib/chart";
import { platformNamespace } from "../lib/namespace";
import { MONITORING_NAMESPACE } from "../lib/networkPolicy";
import { alertmanagerConfig } from "./alertmanagerConfig";
import { ALERTMANAGER_CONFIG_SECRET, metricsValues } from "./metricsValues";

/** The project's alert rules (charts/rules), the same file promtool tests. */
export const PLATFORM_RULES_FILE = join(__dirname, "..", "..", "charts", "rules", "platform-alerts.yaml");

export interface MonitoringStackArgs {
    readonly config: MonitoringConfig;
    /** k3s server and node addresses (scrape targets); undefined on existing clusters. */
    readonly k3s?: { readonly servers: readonly string[]; readonly nodes: readonly string[] };
    readonly highAvailability: boolean;
    readonly protect: boolean;
    readonly podSecurityVersion: string;
    /** @default false */
    readonly networkPolicies?: boolean;
    /** Resources the release waits for: cert-manager (admission webhook certificates). @default [] */
    readonly after?: pulumi.Resource[];
}

/**
 * Metrics and alerting: kube-prometheus-stack (Prometheus, Alertmanager, operator, node exporter,
 * kube-state-metrics), Alertmanager's configuration as a Secret, and the platform alert rules.
 */
export class MonitoringStack extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:monitoring:MonitoringStack", name, {}, opts);
        const ns = platformNamespace(
            `${name}-ns`,
            {
                name: MONITORING_NAMESPACE,
                podSecurity: "privileged",
                reason: "node-exporter reads host metrics with hostNetwork, hostPID and hostPath mounts",
                podSecurityVersion: args.podSecurityVersion,
                networkPolicy: args.networkPolicies ? { allow: [] } : undefined,
            },
            { parent: this },
        );
        const am = args.config.alertmanager;
        const resolved = pulumi
            .all([am.slack?.webhookUrl, am.email?.password, am.webhook?.url, am.pagerduty?.routingKey])
            .apply(([slackUrl, smtpPassword, webhookUrl, routingKey]) =>
                toYaml(
                    alertmanagerConfig({
                        ...(am.slack ? { slack: { webhookUrl: slackUrl!, channel: am.slack.channel } } : {}),
                        ...(am.email ? { email: { to: am.email.to, from: am.email.from, smarthost: am.email.smarthost, username: am.email.username, password: smtpPassword } } : {}),
                        ...(am.webhook ? { webhook: { url: webhookUrl! } } : {}),
                        ...(am.pagerduty ? { pagerduty: { routingKey: routingKey! } } : {}),
                    }),
                ),
            );
        const configSecret = new k8s.core.v1.Secret(
            `${name}-alertmanager-config`,
            { metadata: { name: ALERTMANAGER_CONFIG_SECRET, namespace: ns.metadata.name }, type: "Opaque", stringData: { "alertmanager.yaml": pulumi.secret(resolved) } },
            { parent: this },
        );
        this.release = installChart(
            `${name}-release`,
            {
                chart: CHARTS.kubePrometheusStack,
                releaseName: "kps",
                namespace: ns.metadata.name,
                values: metricsValues({ config: args.config, k3s: args.k3s, highAvailability: args.highAvailability }),
                timeoutSeconds: 900,
            },
            // CRDs ship in the chart's crds/ folder: Helm installs them once; upgrades apply them first (docs/runbooks/upgrade.md).
            { parent: this, dependsOn: [configSecret, ...(args.after ?? [])], protect: args.protect },
        );
        const rules = parse(readFileSync(PLATFORM_RULES_FILE, "utf8")) as { groups: unknown[] };
        new k8s.apiextensions.CustomResource(
            `${name}-platform-rules`,
            { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "platform-alerts", namespace: ns.metadata.name }, spec: { groups: rules.groups } },
            { parent: this, dependsOn: [this.release] },
        );
        this.registerOutputs({});
    }
}
