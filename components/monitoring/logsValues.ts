/**
 * Logs: Loki 3.7 (grafana-community `loki` chart 18.11.0, Monolithic mode, tsdb schema v13,
 * retention by the compactor) and Grafana Alloy (chart 1.11.1) shipping pod logs and Kubernetes
 * events through the Kubernetes API, so Alloy needs no host mounts and runs under `restricted`.
 */

/** Loki (logs store) and Alloy (collector). */
export interface LogsSettings {
    /** How long logs are kept, e.g. `7d`. */
    readonly retention: string;
    /** Loki PVC size (index, WAL; chunks too without S3). */
    readonly storageSize: string;
    /** Chunks in an S3-compatible bucket. */
    readonly s3?: S3Bucket & {
        /** Endpoint host[:port]; undefined: AWS. */
        readonly endpoint?: string;
        /** Plain HTTP to the endpoint. */
        readonly insecure?: boolean;
    };
}
import { limited } from "../lib/resources";
import { NAMESPACES } from "../../charts/namespaces";
import type { S3Bucket } from "../lib/s3";

export const LOGS_NAMESPACE = NAMESPACES.logs;
export const LOKI_RELEASE = "loki";
/** Loki's HTTP port (push, query, metrics). */
export const LOKI_PORT = 3100;
/** In-cluster push/query URL of the Monolithic Loki Service (gateway off). */
export const LOKI_URL = `http://${LOKI_RELEASE}.${LOGS_NAMESPACE}.svc.cluster.local:${LOKI_PORT}`;
/** Secret holding LOKI_S3_ACCESS_KEY_ID / LOKI_S3_SECRET_ACCESS_KEY (S3 storage only). */
export const LOKI_S3_SECRET = "loki-s3";
/** Job label of Kubernetes events in Loki. */
export const EVENTS_JOB = "integrations/kubernetes/eventhandler";
/** Alloy's HTTP port (UI, metrics). */
export const ALLOY_PORT = 12345;

/** Loki replicas: 3 (replication factor 3) with object storage in HA profiles, else 1 on a PVC. */
function lokiReplicas(logs: Pick<LogsSettings, "s3">, highAvailability: boolean): number {
    return logs.s3 && highAvailability ? 3 : 1;
}

const restrictedContainer = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

export function lokiValues(logs: LogsSettings, highAvailability: boolean): Record<string, unknown> {
    const replicas = lokiReplicas(logs, highAvailability);
    const store = logs.s3 ? "s3" : "filesystem";
    return {
        deploymentMode: "Monolithic",
        loki: {
            // One tenant: Grafana and Alloy are the only clients, both in-cluster.
            auth_enabled: false,
            commonConfig: { replication_factor: replicas },
            schemaConfig: { configs: [{ from: "2025-01-01", store: "tsdb", object_store: store, schema: "v13", index: { prefix: "index_", period: "24h" } }] },
            storage: logs.s3
                ? {
                      type: "s3",
                      bucketNames: { chunks: logs.s3.bucket, ruler: logs.s3.bucket },
                      s3: {
                          region: logs.s3.region,
                          ...(logs.s3.endpoint ? { endpoint: logs.s3.endpoint, s3ForcePathStyle: true } : {}),
                          ...(logs.s3.insecure ? { insecure: true } : {}),
                          // Expanded from the Secret's env at start-up (-config.expand-env): no key in the values.
                          accessKeyId: "${LOKI_S3_ACCESS_KEY_ID}",
                          secretAccessKey: "${LOKI_S3_SECRET_ACCESS_KEY}",
                      },
                  }
                : { type: "filesystem" },
            compactor: { retention_enabled: true, delete_request_store: store, working_directory: "/var/loki/compactor" },
            limits_config: { retention_period: logs.retention },
            podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
            containerSecurityContext: restrictedContainer,
        },
        ...(logs.s3 ? { defaults: { extraArgs: ["-config.expand-env=true"], extraEnvFrom: [{ secretRef: { name: LOKI_S3_SECRET } }] } } : {}),
        singleBinary: {
            replicas,
            resources: limited("100m", "256Mi", "1Gi"),
            persistence: { enabled: true, size: logs.storageSize },
        },
        // Monolithic: no simple-scalable targets, no gateway, caches, canary or Helm test pods.
        write: { replicas: 0 },
        read: { replicas: 0 },
        backend: { replicas: 0 },
        gateway: { enabled: false },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        sidecar: { resources: limited("10m", "32Mi", "128Mi") },
        monitoring: { serviceMonitor: { enabled: true } },
    };
}

/** Alloy's configuration (River): every pod's logs and the cluster's events, to Loki. */
export function alloyConfig(cluster: string, clustered: boolean): string {
    const relabel = (from: string, to: string) => [`  rule {`, `    source_labels = ["${from}"]`, `    target_label  = "${to}"`, `  }`];
    return [
        `// Pod logs, read through the Kubernetes API (no host mounts).`,
        `discovery.kubernetes "pods" {`,
        `  role = "pod"`,
        `}`,
        ``,
        `discovery.relabel "pods" {`,
        `  targets = discovery.kubernetes.pods.targets`,
        ...relabel("__meta_kubernetes_namespace", "namespace"),
        ...relabel("__meta_kubernetes_pod_name", "pod"),
        ...relabel("__meta_kubernetes_pod_container_name", "container"),
        ...relabel("__meta_kubernetes_pod_label_app_kubernetes_io_name", "app"),
        ...relabel("__meta_kubernetes_pod_node_name", "node"),
        `}`,
        ``,
        `loki.source.kubernetes "pods" {`,
        `  targets    = discovery.relabel.pods.output`,
        `  forward_to = [loki.write.default.receiver]`,
        ...(clustered ? [`  clustering {`, `    enabled = true`, `  }`] : []),
        `}`,
        ``,
        `// Kubernetes events as log lines. Not shared out by clustering: with two replicas both ship`,
        `// them, and Loki keeps one copy of identical entries (same stream, timestamp and line).`,
        `loki.source.kubernetes_events "events" {`,
        `  job_name   = "${EVENTS_JOB}"`,
        `  log_format = "logfmt"`,
        `  forward_to = [loki.write.default.receiver]`,
        `}`,
        ``,
        `loki.write "default" {`,
        `  endpoint {`,
        `    url = "${LOKI_URL}/loki/api/v1/push"`,
        `  }`,
        `  external_labels = { cluster = "${cluster}" }`,
        `}`,
        ``,
    ].join("\n");
}

export function alloyValues(cluster: string, highAvailability: boolean): Record<string, unknown> {
    const replicas = highAvailability ? 2 : 1;
    return {
        alloy: {
            configMap: { content: alloyConfig(cluster, replicas > 1) },
            // Replicas share the pod targets between them.
            clustering: { enabled: replicas > 1 },
            enableReporting: false,
            securityContext: { ...restrictedContainer, readOnlyRootFilesystem: false, runAsNonRoot: true, runAsUser: 473, runAsGroup: 473 },
            resources: limited("50m", "128Mi", "512Mi"),
        },
        controller: {
            type: "deployment",
            replicas,
            ...(highAvailability ? { podDisruptionBudget: { enabled: true, maxUnavailable: 1 } } : {}),
        },
        configReloader: { resources: limited("10m", "32Mi", "64Mi") },
        serviceMonitor: { enabled: true },
    };
}
