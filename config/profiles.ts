/**
 * Per-profile defaults. A stack picks `platform:profile: dev | prod`; every value below is what the
 * platform uses unless the stack file overrides the matching key. Components receive the resolved
 * numbers, never the profile name, so a "prod-like" dev stack is one override away.
 */
export type Profile = "dev" | "prod";

export interface ProfileDefaults {
    /** Replicas for stateless platform services (ingress, webhooks, Grafana...). */
    readonly replicas: number;
    /** Whether HA features (PodDisruptionBudgets, anti-affinity, clustered Alertmanager) are on. */
    readonly highAvailability: boolean;
    /**
     * Whether data gets `protect: true` (and Retain volumes): the k3s tokens and server installs, the
     * PVC-backed releases and the secrets bound to stored data. `platform:protect` overrides it.
     */
    readonly protectStateful: boolean;
    /** Default StorageClass: k3s local-path, or replicated Longhorn. */
    readonly storageClass: "local-path" | "longhorn";
    /** Longhorn volume replicas. */
    readonly volumeReplicas: number;
    /** Prometheus retention and PVC size. */
    readonly metricsRetention: string;
    readonly metricsStorage: string;
    /** Loki retention and PVC size. */
    readonly logsRetention: string;
    readonly logsStorage: string;
    /** ClickHouse shards (one server each) and PVC size per server. */
    readonly clickhouseShards: number;
    readonly clickhouseStorage: string;
    /** Default-deny NetworkPolicies plus explicit allows in every platform namespace. */
    readonly networkPolicies: boolean;
    /** Fewest k3s servers the profile accepts (etcd quorum survives one loss at 3). */
    readonly minServers: number;
    /** k3s `etcd-snapshot-schedule-cron`. */
    readonly etcdSnapshotSchedule: string;
    /** k3s `etcd-snapshot-retention` (snapshots kept per node). */
    readonly etcdSnapshotRetention: number;
}

export const PROFILE_DEFAULTS: Readonly<Record<Profile, ProfileDefaults>> = Object.freeze({
    dev: Object.freeze({
        replicas: 1,
        highAvailability: false,
        protectStateful: false,
        storageClass: "local-path",
        metricsRetention: "3d",
        metricsStorage: "5Gi",
        logsRetention: "7d",
        logsStorage: "5Gi",
        clickhouseShards: 1,
        clickhouseStorage: "10Gi",
        volumeReplicas: 1,
        // Dev runs the same policies as prod, so a flow they cut shows up before prod.
        networkPolicies: true,
        minServers: 1,
        etcdSnapshotSchedule: "0 */12 * * *",
        etcdSnapshotRetention: 5,
    }),
    prod: Object.freeze({
        replicas: 2,
        highAvailability: true,
        protectStateful: true,
        storageClass: "longhorn",
        metricsRetention: "15d",
        metricsStorage: "50Gi",
        logsRetention: "30d",
        logsStorage: "50Gi",
        clickhouseShards: 2,
        clickhouseStorage: "100Gi",
        volumeReplicas: 3,
        networkPolicies: true,
        minServers: 3,
        etcdSnapshotSchedule: "0 */6 * * *",
        etcdSnapshotRetention: 28,
    }),
});
