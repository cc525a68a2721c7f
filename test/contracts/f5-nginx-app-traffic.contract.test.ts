/**
 * Contracts with the F5 NGINX Ingress Controller (chart nginx-ingress 2.6.4, controller v5.5.4)
 * that ContainerApp's alerts, dashboard and canary rely on. Each test names the upstream file it
 * encodes, read at tag v5.5.4 of github.com/nginx/kubernetes-ingress.
 */
import { appDashboard, appRuleGroups } from "../../components/apps/appObservability";
import { virtualServerSpec } from "../../components/apps/appNetwork";
import { ingressValues } from "../../components/edge/ingressValues";
import { CHARTS } from "../../charts/versions";
import { canaryQueries } from "../../scripts/lib/canary";
import { unknownChartKeys } from "../../offline/chartKeys";
import { parsePlatformConfig } from "../../config/config";
import { k3sStackConfig, rawConfig } from "../harness";

/**
 * The per-upstream metric the OSS controller exports: one histogram, `upstream_server_response_latency_ms`
 * in namespace `nginx_ingress_controller` (internal/metrics/collectors/collectors.go, latency.go), with
 * labels upstream, server, code, then service, resource_type, resource_name, resource_namespace
 * (cmd/nginx-ingress/main.go: upstreamServerVariableLabels) and pod_name (upstreamServerPeerVariableLabelNames).
 * The OSS build's stub_status metrics (nginx_ingress_nginx_*) carry no per-service label; per-service
 * request counters exist only in NGINX Plus.
 */
const LATENCY_METRIC = "nginx_ingress_controller_upstream_server_response_latency_ms";
const UPSTREAM_LABELS = ["upstream", "server", "code", "service", "resource_type", "resource_name", "resource_namespace", "pod_name"];

/** Every `metric{labels}` selector in a PromQL expression. */
function selectors(expr: string): { metric: string; labels: string[] }[] {
    return [...expr.matchAll(/([a-z_:][a-z0-9_:]*)\{([^}]*)\}/g)].map((m) => ({
        metric: m[1],
        labels: [...m[2].matchAll(/([a-z_]+)\s*(=~|!=|=|!~)/g)].map((l) => l[1]),
    }));
}

describe("F5 NGINX Ingress Controller v5.5.4 contracts for apps", () => {
    it("pins the chart whose controller these contracts were read from", () => {
        expect(CHARTS.nginxIngress).toMatchObject({ chart: "nginx-ingress", version: "2.6.4" });
    });

    it("exports upstream latency per Service only with -enable-prometheus-metrics and -enable-latency-metrics, which the platform sets", () => {
        // charts/nginx-ingress/templates/_helpers.tpl@v5.5.4: prometheus.create -> -enable-prometheus-metrics,
        // controller.enableLatencyMetrics -> -enable-latency-metrics; main.go registers the collector only with both.
        const ingress = parsePlatformConfig(rawConfig(k3sStackConfig())).ingress;
        const values = ingressValues({ config: ingress, highAvailability: false, releaseName: "ingress" }) as {
            controller: Record<string, unknown>;
            prometheus: Record<string, unknown>;
        };
        expect(values.controller.enableLatencyMetrics).toBe(true);
        expect(values.prometheus.create).toBe(true);
    });

    it("the app alerts and dashboard query only that histogram, by labels it really has", () => {
        const exprs = [
            ...appRuleGroups({ name: "hello", namespace: "apps", autoscaling: true, latencyMs: 500 }).flatMap((g) => g.rules.map((r) => r.expr)),
            ...(appDashboard("hello", "apps", false).panels as { targets: { expr: string }[] }[]).flatMap((p) => p.targets.map((t) => t.expr)),
        ];
        const nginx = exprs.flatMap(selectors).filter((s) => s.metric.startsWith("nginx_"));
        expect(nginx.length).toBeGreaterThan(0);
        for (const s of nginx) {
            expect([`${LATENCY_METRIC}_count`, `${LATENCY_METRIC}_bucket`]).toContain(s.metric);
            expect(s.labels.filter((l) => !UPSTREAM_LABELS.includes(l) && l !== "le")).toEqual([]);
        }
        // The Service name is the `service` label (configs/ingress.go and virtualserver.go fill UpstreamLabels.Service).
        expect(exprs.join("\n")).toContain('service=~"hello|hello-canary"');
    });

    it("the canary analysis queries that histogram by Service, VirtualServer and status code", () => {
        // internal/configs/configurator.go updateVirtualServerMetricsLabels and virtualserver.go
        // getUpstreamResourceLabels: resource_type "virtualserver", service = the upstream's Service.
        const q = canaryQueries({ namespace: "apps", virtualServer: "hello", service: "hello-canary" }, "5m");
        for (const query of Object.values(q)) {
            for (const s of selectors(query).filter((x) => x.metric.startsWith("nginx_"))) {
                expect([`${LATENCY_METRIC}_count`, `${LATENCY_METRIC}_bucket`]).toContain(s.metric);
                expect(s.labels.filter((l) => !UPSTREAM_LABELS.includes(l) && l !== "le")).toEqual([]);
            }
            expect(query).toContain('resource_type="virtualserver"');
        }
        expect(q.errorRatio).toContain('code=~"5.."');
        expect(q.latencyP95Ms).toContain(`${LATENCY_METRIC}_bucket`);
    });

    it("a VirtualServer route's splits are at least two, weigh 0-100 each and add up to 100", () => {
        // pkg/apis/configuration/validation/virtualserver.go@v5.5.4 validateSplits.
        for (const canaryWeight of [0, 1, 10, 50, 99, 100]) {
            const spec = virtualServerSpec({ name: "hello", host: "hello.example.com", paths: ["/"], port: 8080, tlsSecret: "hello-tls", canaryWeight }) as {
                routes: { splits: { weight: number }[] }[];
            };
            const weights = spec.routes[0].splits.map((s) => s.weight);
            expect(weights.length).toBeGreaterThanOrEqual(2);
            expect(weights.every((w) => w >= 0 && w <= 100)).toBe(true);
            expect(weights.reduce((a, b) => a + b, 0)).toBe(100);
        }
    });

    it("routes cert-manager's HTTP-01 solver for a VirtualServer's host only with -enable-cert-manager, which canaries turn on", () => {
        // internal/k8s/configuration.go@v5.5.4: isChallengeIngress is false unless cert-manager support is
        // enabled; otherwise the solver Ingress competes for the host and the older VirtualServer wins
        // (chooseObjectMetaWinner). _helpers.tpl maps controller.enableCertManager to -enable-cert-manager.
        const ingress = parsePlatformConfig(rawConfig(k3sStackConfig())).ingress;
        const on = ingressValues({ config: ingress, highAvailability: false, releaseName: "ingress", virtualServerChallenges: true }) as {
            controller: Record<string, unknown>;
        };
        const off = ingressValues({ config: ingress, highAvailability: false, releaseName: "ingress" }) as { controller: Record<string, unknown> };
        expect(on.controller.enableCertManager).toBe(true);
        expect(unknownChartKeys("nginx-ingress", on)).toEqual([]);
        expect(off.controller).not.toHaveProperty("enableCertManager");
        // The chart's default keeps custom resources (VirtualServer) on, which the integration requires (flags.go).
        expect(off.controller).not.toHaveProperty("enableCustomResources");
    });
});
