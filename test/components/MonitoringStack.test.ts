import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { IMAGES } from "../../charts/images";
import { ingressTls } from "../../components/lib/ingress";
import { alertmanagerConfig } from "../../components/monitoring/alertmanagerConfig";
import { metricsValues } from "../../components/monitoring/metricsValues";
import { MonitoringStack, type MonitoringSettings, RULES_DIR } from "../../components/monitoring/MonitoringStack";
import { unknownChartKeys } from "../../offline/chartKeys";
import { SECRET } from "../../offline/mocks";
import { allStrings, byName, mockedComponents } from "../harness";
import { validateManifest } from "../k8sSchema";

type Overrides = { [K in keyof MonitoringSettings]?: Partial<MonitoringSettings[K]> };
/** Args as the Platform hands them over for a dev stack (every part on; config tests cover the defaults). */
const monitoring = (value: Overrides = {}): MonitoringSettings => ({
    prometheus: { retention: "3d", storageSize: "5Gi", ...value.prometheus },
    alertmanager: { ...value.alertmanager },
    grafana: { enabled: true, host: "grafana.dev.example.com", ...value.grafana },
    logs: { enabled: true, retention: "7d", storageSize: "5Gi", ...value.logs },
    clickhouse: { enabled: true, shards: 1, replicas: 1, storageSize: "10Gi", ...value.clickhouse },
    deepflow: { enabled: true, ...value.deepflow },
});
const grafanaTls = ingressTls({ className: "nginx", issuer: "letsencrypt" }, "grafana.dev.example.com", "grafana");
const k3s = { servers: ["10.0.0.1", "10.0.0.2", "10.0.0.3"], nodes: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1"] };
type V = Record<string, Record<string, unknown>>;

describe("metrics values", () => {
    it("scrape k3s's one registry per node once: apiserver and etcd at the server addresses, everything else through the kubelet job", () => {
        const v = metricsValues({ config: monitoring(), k3s, highAvailability: false }) as V;
        // No scrape of the controller-manager, scheduler or kube-proxy ports; their rules and dashboards select the kubelet job.
        for (const part of ["kubeControllerManager", "kubeScheduler", "kubeProxy"]) {
            expect(v[part]).toEqual({ enabled: true, jobNameOverride: "kubelet", service: { enabled: false }, serviceMonitor: { enabled: false } });
        }
        expect(v.kubeEtcd).toMatchObject({
            endpoints: k3s.servers,
            service: { port: 2381 },
            serviceMonitor: { enabled: true, metricRelabelings: [{ action: "keep" }, { action: "drop" }] },
        });
        expect(v.kubeApiServer).toMatchObject({ serviceMonitor: { metricRelabelings: [{ sourceLabels: ["__name__"], action: "keep" }] } });
        expect(v.kubelet).toMatchObject({ serviceMonitor: { metricRelabelings: [{ action: "drop" }, { action: "drop" }] } });
        // The chart's "target down" alerts for them would watch the kubelet job; k3s-alerts.yaml replaces them.
        expect(v.defaultRules).toEqual({
            create: true,
            rules: {},
            disabled: {
                KubeControllerManagerDown: true,
                KubeControllerManagerInstanceUnreachable: true,
                KubeSchedulerDown: true,
                KubeSchedulerInstanceUnreachable: true,
                KubeProxyDown: true,
                KubeProxyInstanceUnreachable: true,
            },
        });
    });

    it("turn those targets and their default rules off on clusters whose control plane is hidden", () => {
        const v = metricsValues({ config: monitoring(), highAvailability: false }) as V;
        for (const part of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) {
            expect(v[part]).toEqual({ enabled: false });
        }
        // The API server and kubelet keep the chart's own relabelings there.
        expect(v.kubeApiServer).toBeUndefined();
        expect(v.kubelet).toBeUndefined();
        expect(v.defaultRules.rules).toEqual({
            etcd: false,
            kubeControllerManager: false,
            kubeSchedulerAlerting: false,
            kubeSchedulerRecording: false,
            kubeProxy: false,
        });
        expect(v.defaultRules.disabled).toBeUndefined();
    });

    it("select monitors and rules from every namespace, use cert-manager for webhooks, and size by profile", () => {
        const v = metricsValues({ config: monitoring({ prometheus: { retention: "30d", storageSize: "100Gi" } }), k3s, highAvailability: true }) as {
            prometheus: { prometheusSpec: Record<string, unknown> };
            alertmanager: { alertmanagerSpec: Record<string, unknown> };
            prometheusOperator: Record<string, unknown>;
        };
        expect(v.prometheus.prometheusSpec).toMatchObject({
            replicas: 2,
            retention: "30d",
            serviceMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "100Gi" } } } } },
        });
        expect(v.alertmanager.alertmanagerSpec).toMatchObject({ replicas: 2, configSecret: "alertmanager-platform", podAntiAffinity: "hard" });
        expect(v.prometheusOperator).toMatchObject({ admissionWebhooks: { certManager: { enabled: true }, patch: { enabled: false } } });
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
            ingress: {
                enabled: true,
                ingressClassName: "nginx",
                hosts: ["grafana.dev.example.com"],
                tls: [{ secretName: "grafana-tls", hosts: ["grafana.dev.example.com"] }],
                annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" },
            },
            rbac: { namespaced: true, useExistingRole: "grafana-sidecar-configmaps" },
            sidecar: {
                dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", resource: "configmap", searchNamespace: ["monitoring"] },
                datasources: { enabled: true, resource: "configmap", searchNamespace: ["monitoring"], alertmanager: { enabled: true } },
            },
        });
        expect(metricsValues({ config: monitoring(), highAvailability: false }).grafana).toEqual({ enabled: false });
    });
});

describe("components installed before kube-prometheus-stack", () => {
    it("are scraped through additionalServiceMonitors selecting their metrics Services", () => {
        const v = metricsValues({
            config: monitoring(),
            highAvailability: false,
            scrapeTargets: [
                {
                    name: "cert-manager",
                    namespace: "cert-manager",
                    selector: { "app.kubernetes.io/name": "cert-manager" },
                    port: 9402,
                    podPort: 9402,
                    jobLabel: "app.kubernetes.io/name",
                },
                {
                    name: "nginx-ingress",
                    namespace: "ingress-nginx",
                    selector: {
                        "app.kubernetes.io/name": "nginx-ingress",
                        "app.kubernetes.io/instance": "ingress",
                        service: "nginx-ingress-prometheus-service",
                    },
                    port: "prometheus",
                    podPort: 9113,
                    jobLabel: "app.kubernetes.io/name",
                },
                { name: "longhorn", namespace: "longhorn-system", selector: { app: "longhorn-manager" }, port: "manager", podPort: 9500, jobLabel: "app" },
            ],
        }) as {
            prometheus: {
                additionalServiceMonitors: {
                    name: string;
                    selector: unknown;
                    namespaceSelector: unknown;
                    endpoints: { port?: string; targetPort?: number }[];
                }[];
            };
        };
        const monitors = v.prometheus.additionalServiceMonitors;
        expect(monitors.map((m) => `${m.name}:${JSON.stringify(m.namespaceSelector)}:${m.endpoints[0].port ?? m.endpoints[0].targetPort}`)).toEqual([
            'cert-manager:{"matchNames":["cert-manager"]}:9402',
            'nginx-ingress:{"matchNames":["ingress-nginx"]}:prometheus',
            'longhorn:{"matchNames":["longhorn-system"]}:manager',
        ]);
        expect(monitors[1].selector).toEqual({
            matchLabels: { "app.kubernetes.io/name": "nginx-ingress", "app.kubernetes.io/instance": "ingress", service: "nginx-ingress-prometheus-service" },
        });
        expect((metricsValues({ config: monitoring(), highAvailability: false }) as typeof v).prometheus.additionalServiceMonitors).toEqual([]);
        expect(unknownChartKeys("kube-prometheus-stack", v, { grafana: "grafana" })).toEqual([]);
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
});

describe("MonitoringStack component", () => {
    const mocks = mockedComponents();
    const stack = (name: string, config: MonitoringSettings) =>
        new MonitoringStack(name, {
            config,
            k3s,
            highAvailability: false,
            protect: false,
            podSecurityVersion: "v1.36",
            ingress: { className: "nginx", issuer: "platform-ca" },
        });

    // The "mon" stack the next tests read: built once, so any one of them also runs alone (-t).
    beforeAll(async () => {
        stack("mon", monitoring({ alertmanager: { slack: { webhookUrl: pulumi.secret("https://hooks.slack.example/secret-T1"), channel: "#alerts" } } }));
        await mocks.settle();
    });

    it("keeps the Alertmanager config secret, installs after it, and loads the promtool-tested rules", () => {
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("mon-"));
        expect(byName(mine, "mon-alertmanager-config").inputs.stringData).toBe(SECRET);
        expect(byName(mine, "mon-release").dependsOn).toContain("mon-alertmanager-config");
        const rule = byName(mine, "mon-platform-rules");
        expect(rule.dependsOn).toContain("mon-release");
        expect((rule.inputs.spec as { groups: unknown }).groups).toEqual(
            (parse(readFileSync(join(RULES_DIR, "platform-alerts.yaml"), "utf8")) as { groups: unknown }).groups,
        );
        expect(() => validateManifest(rule.inputs)).not.toThrow();
        expect(allStrings(mine).join("\n")).not.toContain("secret-T1");
        expect(byName(mine, "mon-grafana-admin").inputs.stringData).toBe(SECRET);
        expect(byName(mine, "mon-release").dependsOn).toContain("mon-grafana-admin");
    });

    it("loads every project dashboard as a labelled ConfigMap, and every part's rules after the release", () => {
        const maps = mocks.collector.resources.filter((r) => r.name.startsWith("mon-dashboard-"));
        expect(maps.map((m) => m.name)).toEqual([
            "mon-dashboard-clickhouse",
            "mon-dashboard-deepflow",
            "mon-dashboard-harbor",
            "mon-dashboard-ingress",
            "mon-dashboard-k3s-etcd",
            "mon-dashboard-logs",
            "mon-dashboard-platform-overview",
        ]);
        for (const m of maps) {
            const inputs = m.inputs as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
            expect(inputs.metadata.labels).toEqual({ grafana_dashboard: "1" });
            expect(() => JSON.parse(Object.values(inputs.data)[0]) as unknown).not.toThrow();
        }
        const rules = mocks.collector.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && r.name.startsWith("mon-"));
        expect(rules.map((r) => (r.inputs.metadata as { name: string }).name).sort()).toEqual([
            "clickhouse-alerts",
            "deepflow-alerts",
            "k3s-alerts",
            "logs-alerts",
            "platform-alerts",
        ]);
        expect(rules.every((r) => r.dependsOn.includes("mon-release"))).toBe(true);
    });

    it("gives Grafana datasources for Loki, ClickHouse (password from a Secret) and DeepFlow (plugins from its init image)", () => {
        const grafana = (byName(mocks.collector.resources, "mon-release").inputs.values as { grafana: Record<string, unknown> }).grafana;
        const sources = grafana.additionalDataSources as {
            uid: string;
            type: string;
            url?: string;
            jsonData?: Record<string, unknown>;
            secureJsonData?: Record<string, string>;
        }[];
        expect(sources.map((d) => `${d.uid}:${d.type}`)).toEqual([
            "loki:loki",
            "clickhouse:grafana-clickhouse-datasource",
            "deepflow:deepflowio-deepflow-datasource",
        ]);
        expect(sources[0].url).toBe("http://loki.logging.svc.cluster.local:3100");
        expect(sources[1]).toMatchObject({
            jsonData: { host: "clickhouse.clickhouse.svc.cluster.local", port: 8123, username: "grafana" },
            secureJsonData: { password: "$__env{CLICKHOUSE_GRAFANA_PASSWORD}" },
        });
        expect(grafana.envValueFrom).toEqual({ CLICKHOUSE_GRAFANA_PASSWORD: { secretKeyRef: { name: "grafana-clickhouse", key: "password" } } });
        expect(byName(mocks.collector.resources, "mon-release").dependsOn).toContain("mon-grafana-clickhouse");
        expect(sources[2].jsonData).toEqual({
            requestUrl: "http://deepflow-server.deepflow.svc.cluster.local:20416",
            traceUrl: "http://deepflow-app.deepflow.svc.cluster.local:20418",
        });
        expect(grafana.plugins).toEqual([expect.stringMatching(/^grafana-clickhouse-datasource@\d+\.\d+\.\d+$/)]);
        expect(grafana.extraInitContainers).toEqual([
            expect.objectContaining({ image: `registry.cn-hongkong.aliyuncs.com/deepflow-ce/deepflowio-init-grafana:${IMAGES.deepflowGrafanaPlugins.tag}` }),
        ]);
        // Every datasource uid a loaded dashboard uses is provisioned in Grafana.
        const provisioned = new Set(["prometheus", "alertmanager", ...sources.map((d) => d.uid)]);
        const used = new Set<string>();
        const collect = (v: unknown): void => {
            if (Array.isArray(v)) v.forEach(collect);
            else if (v && typeof v === "object") {
                const o = v as Record<string, unknown>;
                if (o.datasource && typeof o.datasource === "object") used.add(String((o.datasource as { uid?: string }).uid));
                Object.values(o).forEach(collect);
            }
        };
        for (const r of mocks.collector.resources.filter((x) => x.name.startsWith("mon-dashboard-"))) {
            collect(JSON.parse(Object.values((r.inputs as { data: Record<string, string> }).data)[0]) as unknown);
        }
        expect([...used].sort()).toEqual(["clickhouse", "deepflow", "loki", "prometheus"].filter((u) => used.has(u)));
        expect([...used].filter((u) => !provisioned.has(u))).toEqual([]);
        expect(used.has("loki") && used.has("clickhouse")).toBe(true);
    });

    it("waits for kube-prometheus-stack before the parts (their ServiceMonitors), and DeepFlow for every ClickHouse shard's Service", () => {
        const r = (n: string) => byName(mocks.collector.resources, n);
        for (const part of ["mon-logs-loki", "mon-clickhouse-operator"]) {
            expect(r(part).dependsOn).toContain("mon-release");
        }
        expect(r("mon-deepflow-release").dependsOn).toContain("mon-clickhouse-shard-0");
        const hosts = (r("mon-deepflow-release").inputs.values as { global: { externalClickHouse: { hosts: { ip: string }[] } } }).global.externalClickHouse
            .hosts;
        // The shard Service's address, assigned by the API server (the mocks' stand-in is in k3s's service CIDR).
        expect(hosts.map((h) => h.ip)).toEqual([expect.stringMatching(/^10\.43\./)]);
    });

    it("leaves out a part's release, dashboard and rules when it is off", async () => {
        stack("off", monitoring({ logs: { enabled: false }, deepflow: { enabled: false } }));
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("off-"));
        const names = mine.map((r) => r.name);
        expect(names).not.toContain("off-logs-loki");
        expect(names).not.toContain("off-dashboard-logs");
        expect(names).not.toContain("off-deepflow-release");
        expect(names).toContain("off-clickhouse-installation");
        const grafana = (byName(mine, "off-release").inputs.values as { grafana: Record<string, unknown> }).grafana;
        expect((grafana.additionalDataSources as { uid: string }[]).map((d) => d.uid)).toEqual(["clickhouse"]);
        expect(grafana.extraInitContainers).toBeUndefined();
    });

    it("loads the k3s control-plane rules only on a k3s cluster", async () => {
        new MonitoringStack("ext", {
            config: monitoring(),
            highAvailability: false,
            protect: false,
            podSecurityVersion: "v1.36",
            ingress: { className: "nginx", issuer: "platform-ca" },
        });
        await mocks.settle();
        const ruleNames = (prefix: string) =>
            mocks.collector.resources
                .filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && r.name.startsWith(prefix))
                .map((r) => (r.inputs.metadata as { name: string }).name);
        expect(ruleNames("ext-")).not.toContain("k3s-alerts");
        expect(ruleNames("ext-")).toContain("platform-alerts");
        expect(ruleNames("mon-")).toContain("k3s-alerts");
    });
});
