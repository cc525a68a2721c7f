/**
 * Every PromQL selector of the apps' alert rules, their dashboards and the canary analysis can match
 * what Prometheus stores, on every stack; the platform's own rules and dashboards too, for the
 * families modelled here. Model: test/contracts/scrapeLabelModel.ts (operator target labels,
 * honor_labels and the `exported_` rename). The honor_labels of each job are read from the stack's
 * evaluated kube-prometheus-stack values, falling back to the chart's defaults stated below.
 */
import type { RecordedResource } from "../../offline/mocks";
import { canaryQueries } from "../../scripts/lib/canary";
import { sharedEvaluation, stackNames } from "../shared";
import { parsePromql, type ScrapeSource, selectorProblems, storedLabels } from "./scrapeLabelModel";
import { stackConfigs } from "./stacks";

// prometheus-operator@v0.93.0 pkg/prometheus/promcfg.go generateServiceMonitorConfig (kube-prometheus-stack
// 88.5.3 pins v0.93.1, whose tag the snapshot lacks; this code is unchanged across v0.9x): the target labels
// of a ServiceMonitor endpoint. Prometheus adds `instance`.
const SERVICE_MONITOR_TARGET_LABELS = ["namespace", "service", "pod", "container", "job", "endpoint", "instance"];

// nginx/kubernetes-ingress@v5.5.4 internal/metrics/collectors/latency.go createLatencyLabelNames
// ("upstream", "server", "code" + variable labels) and cmd/nginx-ingress/main.go
// (upstreamServerVariableLabels "service", "resource_type", "resource_name", "resource_namespace";
// peer label "pod_name"; constLabels {"class": <ingress class>}).
const NIC_LATENCY_LABELS = ["upstream", "server", "code", "service", "resource_type", "resource_name", "resource_namespace", "pod_name", "class"];
const NIC_LATENCY = "nginx_ingress_controller_upstream_server_response_latency_ms";
// nginx-ingress 2.6.4 templates/_helpers.tpl nginx-ingress.prometheus.serviceName: "<fullname>-prometheus-service",
// fullname "<release>-nginx-ingress" for the platform's release "ingress"; its port is named "prometheus".
const NIC_METRICS_SERVICE = "ingress-nginx-ingress-prometheus-service";

// kubernetes/kube-state-metrics@v2.20.0 (kube-state-metrics chart 8.4.0) docs/metrics/workload/*.md.
const KSM_LABELS: Record<string, string[]> = {
    kube_deployment_status_replicas_unavailable: ["deployment", "namespace"],
    kube_pod_container_status_restarts_total: ["container", "namespace", "pod", "uid"],
    kube_pod_container_resource_requests: ["resource", "unit", "container", "pod", "namespace", "node", "uid"],
    kube_horizontalpodautoscaler_spec_max_replicas: ["horizontalpodautoscaler", "namespace"],
    kube_horizontalpodautoscaler_status_current_replicas: ["horizontalpodautoscaler", "namespace"],
};

// kubernetes/kubernetes pkg/kubelet/server/server.go containerPrometheusLabelsFunc: the labels the kubelet's
// cAdvisor endpoint puts on container_* series.
const CADVISOR_LABELS = ["id", "name", "image", "pod", "namespace", "container"];
const CADVISOR_FAMILIES = ["container_cpu_usage_seconds_total", "container_memory_working_set_bytes"];

// prometheus-community/helm-charts@kube-prometheus-stack-88.5.3 charts/kube-prometheus-stack/values.yaml:
// kubelet.serviceMonitor.honorLabels: true; kube-state-metrics.prometheus.monitor.http.honorLabels: true;
// prometheus.prometheusSpec.overrideHonorLabels: false. additionalServiceMonitors endpoints: the
// operator's default (honorLabels false) unless set.
const KPS_DEFAULTS = { kubeletHonorLabels: true, ksmHonorLabels: true, overrideHonorLabels: false };

type Values = Record<string, unknown>;
const at = (v: unknown, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Values)[k] : undefined), v);
const release = (resources: readonly RecordedResource[], chart: string) =>
    resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === chart);

/** The scrape jobs of one stack, as its kube-prometheus-stack values configure them. */
function scrapeSources(resources: readonly RecordedResource[], override?: { nicHonorLabels?: boolean }): ScrapeSource[] {
    const values = release(resources, "kube-prometheus-stack")?.inputs.values;
    if (values === undefined) return [];
    const forced = (at(values, "prometheus", "prometheusSpec", "overrideHonorLabels") as boolean | undefined) ?? KPS_DEFAULTS.overrideHonorLabels;
    const honor = (b: boolean) => !forced && b;
    const sources: ScrapeSource[] = [];
    const monitors = (at(values, "prometheus", "additionalServiceMonitors") as Values[] | undefined) ?? [];
    const nic = monitors.find((m) => m.name === "nginx-ingress");
    if (nic) {
        const endpoint = (nic.endpoints as Values[])[0];
        sources.push({
            job: "nginx-ingress",
            ownLabels: (metric) =>
                metric.startsWith(NIC_LATENCY)
                    ? [...NIC_LATENCY_LABELS, ...(metric.endsWith("_bucket") ? ["le"] : [])]
                    : metric.startsWith("nginx_ingress_")
                      ? ["class"]
                      : undefined,
            targetLabels: {
                namespace: (at(nic, "namespaceSelector", "matchNames") as string[])[0],
                service: NIC_METRICS_SERVICE,
                pod: null,
                container: null,
                job: "nginx-ingress",
                endpoint: String(endpoint.port),
                instance: null,
            },
            honorLabels: honor(override?.nicHonorLabels ?? (endpoint.honorLabels as boolean | undefined) ?? false),
        });
    }
    sources.push({
        job: "kube-state-metrics",
        ownLabels: (metric) => KSM_LABELS[metric],
        targetLabels: {
            namespace: "monitoring",
            service: "kps-kube-state-metrics",
            pod: null,
            container: "kube-state-metrics",
            job: "kube-state-metrics",
            endpoint: "http",
            instance: null,
        },
        honorLabels: honor(
            (at(values, "kube-state-metrics", "prometheus", "monitor", "http", "honorLabels") as boolean | undefined) ?? KPS_DEFAULTS.ksmHonorLabels,
        ),
    });
    sources.push({
        job: "kubelet (cAdvisor)",
        ownLabels: (metric) => (CADVISOR_FAMILIES.includes(metric) ? CADVISOR_LABELS : undefined),
        // The kubelet's Endpoints have no pods: the operator's pod and container labels stay empty (dropped).
        targetLabels: {
            namespace: "kube-system",
            service: "kps-kube-prometheus-stack-kubelet",
            job: "kubelet",
            endpoint: "https-metrics",
            metrics_path: "/metrics/cadvisor",
            node: null,
            instance: null,
        },
        honorLabels: honor((at(values, "kubelet", "serviceMonitor", "honorLabels") as boolean | undefined) ?? KPS_DEFAULTS.kubeletHonorLabels),
    });
    return sources;
}

interface Query {
    readonly where: string;
    readonly expr: string;
    /** Every selector must come from a modelled job (the app's own objects and the canary analysis). */
    readonly strict: boolean;
}

const isApp = (r: RecordedResource) => at(r.inputs, "metadata", "labels", "app.kubernetes.io/part-of") === "platform-apps";

/** Expressions of a dashboard's Prometheus targets (Loki and other datasources are not PromQL). */
function dashboardExprs(node: unknown, datasource = ""): string[] {
    if (Array.isArray(node)) return node.flatMap((n) => dashboardExprs(n, datasource));
    if (node === null || typeof node !== "object") return [];
    const obj = node as Values;
    const ds = obj.datasource === undefined ? datasource : JSON.stringify(obj.datasource).toLowerCase();
    const own = typeof obj.expr === "string" && typeof obj.refId === "string" && !/loki|clickhouse|deepflow/.test(ds) ? [obj.expr] : [];
    return [...own, ...Object.values(obj).flatMap((v) => dashboardExprs(v, ds))];
}

/** Every PromQL the stack deploys or the canary analysis of its apps sends. */
function stackQueries(stack: string, resources: readonly RecordedResource[]): Query[] {
    const queries: Query[] = [];
    for (const r of resources.filter((x) => x.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")) {
        for (const group of (at(r.inputs, "spec", "groups") as { rules: { expr?: string; alert?: string; record?: string }[] }[]) ?? []) {
            for (const rule of group.rules) {
                if (rule.expr) queries.push({ where: `${r.name} ${rule.alert ?? rule.record}`, expr: rule.expr, strict: isApp(r) });
            }
        }
    }
    for (const r of resources.filter(
        (x) => x.type === "kubernetes:core/v1:ConfigMap" && at(x.inputs, "metadata", "labels", "grafana_dashboard") !== undefined,
    )) {
        for (const text of Object.values((r.inputs.data as Record<string, string>) ?? {})) {
            for (const expr of dashboardExprs(JSON.parse(text))) queries.push({ where: `${r.name} dashboard`, expr, strict: isApp(r) });
        }
    }
    const config = stackConfigs().find(([s]) => s === stack)?.[1];
    for (const app of config?.apps ?? []) {
        const q = canaryQueries({ namespace: app.namespace, virtualServer: app.name, service: `${app.name}-canary` }, "5m");
        for (const [kind, expr] of Object.entries(q)) queries.push({ where: `canary analysis of ${app.name} (${kind})`, expr, strict: true });
    }
    return queries;
}

/** Problems of every query against the stack's scrape jobs, and how many selectors were checked. */
function checkQueries(queries: readonly Query[], sources: readonly ScrapeSource[]): { problems: string[]; checked: number; unmodelled: number } {
    const problems: string[] = [];
    let checked = 0;
    let unmodelled = 0;
    for (const q of queries) {
        const parsed = parsePromql(q.expr);
        for (const selector of parsed.selectors) {
            const source = selector.metric === undefined ? undefined : sources.find((s) => s.ownLabels(selector.metric!) !== undefined);
            if (source === undefined) {
                unmodelled++;
                if (q.strict) problems.push(`${q.where}: ${selector.metric ?? "a selector without a metric name"} comes from no modelled scrape job`);
                continue;
            }
            checked++;
            problems.push(
                ...selectorProblems(
                    selector,
                    source,
                    parsed.groupingLabels.filter((l) => l !== "le" || selector.metric!.endsWith("_bucket")),
                ).map((p) => `${q.where}: ${p}`),
            );
        }
    }
    return { problems, checked, unmodelled };
}

describe("Prometheus target labels and honor_labels (prometheus-operator promcfg.go, prometheus scrape.go)", () => {
    it("model: without honor_labels a clashing exporter label is renamed exported_<label> and the target's value stays; with it, the exporter's stays", () => {
        const source = (honorLabels: boolean): ScrapeSource => ({
            job: "j",
            ownLabels: () => ["service", "code"],
            targetLabels: { service: "metrics-svc", namespace: "ns" },
            honorLabels,
        });
        expect(Object.fromEntries(storedLabels(source(false), "m"))).toEqual({
            service: "metrics-svc",
            exported_service: null,
            code: null,
            namespace: "ns",
            __name__: "m",
        });
        expect(Object.fromEntries(storedLabels(source(true), "m"))).toEqual({ service: null, code: null, namespace: "ns", __name__: "m" });
        const selector = parsePromql('sum by (service) (rate(m{service=~"hello|hello-canary"}[5m]))');
        expect(selectorProblems(selector.selectors[0], source(false), selector.groupingLabels)).toHaveLength(2);
        expect(selectorProblems(selector.selectors[0], source(true), selector.groupingLabels)).toEqual([]);
    });

    it("reads the selectors, grouping labels and matchers of real expressions", () => {
        expect(parsePromql('histogram_quantile(0.95, sum by (le) (rate(x_bucket{a="1", b=~"x|y"}[5m]))) > 500 or vector(0)')).toEqual({
            selectors: [
                {
                    metric: "x_bucket",
                    matchers: [
                        { label: "a", op: "=", value: "1" },
                        { label: "b", op: "=~", value: "x|y" },
                    ],
                },
            ],
            groupingLabels: ["le"],
        });
        expect(parsePromql("up == 0").selectors).toEqual([{ metric: "up", matchers: [] }]);
    });

    describe.each(stackNames())("Pulumi.%s.yaml", (stack) => {
        it("every app rule, app dashboard and canary-analysis selector matches what Prometheus stores; so do the platform's, for modelled jobs", () => {
            const { resources } = sharedEvaluation(stack);
            const sources = scrapeSources(resources);
            // The controller's job carries the operator's target labels for a ServiceMonitor endpoint with pods.
            for (const source of sources.filter((x) => x.job === "nginx-ingress" || x.job === "kube-state-metrics")) {
                expect(Object.keys(source.targetLabels).sort()).toEqual([...SERVICE_MONITOR_TARGET_LABELS].sort());
            }
            const queries = stackQueries(stack, resources);
            const result = checkQueries(queries, sources);
            expect(result.problems).toEqual([]);
            if (queries.some((q) => q.strict)) {
                // The apps' selectors were all checked, not skipped.
                expect(result.checked).toBeGreaterThanOrEqual(queries.filter((q) => q.strict).length);
            }
        });
    });

    const withApps = stackConfigs()
        .filter(([, config]) => config.apps.length > 0 && config.monitoring.enabled)
        .map(([stack]) => stack);
    describe.each(withApps)("Pulumi.%s.yaml (its apps)", (stack) => {
        it("the check fails on the scrape as it was (the controller without honorLabels): the app 5xx and canary selectors on `service` are refused", () => {
            const { resources } = sharedEvaluation(stack);
            const queries = stackQueries(stack, resources).filter((q) => q.strict);
            const { problems } = checkQueries(queries, scrapeSources(resources, { nicHonorLabels: false }));
            expect(problems).toEqual(
                expect.arrayContaining([
                    expect.stringMatching(
                        /canary analysis of \w.*: nginx_ingress_controller_upstream_server_response_latency_ms_count: service="[\w-]+-canary" never matches: service is job nginx-ingress's target label "ingress-nginx-ingress-prometheus-service" \(the exporter's service is stored as exported_service/,
                    ),
                ]),
            );
            expect(problems.some((p) => /-rules AppErrorRateHigh: .*service=~".*" never matches/.test(p))).toBe(true);
        });
    });
});
