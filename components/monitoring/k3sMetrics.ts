/**
 * Which scrape job ingests which metric family on k3s.
 *
 * k3s runs the API server, controller-manager, scheduler, kubelet and kube-proxy in one process
 * (k3s-server on servers, k3s-agent on agents), and they share one Kubernetes metrics registry: every
 * component port serves the same families (k3s-io/k3s#2262, #12917; discussion #10015). Scraping
 * each port as its own job stores every series several times per node, and any `sum()` without a
 * job selector over-counts. The embedded etcd serves its own registry on 2381 (etcd families, plus
 * the Go runtime and process collectors of the same process).
 *
 * So each family has exactly one owner:
 * - `kube-etcd` (2381, servers): etcd's server-side families (`etcd_*` except the API server's etcd
 *   client families below) and `grpc_*`;
 * - `apiserver` (6443, servers): the API server's own families (`apiserver_*`, aggregator,
 *   authentication/authorization, its etcd client families ...);
 * - `kubelet` (`/metrics` on 10250, every node): everything else in the shared registry, including
 *   the controller-manager, scheduler, kube-proxy, workqueue, REST client, Go/process and `k3s_*`
 *   families. kube-prometheus-stack's controller-manager, scheduler and kube-proxy rules and
 *   dashboards select this job (`jobNameOverride`); their own scrape jobs are off.
 * cAdvisor, probes and resource metrics are other kubelet paths, not the shared registry; the
 * chart applies `kubelet.serviceMonitor.metricRelabelings` to `/metrics` only (its cAdvisor, probes and
 * resource endpoints have their own lists: templates/exporters/kubelet/servicemonitor.yaml@88.5.3).
 * Our lists replace the chart's default apiserver/kubelet relabelings, which only dropped some
 * histogram buckets. On agents, the few API-server-named families the kubelet registers for its own
 * delegated authentication are dropped (no apiserver job there).
 */

/** The API server's etcd *client* families (kept by `apiserver`; etcd's own server families are `kube-etcd`'s). */
const K3S_APISERVER_ETCD_CLIENT_FAMILIES = "etcd_(request|requests|bookmark|lease_object|db_total_size)_.*";

/** Families the `apiserver` job keeps (a Prometheus regex, matched against the whole metric name). */
const K3S_APISERVER_FAMILIES = [
    "apiserver_.*",
    "aggregator_.*",
    "apiextensions_.*",
    "authenticat.*",
    "authorization_.*",
    "admission_.*",
    "field_validation_.*",
    "watch_cache_.*",
    "serviceaccount_.*",
    K3S_APISERVER_ETCD_CLIENT_FAMILIES,
].join("|");

/** Families the `kube-etcd` job keeps (minus the API server's etcd client families). */
const K3S_ETCD_FAMILIES = "etcd_.*|grpc_.*";

/** A metricRelabelings rule on the metric name. */
export interface NameRelabel {
    readonly sourceLabels: readonly ["__name__"];
    readonly action: "keep" | "drop";
    readonly regex: string;
}

const byName = (action: "keep" | "drop", regex: string): NameRelabel => ({ sourceLabels: ["__name__"], action, regex });

/** metricRelabelings per job: together they give every family exactly one owner (see above). */
export const K3S_METRIC_RELABELINGS = {
    apiserver: [byName("keep", K3S_APISERVER_FAMILIES)],
    kubeEtcd: [byName("keep", K3S_ETCD_FAMILIES), byName("drop", K3S_APISERVER_ETCD_CLIENT_FAMILIES)],
    kubelet: [byName("drop", K3S_APISERVER_FAMILIES), byName("drop", K3S_ETCD_FAMILIES)],
} as const satisfies Record<string, readonly NameRelabel[]>;

/** The job label kube-prometheus-stack gives the kubelet's ServiceMonitor (and our override for the components it now carries). */
export const KUBELET_JOB = "kubelet";

/**
 * kube-prometheus-stack's default alerts that only test whether the controller-manager, scheduler
 * and kube-proxy scrape targets exist (templates/prometheus/rules-1.14/kubernetes-system-{controller-manager,
 * scheduler,kube-proxy}.yaml@88.5.3). With those components read through the kubelet job they test
 * the kubelet instead: `absent(up{job="kubelet"})` cannot fire while any node answers, and
 * `up{job="kubelet"} == 0` fires for any node (agents too) under the component's name, next to the
 * chart's own KubeletInstanceUnreachable for the same target. Off on k3s; charts/rules/k3s-alerts.yaml
 * detects the components' failures from what is scraped.
 */
export const K3S_REPLACED_DEFAULT_ALERTS = [
    "KubeControllerManagerDown",
    "KubeControllerManagerInstanceUnreachable",
    "KubeSchedulerDown",
    "KubeSchedulerInstanceUnreachable",
    "KubeProxyDown",
    "KubeProxyInstanceUnreachable",
] as const;
