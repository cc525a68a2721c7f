/**
 * Contract: the F5 NGINX Ingress Controller's OSS build (5.5.4, chart nginx-ingress 2.6.4) exports a
 * per-upstream latency histogram that tells a VirtualServer's canary upstream apart, which the
 * canary analysis (scripts/lib/canary.ts) queries. Upstream, read at tag v5.5.4 of
 * nginx/kubernetes-ingress (f92a24e4fd2b52c72739c4a1f4f9bb6424bf5731):
 * - internal/metrics/collectors/collectors.go: metricsNamespace = "nginx_ingress_controller".
 * - internal/metrics/collectors/latency.go: HistogramVec "upstream_server_response_latency_ms"
 *   (milliseconds, buckets 1 ms .. 50 s), label names "upstream", "server", "code" + the upstream
 *   server labels + the peer labels; `code` is the upstream's status ($upstream_status). A request
 *   NGINX never sent to an upstream (upstreamAddress == proxyHost) is not recorded.
 * - cmd/nginx-ingress/main.go (createPlusAndLatencyCollectors): with -enable-prometheus-metrics and
 *   -enable-latency-metrics, also without NGINX Plus, the collector is created with upstream server
 *   labels "service", "resource_type", "resource_name", "resource_namespace" and peer label "pod_name".
 * - internal/configs/configurator.go (updateVirtualServerMetricsLabels) fills those labels for
 *   every VirtualServer upstream when latency metrics are on; internal/configs/virtualserver.go
 *   (getUpstreamResourceLabels, generateUpstream) sets resource_type "virtualserver" and
 *   service = the upstream's Kubernetes Service.
 * - internal/configs/version1/nginx.tmpl: with LatencyMetrics, the http block logs
 *   upstreamAddress/upstreamResponseTime/proxyHost/upstreamStatus to the controller's syslog socket.
 * - charts/nginx-ingress/templates/_helpers.tpl: `-enable-latency-metrics={{ .Values.controller.enableLatencyMetrics }}`.
 * The per-upstream request/response counters and server zones are NGINX Plus only
 * (nginx_ingress_nginxplus_*), so the OSS controller's latency histogram is the one source.
 */
import keys from "../../charts/keys/nginx-ingress.json";
import { ingressValues } from "../../components/edge/ingressValues";
import { canaryQueries, LATENCY_METRIC } from "../../scripts/lib/canary";
import { parsePlatformConfig } from "../../stacks/config";
import { k3sStackConfig, rawConfig } from "../harness";

/** The series the OSS controller 5.5.4 exports (see above). */
const UPSTREAM = {
    metric: "nginx_ingress_controller_upstream_server_response_latency_ms",
    labels: ["upstream", "server", "code", "service", "resource_type", "resource_name", "resource_namespace", "pod_name"],
    resourceType: "virtualserver",
};

describe("F5 NGINX Ingress Controller (OSS 5.5.4) per-upstream latency metrics", () => {
    it("are switched on: latency metrics and the Prometheus endpoint", () => {
        const config = parsePlatformConfig(rawConfig(k3sStackConfig())).ingress;
        const values = ingressValues({ config, highAvailability: false, serviceMonitor: true, releaseName: "nginx-ingress" }) as {
            controller: { enableLatencyMetrics: boolean };
            prometheus: { create: boolean };
        };
        expect(values.controller.enableLatencyMetrics).toBe(true);
        expect(values.prometheus.create).toBe(true);
        expect(keys.keys).toContain("controller.enableLatencyMetrics");
    });

    it("are what the canary queries read: the histogram by service, VirtualServer and status code", () => {
        expect(LATENCY_METRIC).toBe(UPSTREAM.metric);
        const q = canaryQueries({ namespace: "apps", virtualServer: "hello", service: "hello-canary" }, "5m");
        for (const query of Object.values(q)) {
            const used = [...query.matchAll(/([a-z_]+)=~?"/g)].map((m) => m[1]);
            expect(used.every((label) => UPSTREAM.labels.includes(label))).toBe(true);
            expect(query).toContain(`resource_type="${UPSTREAM.resourceType}"`);
        }
        expect(q.errorRatio).toContain('code=~"5.."');
        expect(q.latencyP95Ms).toContain(`${UPSTREAM.metric}_bucket`);
    });
});
