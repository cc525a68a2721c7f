/**
 * DeepFlow 7.1 (chart deepflow 7.1.002): server, app, MySQL and the eBPF agent DaemonSet, on the
 * platform's ClickHouse and the platform's Grafana (the chart's own Grafana is off; its datasource
 * and plugins go to ours).
 *
 * How DeepFlow finds ClickHouse (docs/adr/0009): `global.externalClickHouse` (type `ep`) makes the
 * chart write the given addresses into the Endpoints of a selector-less `deepflow-external-clickhouse`
 * Service. The ingester and the controller read that Endpoints object and dial each address
 * themselves, so they get the per-shard Services' cluster IPs (stable across pod restarts; one
 * kube-proxy translation to the shard's pod). The querier instead dials the *name* in
 * `querier.clickhouse.host`, and a Service whose endpoints are other Services' VIPs forwards nowhere:
 * so the querier is pointed at the platform ClickHouse Service by its FQDN.
 *
 * The chart has no existing-secret keys: the ClickHouse and MySQL passwords sit in the values as
 * nested secret Outputs, so only those two keys are secret in state, previews and the render.
 */
import type * as pulumi from "@pulumi/pulumi";
import { deepflowImage, deepflowRepository, IMAGES } from "../../charts/images";
import { limited } from "../lib/resources";
import { CLICKHOUSE_CLUSTER, CLICKHOUSE_HOST, CLICKHOUSE_TCP_PORT, CLICKHOUSE_USERS } from "./clickhouseValues";
import { NAMESPACES } from "../../charts/namespaces";

export const DEEPFLOW_NAMESPACE = NAMESPACES.deepflow;
export const DEEPFLOW_RELEASE = "deepflow";
/** Upstream image registry (the chart's default); override with monitoring.deepflow.imageRegistry. */
export const DEEPFLOW_DEFAULT_REGISTRY = "registry.cn-hongkong.aliyuncs.com/deepflow-ce";
/** Server ports: querier (Grafana), controller (agents' health/config), gRPC, ingester (agents' data). */
export const DEEPFLOW_PORTS = { querier: 20416, controller: 20417, app: 20418, grpc: 20035, ingester: 20033 } as const;
/** The port the server Service sends agents' first (controller) connection to: the agent's default `controller-port`. */
const DEEPFLOW_AGENT_CONTROLLER_PORT = 30035;
/** The bundled MySQL's port (chart default): the server and ClickHouse's dictionaries read DeepFlow's metadata from it. */
export const DEEPFLOW_MYSQL_PORT = 30130;
/**
 * The bundled MySQL by its FQDN. DeepFlow hands this host to ClickHouse in each dictionary's
 * `SOURCE(MYSQL(...))`, and ClickHouse resolves it from its own namespace, where the chart's short
 * name (`deepflow-mysql`) does not resolve.
 */
const DEEPFLOW_MYSQL_HOST = `${DEEPFLOW_RELEASE}-mysql.${DEEPFLOW_NAMESPACE}.svc.cluster.local`;
export const DEEPFLOW_QUERIER_URL = `http://${DEEPFLOW_RELEASE}-server.${DEEPFLOW_NAMESPACE}.svc.cluster.local:${DEEPFLOW_PORTS.querier}`;
export const DEEPFLOW_APP_URL = `http://${DEEPFLOW_RELEASE}-app.${DEEPFLOW_NAMESPACE}.svc.cluster.local:${DEEPFLOW_PORTS.app}`;
/** Grafana plugins the init image installs, allowed although unsigned (DeepFlow does not publish signed builds). */
export const DEEPFLOW_GRAFANA_PLUGINS = ["deepflowio-deepflow-datasource", "deepflowio-tracing-panel", "deepflowio-topo-panel"];
/** Minimum Linux kernel for the eBPF agent. */
export const DEEPFLOW_MIN_KERNEL = "4.14";

/** The init image with DeepFlow's Grafana plugins, at the tag its upstream publishes for 7.1 (charts/images.ts). */
export const deepflowGrafanaPluginsImage = (registry: string) => deepflowImage(registry, "deepflowGrafanaPlugins");

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
        // Pinned tags instead of the chart's moving `v7.1` (charts/images.ts).
        image: {
            server: { repository: deepflowRepository(args.imageRegistry, "deepflowServer"), tag: IMAGES.deepflowServer.tag },
            app: { repository: deepflowRepository(args.imageRegistry, "deepflowApp"), tag: IMAGES.deepflowApp.tag },
        },
        configmap: {
            "server.yaml": {
                // ClickHouse resolves this host for its dictionaries, from the clickhouse namespace.
                controller: { mysql: { host: DEEPFLOW_MYSQL_HOST } },
                // The querier dials this name: the platform ClickHouse Service, not the chart's VIP-backed one.
                querier: { clickhouse: { host: CLICKHOUSE_HOST } },
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
                    // Agents (controller-ips: deepflow-server) dial the controller here first; in-cluster
                    // agents are then sent to the server pods' own gRPC and ingester ports (20035/20033).
                    port("grpc-30035", DEEPFLOW_AGENT_CONTROLLER_PORT, DEEPFLOW_PORTS.grpc),
                    port("ssl-grpc", 20135),
                    port("ingester", DEEPFLOW_PORTS.ingester),
                    // Out-of-cluster agents' default data port (they would need a route to it; see docs/adr/0009).
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
            image: { repository: deepflowRepository(args.imageRegistry, "deepflowAgent"), tag: IMAGES.deepflowAgent.tag },
            resources: limited("100m", "256Mi", "1Gi"),
        },
    };
}
