/**
 * Contract: the canary analysis reaches kube-prometheus-stack's Prometheus through the Kubernetes
 * API service proxy at /api/v1/namespaces/monitoring/services/http:kps-kube-prometheus-stack-prometheus:http-web/proxy.
 * Upstream, prometheus-community/helm-charts charts/kube-prometheus-stack (chart 88.5.3):
 * - templates/prometheus/service.yaml: the Service is `{{ kube-prometheus-stack.fullname }}-prometheus`
 *   in the release namespace, port `prometheus.service.port` (values.yaml: 9090) named
 *   `prometheus.prometheusSpec.portName` (values.yaml: "http-web").
 * - templates/_helpers.tpl: fullname = fullnameOverride, else the release name when it contains
 *   the chart name, else `<release>-kube-prometheus-stack`, truncated to 26 characters.
 * So the name depends on the release name and namespace MonitoringStack installs with, and on no
 * values override of fullnameOverride/nameOverride/namespaceOverride/the Service/port name.
 */
import keys from "../../charts/keys/kube-prometheus-stack.json";
import { metricsValues } from "../../components/monitoring/metricsValues";
import { prometheusService, serviceProxyQueryPath } from "../../scripts/lib/canary";
import { parsePlatformConfig } from "../../config/config";
import type { SharedEvaluation as Evaluation } from "../shared";
import { evaluateStack, k3sStackConfig, ofType, rawConfig } from "../harness";

let dev: Evaluation;
beforeAll(async () => {
    dev = await evaluateStack("dev");
});

describe("kube-prometheus-stack's Prometheus Service, as the canary analysis addresses it", () => {
    it("is named after the platform's release (kps) in namespace monitoring", () => {
        const release = ofType(dev.resources, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "kube-prometheus-stack")!;
        expect(release.inputs).toMatchObject({ name: "kps", namespace: "monitoring" });
        expect(prometheusService(String(release.inputs.name), String(release.inputs.namespace))).toEqual({
            namespace: "monitoring",
            name: "kps-kube-prometheus-stack-prometheus",
            port: "http-web",
        });
        expect(serviceProxyQueryPath("up")).toBe(
            "/api/v1/namespaces/monitoring/services/http:kps-kube-prometheus-stack-prometheus:http-web/proxy/api/v1/query?query=up",
        );
    });

    it("follows the chart's naming rule (release containing the chart name, 26-character cut)", () => {
        expect(prometheusService("kube-prometheus-stack").name).toBe("kube-prometheus-stack-prometheus");
        expect(prometheusService("platform-monitoring").name).toBe("platform-monitoring-kube-p-prometheus");
    });

    it("keeps the chart's name, namespace and port: the platform overrides none of them", () => {
        const monitoring = parsePlatformConfig(rawConfig(k3sStackConfig())).monitoring;
        const values = metricsValues({ config: monitoring, highAvailability: false }) as Record<string, unknown> & {
            prometheus: Record<string, unknown> & { prometheusSpec: Record<string, unknown> };
        };
        for (const key of ["fullnameOverride", "nameOverride", "namespaceOverride"]) {
            expect(values).not.toHaveProperty(key);
        }
        expect(values.prometheus).not.toHaveProperty("service");
        expect(values.prometheus.prometheusSpec).not.toHaveProperty("portName");
        expect(keys.keys).toEqual(expect.arrayContaining(["prometheus.service.port", "prometheus.prometheusSpec.portName"]));
    });
});
