/**
 * DeepFlow 7.1 (chart deepflow 7.1.002): server, app, MySQL and the eBPF agent DaemonSet, on the
 * platform's ClickHouse (`global.externalClickHouse`, type `ep`: the chart writes the given IPs
 * into an Endpoints object, so we pass the cluster IP of the ClickHouse Service we own) and the
 * platform's Grafana (the chart's own Grafana is off; its datasource and plugins go to ours).
 * The chart has no existing-secret keys: the ClickHouse and MySQL passwords sit in the values as
 * nested secret Outputs, so only those two keys are secret in state, previews and the render.
 */
import type * as pulumi from "@pulumi/pulumi";
import { limited } from "../lib/resources";
import { CLICKHOUSE_CLUSTER, CLICKHOUSE_TCP_PORT, CLICKHOUSE_USERS } from "./clickhouseValues";

export const DEEPFLOW_NAMESPACE = "deepflow";
export const DEEPFLOW_RELEASE = "deepflow";
/** Upstream image registry (mainland China); override with monitoring.deepflow.imageRegistry. */
export const DEEPFLOW_DEFAULT_REGISTRY = "registry.cn-hongkong.aliyuncs.com/deepflow-ce";
/** DeepFlow image tag of chart 7.1.002 (server, app, agent, Grafana plugin init image). */
export const DEEPFLOW_TAG = "v7.1";
/** Server ports: querier (Grafana), controller (agents' health/config), gRPC, ingester (agents' data). */
export const DEEPFLOW_PORTS = { querier: 20416, controller: 20417, app: 20418, grpc: 20035, ingester: 20033 } as const;
export const DEEPFLOW_QUERIER_URL = `http://${DEEPFLOW_RELEASE}-server.${DEEPFLOW_NAMESPACE}.svc.cluster.local:${DEEPFLOW_PORTS.querier}`;
export const DEEPFLOW_APP_URL = `http://${DEEPFLOW_RELEASE}-app.${DEEPFLOW_NAMESPACE}.svc.cluster.local:${DEEPFLOW_PORTS.app}`;
/** Grafana plugins the init image installs, allowed although unsigned. */
export const DEEPFLOW_GRAFANA_PLUGINS = ["deepflowio-deepflow-datasource", "deepflowio-tracing-panel", "deepflowio-topo-panel"];
/** Minimum Linux kernel for the eBPF agent. */
export const DEEPFLOW_MIN_KERNEL = "4.14";

export interface DeepFlowValuesArgs {
    readonly imageRegistry: string;
    /** Cluster IPs of the platform ClickHouse's per-shard Services (DeepFlow writes to each). */
    readonly clickhouseIps: readonly pulumi.Input<string>[];
    /** The ClickHouse and MySQL passwords: nested secret Outputs (the chart has no existing-secret keys). */
    readonly passwords?: { readonly clickhouse: pulumi.Input<string>; readonly mysql: pulumi.Input<string> };
}

const port = (name: string, p: number, target = p) => ({ name, port: p, targetPort: target, protocol: "TCP" });

export function deepflowValues(args: DeepFlowValuesArgs): Record<string, unknown> {
    return {
        global: {
            image: { repository: args.imageRegistry, pullPolicy: "IfNotPresent" },
            timezone: "UTC",
            ntpServer: "pool.ntp.org",
            // deepflow-server replicas: one per ClickHouse shard, as DeepFlow expects.
            replicas: args.clickhouseIps.length,
            ...(args.passwords ? { password: { mysql: args.passwords.mysql } } : {}),
            externalClickHouse: {
                enabled: true,
                type: "ep",
                clusterName: CLICKHOUSE_CLUSTER,
                storagePolicy: "default",
                username: CLICKHOUSE_USERS.deepflow,
                hosts: args.clickhouseIps.map((ip) => ({ ip, port: CLICKHOUSE_TCP_PORT })),
                ...(args.passwords ? { password: args.passwords.clickhouse } : {}),
            },
        },
        clickhouse: { enabled: false },
        grafana: { enabled: false },
        server: {
            resources: limited("200m", "256Mi", "2Gi"),
            // In-cluster agents reach the server by its Service name: no NodePorts on the hosts.
            service: {
                type: "ClusterIP",
                ports: [
                    port("querier", DEEPFLOW_PORTS.querier),
                    port("profile", 20419),
                    port("health-check", DEEPFLOW_PORTS.controller),
                    port("grpc", DEEPFLOW_PORTS.grpc),
                    // Agents dial the controller on 30035 and send data to 30033 by default.
                    port("grpc-30035", 30035, DEEPFLOW_PORTS.grpc),
                    port("ssl-grpc", 20135),
                    port("ingester", DEEPFLOW_PORTS.ingester),
                    port("ingester-30033", 30033, DEEPFLOW_PORTS.ingester),
                ],
            },
        },
        app: { resources: limited("50m", "128Mi", "512Mi") },
        mysql: {
            resources: limited("50m", "256Mi", "1Gi"),
            storageConfig: { persistence: { size: "10Gi" } },
        },
        "deepflow-agent": {
            // Only DaemonSet agents (no agent on the server's sidecar/TKE variants).
            deployComponent: ["daemonset"],
            resources: limited("100m", "256Mi", "1Gi"),
        },
    };
}
