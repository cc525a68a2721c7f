/**
 * Contracts with DeepFlow 7.1: chart deepflow 7.1.002 (deepflowio/deepflow-charts tag
 * deepflow-7.1.002 = v7.1.9, af3138f1) and the server at deepflowio/deepflow tag v7.1.8 (ed89af6d,
 * the newest v7.1 release tag before the chart). Read with `git show <tag>:<path>`.
 */
import { CLICKHOUSE_CLUSTER, CLICKHOUSE_HOST, clickhouseInstallationSpec, clickhouseServiceSpec } from "../../components/monitoring/clickhouseValues";
import { DEEPFLOW_DEFAULT_REGISTRY, DEEPFLOW_NAMESPACE, DEEPFLOW_RELEASE, deepflowValues } from "../../components/monitoring/deepflowValues";
import { metricsValues } from "../../components/monitoring/metricsValues";
import { monitoringFlows } from "../../components/monitoring/monitoringFlows";
import { parsePlatformConfig } from "../../config/config";
import { k3sStackConfig, rawConfig } from "../harness";

type Values = Record<string, unknown>;
const at = (v: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), v);
const shardIps = ["10.43.0.10", "10.43.0.11"];
/** The bundled MySQL's Service port (values.yaml@deepflow-7.1.002 mysql.service.ports: 30130 -> 30130). */
const MYSQL_PORT = 30130;
/** The agent's default controller port (agent/src/config/config.rs@v7.1.8 `controller_port: 30035`), dialled on controller-ips. */
const AGENT_CONTROLLER_PORT = 30035;
/** The controller's gRPC port on a server pod (values.yaml@deepflow-7.1.002 controller.grpc-port: 20035). */
const SERVER_GRPC_PORT = 20035;
/** ClickHouse's native TCP port DeepFlow dials (values.yaml@deepflow-7.1.002 configmap server.yaml controller/querier clickhouse.port: 9000). */
const CLICKHOUSE_NATIVE_PORT = 9000;
const values = (registry = DEEPFLOW_DEFAULT_REGISTRY) => deepflowValues({ imageRegistry: registry, clickhouseIps: shardIps }) as Values;

/**
 * The host one part of the server reads from server.yaml: ours if the values set it, else the chart's
 * default for external ClickHouse (values.yaml@deepflow-7.1.002: `{{ .Release.Name }}-external-clickhouse`
 * for controller.clickhouse.host, querier.clickhouse.host and ingester.ckdb.host;
 * `{{ .Release.Name }}-mysql` for controller.mysql.host).
 */
function serverHost(v: Values, ...path: string[]): string {
    const set = at(v, "configmap", "server.yaml", ...path);
    if (typeof set === "string") return set;
    return path[0] === "controller" && path[1] === "mysql" ? `${DEEPFLOW_RELEASE}-mysql` : `${DEEPFLOW_RELEASE}-external-clickhouse`;
}

describe("DeepFlow and the platform ClickHouse", () => {
    // templates/external-clickhouse-svc.yaml@deepflow-7.1.002: a selector-less ClusterIP Service named
    // `<release>-external-clickhouse` whose Endpoints hold global.externalClickHouse.hosts[].ip. Those IPs
    // are the shard Services' VIPs; kube-proxy translates a connection once, so traffic to this Service's
    // own VIP would be sent to another VIP and go nowhere.
    // server/querier/engine/clickhouse/client/client.go@v7.1.8 dials net.JoinHostPort(querier.clickhouse.host, port).
    it("the querier dials querier.clickhouse.host by name, so that name is a Service with a pod selector, not the chart's VIP-backed Service", () => {
        const host = serverHost(values(), "querier", "clickhouse", "host");
        expect(host).not.toBe(`${DEEPFLOW_RELEASE}-external-clickhouse`);
        expect(host).toBe(CLICKHOUSE_HOST);
        // CLICKHOUSE_HOST is the platform Service over every server: it selects the installation's pods and serves native TCP.
        expect(clickhouseServiceSpec()).toMatchObject({
            selector: { "clickhouse.altinity.com/chi": CLICKHOUSE_CLUSTER },
            ports: expect.arrayContaining([expect.objectContaining({ port: CLICKHOUSE_NATIVE_PORT })]),
        });
        expect(at(values(), "configmap", "server.yaml", "querier", "clickhouse", "port")).toBeUndefined(); // chart default 9000
    });

    // server/ingester/config/watcher.go@v7.1.8 (getNodeEndpoints) and server/controller/tagrecorder/dictionary.go@v7.1.8 (Update)
    // read the Endpoints object named ingester.ckdb.host / controller.clickhouse.host in their own namespace
    // and dial each address themselves, with the port named `tcp-port`.
    it("the ingester and the controller dial the addresses in the external-clickhouse Endpoints themselves: one stable shard Service IP per shard", () => {
        const v = values();
        expect(serverHost(v, "ingester", "ckdb", "host")).toBe(`${DEEPFLOW_RELEASE}-external-clickhouse`);
        expect(serverHost(v, "controller", "clickhouse", "host")).toBe(`${DEEPFLOW_RELEASE}-external-clickhouse`);
        expect(at(v, "global", "externalClickHouse")).toMatchObject({
            enabled: true,
            type: "ep",
            hosts: shardIps.map((ip) => ({ ip, port: CLICKHOUSE_NATIVE_PORT })),
        });
        // getMyClickhouseEndpoints: server pod i writes to endpoint i mod n, sorted by IP: one server per shard.
        expect(at(v, "global", "replicas")).toBe(shardIps.length);
    });

    // server/ingester/config/config.go@v7.1.8 CheckCluster: `SELECT host_address,port FROM system.clusters
    // WHERE cluster='<ingester.ckdb.cluster-name>'` must return a row, and DeepFlow creates its tables ON CLUSTER
    // that name. The Altinity operator names each remote_servers cluster after the CHI's configuration.clusters[].name
    // (Altinity/clickhouse-operator release-0.25.6, pkg/model/chi/config/generator.go getRemoteServerClusters: cluster.GetName()).
    it("the cluster name DeepFlow checks in system.clusters is the ClickHouseInstallation's cluster name", () => {
        const chi = clickhouseInstallationSpec({ enabled: true, shards: 2, replicas: 1, storageSize: "10Gi" } as never, false) as {
            configuration: { clusters: { name: string }[] };
        };
        expect(at(values(), "global", "externalClickHouse", "clusterName")).toBe(chi.configuration.clusters[0].name);
        // An unset storage policy falls back to "default", which every ClickHouse server has.
        expect(at(values(), "global", "externalClickHouse", "storagePolicy")).toBe("default");
    });

    // server/controller/db/metadb/common/ch_source.go@v7.1.8 GetClickhouseSource: the dictionaries' MySQL
    // source carries controller.mysql.host (SQL_REPLICA), and ClickHouse resolves it from its own namespace.
    it("ClickHouse resolves the MySQL host of DeepFlow's dictionaries from the clickhouse namespace, so it is a fully qualified Service name", () => {
        const host = serverHost(values(), "controller", "mysql", "host");
        expect(host).toBe(`${DEEPFLOW_RELEASE}-mysql.${DEEPFLOW_NAMESPACE}.svc.cluster.local`);
        expect(at(values(), "global", "externalMySQL")).toBeUndefined(); // the bundled MySQL, port 30130 (values.yaml mysql.service)
    });
});

describe("DeepFlow images", () => {
    // values.yaml@deepflow-7.1.002 image.server.tag, image.app.tag and deepflow-agent.image.tag are all
    // `v7.1`, a tag DeepFlow's build workflows move with every push to the v7.1 branch
    // (.github/workflows/server-build.yml@v7.1.8: IMAGE_TAG_PREFIX=${ref_name}); each release also has its own tag.
    it("DeepFlow's chart defaults to the moving v7.1 tag: server, app and agent are pinned to a release tag, from the configured registry", () => {
        const registry = "harbor.example.com/deepflow-ce";
        const v = values(registry);
        const pinned = /^v\d+\.\d+\.\d+$/;
        const images = [
            `${String(at(v, "image", "server", "repository"))}:${String(at(v, "image", "server", "tag"))}`,
            `${String(at(v, "image", "app", "repository"))}:${String(at(v, "image", "app", "tag"))}`,
            `${String(at(v, "deepflow-agent", "image", "repository"))}:${String(at(v, "deepflow-agent", "image", "tag"))}`,
        ];
        expect(images.map((i) => i.replace(/:[^:]*$/, ""))).toEqual([`${registry}/deepflow-server`, `${registry}/deepflow-app`, `${registry}/deepflow-agent`]);
        for (const image of images) {
            expect(image.startsWith(`${registry}/`)).toBe(true);
            expect(image.split(":").pop()).toMatch(pinned);
        }
    });

    // The plugins come from deepflowio/deepflow-gui-grafana, not from the server's repository: its
    // .github/workflows/main.yml (b9f3490e) pushes `deepflowio-init-grafana:${ref_name}` for branches
    // v7.[1-9] and v7.[0-9].[0-9] and for git tags, and no v7.1.x ref of it is known (see
    // images.contract.test.ts). values.yaml@deepflow-7.1.002 grafana.extraInitContainers
    // init-custom-plugins uses `{{ .Values.global.image.repository }}/deepflowio-init-grafana:v7.1`.
    const CHART_PLUGINS_IMAGE = "deepflowio-init-grafana:v7.1";

    it("Grafana copies DeepFlow's plugins from the image and tag chart deepflow 7.1.002 itself uses, from the configured registry", () => {
        const registry = "harbor.example.com/deepflow-ce";
        const grafana = metricsValues({
            config: parsePlatformConfig(rawConfig(k3sStackConfig())).monitoring,
            highAvailability: false,
            grafana: { host: "g.example.com", className: "nginx", secretName: "grafana-tls", annotations: {} },
            parts: { deepflow: { imageRegistry: registry } },
        }) as Values;
        const init = (at(grafana, "grafana", "extraInitContainers") as { image: string }[]).map((c) => c.image);
        expect(init).toEqual([`${registry}/${CHART_PLUGINS_IMAGE}`]);
    });
});

describe("DeepFlow agents", () => {
    // deepflow-agent chart (deepflow-7.1.002): controller-ips default `deepflow-server`, agent controller-port
    // default 30035, hostNetwork "false" (pod network). server/controller/trisolaris/services/grpc/agentsynchronize/
    // sync_push.go@v7.1.8 generateUserConfig: a pod agent in the server's own cluster (same CA, vtap.go
    // CheckClusterOwner) gets proxy_controller_ip/ingester_ip = the server *pod* IPs and the ports
    // grpc-port/ingester-port (20035 in values.yaml controller.grpc-port; 20033 the `ingester-port` default in
    // server/controller/config/config.go), not <node IP>:30033 (DefaultAnalyzerPort in common/vtap_config.go).
    it("in-cluster pod agents are handed the server pods' own gRPC and ingester ports, so a ClusterIP server Service is enough", () => {
        const v = values();
        expect(at(v, "deepflow-agent", "hostNetwork")).toBeUndefined(); // stays on the pod network
        expect(at(v, "deepflow-agent", "deepflowServerNodeIPS")).toBeUndefined(); // default: the `deepflow-server` Service
        const service = at(v, "server", "service") as { type: string; ports: { port: number; targetPort: number }[] };
        expect(service.type).toBe("ClusterIP");
        // First contact: deepflow-server:30035 -> the controller's gRPC port on a server pod.
        expect(service.ports).toEqual(expect.arrayContaining([expect.objectContaining({ port: AGENT_CONTROLLER_PORT, targetPort: SERVER_GRPC_PORT })]));
    });
});

describe("DeepFlow's MySQL as the flow model declares it", () => {
    // ClickHouse's dictionaries read DeepFlow's MySQL on its Service port (the pod port is the same).
    it("ClickHouse -> DeepFlow MySQL is declared on the chart's MySQL port", () => {
        const flows = monitoringFlows({ grafana: true, clickhouse: true, deepflow: true, receivers: { http: false } });
        const mysql = flows.find((f) => f.name.startsWith("ClickHouse -> DeepFlow MySQL"));
        expect(mysql).toMatchObject({ from: { namespace: "clickhouse" }, to: { namespace: "deepflow" }, ports: [MYSQL_PORT] });
    });
});
