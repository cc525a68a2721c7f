import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ingressTls } from "../../components/lib/ingress";
import { alertmanagerConfig } from "../../components/monitoring/alertmanagerConfig";
import { metricsValues } from "../../components/monitoring/metricsValues";
import { MonitoringStack, RULES_DIR } from "../../components/monitoring/MonitoringStack";
import { MonitoringConfig, parsePlatformConfig } from "../../stacks/config";
import { unknownChartKeys } from "../../scripts/lib/chartKeys";
import { SECRET } from "../../scripts/lib/mocks";
import { allStrings, byName, k3sStackConfig, mockedComponents, rawConfig, secure } from "../harness";
import { validateManifest } from "../k8sSchema";

const monitoring = (value: Record<string, unknown> = {}): MonitoringConfig => parsePlatformConfig(rawConfig({ ...k3sStackConfig(), "platform:monitoring": value })).monitoring;
const grafanaTls = ingressTls({ className: "nginx", issuer: "letsencrypt" }, "grafana.dev.example.com", "grafana");
const k3s = { servers: ["10.0.0.1", "10.0.0.2", "10.0.0.3"], nodes: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1"] };
type V = Record<string, Record<string, unknown>>;

describe("metrics values", () => {
    it("scrape k3s's control plane at the server addresses and kube-proxy on every node", () => {
        const v = metricsValues({ config: monitoring(), k3s, highAvailability: false }) as V;
        expect(v.kubeControllerManager).toEqual({ enabled: true, endpoints: k3s.servers, service: { enabled: true, port: 10257, targetPort: 10257 }, serviceMonitor: { enabled: true, https: true, insecureSkipVerify: true } });
        expect(v.kubeScheduler).toMatchObject({ endpoints: k3s.servers, service: { port: 10259 } });
        expect(v.kubeEtcd).toMatchObject({ endpoints: k3s.servers, service: { port: 2381 }, serviceMonitor: { enabled: true } });
        expect(v.kubeProxy).toMatchObject({ endpoints: k3s.nodes, service: { port: 10249 } });
        expect(v.defaultRules).toEqual({ create: true, rules: {} });
    });

    it("turn those targets and their default rules off on clusters whose control plane is hidden", () => {
        const v = metricsValues({ config: monitoring(), highAvailability: false }) as V;
        for (const part of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) {
            expect(v[part]).toEqual({ enabled: false });
        }
        expect(v.defaultRules.rules).toEqual({ etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false });
    });

    it("select monitors and rules from every namespace, use cert-manager for webhooks, and size by profile", () => {
        const v = metricsValues({ config: monitoring({ prometheus: { retention: "30d", storageSize: "100Gi" } }), k3s, highAvailability: true }) as { prometheus: { prometheusSpec: Record<string, unknown> }; alertmanager: { alertmanagerSpec: Record<string, unknown> }; prometheusOperator: Record<string, unknown> };
        expect(v.prometheus.prometheusSpec).toMatchObject({
            replicas: 2,
            retention: "30d",
            serviceMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "100Gi" } } } } },
        });
        expect(v.alertmanager.alertmanagerSpec).toMatchObject({ replicas: 2, configSecret: "alertmanager-platform", podAntiAffinity: "hard" });
        expect(v.prometheusOperator).toMatchObject({ admissionWebhooks: { certManager: { enabled: true }, patch: { enabled: false } } });
        expect(monitoring().prometheus).toEqual({ retention: "3d", storageSize: "5Gi" });
    });

    it.each([true, false])("use only keys kube-prometheus-stack 88.5.3 (and its grafana 12.11.1) has (k3s and Grafana %s)", (on) => {
        const v = metricsValues({ config: monitoring(), k3s: on ? k3s : undefined, highAvailability: on, grafana: on ? grafanaTls : undefined });
        expect(unknownChartKeys("kube-prometheus-stack", v, { grafana: "grafana" })).toEqual([]);
    });

    it("would catch a misspelt Grafana key", () => {
        const v = metricsValues({ config: monitoring(), k3s, highAvailability: false, grafana: grafanaTls }) as { grafana: Record<string, unknown> };
        v.grafana.adminn = {};
        expect(unknownChartKeys("kube-prometheus-stack", v, { grafana: "grafana" })).toEqual(["grafana.adminn"]);
    });

    it("publish one Grafana with pinned admin credentials, TLS, dashboards from labelled ConfigMaps and Prometheus + Alertmanager datasources", () => {
        const v = metricsValues({ config: monitoring(), k3s, highAvailability: false, grafana: grafanaTls }) as { grafana: Record<string, unknown> };
        expect(v.grafana).toMatchObject({
            enabled: true,
            admin: { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" },
            ingress: { enabled: true, ingressClassName: "nginx", hosts: ["grafana.dev.example.com"], tls: [{ secretName: "grafana-tls", hosts: ["grafana.dev.example.com"] }], annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" } },
            sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" }, datasources: { enabled: true, alertmanager: { enabled: true } } },
        });
        expect(metricsValues({ config: monitoring(), highAvailability: false }).grafana).toEqual({ enabled: false });
    });
});

describe("Alertmanager configuration", () => {
    const receivers = {
        slack: { webhookUrl: "https://hooks.slack.example/T1", channel: "#alerts" },
        email: { to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", username: "am", password: "smtp-pw" },
        webhook: { url: "https://hook.example.com/x" },
        pagerduty: { routingKey: "pd-key" },
    };

    it("routes by severity, pages only on critical, and sends the Watchdog nowhere", () => {
        const c = alertmanagerConfig(receivers) as { route: { routes: { receiver: string; matchers: string[] }[] }; receivers: Record<string, unknown>[] };
        expect(c.route.routes.map((r) => `${r.matchers[0]} -> ${r.receiver}`)).toEqual([
            'alertname="Watchdog" -> null',
            'severity="critical" -> critical',
            'severity="warning" -> warning',
            'severity="info" -> null',
        ]);
        const byReceiver = Object.fromEntries(c.receivers.map((r) => [r.name, r]));
        expect(byReceiver.critical).toHaveProperty("pagerduty_configs");
        expect(byReceiver.warning).not.toHaveProperty("pagerduty_configs");
        expect(Object.keys(byReceiver.warning).sort()).toEqual(["email_configs", "name", "slack_configs", "webhook_configs"]);
    });

    it("inhibits warnings under a critical alert and everything from a down node", () => {
        const c = alertmanagerConfig({}) as { inhibit_rules: Record<string, unknown>[]; receivers: { name: string }[] };
        expect(c.inhibit_rules).toEqual([
            { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "namespace"] },
            { source_matchers: ['alertname="NodeDown"'], target_matchers: ['alertname!="NodeDown"'], equal: ["instance"] },
        ]);
        expect(c.receivers.map((r) => r.name)).toEqual(["null", "warning", "critical"]);
    });

    it("requires receiver credentials to be secrets", () => {
        expect(() => monitoring({ alertmanager: { slack: { webhookUrl: "https://hooks.slack.example/T1", channel: "#alerts" } } })).toThrow(/platform:monitoring\.alertmanager\.slack\.webhookUrl: must be a secret/);
    });
});

describe("MonitoringStack component", () => {
    const mocks = mockedComponents();

    it("keeps the Alertmanager config secret, installs after it, and loads the promtool-tested rules", async () => {
        new MonitoringStack("mon", {
            config: monitoring({ alertmanager: { slack: { webhookUrl: secure("https://hooks.slack.example/secret-T1"), channel: "#alerts" } } }),
            k3s,
            highAvailability: false,
            protect: false,
            podSecurityVersion: "v1.36",
            ingress: { className: "nginx", issuer: "platform-ca" },
        });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("mon-"));
        expect(byName(mine, "mon-alertmanager-config").inputs.stringData).toBe(SECRET);
        expect(byName(mine, "mon-release").dependsOn).toContain("mon-alertmanager-config");
        const rule = byName(mine, "mon-platform-rules");
        expect(rule.dependsOn).toContain("mon-release");
        expect((rule.inputs.spec as { groups: unknown }).groups).toEqual((parse(readFileSync(join(RULES_DIR, "platform-alerts.yaml"), "utf8")) as { groups: unknown }).groups);
        expect(() => validateManifest(rule.inputs)).not.toThrow();
        expect(allStrings(mine).join("\n")).not.toContain("secret-T1");
        expect(byName(mine, "mon-grafana-admin").inputs.stringData).toBe(SECRET);
        expect(byName(mine, "mon-release").dependsOn).toContain("mon-grafana-admin");
    });

    it("loads every project dashboard as a labelled ConfigMap holding valid dashboard JSON", () => {
        const maps = mocks.collector.resources.filter((r) => r.name.startsWith("mon-dashboard-"));
        expect(maps.map((m) => m.name)).toEqual(["mon-dashboard-harbor", "mon-dashboard-ingress", "mon-dashboard-k3s-etcd", "mon-dashboard-platform-overview"]);
        const uids = new Set<string>();
        for (const m of maps) {
            const inputs = m.inputs as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
            expect(inputs.metadata.labels).toEqual({ grafana_dashboard: "1" });
            const [json] = Object.values(inputs.data);
            const dashboard = JSON.parse(json) as { uid: string; title: string; panels: { targets: { expr: string }[] }[] };
            expect(dashboard.panels.length).toBeGreaterThan(0);
            expect(dashboard.panels.every((p) => p.targets.every((t) => t.expr.length > 0))).toBe(true);
            uids.add(dashboard.uid);
        }
        expect(uids.size).toBe(maps.length);
    });
});
