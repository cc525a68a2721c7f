/**
 * Harbor chart values (1.19.1). Every secret Harbor would otherwise generate on each render is
 * referenced by name (created once by the Harbor component), so a second `up` changes nothing and
 * the values stay reviewable.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { IngressTls } from "../lib/ingress";
import { INTERNAL_TLS_COMPONENTS, internalTlsSecretName } from "./harborInternalTls";
import type { ScrapeTarget } from "../lib/metrics";
import { limited } from "../lib/resources";
import { NAMESPACES } from "../../charts/namespaces";
import type { S3Bucket } from "../lib/s3";

/** Secret objects the component creates, and the keys the chart reads from each. */
/** Harbor's namespace unless its Args say otherwise. */
export const HARBOR_NAMESPACE = NAMESPACES.harbor;

export const HARBOR_SECRETS = {
    admin: { name: "harbor-admin", keys: ["HARBOR_ADMIN_PASSWORD"] },
    secretKey: { name: "harbor-secret-key", keys: ["secretKey"] },
    core: { name: "harbor-core", keys: ["secret"] },
    coreToken: { name: "harbor-core-token", keys: ["tls.crt", "tls.key"] },
    xsrf: { name: "harbor-xsrf", keys: ["CSRF_KEY"] },
    jobservice: { name: "harbor-jobservice", keys: ["JOBSERVICE_SECRET"] },
    registry: { name: "harbor-registry", keys: ["REGISTRY_HTTP_SECRET"] },
    registryCredentials: { name: "harbor-registry-credentials", keys: ["REGISTRY_PASSWD", "REGISTRY_HTPASSWD"] },
    s3: { name: "harbor-s3", keys: ["REGISTRY_STORAGE_S3_ACCESSKEY", "REGISTRY_STORAGE_S3_SECRETKEY"] },
    database: { name: "harbor-database", keys: ["password"] },
} as const;

/** Helm release name of the Harbor chart. */
export const HARBOR_RELEASE = "harbor";

/**
 * Harbor's metrics, as the chart's own ServiceMonitor would select them (harbor-helm v1.19.1
 * templates/metrics/metrics-svcmon.yaml and _helpers.tpl): every Service labelled with the release
 * and `app: harbor` that has the metrics port, whose name is `https-metrics` with internalTLS (always
 * on here) and `http-metrics` without. The listeners serve plain HTTP either way (the exporter's
 * probes are plain httpGet on that port), so the scrape uses HTTP. Labels on the series win.
 */
export function harborScrapeTarget(namespace: string): ScrapeTarget {
    return {
        name: "harbor",
        namespace,
        selector: { release: HARBOR_RELEASE, app: "harbor" },
        port: "https-metrics",
        pods: { release: HARBOR_RELEASE, app: "harbor" },
        podPort: 8001,
        jobLabel: "app.kubernetes.io/name",
        honorLabels: true,
    };
}

/**
 * The name the chart gives its objects (`harbor.fullname` in harbor-helm v1.19.1 templates/_helpers.tpl):
 * the release name when it contains "harbor", else `<release>-harbor`.
 */
export function harborFullname(release: string): string {
    return (release.includes("harbor") ? release : `${release}-harbor`).slice(0, 63).replace(/-+$/, "");
}

/**
 * The Services the chart's Ingress routes to. With internalTLS they serve HTTPS only, on 443
 * (`harbor.core.servicePort` / `harbor.portal.servicePort`), so the controller must speak TLS to them.
 */
function harborIngressBackends(release: string): string[] {
    const full = harborFullname(release);
    return [`${full}-core`, `${full}-portal`];
}

/** The chart's `component` labels of the pods behind those Services. */
export const HARBOR_INGRESS_COMPONENTS = ["core", "portal"] as const;

/**
 * The labels that select one Harbor part's pods: the chart gives every pod `app: harbor`
 * (`harbor.matchLabels`, the chart name unless nameOverride) and its `component` (harbor-helm
 * v1.19.1 templates/<part>/*-dpl.yaml, *-sts.yaml, *-ss.yaml). The registry pod holds both the
 * registry and registryctl containers.
 */
export function harborPodLabels(
    component: "core" | "portal" | "jobservice" | "registry" | "trivy" | "exporter" | "database" | "redis",
): Readonly<Record<string, string>> {
    return { app: "harbor", component };
}

/** Where core and portal listen with internalTLS (`harbor.core.containerPort` / `harbor.portal.containerPort`). */
export const HARBOR_TLS_CONTAINER_PORT = 8443;

/**
 * The annotation that makes the F5 NGINX Ingress Controller use HTTPS to those backends. The chart
 * only adds the community controller's `nginx.ingress.kubernetes.io/backend-protocol`, which F5
 * NIC ignores (docs/adr/0008).
 */
const SSL_SERVICES_ANNOTATION = "nginx.org/ssl-services";

/** The registry's internal user; must match the htpasswd line in harbor-registry-credentials. */
export const REGISTRY_USER = "harbor_registry_user";

/** Where Harbor keeps images and state. */
export interface HarborStorageArgs {
    readonly type: "pvc" | "s3";
    /** StorageClass for Harbor's PVCs; undefined: the cluster default. */
    readonly storageClass?: string;
    readonly registrySize: string;
    readonly databaseSize: string;
    readonly redisSize: string;
    readonly trivySize: string;
    readonly jobLogSize: string;
    /** Image layers in an S3-compatible bucket (type s3). */
    readonly s3?: S3Bucket & {
        /** Endpoint URL; undefined: AWS. */
        readonly endpoint?: string;
        readonly rootDirectory?: string;
    };
}

/** One Harbor project the platform creates. */
export interface HarborProjectArgs {
    readonly name: string;
    readonly public: boolean;
    readonly scanOnPush: boolean;
    readonly requireSignature: boolean;
    /** Refuse pulls of images with vulnerabilities of this severity or worse. */
    readonly preventVulnerable?: { readonly severity: "low" | "medium" | "high" | "critical" };
}

/** The registry: host, storage, database, Trivy, proxy caches, projects and a CI robot. */
export interface HarborSettings {
    readonly host: string;
    readonly storage: HarborStorageArgs;
    /** An external PostgreSQL; undefined: the chart's internal one. */
    readonly database: {
        readonly external?: {
            readonly host: string;
            readonly port: number;
            readonly username: string;
            readonly database: string;
            readonly sslmode: "disable" | "require" | "verify-ca" | "verify-full";
            readonly password: pulumi.Input<string>;
        };
    };
    readonly trivy: boolean;
    /** Proxy-cache projects, one per upstream registry host. */
    readonly proxyCache: readonly { readonly upstream: string; readonly project: string }[];
    readonly projects: readonly HarborProjectArgs[];
    /** The CI robot: one project-level robot with push and pull per project. */
    readonly robot?: { readonly name: string; readonly projects: readonly string[] };
    /** Pull-only project robots, e.g. the one the next region's promotion pulls with. */
    readonly pullRobots: readonly { readonly name: string; readonly projects: readonly string[] }[];
    /** Days a robot's secret lives (Harbor `duration`); `up` renews it in the last 30 days; -1: never expires. */
    readonly robotExpiryDays: number;
}

export interface HarborValuesArgs {
    readonly config: HarborSettings;
    /**
     * Superuser password of the chart's internal PostgreSQL (`database.internal.password`), a secret
     * Output kept secret at that one key. Unset: the chart's default ("changeit"). Ignored with an
     * external database.
     */
    readonly internalDatabasePassword?: pulumi.Input<string>;
    readonly tls: IngressTls;
    /** Scale the stateless parts and add PDBs (prod). */
    readonly highAvailability: boolean;
    readonly replicas: number;
}

const resources = limited;

export function harborValues(args: HarborValuesArgs): Record<string, unknown> {
    const { config, tls } = args;
    const s3 = config.storage.type === "s3" ? config.storage.s3 : undefined;
    // Parts with no local state scale out; the registry only when images live in S3 (a RWO PVC
    // mounts on one node), the job service only when its logs go to the database.
    const stateless = args.highAvailability ? Math.max(2, args.replicas) : 1;
    const pdb = { enabled: args.highAvailability, minAvailable: 1 };
    const storageClass = config.storage.storageClass ?? "";
    const pvc = (size: string) => ({ size, storageClass });
    return {
        externalURL: `https://${config.host}`,
        expose: {
            type: "ingress",
            tls: { enabled: true, certSource: "secret", secret: { secretName: tls.secretName } },
            ingress: {
                hosts: { core: tls.host },
                className: tls.className,
                annotations: { ...tls.annotations, [SSL_SERVICES_ANNOTATION]: harborIngressBackends(HARBOR_RELEASE).join(",") },
            },
        },
        persistence: {
            enabled: true,
            resourcePolicy: "keep",
            persistentVolumeClaim: {
                ...(s3 ? {} : { registry: pvc(config.storage.registrySize) }),
                jobservice: { jobLog: pvc(config.storage.jobLogSize) },
                database: pvc(config.storage.databaseSize),
                redis: pvc(config.storage.redisSize),
                trivy: pvc(config.storage.trivySize),
            },
            imageChartStorage: s3
                ? {
                      type: "s3",
                      s3: {
                          existingSecret: HARBOR_SECRETS.s3.name,
                          bucket: s3.bucket,
                          region: s3.region,
                          ...(s3.endpoint ? { regionendpoint: s3.endpoint } : {}),
                          ...(s3.rootDirectory ? { rootdirectory: s3.rootDirectory } : {}),
                      },
                  }
                : { type: "filesystem" },
        },
        // Components talk TLS to each other with certificates made once by the component.
        internalTLS: {
            enabled: true,
            certSource: "secret",
            ...Object.fromEntries(INTERNAL_TLS_COMPONENTS.map((c) => [c, { secretName: internalTlsSecretName(c) }])),
        },
        existingSecretAdminPassword: HARBOR_SECRETS.admin.name,
        existingSecretAdminPasswordKey: HARBOR_SECRETS.admin.keys[0],
        existingSecretSecretKey: HARBOR_SECRETS.secretKey.name,
        portal: { replicas: stateless, podDisruptionBudget: pdb, resources: resources("10m", "32Mi", "128Mi") },
        core: {
            replicas: stateless,
            podDisruptionBudget: pdb,
            existingSecret: HARBOR_SECRETS.core.name,
            secretName: HARBOR_SECRETS.coreToken.name,
            existingXsrfSecret: HARBOR_SECRETS.xsrf.name,
            existingXsrfSecretKey: HARBOR_SECRETS.xsrf.keys[0],
            resources: resources("50m", "128Mi", "512Mi"),
        },
        jobservice: {
            replicas: stateless,
            podDisruptionBudget: pdb,
            jobLoggers: stateless > 1 ? ["database"] : ["file"],
            existingSecret: HARBOR_SECRETS.jobservice.name,
            existingSecretKey: HARBOR_SECRETS.jobservice.keys[0],
            resources: resources("20m", "64Mi", "256Mi"),
        },
        registry: {
            replicas: s3 ? stateless : 1,
            podDisruptionBudget: { ...pdb, enabled: pdb.enabled && s3 !== undefined },
            existingSecret: HARBOR_SECRETS.registry.name,
            existingSecretKey: HARBOR_SECRETS.registry.keys[0],
            credentials: { username: REGISTRY_USER, existingSecret: HARBOR_SECRETS.registryCredentials.name },
            registry: { resources: resources("20m", "64Mi", "512Mi") },
            controller: { resources: resources("10m", "32Mi", "128Mi") },
        },
        trivy: { enabled: config.trivy, resources: limited("50m", "128Mi", "1Gi", "1") },
        database: config.database.external
            ? {
                  type: "external",
                  external: {
                      host: config.database.external.host,
                      port: String(config.database.external.port),
                      username: config.database.external.username,
                      coreDatabase: config.database.external.database,
                      sslmode: config.database.external.sslmode,
                      existingSecret: HARBOR_SECRETS.database.name,
                  },
              }
            : {
                  type: "internal",
                  internal: {
                      resources: resources("50m", "128Mi", "512Mi"),
                      ...(args.internalDatabasePassword !== undefined ? { password: args.internalDatabasePassword } : {}),
                  },
              },
        redis: { type: "internal", internal: { resources: resources("10m", "32Mi", "128Mi") } },
        exporter: { resources: resources("10m", "32Mi", "128Mi") },
        // Metrics on (core, registry, jobservice, exporter); the monitoring stack scrapes them (Harbor.scrapeTargets).
        metrics: { enabled: true },
    };
}
