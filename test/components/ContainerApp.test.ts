/** ContainerApp as a team builds it: what it registers for each setting. Its pure builders: ContainerAppBuilders.test.ts. */
import * as pulumi from "@pulumi/pulumi";
import { ContainerApp, type ContainerAppArgs } from "../../components/apps/ContainerApp";
import { PRE_STOP_SECONDS, TERMINATION_GRACE_SECONDS } from "../../components/apps/appWorkload";
import { rawManifests } from "../../offline/manifests";
import { SECRET } from "../../offline/mocks";
import type { RecordedResource } from "../../offline/mocks";
import { allStrings, byName, mockedComponents } from "../harness";
import { validateManifest } from "../k8sSchema";

const DIGEST = `sha256:${"a".repeat(64)}`;
const CANARY = `sha256:${"b".repeat(64)}`;
const INGRESS = { className: "nginx", issuer: "letsencrypt" };

/** Args a team would write in its own program: the platform's outputs plus the app's own settings. */
function args(extra: Partial<ContainerAppArgs> = {}): ContainerAppArgs {
    return {
        appName: "hello",
        namespace: "apps",
        image: { registry: "registry.example.com", path: "apps/hello", digest: DIGEST },
        pullCredentials: { username: "robot$pull-apps-hello", password: pulumi.secret("robot-password-9f1c") },
        publish: { host: "hello.example.com", ingress: INGRESS },
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        ...extra,
    };
}

type Spec = Record<string, unknown>;
interface Container {
    name: string;
    image: string;
    env: { name: string; value?: string; valueFrom?: unknown }[];
    securityContext: Spec;
    lifecycle: Spec;
    volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
    containers: Container[];
    securityContext: Spec;
    automountServiceAccountToken: boolean;
    terminationGracePeriodSeconds: number;
    topologySpreadConstraints: { topologyKey: string }[];
    imagePullSecrets?: { name: string }[];
    volumes: Spec[];
}
const podOf = (r: RecordedResource) => (r.inputs.spec as { template: { spec: PodSpec } }).template.spec;
const kinds = (rs: RecordedResource[]) => rs.map((r) => r.type.split(":").pop());

describe("ContainerApp", () => {
    const mocks = mockedComponents();
    /** Builds one app under its own resource name and returns only its resources. */
    async function build(name: string, extra: Partial<ContainerAppArgs> = {}): Promise<RecordedResource[]> {
        new ContainerApp(name, args(extra));
        await mocks.settle();
        return mocks.collector.resources.filter((r) => r.name.startsWith(`${name}-`));
    }

    it("runs a restricted, zero-downtime Deployment by digest with a pull secret, a Service, and its host on a VirtualServer with one Certificate", async () => {
        const mine = await build("basic");
        const deployment = byName(mine, "basic-deployment");
        const spec = deployment.inputs.spec as Spec;
        expect(spec).toMatchObject({ replicas: 1, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
        const pod = podOf(deployment);
        expect(pod).toMatchObject({
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            imagePullSecrets: [{ name: "hello-pull" }],
        });
        expect(pod.topologySpreadConstraints.map((t) => t.topologyKey)).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
        const [container] = pod.containers;
        expect(container.image).toBe(`registry.example.com/apps/hello@${DIGEST}`);
        expect(container.securityContext).toEqual({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
        expect(container.lifecycle).toEqual({ preStop: { sleep: { seconds: PRE_STOP_SECONDS } } });
        expect(container.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
        // Awaited: a rollout that never becomes ready fails `pulumi up`.
        expect(JSON.stringify(deployment.inputs.metadata)).not.toContain("skipAwait");
        expect(deployment.dependsOn).toContain("basic-pull");

        const pull = byName(mine, "basic-pull").inputs;
        expect(pull).toMatchObject({ metadata: { name: "hello-pull" }, type: "kubernetes.io/dockerconfigjson", stringData: SECRET });
        expect(allStrings(mine).join("\n")).not.toContain("robot-password-9f1c");

        // One routing object for the app's life (docs/adr/0020): a VirtualServer passing every request to
        // the stable Service, and the one Certificate that writes its Secret (no Ingress, so no ingress-shim).
        expect(byName(mine, "basic-virtualserver").inputs).toMatchObject({
            apiVersion: "k8s.nginx.org/v1",
            kind: "VirtualServer",
            metadata: { name: "hello", namespace: "apps" },
            spec: {
                ingressClassName: "nginx",
                host: "hello.example.com",
                tls: { secret: "hello-tls", redirect: { enable: true, code: 301 } },
                upstreams: [{ name: "stable", service: "hello", port: 8080 }],
                routes: [{ path: "/", action: { pass: "stable" } }],
            },
        });
        expect(byName(mine, "basic-virtualserver").dependsOn).toEqual(expect.arrayContaining(["basic-deployment", "basic-service"]));
        expect(byName(mine, "basic-certificate").inputs).toMatchObject({
            metadata: { name: "hello", annotations: {} },
            spec: {
                secretName: "hello-tls",
                dnsNames: ["hello.example.com"],
                issuerRef: { kind: "ClusterIssuer", name: "letsencrypt", group: "cert-manager.io" },
            },
        });
        expect(kinds(mine)).not.toContain("Ingress");
        // Without a DNS target (no external-dns) there is no DNSEndpoint.
        expect(kinds(mine)).not.toContain("DNSEndpoint");
        for (const kind of ["HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor", "PrometheusRule", "NetworkPolicy", "Ingress"]) {
            expect(kinds(mine)).not.toContain(kind);
        }
        for (const m of rawManifests(mine)) {
            const shape = m.kind === "Secret" ? { ...m, stringData: {} } : m;
            expect(() => validateManifest(shape)).not.toThrow();
        }
    });

    it("autoscales with an HPA v2 (no replicas on the Deployment) and keeps a PDB when at least two pods run", async () => {
        const mine = await build("scaled", { autoscaling: { min: 2, max: 6, cpu: 70, memory: 80 } });
        expect(byName(mine, "scaled-deployment").inputs.spec).not.toHaveProperty("replicas");
        expect(byName(mine, "scaled-hpa").inputs.spec).toMatchObject({
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "hello" },
            minReplicas: 2,
            maxReplicas: 6,
            metrics: [
                { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
                { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
            ],
        });
        expect(byName(mine, "scaled-pdb").inputs.spec).toEqual({
            maxUnavailable: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": "hello", "platform/track": "stable" } },
        });
        const fixed = await build("pair", { replicas: 2 });
        expect(byName(fixed, "pair-deployment").inputs.spec).toMatchObject({ replicas: 2 });
        expect(kinds(fixed)).toContain("PodDisruptionBudget");
    });

    it("reads secrets through secretKeyRef from a Secret, never as plain env, and mounts config read-only", async () => {
        const mine = await build("secret", {
            env: { LOG_LEVEL: "debug" },
            secrets: { API_TOKEN: pulumi.secret("tok-3b7e") },
            config: { "app.json": '{"a":1}' },
        });
        expect(byName(mine, "secret-secrets").inputs).toMatchObject({ metadata: { name: "hello-env" }, type: "Opaque", stringData: SECRET });
        const [container] = podOf(byName(mine, "secret-deployment")).containers;
        expect(container.env).toEqual([
            { name: "LOG_LEVEL", value: "debug" },
            { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "hello-env", key: "API_TOKEN" } } },
        ]);
        expect(byName(mine, "secret-config").inputs).toMatchObject({ metadata: { name: "hello-config" }, data: { "app.json": '{"a":1}' } });
        expect(container.volumeMounts).toContainEqual({ name: "config", mountPath: "/etc/hello", readOnly: true });
        expect(byName(mine, "secret-deployment").dependsOn).toEqual(expect.arrayContaining(["secret-secrets", "secret-config"]));
        expect(allStrings(mine).join("\n")).not.toContain("tok-3b7e");
    });

    it("mounts a volume from a PVC on the given StorageClass, recreating instead of surging", async () => {
        const mine = await build("data", { volume: { size: "1Gi", mountPath: "/data", storageClass: "longhorn" } });
        expect(byName(mine, "data-data").inputs.spec).toEqual({
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "1Gi" } },
            storageClassName: "longhorn",
        });
        const deployment = byName(mine, "data-deployment");
        expect(deployment.inputs.spec).toMatchObject({ strategy: { type: "Recreate" } });
        expect(podOf(deployment).containers[0].volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
        // The claim binds on first consumer: the Deployment must not wait for it.
        expect(deployment.dependsOn).not.toContain("data-data");
    });

    it("with metrics on: a ServiceMonitor on the metrics port, the app's alert rules and a Grafana dashboard with logs", async () => {
        const mine = await build("observed", {
            metrics: { path: "/metrics" },
            autoscaling: { min: 2, max: 4, cpu: 70 },
            monitoring: { prometheus: true, dashboardNamespace: "monitoring", logs: true, latencyMs: 300 },
        });
        expect(byName(mine, "observed-servicemonitor").inputs.spec).toEqual({
            selector: { matchLabels: { "app.kubernetes.io/name": "hello" } },
            endpoints: [{ port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
        });
        const rules = byName(mine, "observed-rules").inputs.spec as { groups: { rules: { alert: string; expr: string }[] }[] };
        expect(rules.groups[0].rules.map((r) => r.alert)).toEqual([
            "AppReplicasUnavailable",
            "AppErrorRateHigh",
            "AppLatencyHigh",
            "AppPodsRestarting",
            "AppAutoscalerAtMax",
        ]);
        expect(rules.groups[0].rules.find((r) => r.alert === "AppLatencyHigh")?.expr).toContain("> 300");
        const dashboard = byName(mine, "observed-dashboard").inputs as {
            metadata: { namespace: string; labels: Record<string, string> };
            data: Record<string, string>;
        };
        // In the namespace Grafana's sidecar watches, not the app's.
        expect(dashboard.metadata).toMatchObject({ namespace: "monitoring", labels: { grafana_dashboard: "1" } });
        const json = JSON.parse(dashboard.data["app-apps-hello.json"]) as { panels: { title: string; type: string }[] };
        expect(json.panels.map((p) => p.type)).toContain("logs");
        for (const m of rawManifests(mine)) {
            const shape = m.kind === "Secret" ? { ...m, stringData: {} } : m;
            expect(() => validateManifest(shape)).not.toThrow();
        }
    });

    it("with metrics off: no ServiceMonitor (the rules and dashboard still come from the ingress metrics)", async () => {
        const mine = await build("quiet", { monitoring: { prometheus: true, dashboardNamespace: "monitoring" } });
        expect(kinds(mine)).not.toContain("ServiceMonitor");
        expect(kinds(mine)).toContain("PrometheusRule");
        const rules = byName(mine, "quiet-rules").inputs.spec as { groups: { rules: { alert: string }[] }[] };
        expect(rules.groups[0].rules.map((r) => r.alert)).not.toContain("AppAutoscalerAtMax");
    });

    it("declares its flows instead of creating NetworkPolicies: Prometheus on the metrics port, each call on its port, the internet on HTTPS; its host as a route", async () => {
        const app = new ContainerApp("fenced", {
            ...args({}),
            metrics: {},
            publish: { host: "hello.example.com", ingress: INGRESS },
            calls: {
                apps: [{ namespace: "apps", name: "db", ports: [5432] }],
                services: [{ name: "harbor", namespace: "harbor", podLabels: { component: "core" }, ports: [8443] }],
                internet: {},
            },
        });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("fenced-"));
        expect(mine.filter((r) => r.type.endsWith("NetworkPolicy"))).toEqual([]);
        const self = { namespace: "apps", pods: { "app.kubernetes.io/name": "hello" } };
        expect(app.routes).toEqual([{ host: "hello.example.com", backend: self, port: 8080 }]);
        expect(app.flows).toEqual([
            expect.objectContaining({ from: { namespace: "monitoring", pods: { "app.kubernetes.io/name": "prometheus" } }, to: self, ports: [8080] }),
            expect.objectContaining({ from: self, to: { namespace: "apps", pods: { "app.kubernetes.io/name": "db" } }, ports: [5432] }),
            expect.objectContaining({ from: self, to: { namespace: "harbor", pods: { component: "core" } }, ports: [8443] }),
            expect.objectContaining({ from: self, to: "internet", ports: [443] }),
        ]);
    });

    it("publishes with a plain TLS Ingress only when asked (routing: ingress, other controllers), and refuses a canary there", async () => {
        const mine = await build("plain", { publish: { host: "hello.example.com", ingress: INGRESS, routing: "ingress" } });
        const ingress = byName(mine, "plain-ingress").inputs as { metadata: { annotations: Record<string, string> }; spec: Spec };
        expect(ingress.metadata.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt" });
        expect(ingress.spec).toMatchObject({
            ingressClassName: "nginx",
            tls: [{ hosts: ["hello.example.com"], secretName: "hello-tls" }],
            rules: [
                {
                    host: "hello.example.com",
                    http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "hello", port: { name: "http" } } } }] },
                },
            ],
        });
        expect(kinds(mine)).not.toContain("VirtualServer");
        expect(kinds(mine)).not.toContain("Certificate");
        expect(
            () =>
                new ContainerApp(
                    "plain-canary",
                    args({ publish: { host: "h.example.com", ingress: INGRESS, routing: "ingress" }, canary: { digest: CANARY, weight: 5 } }),
                ),
        ).toThrow('a canary needs publish.routing "virtualServer" (an Ingress cannot split traffic)');
    });

    it("asks cert-manager for a temporary certificate first under HTTP-01: the VirtualServer redirects to HTTPS before the first real one exists", async () => {
        const mine = await build("http01", { publish: { host: "hello.example.com", ingress: { ...INGRESS, http01EditInPlace: true } } });
        expect(byName(mine, "http01-certificate").inputs).toMatchObject({
            metadata: { annotations: { "cert-manager.io/issue-temporary-certificate": "true" } },
        });
    });

    it("scales the canary with its weight: its share of the pool up to 50 %, the stable pool (HPA, PDB) above", async () => {
        const small = await build("c20", { replicas: 4, canary: { digest: CANARY, weight: 20 } });
        expect(byName(small, "c20-canary-deployment").inputs.spec).toMatchObject({ replicas: 1 });
        const half = await build("c50", { replicas: 4, canary: { digest: CANARY, weight: 50 } });
        expect(byName(half, "c50-canary-deployment").inputs.spec).toMatchObject({ replicas: 2 });
        expect(byName(half, "c50-canary-pdb").inputs.spec).toEqual({
            maxUnavailable: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": "hello", "platform/track": "canary" } },
        });
        const big = await build("c60", { autoscaling: { min: 3, max: 9, cpu: 70 }, canary: { digest: CANARY, weight: 60 } });
        // Applied at the autoscaler's minimum, so the rollout the VirtualServer waits for is the full pool.
        expect(byName(big, "c60-canary-deployment").inputs.spec).toMatchObject({ replicas: 3 });
        expect(byName(big, "c60-deployment").inputs.spec).not.toHaveProperty("replicas");
        expect(byName(big, "c60-canary-hpa").inputs).toMatchObject({
            metadata: { name: "hello-canary" },
            spec: { minReplicas: 3, maxReplicas: 9, scaleTargetRef: { name: "hello-canary" } },
        });
        expect(byName(big, "c60-hpa").inputs).toMatchObject({ metadata: { name: "hello" }, spec: { scaleTargetRef: { name: "hello" } } });
    });

    it("with a canary: a second Deployment and Service, and the same VirtualServer splitting by weight, with TLS and DNS", async () => {
        const mine = await build("canary", {
            canary: { digest: CANARY, weight: 10 },
            publish: { host: "hello.example.com", ingress: INGRESS, dnsTarget: "registry.example.com" },
        });
        expect(kinds(mine)).not.toContain("Ingress");
        const canary = byName(mine, "canary-canary-deployment");
        expect(canary.inputs).toMatchObject({
            metadata: { name: "hello-canary" },
            spec: { replicas: 1, selector: { matchLabels: { "app.kubernetes.io/name": "hello", "platform/track": "canary" } } },
        });
        expect(podOf(canary).containers[0].image).toBe(`registry.example.com/apps/hello@${CANARY}`);
        expect(byName(mine, "canary-canary-service").inputs.spec).toMatchObject({ selector: { "platform/track": "canary" } });
        expect(byName(mine, "canary-service").inputs.spec).toMatchObject({ selector: { "platform/track": "stable" } });
        const vs = byName(mine, "canary-virtualserver").inputs as { apiVersion: string; kind: string; spec: Spec };
        expect(vs).toMatchObject({ apiVersion: "k8s.nginx.org/v1", kind: "VirtualServer" });
        expect(vs.spec).toEqual({
            ingressClassName: "nginx",
            host: "hello.example.com",
            tls: { secret: "hello-tls", redirect: { enable: true, code: 301 } },
            upstreams: [
                { name: "stable", service: "hello", port: 8080 },
                { name: "canary", service: "hello-canary", port: 8080 },
            ],
            routes: [
                {
                    path: "/",
                    splits: [
                        { weight: 90, action: { pass: "stable" } },
                        { weight: 10, action: { pass: "canary" } },
                    ],
                },
            ],
        });
        expect(byName(mine, "canary-certificate").inputs.spec).toEqual({
            secretName: "hello-tls",
            dnsNames: ["hello.example.com"],
            issuerRef: { kind: "ClusterIssuer", name: "letsencrypt", group: "cert-manager.io" },
        });
        // The weight moves only once the canary's pool is ready and its Service exists.
        expect(byName(mine, "canary-virtualserver").dependsOn).toEqual(expect.arrayContaining(["canary-canary-deployment", "canary-canary-service"]));
        expect(byName(mine, "canary-dns").inputs.spec).toEqual({
            endpoints: [{ dnsName: "hello.example.com", recordType: "CNAME", targets: ["registry.example.com"], recordTTL: 300 }],
        });
        for (const m of rawManifests(mine)) {
            const shape = m.kind === "Secret" ? { ...m, stringData: {} } : m;
            expect(() => validateManifest(shape)).not.toThrow();
        }
    });

    it("refuses an image with both or neither of digest and tag, and a canary without a published host", () => {
        expect(() => new ContainerApp("both", args({ image: { registry: "r.example.com", path: "a/b", digest: DIGEST, tag: "1.0" } }))).toThrow(
            "image needs exactly one of digest and tag",
        );
        expect(() => new ContainerApp("neither", args({ image: { registry: "r.example.com", path: "a/b" } }))).toThrow(
            "image needs exactly one of digest and tag",
        );
        expect(() => new ContainerApp("hidden", args({ publish: undefined, canary: { digest: CANARY, weight: 5 } }))).toThrow(
            "a canary splits published traffic; set publish",
        );
    });
});
