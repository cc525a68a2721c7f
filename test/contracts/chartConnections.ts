/**
 * The connections Harbor's and DeepFlow's parts make to each other, as the charts configure them
 * (those they must never make are in forbiddenFlows.ts). Pods (their full template labels) and ports are LITERALS read at
 * the pinned tags (never the project's constants: a contract that read them could not fail):
 * - goharbor/harbor-helm@v1.19.1 with internalTLS on (the platform always turns it on):
 *   templates/_helpers.tpl (harbor.labels; harbor.<part>.containerPort: core, jobservice, portal,
 *   registryctl, trivy 8443, registry 5443; harbor.database.port 5432; harbor.redis.addr :6379) and
 *   each part's config: core/core-cm.yaml (POSTGRESQL_*, _REDIS_URL_*, CORE_URL, JOBSERVICE_URL,
 *   REGISTRY_URL, REGISTRY_CONTROLLER_URL, PORTAL_URL, TRIVY_ADAPTER_URL), jobservice/jobservice-cm-env.yaml
 *   and jobservice-cm.yaml (CORE_URL, REGISTRY_URL, REGISTRY_CONTROLLER_URL, redis_url),
 *   registry/registry-cm.yaml (redis.addr; auth htpasswd, no notifications: the registry calls no one),
 *   trivy/trivy-sts.yaml + trivy-secret.yaml (SCANNER_REDIS_URL), exporter/exporter-cm-env.yaml
 *   (HARBOR_DATABASE_*, HARBOR_REDIS_URL, HARBOR_SERVICE_HOST/PORT); the portal, database and Redis
 *   call no one.
 * - goharbor/harbor@v2.15.1: src/jobservice/job/impl/context.go (the job service opens the
 *   database); src/controller/scan/base_controller.go launchScanJob + src/core/main.go
 *   registerScanners (Trivy is registered with UseInternalAddr, so it pulls through CORE_URL);
 *   src/pkg/scan/job.go (the job service calls the scanner); src/controller/health/checker.go
 *   (core checks the portal, job service, registry, registryctl and Trivy).
 * - deepflowio/deepflow-charts@deepflow-7.1.002: charts/deepflow/templates/_helpers.tpl,
 *   charts/deepflow/charts/mysql/templates/_helpers.tpl, charts/deepflow-agent/templates/_helpers.tpl
 *   (labels); charts/deepflow/values.yaml (server.yaml controller.mysql.port 30130, grpc-port 20035,
 *   listen-port 20417, querier 20416, querier.deepflow-app.port 20418; app.yaml querier.port 20416,
 *   controller.port 20417; Service grpc-30035 -> 20035, ingester 20033).
 * - deepflowio/deepflow@v7.1.8: server/controller/trisolaris/services/grpc/agentsynchronize/sync_push.go
 *   (in-cluster agents get the server pods' 20035 and 20033), server/controller/http/router/common/controller.go
 *   and trisolaris/refresh/refresh.go (controllers call each other on 20417), trisolaris/vtap/process_info.go
 *   (over gRPC on 20035), http/service/data_source.go + ingester/config/config.go (the master's ingester
 *   datasource API on 20106), querier/config/config.go (otel-endpoint http://deepflow-agent: the
 *   agent's receive port 38086, agent/src/config/config.rs).
 */
import { CLICKHOUSE, DF_AGENT, DF_APP, DF_MYSQL, DF_SERVER, GRAFANA, HARBOR, type PodRef } from "./forbiddenFlows";

/** One connection: who, to whom, on which pod ports, and why. */
export interface Connection {
    readonly name: string;
    readonly from: readonly PodRef[];
    readonly to: PodRef | "internet";
    readonly ports: readonly number[];
    readonly why: string;
}

/** What a stack runs that the lists depend on. */
export interface ChartFacts {
    readonly namespaces: ReadonlySet<string>;
    readonly harbor?: { readonly trivy: boolean; readonly internalDatabase: boolean };
    readonly grafana: boolean;
}

/** The connections Harbor's and DeepFlow's parts need, for what the stack runs. */
export function neededConnections(facts: ChartFacts): Connection[] {
    const list: Connection[] = [];
    if (facts.harbor && facts.namespaces.has("harbor")) {
        const { trivy, internalDatabase } = facts.harbor;
        list.push(
            {
                name: "Harbor -> Redis",
                from: [HARBOR.core, HARBOR.jobservice, HARBOR.registry, HARBOR.exporter, ...(trivy ? [HARBOR.trivy] : [])],
                to: HARBOR.redis,
                ports: [6379],
                why: "caches, sessions and job queues",
            },
            {
                name: "Harbor -> core",
                from: [HARBOR.core, HARBOR.jobservice, HARBOR.exporter, ...(trivy ? [HARBOR.trivy] : [])],
                to: HARBOR.core,
                ports: [8443],
                why: "CORE_URL and the token service; Trivy pulls what it scans through core",
            },
            {
                name: "Harbor -> registry and registryctl",
                from: [HARBOR.core, HARBOR.jobservice],
                to: HARBOR.registry,
                ports: [5443, 8443],
                why: "the /v2 API, replication, garbage collection",
            },
            { name: "core -> job service", from: [HARBOR.core], to: HARBOR.jobservice, ports: [8443], why: "every job" },
            { name: "core -> portal", from: [HARBOR.core], to: HARBOR.portal, ports: [8443], why: "health check" },
        );
        list.push({
            name: "Harbor -> internet",
            from: [HARBOR.core, HARBOR.jobservice, ...(trivy ? [HARBOR.trivy] : [])],
            to: "internet",
            ports: [443],
            why: "proxy caches, replication, Trivy's database",
        });
        if (internalDatabase) {
            list.push({
                name: "Harbor -> PostgreSQL",
                from: [HARBOR.core, HARBOR.jobservice, HARBOR.exporter],
                to: HARBOR.database,
                ports: [5432],
                why: "Harbor's database",
            });
        }
        if (trivy) {
            list.push({
                name: "core and job service -> Trivy",
                from: [HARBOR.core, HARBOR.jobservice],
                to: HARBOR.trivy,
                ports: [8443],
                why: "scanner registration and scan jobs",
            });
        }
    }
    if (facts.namespaces.has("deepflow")) {
        list.push(
            {
                name: "DeepFlow agent -> server",
                from: [DF_AGENT],
                to: DF_SERVER,
                ports: [20035, 20033],
                why: "configuration over gRPC and data to the ingester",
            },
            { name: "DeepFlow server -> MySQL", from: [DF_SERVER, CLICKHOUSE], to: DF_MYSQL, ports: [30130], why: "metadata, and ClickHouse's dictionaries" },
            {
                name: "DeepFlow server -> server",
                from: [DF_SERVER],
                to: DF_SERVER,
                ports: [20417, 20035, 20106],
                why: "controllers, gRPC sync and the datasource API between replicas",
            },
            { name: "DeepFlow app -> server", from: [DF_APP], to: DF_SERVER, ports: [20416, 20417], why: "querier and controller" },
            { name: "DeepFlow server -> app", from: [DF_SERVER], to: DF_APP, ports: [20418], why: "the querier's trace calls" },
            { name: "DeepFlow server -> agent", from: [DF_SERVER], to: DF_AGENT, ports: [38086], why: "the querier's own traces" },
        );
        if (facts.grafana) {
            list.push(
                { name: "Grafana -> DeepFlow querier", from: [GRAFANA], to: DF_SERVER, ports: [20416], why: "the datasource" },
                { name: "Grafana -> DeepFlow app", from: [GRAFANA], to: DF_APP, ports: [20418], why: "the tracing panel" },
            );
        }
    }
    return list;
}
