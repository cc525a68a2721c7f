/**
 * Contract with k3s (pinned v1.36.4+k3s1) and kube-prometheus-stack 88.5.3: how many times a metric
 * family is stored.
 *
 * k3s runs the API server, controller-manager, scheduler, kubelet and kube-proxy inside one process
 * (k3s-server / k3s-agent) with one Kubernetes metrics registry, and every component port serves all
 * of it: k3s-io/k3s#2262 ("Duplicate metrics seem to be emitted", kept by design), k3s-io/k3s#12917
 * ("Kubelet metrics include duplicates of those from the apiserver", v1.33, closed), and the maintainer's
 * answer in k3s-io/k3s discussion #10015 ("exposed via all metrics endpoints due to how K3s runs all the
 * Kubernetes components in a single process"). The embedded etcd serves its own registry on 2381
 * (etcd's families plus the Go/process collectors of the same process).
 *
 * kube-prometheus-stack 88.5.3 (prometheus-community/helm-charts tag kube-prometheus-stack-88.5.3,
 * ea930bae): one ServiceMonitor per component (templates/exporters/<component>/servicemonitor.yaml,
 * created when <component>.enabled and .serviceMonitor.enabled), and `<component>.jobNameOverride`
 * changes the job its rules and dashboards select (templates/_helpers.tpl).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { metricsValues } from "../../components/monitoring/metricsValues";
import { parsePlatformConfig } from "../../config/config";
import { k3sStackConfig, PROJECT_DIR, rawConfig } from "../harness";
import { at, jobs, keeps, type Values } from "./k3sScrapeModel";

/** Families one k3s server serves in its shared registry (6443, 10250, 10257, 10259, 10249), by origin. */
const SHARED_ON_SERVERS = [
    "apiserver_request_total",
    "apiserver_request_duration_seconds_bucket",
    "apiserver_storage_objects",
    "apiserver_client_certificate_expiration_seconds_count",
    "aggregator_unavailable_apiservice",
    "authentication_attempts",
    "etcd_request_duration_seconds_bucket", // the API server's etcd client
    "kubelet_running_pods",
    "kubelet_volume_stats_used_bytes",
    "storage_operation_duration_seconds_count",
    "scheduler_schedule_attempts_total",
    "scheduler_e2e_scheduling_duration_seconds_bucket",
    "node_collector_evictions_total",
    "kubeproxy_sync_proxy_rules_duration_seconds_bucket",
    "workqueue_depth",
    "workqueue_adds_total",
    "workqueue_queue_duration_seconds_bucket",
    "rest_client_requests_total",
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "go_goroutines",
    "k3s_etcd_snapshot_save_duration_seconds_count",
];
/** Families a k3s agent serves (10250, 10249). */
const SHARED_ON_AGENTS = [
    "kubelet_running_pods",
    "kubeproxy_sync_proxy_rules_duration_seconds_bucket",
    "workqueue_depth",
    "rest_client_requests_total",
    "process_resident_memory_bytes",
    "go_goroutines",
];
/** The embedded etcd's own registry on 2381 (servers). */
const ETCD_REGISTRY = [
    "etcd_server_has_leader",
    "etcd_mvcc_db_total_size_in_bytes",
    "etcd_disk_wal_fsync_duration_seconds_bucket",
    "grpc_server_handled_total",
    "process_resident_memory_bytes",
    "go_goroutines",
];

/** The jobs that store `family` from one node of that kind. */
function owners(v: Values, node: "server" | "agent", family: string): string[] {
    return jobs(v)
        .filter((j) => node === "server" || j.on === "all")
        .filter((j) =>
            (j.registry === "shared" ? (node === "server" ? SHARED_ON_SERVERS : SHARED_ON_AGENTS) : node === "server" ? ETCD_REGISTRY : []).includes(family),
        )
        .filter((j) => keeps(j, family))
        .map((j) => j.job);
}

const k3s = { servers: ["10.0.0.1", "10.0.0.2", "10.0.0.3"], nodes: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1"] };
const values = () => metricsValues({ config: parsePlatformConfig(rawConfig(k3sStackConfig())).monitoring, k3s, highAvailability: false }) as Values;

describe("k3s metrics scraped by kube-prometheus-stack", () => {
    it("k3s serves one registry on every component port: each metric family is stored by exactly one job per node", () => {
        const v = values();
        const duplicated: string[] = [];
        for (const [node, families] of [
            ["server", [...new Set([...SHARED_ON_SERVERS, ...ETCD_REGISTRY])]],
            ["agent", SHARED_ON_AGENTS],
        ] as const) {
            for (const family of families) {
                const o = owners(v, node, family);
                if (o.length !== 1) duplicated.push(`${node} ${family}: ${o.join(",") || "none"}`);
            }
        }
        expect(duplicated).toEqual([]);
    });

    it("the API server's own families stay in the apiserver job, etcd's in kube-etcd, the rest (k3s_*, scheduler, proxy, process) in kubelet", () => {
        const v = values();
        expect(owners(v, "server", "apiserver_request_total")).toEqual(["apiserver"]);
        expect(owners(v, "server", "etcd_request_duration_seconds_bucket")).toEqual(["apiserver"]);
        expect(owners(v, "server", "etcd_server_has_leader")).toEqual(["kube-etcd"]);
        for (const family of [
            "scheduler_schedule_attempts_total",
            "kubeproxy_sync_proxy_rules_duration_seconds_bucket",
            "k3s_etcd_snapshot_save_duration_seconds_count",
            "process_resident_memory_bytes",
        ]) {
            expect(owners(v, "server", family)).toEqual(["kubelet"]);
        }
        expect(owners(v, "agent", "kubeproxy_sync_proxy_rules_duration_seconds_bucket")).toEqual(["kubelet"]);
    });

    // templates/_helpers.tpl@kube-prometheus-stack-88.5.3: kubeControllerManager/kubeScheduler/kubeProxy
    // .jobNameOverride is the job their default rules and dashboards select; the rules and dashboards
    // exist only while <component>.enabled (templates/prometheus/rules-1.14/kube-scheduler.rules.yaml ...).
    it("kube-prometheus-stack's controller-manager, scheduler and kube-proxy rules select the one job that stores their families", () => {
        const v = values();
        const cases: [string, string, string][] = [
            ["kubeControllerManager", "kube-controller-manager", "node_collector_evictions_total"],
            ["kubeScheduler", "kube-scheduler", "scheduler_e2e_scheduling_duration_seconds_bucket"],
            ["kubeProxy", "kube-proxy", "kubeproxy_sync_proxy_rules_duration_seconds_bucket"],
        ];
        for (const [part, defaultJob, family] of cases) {
            expect(at(v, part, "enabled")).toBe(true);
            const selected = (at(v, part, "jobNameOverride") as string | undefined) || defaultJob;
            expect(owners(v, "server", family)).toEqual([selected]);
        }
    });

    it("no project dashboard or rule counts a k3s family twice or selects a job that does not store it", () => {
        const v = values();
        const exprs: string[] = [];
        const rulesDir = join(PROJECT_DIR, "charts", "rules");
        for (const f of readdirSync(rulesDir).filter((x) => x.endsWith("-alerts.yaml"))) {
            for (const g of (parse(readFileSync(join(rulesDir, f), "utf8")) as { groups: { rules: { expr: string }[] }[] }).groups)
                exprs.push(...g.rules.map((r) => String(r.expr)));
        }
        const dashDir = join(PROJECT_DIR, "charts", "dashboards");
        const collect = (o: unknown): void => {
            if (Array.isArray(o)) o.forEach(collect);
            else if (o && typeof o === "object") {
                for (const [k, x] of Object.entries(o)) {
                    if (k === "expr" && typeof x === "string") exprs.push(x);
                    else collect(x);
                }
            }
        };
        for (const f of readdirSync(dashDir).filter((x) => x.endsWith(".json"))) collect(JSON.parse(readFileSync(join(dashDir, f), "utf8")));

        const base = (n: string) => n.replace(/_(bucket|count|sum)$/, "");
        const problems: string[] = [];
        let checked = 0;
        for (const expr of exprs) {
            for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?/g)) {
                const name = m[1];
                const family = [...SHARED_ON_SERVERS, ...ETCD_REGISTRY].find((f) => base(f) === base(name));
                if (!family) continue;
                checked++;
                const o = owners(v, "server", family);
                const job = /job\s*=\s*"([^"]+)"/.exec(m[2] ?? "")?.[1];
                if (o.length !== 1) problems.push(`${name} is stored by ${o.length} jobs (${o.join(",")}): ${expr}`);
                else if (job !== undefined && job !== o[0]) problems.push(`${name} selects job="${job}" but only ${o[0]} stores it: ${expr}`);
            }
        }
        expect(checked).toBeGreaterThan(0);
        expect(problems).toEqual([]);
    });
});
