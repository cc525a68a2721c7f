/**
 * Contract with kube-prometheus-stack 88.5.3 (prometheus-community/helm-charts tag
 * kube-prometheus-stack-88.5.3, ea930bae): which control-plane alerts and Grafana dashboards the chart
 * renders from the values every stack file produces, which job they select, and whether that job
 * stores what they query. The facts below are read from templates/prometheus/rules-1.14/*.yaml,
 * templates/grafana/dashboards-1.14/*.yaml and templates/_helpers.tpl at that tag; defaults from its
 * values.yaml. What each job scrapes and keeps: ./k3sScrapeModel.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordedResource } from "../../offline/mocks";
import { evaluateStack, PROJECT_DIR } from "../harness";
import { stackNames } from "../shared";
import { at, type Job, scrapedJobs, stores, type Values } from "./k3sScrapeModel";
import { stackConfigs } from "./stacks";

/** `<component>.jobNameOverride`, else the component's own job: the job its rules and dashboards select (templates/_helpers.tpl). */
const selectedJob = (v: Values, component: string, ownJob: string) => (at(v, component, "jobNameOverride") as string | undefined) || ownJob;
const disabled = (v: Values, alert: string) => at(v, "defaultRules", "disabled", alert) === true;
const ruleGroupOn = (v: Values, group: string) => at(v, "defaultRules", "create") !== false && at(v, "defaultRules", "rules", group) !== false;

/**
 * The "target down" alerts of templates/prometheus/rules-1.14/kubernetes-system-{controller-manager,scheduler,kube-proxy}.yaml.
 * Each file renders when defaultRules.create, <component>.enabled, defaultRules.rules.<group> and not
 * defaultRules.disabled.<its Down alert>; each alert in it unless defaultRules.disabled.<alert>.
 */
const TARGET_ALERTS = [
    {
        component: "kubeControllerManager",
        group: "kubeControllerManager",
        ownJob: "kube-controller-manager",
        down: "KubeControllerManagerDown",
        unreachable: "KubeControllerManagerInstanceUnreachable",
    },
    {
        component: "kubeScheduler",
        group: "kubeSchedulerAlerting",
        ownJob: "kube-scheduler",
        down: "KubeSchedulerDown",
        unreachable: "KubeSchedulerInstanceUnreachable",
    },
    { component: "kubeProxy", group: "kubeProxy", ownJob: "kube-proxy", down: "KubeProxyDown", unreachable: "KubeProxyInstanceUnreachable" },
];

/** The target alerts the chart renders from `v`, with the expressions it writes (`absent(up{job=...})`, `up{job=...} == 0`). */
function renderedTargetAlerts(v: Values) {
    return TARGET_ALERTS.filter((a) => at(v, a.component, "enabled") !== false && ruleGroupOn(v, a.group) && !disabled(v, a.down)).flatMap((a) => {
        const job = selectedJob(v, a.component, a.ownJob);
        return [
            { alert: a.down, ownJob: a.ownJob, job, expr: `absent(up{job="${job}"})` },
            ...(disabled(v, a.unreachable) ? [] : [{ alert: a.unreachable, ownJob: a.ownJob, job, expr: `up{job="${job}"} == 0` }]),
        ];
    });
}

type Registry = Job["registry"];
/** One file of templates/grafana/dashboards-1.14 (all 35): when it renders, and the jobs its panels select. */
interface ChartDashboard {
    readonly file: string;
    readonly renders: (v: Values) => boolean;
    /** Job selectors; `regex` for `job=~`. Empty: the dashboard picks the job from a variable over its own metric. */
    readonly jobs: (v: Values) => { readonly job: string; readonly regex?: boolean }[];
    /** For the control-plane dashboards: the families its panels read through that job, and from which registry. */
    readonly families?: { readonly registry: Registry; readonly names: readonly string[] };
}

// Every dashboard needs (grafana.enabled or grafana.forceDeployDashboards) and grafana.defaultDashboardsEnabled (default true).
const base = (v: Values) =>
    (at(v, "grafana", "enabled") !== false || at(v, "grafana", "forceDeployDashboards") === true) && at(v, "grafana", "defaultDashboardsEnabled") !== false;
const when =
    (...path: string[]) =>
    (v: Values) =>
        base(v) && at(v, ...path) !== false;
const always = base;
const kubelet = (v: Values) => ({ job: selectedJob(v, "kubelet", "kubelet") });
const named = (...names: string[]) => names.map((job) => ({ job }));
const nodeExporter = (os?: string) => (v: Values) =>
    base(v) &&
    (at(v, "nodeExporter", "enabled") !== false || at(v, "nodeExporter", "forceDeployDashboards") === true) &&
    (os === undefined || at(v, "nodeExporter", "operatingSystems", os, "enabled") !== false);
const windows = (v: Values) => base(v) && at(v, "windowsMonitoring", "enabled") === true;
const PROCESS = ["process_resident_memory_bytes", "process_cpu_seconds_total", "go_goroutines"];
const REST_CLIENT = ["rest_client_requests_total", "rest_client_request_duration_seconds_bucket"];
const WORKQUEUE = ["workqueue_adds_total", "workqueue_depth", "workqueue_queue_duration_seconds_bucket"];

const CHART_DASHBOARDS: readonly ChartDashboard[] = [
    {
        file: "alertmanager-overview.yaml",
        renders: (v) => base(v) && (at(v, "alertmanager", "enabled") !== false || at(v, "alertmanager", "forceDeployDashboards") === true),
        jobs: () => [],
    },
    {
        file: "apiserver.yaml",
        renders: when("kubeApiServer", "enabled"),
        jobs: (v) => [{ job: selectedJob(v, "kubeApiServer", "apiserver") }],
        families: { registry: "shared", names: ["up", ...WORKQUEUE, ...PROCESS] },
    },
    { file: "cluster-total.yaml", renders: always, jobs: (v) => [kubelet(v)] },
    {
        file: "controller-manager.yaml",
        renders: when("kubeControllerManager", "enabled"),
        jobs: (v) => [{ job: selectedJob(v, "kubeControllerManager", "kube-controller-manager") }],
        families: { registry: "shared", names: ["up", ...WORKQUEUE, ...REST_CLIENT, ...PROCESS] },
    },
    {
        file: "etcd.yaml",
        renders: when("kubeEtcd", "enabled"),
        jobs: () => [{ job: ".*etcd.*", regex: true }],
        families: {
            registry: "etcd",
            names: [
                "etcd_server_has_leader",
                "grpc_server_started_total",
                "grpc_server_handled_total",
                "etcd_mvcc_db_total_size_in_bytes",
                "etcd_disk_wal_fsync_duration_seconds_bucket",
                "etcd_disk_backend_commit_duration_seconds_bucket",
                "process_resident_memory_bytes",
                "etcd_network_client_grpc_received_bytes_total",
                "etcd_network_client_grpc_sent_bytes_total",
                "etcd_network_peer_received_bytes_total",
                "etcd_network_peer_sent_bytes_total",
                "etcd_server_leader_changes_seen_total",
                "etcd_network_peer_round_trip_time_seconds_bucket",
            ],
        },
    },
    { file: "grafana-overview.yaml", renders: always, jobs: () => [] },
    { file: "k8s-coredns.yaml", renders: when("coreDns", "enabled"), jobs: () => [] },
    { file: "k8s-resources-cluster.yaml", renders: always, jobs: (v) => [kubelet(v), ...named("kube-state-metrics", "node-exporter")] },
    { file: "k8s-resources-multicluster.yaml", renders: always, jobs: (v) => [kubelet(v), ...named("kube-state-metrics", "node-exporter")] },
    { file: "k8s-resources-namespace.yaml", renders: always, jobs: (v) => [kubelet(v), ...named("kube-state-metrics")] },
    { file: "k8s-resources-node.yaml", renders: always, jobs: () => named("kube-state-metrics") },
    { file: "k8s-resources-nodes-overview.yaml", renders: always, jobs: (v) => [kubelet(v), ...named("kube-state-metrics")] },
    { file: "k8s-resources-pod.yaml", renders: always, jobs: (v) => [kubelet(v), ...named("kube-state-metrics")] },
    { file: "k8s-resources-windows-cluster.yaml", renders: windows, jobs: () => named("windows-exporter") },
    { file: "k8s-resources-windows-namespace.yaml", renders: windows, jobs: () => named("windows-exporter") },
    { file: "k8s-resources-windows-pod.yaml", renders: windows, jobs: () => named("windows-exporter") },
    { file: "k8s-resources-workload.yaml", renders: always, jobs: (v) => [kubelet(v), ...named("kube-state-metrics")] },
    { file: "k8s-resources-workloads-namespace.yaml", renders: always, jobs: (v) => [kubelet(v), ...named("kube-state-metrics")] },
    { file: "k8s-windows-cluster-rsrc-use.yaml", renders: windows, jobs: () => named("windows-exporter") },
    { file: "k8s-windows-node-rsrc-use.yaml", renders: windows, jobs: () => named("windows-exporter") },
    {
        file: "kubelet.yaml",
        renders: when("kubelet", "enabled"),
        jobs: (v) => [kubelet(v)],
        families: {
            registry: "shared",
            names: [
                "up",
                "kubelet_node_name",
                "kubelet_running_pods",
                "kubelet_running_containers",
                "volume_manager_total_volumes",
                "kubelet_node_config_error",
                "kubelet_runtime_operations_total",
                "kubelet_runtime_operations_errors_total",
                "kubelet_runtime_operations_duration_seconds_bucket",
                "kubelet_pod_start_duration_seconds_bucket",
                "kubelet_pod_worker_duration_seconds_bucket",
                "storage_operation_duration_seconds_bucket",
                "storage_operation_errors_total",
                "kubelet_cgroup_manager_duration_seconds_bucket",
                "kubelet_pleg_relist_duration_seconds_bucket",
                "kubelet_pleg_relist_interval_seconds_bucket",
                ...REST_CLIENT,
                ...PROCESS,
            ],
        },
    },
    { file: "namespace-by-pod.yaml", renders: always, jobs: (v) => [kubelet(v)] },
    { file: "namespace-by-workload.yaml", renders: always, jobs: (v) => [kubelet(v)] },
    { file: "node-cluster-rsrc-use.yaml", renders: nodeExporter(), jobs: () => named("node-exporter") },
    { file: "node-rsrc-use.yaml", renders: nodeExporter(), jobs: () => named("node-exporter") },
    { file: "nodes-aix.yaml", renders: nodeExporter("aix"), jobs: () => named("node-exporter") },
    { file: "nodes-darwin.yaml", renders: nodeExporter("darwin"), jobs: () => named("node-exporter") },
    { file: "nodes.yaml", renders: nodeExporter("linux"), jobs: () => named("node-exporter") },
    { file: "persistentvolumesusage.yaml", renders: always, jobs: (v) => [kubelet(v)] },
    { file: "pod-total.yaml", renders: always, jobs: (v) => [kubelet(v)] },
    {
        file: "prometheus-remote-write.yaml",
        renders: (v) => base(v) && at(v, "prometheus", "prometheusSpec", "remoteWriteDashboards") === true,
        jobs: () => [],
    },
    { file: "prometheus.yaml", renders: always, jobs: () => [] },
    {
        file: "proxy.yaml",
        renders: when("kubeProxy", "enabled"),
        jobs: (v) => [{ job: selectedJob(v, "kubeProxy", "kube-proxy") }],
        families: {
            registry: "shared",
            names: [
                "up",
                "kubeproxy_sync_proxy_rules_duration_seconds_bucket",
                "kubeproxy_network_programming_duration_seconds_bucket",
                ...REST_CLIENT,
                ...PROCESS,
            ],
        },
    },
    {
        file: "scheduler.yaml",
        renders: when("kubeScheduler", "enabled"),
        jobs: (v) => [{ job: selectedJob(v, "kubeScheduler", "kube-scheduler") }],
        families: {
            registry: "shared",
            names: [
                "up",
                "scheduler_scheduling_attempt_duration_seconds_bucket",
                "scheduler_pod_scheduling_sli_duration_seconds_bucket",
                "scheduler_scheduling_algorithm_duration_seconds_bucket",
                "scheduler_volume_scheduling_duration_seconds_bucket",
                ...REST_CLIENT,
                ...PROCESS,
            ],
        },
    },
    { file: "workload-total.yaml", renders: always, jobs: (v) => [kubelet(v), ...named("kube-state-metrics")] },
];

/**
 * Panels of the chart's dashboards that stay empty on k3s: the process's Go, process and work-queue
 * families are the kubelet job's (one registry per process: docs/adr/0009), and the chart's API server
 * and etcd dashboards read them through their own jobs. charts/dashboards/k3s-etcd.json shows them.
 */
const EMPTY_ON_K3S = [
    ...[...WORKQUEUE, ...PROCESS].map((family) => `apiserver.yaml: ${family} via apiserver`),
    "etcd.yaml: process_resident_memory_bytes via .*etcd.*",
].sort();

/**
 * What the project's k3s rules read (charts/rules/k3s-alerts.yaml):
 * - kube-state-metrics v2.20.0 (kube-prometheus-stack 88.5.3's subchart kube-state-metrics 8.4.0,
 *   appVersion 2.20.0) internal/store/lease.go: `kube_lease_renew_time{lease, namespace}` is the Lease's
 *   spec.renewTime in Unix seconds; the subchart's values.yaml `collectors` lists `leases`; kube-prometheus-stack
 *   sets `kube-state-metrics.prometheus.monitor.http.honorLabels: true`, so `namespace` is the Lease's.
 * - Lease names: kube-scheduler in kube-system (kubernetes/kube-scheduler v0.36.3 config/v1/types.go
 *   SchedulerDefaultLockObjectName/Namespace); kube-controller-manager in kube-system (kubernetes
 *   cmd/kube-controller-manager/app/options/options.go, NewKubeControllerManagerOptions).
 * - component-base v0.36.3 config/v1alpha1/defaults.go: leader election on, lease 15 s, renewed every 2 s;
 *   a failover leaves the renew time at most lease + retry old.
 */
const LEASES: Record<string, string> = { KubeSchedulerDown: "kube-scheduler", KubeControllerManagerDown: "kube-controller-manager" };
const LEASE_NAMESPACE = "kube-system";
const FAILOVER_SECONDS = 15 + 2;

function kpsValues(resources: readonly RecordedResource[]): Values {
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "kube-prometheus-stack");
    if (!release) throw new Error("no kube-prometheus-stack release");
    return release.inputs.values as Values;
}

/** The target Down alerts of components that are on but whose alert the values turn off. */
function offDownAlerts(v: Values): string[] {
    return TARGET_ALERTS.filter((a) => at(v, a.component, "enabled") !== false && !renderedTargetAlerts(v).some((r) => r.alert === a.down)).map((a) => a.down);
}

function projectRules(resources: readonly RecordedResource[], name: string): { alert?: string; expr: string }[] {
    const rule = resources.find(
        (r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && (r.inputs.metadata as { name: string }).name === name,
    );
    return ((rule?.inputs.spec as { groups: { rules: { alert?: string; expr: string }[] }[] } | undefined)?.groups ?? []).flatMap((g) => g.rules);
}

const K3S_STACKS = stackConfigs()
    .filter(([, config]) => config.cluster.mode === "k3s")
    .map(([stack]) => stack);

function evaluated() {
    const state = { values: {} as Values, resources: [] as readonly RecordedResource[] };
    return {
        state,
        load: async (stack: string) => {
            state.resources = (await evaluateStack(stack)).resources;
            state.values = kpsValues(state.resources);
        },
    };
}

it("some stack files run k3s (the k3s cases below are not vacuous)", () => {
    expect(K3S_STACKS.length).toBeGreaterThan(0);
});

describe.each(stackNames())("kube-prometheus-stack's control-plane alerts and dashboards in the %s stack", (stack) => {
    const { state, load } = evaluated();
    beforeAll(() => load(stack));

    it("the controller-manager, scheduler and kube-proxy 'target down' alerts render only where they select that component's own scrape job", () => {
        const { values } = state;
        const wrong = renderedTargetAlerts(values).filter((r) => r.job !== r.ownJob || !scrapedJobs(values).includes(r.job));
        expect(wrong.map((r) => `${r.alert}: ${r.expr}`)).toEqual([]);
    });

    it("each such Down alert that is off on k3s has a project rule of the same name, loaded in the same stack, reading jobs the stack scrapes", () => {
        const { values, resources } = state;
        const k3sRules = projectRules(resources, "k3s-alerts");
        expect(offDownAlerts(values).filter((alert) => !k3sRules.some((r) => r.alert === alert))).toEqual([]);
        const jobsRead = [...new Set(k3sRules.flatMap((r) => [...r.expr.matchAll(/job="([^"]+)"/g)].map((m) => m[1])))];
        expect(jobsRead.filter((job) => !scrapedJobs(values).includes(job))).toEqual([]);
    });

    // templates/prometheus/rules-1.14/kubernetes-system-kubelet.yaml: KubeletInstanceUnreachable is
    // `up{job="<kubelet job>", metrics_path="/metrics"} == 0`, on with defaultRules.rules.kubernetesSystem.
    // On k3s that target is the node's whole process, scheduler and kube-proxy included.
    it("KubeletInstanceUnreachable, which reports a node's k3s process down, stays on and reads the kubelet job", () => {
        const { values } = state;
        expect(ruleGroupOn(values, "kubernetesSystem") && !disabled(values, "KubeletInstanceUnreachable")).toBe(true);
        expect(scrapedJobs(values)).toContain(selectedJob(values, "kubelet", "kubelet"));
    });

    it("every chart dashboard that renders selects only jobs the stack scrapes", () => {
        const { values } = state;
        const scraped = scrapedJobs(values);
        const rendered = CHART_DASHBOARDS.filter((d) => d.renders(values));
        const unscraped = rendered.flatMap((d) =>
            d
                .jobs(values)
                .filter((j) => !scraped.some((s) => (j.regex ? new RegExp(`^(?:${j.job})$`).test(s) : s === j.job)))
                .map((j) => `${d.file}: ${j.job}`),
        );
        expect(unscraped).toEqual([]);
        if (at(values, "grafana", "enabled") !== false) {
            expect(rendered.length).toBeGreaterThan(20);
        }
    });
});

describe.each(K3S_STACKS)("kube-prometheus-stack on the k3s cluster of the %s stack", (stack) => {
    const { state, load } = evaluated();
    beforeAll(() => load(stack));

    it("the chart's controller-manager, scheduler and kube-proxy Down alerts are off, and the project's rules of the same names are loaded", () => {
        expect(offDownAlerts(state.values).sort()).toEqual(["KubeControllerManagerDown", "KubeProxyDown", "KubeSchedulerDown"]);
        expect(
            projectRules(state.resources, "k3s-alerts")
                .map((r) => r.alert)
                .sort(),
        ).toEqual(["KubeControllerManagerDown", "KubeProxyDown", "KubeSchedulerDown"]);
    });

    it("KubeSchedulerDown and KubeControllerManagerDown read each component's kube-system lease from kube-state-metrics, which collects leases with their own namespace label", () => {
        const { values, resources } = state;
        const rules = projectRules(resources, "k3s-alerts");
        for (const [alert, lease] of Object.entries(LEASES)) {
            const expr = rules.find((r) => r.alert === alert)?.expr ?? "";
            const selectors = [...expr.matchAll(/kube_lease_renew_time\{([^}]*)\}/g)].map((m) => m[1]);
            expect({ alert, selectors: selectors.length }).toEqual({ alert, selectors: 2 });
            for (const sel of selectors) {
                expect({ alert, sel }).toEqual({ alert, sel: expect.stringContaining(`namespace="${LEASE_NAMESPACE}", lease="${lease}"`) });
                expect(sel).toContain('job="kube-state-metrics"');
            }
            // Stale only past a failover's gap.
            expect(Number(/\) > (\d+)/.exec(expr)?.[1])).toBeGreaterThan(FAILOVER_SECONDS);
        }
        const ksm = (values["kube-state-metrics"] ?? {}) as Values;
        expect((at(ksm, "collectors") as string[] | undefined) ?? ["leases"]).toContain("leases");
        expect(at(ksm, "prometheus", "monitor", "http", "honorLabels")).not.toBe(false);
    });

    it("KubeProxyDown reads a kube-proxy family through the kubelet job, which stores it", () => {
        const expr = projectRules(state.resources, "k3s-alerts").find((r) => r.alert === "KubeProxyDown")?.expr ?? "";
        const family = /(kubeproxy_[a-z_]+?)(?:_count|_bucket|_sum)?\{job="kubelet"\}/.exec(expr)?.[1];
        expect(family).toBeDefined();
        expect(stores(state.values, "kubelet", "shared", `${family!}_bucket`)).toBe(true);
    });

    it("every control-plane dashboard panel reads a family its job stores, except the known empty ones, which the project's k3s dashboard shows through the job that stores them", () => {
        const { values } = state;
        const empty: string[] = [];
        for (const d of CHART_DASHBOARDS.filter((x) => x.renders(values) && x.families)) {
            for (const { job, regex } of d.jobs(values)) {
                const matching = regex ? scrapedJobs(values).filter((s) => new RegExp(`^(?:${job})$`).test(s)) : [job];
                for (const family of d.families!.names) {
                    if (!matching.some((j) => stores(values, j, d.families!.registry, family))) empty.push(`${d.file}: ${family} via ${job}`);
                }
            }
        }
        expect(empty.sort()).toEqual(EMPTY_ON_K3S);

        const k3sDashboard = JSON.parse(readFileSync(join(PROJECT_DIR, "charts", "dashboards", "k3s-etcd.json"), "utf8")) as {
            panels: { targets: { expr: string }[] }[];
        };
        const exprs = k3sDashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
        const shown = (family: string) => exprs.some((e) => [...e.matchAll(new RegExp(`${family}\\{([^}]*)\\}`, "g"))].some((m) => /job="kubelet"/.test(m[1])));
        const families = [...new Set(EMPTY_ON_K3S.map((e) => e.split(": ")[1].split(" via ")[0]))];
        expect(families.filter((f) => !shown(f))).toEqual([]);
        expect(families.every((f) => stores(values, "kubelet", "shared", f))).toBe(true);
    });
});
