/**
 * DeepFlow's traffic as flows (docs/adr/0019): each connection between the server, the app, the
 * bundled MySQL and the agent DaemonSet (pod network), on the ports the chart deepflow 7.1.002 and
 * the server and agent at v7.1.8 use, plus what reaches them from ClickHouse and Grafana. Nothing
 * else inside the namespace is admitted: the agents (on every node, reading its traffic) reach
 * only the server's gRPC and ingester ports, never MySQL.
 */
import { apiServerFlow, type Flow, GRAFANA, type PodEnd } from "../lib/flows";
import { DEEPFLOW_MYSQL_PORT, DEEPFLOW_NAMESPACE, DEEPFLOW_PORTS } from "./deepflowValues";

const CHARTS = "deepflowio/deepflow-charts@deepflow-7.1.002";
const SERVER_CODE = "deepflowio/deepflow@v7.1.8";

/** The pods of each part (their `component` label: charts/deepflow/templates/_helpers.tpl, charts/mysql and charts/deepflow-agent _helpers.tpl). */
export const DEEPFLOW_PARTS = {
    server: { namespace: DEEPFLOW_NAMESPACE, pods: { component: "deepflow-server" } },
    app: { namespace: DEEPFLOW_NAMESPACE, pods: { component: "deepflow-app" } },
    mysql: { namespace: DEEPFLOW_NAMESPACE, pods: { component: "mysql" } },
    agent: { namespace: DEEPFLOW_NAMESPACE, pods: { component: "deepflow-agent" } },
} as const satisfies Record<string, PodEnd>;

/** The ingester's datasource API (server/ingester/config/config.go DefaultDatasourceListenPort), which the controller calls on the master server's pod. */
const INGESTER_DATASOURCE_PORT = 20106;
/** The agent's integration listener (agent/src/config/config.rs listen_port 38086; the chart's `receive` port behind the `deepflow-agent` Service's port 80). */
const AGENT_RECEIVE_PORT = 38086;

export interface DeepFlowFlowArgs {
    /** ClickHouse's pods (its dictionaries read DeepFlow's MySQL). */
    readonly clickhouse: PodEnd;
    readonly grafana: boolean;
}

export function deepflowFlows(args: DeepFlowFlowArgs): Flow[] {
    const { server, app, mysql, agent } = DEEPFLOW_PARTS;
    const flows: Flow[] = [
        {
            name: "DeepFlow agent -> server (gRPC, ingester)",
            from: agent,
            to: server,
            ports: [DEEPFLOW_PORTS.grpc, DEEPFLOW_PORTS.ingester],
            why: "agents fetch their configuration over gRPC (first through the Service's 30035, which targets 20035) and send their data to the ingester",
            cite: `${CHARTS}:charts/deepflow-agent/values.yaml (deepflowServerNodeIPS); ${SERVER_CODE}:server/controller/trisolaris/services/grpc/agentsynchronize/sync_push.go (generateUserConfig)`,
        },
        {
            name: "DeepFlow server -> MySQL",
            from: server,
            to: mysql,
            ports: [DEEPFLOW_MYSQL_PORT],
            why: "the controller keeps DeepFlow's metadata in MySQL",
            cite: `${CHARTS}:charts/deepflow/values.yaml (configmap server.yaml controller.mysql.port), charts/deepflow/charts/mysql/templates/deployment.yaml`,
        },
        {
            name: "DeepFlow server -> server (peers)",
            from: server,
            to: server,
            ports: [DEEPFLOW_PORTS.controller, DEEPFLOW_PORTS.grpc, INGESTER_DATASOURCE_PORT],
            why: "with several servers, controllers forward to the elected master, refresh each other's caches and sync over gRPC, and the master's ingester serves the datasource API",
            cite: `${SERVER_CODE}:server/controller/http/router/common/controller.go (ForwardMasterController), server/controller/trisolaris/refresh/refresh.go, server/controller/trisolaris/vtap/process_info.go, server/controller/http/service/data_source.go`,
        },
        {
            name: "DeepFlow app -> server (querier, controller)",
            from: app,
            to: server,
            ports: [DEEPFLOW_PORTS.querier, DEEPFLOW_PORTS.controller],
            why: "the tracing app queries through the querier and reads the controller",
            cite: `${CHARTS}:charts/deepflow/values.yaml (configmap app.yaml querier.port, controller.port)`,
        },
        {
            name: "DeepFlow server -> app",
            from: server,
            to: app,
            ports: [DEEPFLOW_PORTS.app],
            why: "the querier calls the app for traces",
            cite: `${CHARTS}:charts/deepflow/values.yaml (configmap server.yaml querier.deepflow-app.port)`,
        },
        {
            name: "DeepFlow server -> agent (self-tracing)",
            from: server,
            to: agent,
            ports: [AGENT_RECEIVE_PORT],
            why: "the querier sends its own traces to the agent Service",
            cite: `${SERVER_CODE}:server/querier/config/config.go (otel-endpoint http://deepflow-agent/api/v1/otel/trace); ${CHARTS}:charts/deepflow-agent/values.yaml (service port 80 -> receive)`,
        },
        apiServerFlow(server, "DeepFlow server", "the controller watches Kubernetes resources and elects its master with a lease"),
        apiServerFlow(agent, "DeepFlow agent", "agents watch Kubernetes resources to label flows"),
        {
            name: "ClickHouse -> DeepFlow MySQL (dictionaries)",
            from: args.clickhouse,
            to: mysql,
            ports: [DEEPFLOW_MYSQL_PORT],
            why: "DeepFlow's ClickHouse dictionaries read their rows from DeepFlow's MySQL",
            cite: `${SERVER_CODE}:server/controller/db/metadb/common/ch_source.go (GetClickhouseSource)`,
        },
        {
            name: "DeepFlow server -> NTP",
            from: server,
            to: "internet",
            ports: [123],
            protocol: "UDP",
            why: "the server syncs time from global.ntpServer and serves it to the agents",
            cite: `${CHARTS}:charts/deepflow/values.yaml`,
        },
    ];
    if (args.grafana) {
        flows.push(
            { name: "Grafana -> DeepFlow querier", from: GRAFANA, to: server, ports: [DEEPFLOW_PORTS.querier], why: "the DeepFlow datasource" },
            { name: "Grafana -> DeepFlow app", from: GRAFANA, to: app, ports: [DEEPFLOW_PORTS.app], why: "the DeepFlow tracing panel" },
        );
    }
    return flows;
}
