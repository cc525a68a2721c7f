import * as k8s from "@pulumi/kubernetes";
import { IngressNginx } from "../../components/edge/IngressNginx";
import { type IngressSettings, ingressValues, NGINX_INGRESS_IMAGE } from "../../components/edge/ingressValues";
import { unknownChartKeys } from "../../offline/chartKeys";
import { byName, mockedComponents } from "../harness";

/** Args as the Platform resolves them: a DaemonSet on k3s, a Deployment on an existing cluster (config tests cover the rule). */
function ingressConfig(overrides: Partial<IngressSettings> = {}, existing = false): IngressSettings {
    return {
        className: "nginx",
        kind: existing ? "deployment" : "daemonset",
        exposure: "loadBalancer",
        replicas: 1,
        telemetry: false,
        clientBodyTempSize: "10Gi",
        ...overrides,
    };
}

type Values = { controller: Record<string, unknown> & { service: Record<string, unknown> }; prometheus: Record<string, unknown> };
const values = (config: IngressSettings, highAvailability = false) => ingressValues({ config, highAvailability, releaseName: "ingress" }) as Values;

describe("NGINX Ingress Controller values", () => {
    it("run a DaemonSet behind a Local LoadBalancer Service (k3s ServiceLB on every node)", () => {
        const v = values(ingressConfig());
        expect(v.controller.kind).toBe("daemonset");
        expect(v.controller.replicaCount).toBeUndefined();
        expect(v.controller.service).toEqual({ create: true, type: "LoadBalancer", externalTrafficPolicy: "Local" });
        expect(v.controller.hostPort).toBeUndefined();
    });

    it("run a Deployment with the given replicas", () => {
        const v = values(ingressConfig({}, true));
        expect(v.controller.kind).toBe("deployment");
        expect(v.controller.replicaCount).toBe(1);
        expect(values(ingressConfig({ replicas: 3 }, true)).controller.replicaCount).toBe(3);
    });

    it("make nginx the default IngressClass, pin the image and keep snippets off", () => {
        const v = values(ingressConfig({ className: "public" }));
        expect(v.controller.ingressClass).toEqual({ name: "public", create: true, setAsDefaultIngress: true });
        expect(v.controller.image).toEqual(NGINX_INGRESS_IMAGE);
        expect(v.controller.enableSnippets).toBe(false);
    });

    it("give buffered request bodies an emptyDir of the configured size, requested as ephemeral storage, with keys the chart has", () => {
        const v = values(ingressConfig({ clientBodyTempSize: "40Gi" }));
        expect(v.controller.volumes).toEqual([{ name: "client-body-temp", emptyDir: { sizeLimit: "40Gi" } }]);
        expect(v.controller.volumeMounts).toEqual([{ name: "client-body-temp", mountPath: "/var/cache/nginx/client_temp" }]);
        expect(v.controller.resources).toEqual({ requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "40Gi" }, limits: { memory: "512Mi" } });
        expect(unknownChartKeys("nginx-ingress", v)).toEqual([]);
    });

    it("run the controller under the restricted Pod Security profile", () => {
        expect(values(ingressConfig()).controller.securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
    });

    it("bind hostPorts 80/443 with a ClusterIP Service when exposure is hostPort", () => {
        const v = values(ingressConfig({ exposure: "hostPort" }));
        expect(v.controller.hostPort).toEqual({ enable: true, http: 80, https: 443 });
        expect(v.controller.service).toEqual({ create: true, type: "ClusterIP" });
    });

    it("pass LoadBalancer settings through", () => {
        const v = values(
            ingressConfig({ loadBalancerIP: "203.0.113.7", loadBalancerSourceRanges: ["203.0.113.0/24"], serviceAnnotations: { "lb/type": "nlb" } }, true),
        );
        expect(v.controller.service).toMatchObject({
            loadBalancerIP: "203.0.113.7",
            loadBalancerSourceRanges: ["203.0.113.0/24"],
            annotations: { "lb/type": "nlb" },
        });
    });

    it("add a PDB in HA, and spread a Deployment across nodes and zones", () => {
        const ds = values(ingressConfig(), true);
        expect(ds.controller.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
        expect(ds.controller.topologySpreadConstraints).toBeUndefined();
        const deploy = values(ingressConfig({ kind: "deployment", replicas: 2 }), true);
        const spread = deploy.controller.topologySpreadConstraints as { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }[];
        expect(spread.map((s) => s.topologyKey)).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
        expect(spread[0].labelSelector.matchLabels).toEqual({ "app.kubernetes.io/name": "nginx-ingress", "app.kubernetes.io/instance": "ingress" });
        expect(values(ingressConfig()).controller.podDisruptionBudget).toBeUndefined();
    });

    it("expose metrics on a Service, without a ServiceMonitor (kube-prometheus-stack, installed later, scrapes it)", () => {
        expect(values(ingressConfig()).prometheus).toEqual({ create: true, port: 9113, service: { create: true }, serviceMonitor: { create: false } });
    });

    it.each([
        ["k3s defaults", ingressConfig(), false],
        [
            "existing + LB settings + HA",
            ingressConfig({ loadBalancerIP: "203.0.113.7", loadBalancerSourceRanges: ["203.0.113.0/24"], serviceAnnotations: { a: "b" } }, true),
            true,
        ],
        ["hostPort deployment HA", ingressConfig({ exposure: "hostPort", kind: "deployment" }), true],
    ])("use only keys nginx-ingress 2.6.4 has (%s)", (_label, config, ha) => {
        expect(unknownChartKeys("nginx-ingress", values(config, ha))).toEqual([]);
    });

    it("would catch a misspelt key", () => {
        const v = values(ingressConfig());
        (v.controller as Record<string, unknown>).replicas = 2;
        expect(unknownChartKeys("nginx-ingress", v)).toEqual(["controller.replicas"]);
    });
});

describe("IngressNginx component", () => {
    const mocks = mockedComponents();

    it("installs the pinned chart into its own restricted namespace", async () => {
        new IngressNginx("edge", { config: ingressConfig(), highAvailability: false, podSecurityVersion: "v1.36" });
        await mocks.settle();
        const release = byName(mocks.collector.resources, "edge-release");
        expect(release.inputs).toMatchObject({
            chart: "nginx-ingress",
            version: "2.6.4",
            repositoryOpts: { repo: "https://helm.nginx.com/stable" },
            namespace: "ingress-nginx",
        });
        expect(release.dependsOn).toContain("edge-ns");
        expect(byName(mocks.collector.resources, "edge-ns").inputs).toMatchObject({
            metadata: { labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
        });
    });

    it("declares its metrics Service (the chart's labels for this release, port 'prometheus') as a scrape target", () => {
        const edge = new IngressNginx("scrape", { config: ingressConfig(), highAvailability: false, podSecurityVersion: "v1.36" });
        expect(edge.scrapeTargets).toEqual([
            // honorLabels: the upstream latency histogram's own `service` label survives the scrape.
            expect.objectContaining({
                namespace: "ingress-nginx",
                port: "prometheus",
                honorLabels: true,
                selector: { "app.kubernetes.io/name": "nginx-ingress", "app.kubernetes.io/instance": "ingress", service: "nginx-ingress-prometheus-service" },
            }),
        ]);
    });

    it("waits for cert-manager's CRDs only when its cert-manager integration is on", async () => {
        // Stands in for cert-manager's release (any resource: only the ordering is under test).
        const crds = new k8s.core.v1.Namespace("cm-crds", {});
        new IngressNginx("vs", {
            config: ingressConfig(),
            highAvailability: false,
            podSecurityVersion: "v1.36",
            virtualServerChallenges: true,
            certManagerCrds: [crds],
        });
        new IngressNginx("novs", { config: ingressConfig(), highAvailability: false, podSecurityVersion: "v1.36", certManagerCrds: [crds] });
        await mocks.settle();
        expect(byName(mocks.collector.resources, "vs-release").dependsOn).toContain("cm-crds");
        expect(byName(mocks.collector.resources, "vs-release").inputs).toMatchObject({ values: { controller: { enableCertManager: true } } });
        expect(byName(mocks.collector.resources, "novs-release").dependsOn).not.toContain("cm-crds");
    });

    it("makes the namespace privileged, with the reason, only for hostPorts", async () => {
        new IngressNginx("hp", { config: ingressConfig({ exposure: "hostPort" }), highAvailability: false, podSecurityVersion: "v1.36" });
        await mocks.settle();
        expect(byName(mocks.collector.resources, "hp-ns").inputs).toMatchObject({
            metadata: {
                labels: { "pod-security.kubernetes.io/enforce": "privileged" },
                annotations: { "platform/pod-security-reason": expect.stringContaining("hostPorts") },
            },
        });
    });
});
