/**
 * Harbor's traffic as flows (docs/adr/0019): each connection one part makes to another, on the
 * port the part listens on with internalTLS (which the platform always turns on, harborValues.ts),
 * read from harbor-helm v1.19.1 and the Harbor 2.15.1 code it runs. Nothing else inside the
 * namespace is admitted: Trivy, which parses untrusted images, reaches core (to pull what it scans)
 * and Redis (its job queue), never PostgreSQL, the registry or its controller.
 */
import type { Flow, PodEnd } from "../lib/flows";
import { endpointPort } from "../lib/networkPolicy";
import { harborPodLabels, type HarborSettings } from "./harborValues";

const CHART = "goharbor/harbor-helm@v1.19.1";
const HARBOR = "goharbor/harbor@v2.15.1";

/**
 * Where each part listens with internalTLS (harbor-helm v1.19.1 templates/_helpers.tpl
 * `harbor.<part>.containerPort`; the database and Redis in harbor.database.port and
 * harbor.redis.addr). The registry pod serves the registry and, in its registryctl container, the
 * registry controller.
 */
const PORTS = { core: 8443, portal: 8443, jobservice: 8443, registry: 5443, registryctl: 8443, trivy: 8443, database: 5432, redis: 6379 } as const;

type Part = Parameters<typeof harborPodLabels>[0];

/** One client -> server connection inside the chart. */
interface Link {
    readonly from: Part;
    readonly to: Part;
    readonly ports: readonly number[];
    readonly why: string;
    readonly cite: string;
}

/** Every link inside the chart, in a fixed order (the policies are generated from this list). */
function links(config: HarborSettings): Link[] {
    return [
        ...(config.database.external === undefined ? databaseLinks() : []),
        ...redisLinks(),
        ...coreApiLinks(),
        ...registryAndJobLinks(),
        ...(config.trivy ? trivyLinks() : []),
    ];
}

/** The internal database: core and the job service (which reads the connection from core's configuration API), and the exporter. */
function databaseLinks(): Link[] {
    return [
        {
            from: "core",
            to: "database",
            ports: [PORTS.database],
            why: "Harbor's metadata (projects, artifacts, users, configuration)",
            cite: `${CHART}:templates/core/core-cm.yaml (POSTGRESQL_HOST/PORT)`,
        },
        {
            from: "jobservice",
            to: "database",
            ports: [PORTS.database],
            why: "jobs read and write artifacts, executions and (with the database logger) their logs",
            cite: `${HARBOR}:src/jobservice/job/impl/context.go (Init: dao.InitDatabase with core's database settings)`,
        },
        {
            from: "exporter",
            to: "database",
            ports: [PORTS.database],
            why: "project and artifact metrics",
            cite: `${CHART}:templates/exporter/exporter-cm-env.yaml (HARBOR_DATABASE_HOST/PORT)`,
        },
    ];
}

/** Redis: every part that keeps a cache, a session or a queue there. */
function redisLinks(): Link[] {
    return [
        {
            from: "core",
            to: "redis",
            ports: [PORTS.redis],
            why: "sessions and caches",
            cite: `${CHART}:templates/core/core-cm.yaml (_REDIS_URL_CORE, _REDIS_URL_REG)`,
        },
        {
            from: "jobservice",
            to: "redis",
            ports: [PORTS.redis],
            why: "the job queue",
            cite: `${CHART}:templates/jobservice/jobservice-cm.yaml (worker_pool.redis_pool)`,
        },
        {
            from: "registry",
            to: "redis",
            ports: [PORTS.redis],
            why: "the registry's layer-info cache (registry and registryctl read the same config)",
            cite: `${CHART}:templates/registry/registry-cm.yaml (redis.addr)`,
        },
        {
            from: "exporter",
            to: "redis",
            ports: [PORTS.redis],
            why: "job-queue metrics",
            cite: `${CHART}:templates/exporter/exporter-cm-env.yaml (HARBOR_REDIS_URL)`,
        },
    ];
}

/** core's HTTPS APIs: the job service reports back and reads configuration, the exporter reads health and statistics. */
function coreApiLinks(): Link[] {
    return [
        {
            from: "core",
            to: "core",
            ports: [PORTS.core],
            why: "CORE_URL and TOKEN_SERVICE_URL name core's Service: with two replicas a core reaches the other",
            cite: `${CHART}:templates/core/core-cm.yaml (CORE_URL, TOKEN_SERVICE_URL)`,
        },
        {
            from: "jobservice",
            to: "core",
            ports: [PORTS.core],
            why: "configuration, job status hooks and tokens for replication",
            cite: `${CHART}:templates/jobservice/jobservice-cm-env.yaml (CORE_URL, TOKEN_SERVICE_URL)`,
        },
        {
            from: "exporter",
            to: "core",
            ports: [PORTS.core],
            why: "health and system metrics through core's API",
            cite: `${CHART}:templates/exporter/exporter-cm-env.yaml (HARBOR_SERVICE_HOST/PORT)`,
        },
    ];
}

/** core and the job service calling the registry, the job service and the portal. */
function registryAndJobLinks(): Link[] {
    return [
        // core calls every other part: the registry (the /v2 API it fronts), the job service, the portal, and checks their health.
        {
            from: "core",
            to: "registry",
            ports: [PORTS.registry, PORTS.registryctl],
            why: "core fronts the registry's /v2 API and calls the registry controller",
            cite: `${CHART}:templates/core/core-cm.yaml (REGISTRY_URL, REGISTRY_CONTROLLER_URL); ${HARBOR}:src/controller/health/checker.go`,
        },
        {
            from: "core",
            to: "jobservice",
            ports: [PORTS.jobservice],
            why: "core submits scans, replication, garbage collection and retention jobs",
            cite: `${CHART}:templates/core/core-cm.yaml (JOBSERVICE_URL)`,
        },
        {
            from: "core",
            to: "portal",
            ports: [PORTS.portal],
            why: "core's health check includes the portal",
            cite: `${CHART}:templates/core/core-cm.yaml (PORTAL_URL); ${HARBOR}:src/controller/health/checker.go (portalHealthChecker)`,
        },
        // The job service copies, deletes and garbage-collects through the registry and its controller.
        {
            from: "jobservice",
            to: "registry",
            ports: [PORTS.registry, PORTS.registryctl],
            why: "replication, retention and garbage collection",
            cite: `${CHART}:templates/jobservice/jobservice-cm-env.yaml (REGISTRY_URL, REGISTRY_CONTROLLER_URL)`,
        },
    ];
}

/** Trivy: core and the job service drive the scanner, which pulls from core and queues in Redis. */
function trivyLinks(): Link[] {
    return [
        {
            from: "core",
            to: "trivy",
            ports: [PORTS.trivy],
            why: "the scanner's registration, metadata and health",
            cite: `${CHART}:templates/core/core-cm.yaml (TRIVY_ADAPTER_URL); ${HARBOR}:src/core/main.go (registerScanners)`,
        },
        {
            from: "jobservice",
            to: "trivy",
            ports: [PORTS.trivy],
            why: "scan jobs send the request and fetch the report",
            cite: `${HARBOR}:src/pkg/scan/job.go`,
        },
        {
            from: "trivy",
            to: "core",
            ports: [PORTS.core],
            why: "Trivy pulls the image it scans from core's internal address (the Trivy registration uses the internal address), never from the registry directly",
            cite: `${HARBOR}:src/controller/scan/base_controller.go (launchScanJob: InternalCoreURL when UseInternalAddr); src/core/main.go (registerScanners: UseInternalAddr true)`,
        },
        {
            from: "trivy",
            to: "redis",
            ports: [PORTS.redis],
            why: "Trivy's job queue and report store",
            cite: `${CHART}:templates/trivy/trivy-sts.yaml (SCANNER_REDIS_URL), templates/trivy/trivy-secret.yaml`,
        },
    ];
}

/**
 * Harbor's flows: between its parts as listed above, to the internet from the parts that fetch
 * from it (proxy caches and OIDC in core, replication and webhooks in the job service, Trivy's
 * vulnerability database), and to its S3 endpoint and external database when configured.
 */
export function harborFlows(namespace: string, config: HarborSettings): Flow[] {
    const part = (component: Part): PodEnd => ({ namespace, pods: harborPodLabels(component) });
    const flows: Flow[] = links(config).map((l) => ({
        name: `Harbor ${l.from} -> ${l.to}`,
        from: part(l.from),
        to: part(l.to),
        ports: l.ports,
        why: l.why,
        cite: l.cite,
    }));
    const fetchers: Part[] = config.trivy ? ["core", "jobservice", "trivy"] : ["core", "jobservice"];
    const internetWhy: Partial<Record<Part, string>> = {
        core: "proxy-cache pulls, replication endpoint checks, OIDC",
        jobservice: "replication and webhooks",
        trivy: "Trivy's vulnerability database downloads",
    };
    for (const source of fetchers) {
        flows.push({ name: `Harbor ${source} -> internet`, from: part(source), to: "internet", ports: [443], why: internetWhy[source]! });
    }
    if (config.storage.type === "s3") {
        flows.push({
            name: "Harbor registry -> S3",
            from: part("registry"),
            to: "outside",
            ports: [endpointPort(config.storage.s3?.endpoint) ?? 443],
            why: "image layers are stored in the bucket",
        });
    }
    if (config.database.external) {
        for (const source of ["core", "jobservice", "exporter"] as const) {
            flows.push({
                name: `Harbor ${source} -> external PostgreSQL`,
                from: part(source),
                to: "outside",
                ports: [config.database.external.port],
                why: "Harbor's database",
                cite: `${CHART}:templates/_helpers.tpl (harbor.database.host/port)`,
            });
        }
    }
    return flows;
}
