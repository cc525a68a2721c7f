/**
 * What kube-prometheus-stack 88.5.3 scrapes from a set of rendered values, and which job stores which
 * metric family on k3s: shared by the k3s-metrics and kube-prometheus-stack-k3s contracts.
 *
 * Chart facts (prometheus-community/helm-charts tag kube-prometheus-stack-88.5.3, ea930bae):
 * - one ServiceMonitor per component (templates/exporters/<component>/servicemonitor.yaml), created
 *   when <component>.enabled, .serviceMonitor.enabled and (where it has one) .service.enabled; the job
 *   label is the Service's `jobLabel` (kube-controller-manager, kube-scheduler, kube-proxy, kube-etcd,
 *   coredns, kube-dns), `component` for the API server (apiserver), `k8s-app` for the kubelet (kubelet);
 * - values.yaml defaults: every control-plane component, coreDns, kubeStateMetrics and nodeExporter
 *   enabled, kubeDns and windowsMonitoring off; kube-state-metrics' job is its name
 *   (`kube-prometheus-stack-kube-state-metrics.name`, templates/_helpers.tpl), node-exporter's the
 *   `jobLabel: node-exporter` pod label, windows-exporter's `jobLabel: windows-exporter`.
 * k3s (v1.36.4+k3s1): one Kubernetes metrics registry per process, served on every component port
 * (k3s-io/k3s#2262, #12917, discussion #10015); the embedded etcd serves its own on 2381.
 */
export type Values = Record<string, unknown>;

export const at = (v: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), v);

export type Relabel = { sourceLabels?: string[]; action?: string; regex?: string };

/** A control-plane scrape job. */
export interface Job {
    readonly job: string;
    /** Which registry the job's port serves, and on which nodes. */
    readonly registry: "shared" | "etcd";
    readonly on: "servers" | "all";
    readonly relabelings: readonly Relabel[];
}

/** The control-plane scrape jobs kube-prometheus-stack creates from these values (chart defaults where unset). */
export function jobs(v: Values): Job[] {
    const relabel = (part: string): Relabel[] => (at(v, part, "serviceMonitor", "metricRelabelings") as Relabel[] | undefined) ?? [];
    const on = (part: string) =>
        at(v, part, "enabled") !== false && at(v, part, "serviceMonitor", "enabled") !== false && at(v, part, "service", "enabled") !== false;
    const list: Job[] = [];
    if (on("kubeApiServer")) list.push({ job: "apiserver", registry: "shared", on: "servers", relabelings: relabel("kubeApiServer") });
    if (on("kubelet")) list.push({ job: "kubelet", registry: "shared", on: "all", relabelings: relabel("kubelet") });
    if (on("kubeControllerManager"))
        list.push({ job: "kube-controller-manager", registry: "shared", on: "servers", relabelings: relabel("kubeControllerManager") });
    if (on("kubeScheduler")) list.push({ job: "kube-scheduler", registry: "shared", on: "servers", relabelings: relabel("kubeScheduler") });
    if (on("kubeProxy")) list.push({ job: "kube-proxy", registry: "shared", on: "all", relabelings: relabel("kubeProxy") });
    if (on("kubeEtcd")) list.push({ job: "kube-etcd", registry: "etcd", on: "servers", relabelings: relabel("kubeEtcd") });
    return list;
}

/** Whether a job's metricRelabelings keep the family (rules on other labels, e.g. `le`, drop only some series). */
export function keeps(job: Job, family: string): boolean {
    for (const r of job.relabelings) {
        if (JSON.stringify(r.sourceLabels) !== JSON.stringify(["__name__"]) || r.regex === undefined) continue;
        const match = new RegExp(`^(?:${r.regex})$`).test(family);
        if (r.action === "keep" && !match) return false;
        if (r.action === "drop" && match) return false;
    }
    return true;
}

/** Whether `job` stores `family` of `registry` (the synthetic `up` is every job's). */
export function stores(v: Values, job: string, registry: Job["registry"], family: string): boolean {
    if (family === "up") return true;
    const j = jobs(v).find((x) => x.job === job);
    return j !== undefined && j.registry === registry && keeps(j, family);
}

/** Every job label the chart's ServiceMonitors give: the control plane's and the exporters'. */
export function scrapedJobs(v: Values): string[] {
    const enabled = (part: string, byDefault: boolean) => (at(v, part, "enabled") as boolean | undefined) ?? byDefault;
    return [
        ...jobs(v).map((j) => j.job),
        ...(enabled("coreDns", true) && at(v, "coreDns", "serviceMonitor", "enabled") !== false ? ["coredns"] : []),
        ...(enabled("kubeDns", false) && at(v, "kubeDns", "serviceMonitor", "enabled") !== false ? ["kube-dns"] : []),
        ...(enabled("kubeStateMetrics", true) ? ["kube-state-metrics"] : []),
        ...(enabled("nodeExporter", true) ? ["node-exporter"] : []),
        ...(enabled("windowsMonitoring", false) ? ["windows-exporter"] : []),
    ];
}
