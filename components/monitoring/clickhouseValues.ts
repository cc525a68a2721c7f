/**
 * ClickHouse through the Altinity clickhouse-operator (chart 0.25.6): the operator release, one
 * ClickHouseInstallation (shards by profile, one server each on its own node; replicas per shard
 * only without DeepFlow, then with a ClickHouse Keeper ensemble), the Service Grafana queries and
 * one Service per shard (DeepFlow writes to every shard by IP). Users' passwords come from a
 * Secret (secretKeyRef), so neither the CRs nor the chart values hold a password.
 */
import { limited } from "../lib/resources";
import { pinnedImage } from "../../charts/images";
import { NAMESPACES } from "../../charts/namespaces";

export const CLICKHOUSE_NAMESPACE = NAMESPACES.clickhouse;
/** ClickHouseInstallation and cluster name (DeepFlow creates its tables ON CLUSTER this name). */
export const CLICKHOUSE_CLUSTER = "platform";
/** Secret (in the clickhouse namespace) holding one password per user, keyed by user name. */
export const CLICKHOUSE_USERS_SECRET = "clickhouse-users";
/** Users the platform creates: DeepFlow writes, Grafana reads. */
export const CLICKHOUSE_USERS = { deepflow: "deepflow", grafana: "grafana" } as const;
/** The Service in front of every server (Grafana); `clickhouse-shard-<i>` in front of each shard (DeepFlow). */
export const CLICKHOUSE_SERVICE = "clickhouse";
export const shardServiceName = (shard: number) => `${CLICKHOUSE_SERVICE}-shard-${shard}`;
/** The settings profile of the `grafana` user: read-only, but the datasource may still set query limits. */
const GRAFANA_PROFILE = "grafana";
export const CLICKHOUSE_HTTP_PORT = 8123;
export const CLICKHOUSE_TCP_PORT = 9000;
/** The operator's metrics exporter (ClickHouse metrics) and the operator's own metrics. */
export const CLICKHOUSE_METRICS_PORTS = [8888, 9999];
const KEEPER_PORT = 2181;
/** Replicas of the Keeper ensemble when ClickHouse is replicated (survives one loss). */
const KEEPER_REPLICAS = 3;

const CHI_LABEL = "clickhouse.altinity.com/chi";
const SHARD_LABEL = "clickhouse.altinity.com/shard";

export function clickhouseOperatorValues(): Record<string, unknown> {
    return {
        // CRDs come from the chart's crds/ folder on install; the hook Job would pull an unpinned kubectl image.
        crdHook: { enabled: false },
        operator: { resources: limited("20m", "64Mi", "256Mi"), containerSecurityContext: RESTRICTED },
        metrics: { enabled: true, resources: limited("20m", "64Mi", "256Mi"), containerSecurityContext: RESTRICTED },
        // The images' user is `nobody` by name: give its id, or the kubelet cannot verify runAsNonRoot.
        podSecurityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        serviceMonitor: { enabled: true },
    };
}

const RESTRICTED = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true };
/** The clickhouse user (101) of the official images. */
const POD_SECURITY = { runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, fsGroup: 101, seccompProfile: { type: "RuntimeDefault" } };

function volumeClaim(name: string, size: string, retain: boolean) {
    return { name, reclaimPolicy: retain ? "Retain" : "Delete", spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } };
}

const password = (user: string) => ({ valueFrom: { secretKeyRef: { name: CLICKHOUSE_USERS_SECRET, key: user } } });

/** ClickHouse servers: shards, replicas per shard and PVC size per server. */
export interface ClickHouseSettings {
    readonly shards: number;
    /** Above 1: replicated tables and a 3-node ClickHouse Keeper. */
    readonly replicas: number;
    readonly storageSize: string;
}

/** The ClickHouseInstallation's spec; the `deepflow` writer user only when `deepflowUser` (DeepFlow on). */
export function clickhouseInstallationSpec(config: ClickHouseSettings, retain: boolean, deepflowUser = false): Record<string, unknown> {
    const replicated = config.replicas > 1;
    const servers = config.shards * config.replicas;
    const { deepflow, grafana } = CLICKHOUSE_USERS;
    return {
        configuration: {
            // readonly=2: no writes or DDL, but per-query settings (the Grafana plugin sets max_execution_time).
            profiles: { [`${GRAFANA_PROFILE}/readonly`]: 2 },
            users: {
                ...(deepflowUser
                    ? { [`${deepflow}/password`]: password(deepflow), [`${deepflow}/networks/ip`]: ["::/0"], [`${deepflow}/profile`]: "default" }
                    : {}),
                [`${grafana}/password`]: password(grafana),
                [`${grafana}/networks/ip`]: ["::/0"],
                [`${grafana}/profile`]: GRAFANA_PROFILE,
            },
            ...(replicated
                ? { zookeeper: { nodes: [{ host: `keeper-${CLICKHOUSE_CLUSTER}.${CLICKHOUSE_NAMESPACE}.svc.cluster.local`, port: KEEPER_PORT }] } }
                : {}),
            clusters: [{ name: CLICKHOUSE_CLUSTER, layout: { shardsCount: config.shards, replicasCount: config.replicas } }],
        },
        defaults: { templates: { podTemplate: "clickhouse", dataVolumeClaimTemplate: "data" } },
        templates: {
            podTemplates: [
                {
                    name: "clickhouse",
                    // At most one ClickHouse server per node (shards and replicas alike).
                    ...(servers > 1 ? { podDistribution: [{ type: "ClickHouseAntiAffinity", topologyKey: "kubernetes.io/hostname" }] } : {}),
                    spec: {
                        securityContext: POD_SECURITY,
                        containers: [
                            {
                                name: "clickhouse",
                                image: pinnedImage("clickhouse"),
                                resources: servers > 1 ? limited("500m", "2Gi", "4Gi") : limited("100m", "512Mi", "2Gi"),
                                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                            },
                        ],
                    },
                },
            ],
            volumeClaimTemplates: [volumeClaim("data", config.storageSize, retain)],
        },
    };
}

/** The ClickHouseKeeperInstallation's spec (only when ClickHouse is replicated). */
export function keeperInstallationSpec(retain: boolean): Record<string, unknown> {
    return {
        configuration: { clusters: [{ name: CLICKHOUSE_CLUSTER, layout: { replicasCount: KEEPER_REPLICAS } }] },
        defaults: { templates: { podTemplate: "keeper", dataVolumeClaimTemplate: "data" } },
        templates: {
            podTemplates: [
                {
                    name: "keeper",
                    // The ensemble's members (replicas of its one shard) on different nodes.
                    podDistribution: [{ type: "ShardAntiAffinity", topologyKey: "kubernetes.io/hostname" }],
                    spec: {
                        securityContext: POD_SECURITY,
                        containers: [
                            {
                                name: "clickhouse-keeper",
                                image: pinnedImage("clickhouseKeeper"),
                                resources: limited("50m", "128Mi", "512Mi"),
                                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                            },
                        ],
                    },
                },
            ],
            volumeClaimTemplates: [volumeClaim("data", "5Gi", retain)],
        },
    };
}

/** A Service in front of every server (`shard` undefined) or of one shard's servers: HTTP and native TCP. */
export function clickhouseServiceSpec(shard?: number): Record<string, unknown> {
    return {
        type: "ClusterIP",
        // The operator names shards by index.
        selector: { [CHI_LABEL]: CLICKHOUSE_CLUSTER, ...(shard === undefined ? {} : { [SHARD_LABEL]: String(shard) }) },
        ports: [
            { name: "http", port: CLICKHOUSE_HTTP_PORT, targetPort: CLICKHOUSE_HTTP_PORT, protocol: "TCP" },
            { name: "tcp", port: CLICKHOUSE_TCP_PORT, targetPort: CLICKHOUSE_TCP_PORT, protocol: "TCP" },
        ],
    };
}

/** In-cluster HTTP URL (Grafana's ClickHouse datasource). */
export const CLICKHOUSE_HOST = `${CLICKHOUSE_SERVICE}.${CLICKHOUSE_NAMESPACE}.svc.cluster.local`;
