import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig, PlatformConfig } from "../../config/config";
import { appArgs } from "../../platform/platformApps";
import { k3sStackConfig, rawConfig, secure, TEST_HOST_KEY, configProblems } from "../harness";

const DIGEST = `sha256:${"c".repeat(64)}`;
const servers = [
    { name: "s1", host: "10.0.0.1", hostKey: TEST_HOST_KEY },
    { name: "s2", host: "10.0.0.2", hostKey: TEST_HOST_KEY },
    { name: "s3", host: "10.0.0.3", hostKey: TEST_HOST_KEY },
];

/** A valid app entry; tests change one thing at a time. */
function app(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: "hello",
        namespace: "apps",
        image: { project: "apps", repository: "hello", digest: DIGEST },
        resources: { requests: { cpu: "50m", memory: "64Mi" } },
        ...extra,
    };
}

/** A stack config with the `apps` namespace and Harbor project, and these apps. */
function stack(apps: unknown[], profile: "dev" | "prod" = "dev", top: Record<string, unknown> = {}): Record<string, unknown> {
    const base = k3sStackConfig({
        "platform:profile": profile,
        "platform:namespaces": [{ name: "apps" }],
        "platform:harbor": { projects: [{ name: "apps" }] },
        "platform:apps": apps,
        ...top,
    });
    if (profile === "prod") {
        const cluster = structuredClone(base["platform:cluster"]) as { k3s: { servers: unknown[] } };
        cluster.k3s.servers = servers;
        base["platform:cluster"] = cluster;
    }
    return base;
}

const problems = configProblems;

const parse = (config: Record<string, unknown>): PlatformConfig => parsePlatformConfig(rawConfig(config));

describe("platform:apps", () => {
    it("defaults: host <name>.<domain>, port 8080, path /, probes, replicas and memory limit by profile", () => {
        const [dev] = parse(stack([app()])).apps;
        expect(dev).toMatchObject({
            host: "hello.dev.example.com",
            port: 8080,
            paths: ["/"],
            replicas: 1,
            resources: { limits: { memory: "128Mi" } },
            calls: [],
            ports: [],
        });
        const [prod] = parse(stack([app()], "prod")).apps;
        expect(prod).toMatchObject({ replicas: 2, resources: { limits: { memory: "64Mi" } } });
        const [own] = parse(stack([app({ resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "3Gi", cpu: "2" } } })])).apps;
        expect(own.resources.limits).toEqual({ memory: "3Gi", cpu: "2" });
    });

    it("accepts a tag in dev and refuses it in prod, naming the key", () => {
        const tagged = app({ image: { project: "apps", repository: "hello", tag: "0.1.0" } });
        expect(problems(stack([tagged]))).toEqual([]);
        expect(problems(stack([tagged], "prod"))).toEqual([
            "platform:apps[0].image.tag: the prod profile takes images by digest only: set image.digest (sha256:...) instead of a tag",
        ]);
    });

    it("needs exactly one of digest and tag, and a well-formed digest", () => {
        expect(problems(stack([app({ image: { project: "apps", repository: "hello" } })]))).toEqual([
            "platform:apps[0].image.digest: expected exactly one of digest and tag",
        ]);
        expect(problems(stack([app({ image: { project: "apps", repository: "hello", digest: "sha256:abc" } })]))).toEqual([
            "platform:apps[0].image.digest: expected an image digest 'sha256:' followed by 64 lower-case hex characters, got \"sha256:abc\"",
        ]);
        expect(problems(stack([app({ image: { project: "apps", repository: "hello", tag: "latest" } })]))).toEqual([
            "platform:apps[0].image.tag: expected a tag other than 'latest', got \"latest\"",
        ]);
    });

    it("refuses a secret given in plain text with the command that sets it", () => {
        expect(problems(stack([app({ secrets: { API_TOKEN: "plain-token" } })]))).toEqual([
            "platform:apps[0].secrets.API_TOKEN: must be a secret but was given in plain text; set it with: pulumi config set --secret --path 'apps[0].secrets.API_TOKEN' < file",
        ]);
        const [parsed] = parse(stack([app({ secrets: { API_TOKEN: secure("sealed-token") } })])).apps;
        expect(pulumi.Output.isInstance(parsed.secrets.API_TOKEN)).toBe(true);
    });

    it("refuses a plain secret next to a sealed one in the same app, even under a name that does not look secret (issue 13, item 5)", () => {
        // `apps` is secret as a whole (one value is secure); the schema marks every `secrets` value secret.
        expect(problems(stack([app({ secrets: { API_TOKEN: secure("sealed-token"), SESSION_SALT: "plain-salt" } })]))).toEqual([
            "platform:apps[0].secrets.SESSION_SALT: must be a secret but was given in plain text; set it with: pulumi config set --secret --path 'apps[0].secrets.SESSION_SALT' < file",
        ]);
    });

    it("names an unknown key and suggests the right one", () => {
        expect(problems(stack([app({ replica: 2 })]))).toEqual(["platform:apps[0].replica: unknown key (did you mean 'replicas'?)"]);
        expect(problems(stack([app({ autoscaling: { min: 2, max: 4, cpus: 70 } })]))).toEqual(
            expect.arrayContaining(["platform:apps[0].autoscaling.cpus: unknown key (did you mean 'cpu'?)"]),
        );
    });

    it("refuses port clashes, duplicate port names and a metrics port the pod does not expose", () => {
        expect(problems(stack([app({ ports: [{ name: "grpc", port: 8080 }] })]))).toEqual([
            "platform:apps[0].ports[0].port: port 8080 is already used by the app port",
        ]);
        expect(
            problems(
                stack([
                    app({
                        ports: [
                            { name: "grpc", port: 9090 },
                            { name: "grpc", port: 9091 },
                        ],
                    }),
                ]),
            ),
        ).toEqual(["platform:apps[0].ports[1].name: duplicate port name 'grpc'"]);
        expect(problems(stack([app({ metrics: { port: 9100 } })]))).toEqual([
            "platform:apps[0].metrics.port: expected the app port (8080) or one of ports[], got 9100",
        ]);
    });

    it("keeps hosts inside the platform domain", () => {
        expect(problems(stack([app({ host: "hello.other.org" })]))).toEqual([
            'platform:apps[0].host: expected a host inside dev.example.com (certificates and DNS cover the platform domain), got "hello.other.org"',
        ]);
        expect(problems(stack([app({ host: "api.dev.example.com" })]))).toEqual([]);
    });

    it("needs a configured namespace and Harbor project", () => {
        expect(problems(stack([app({ namespace: "web" })]))).toEqual(['platform:apps[0].namespace: expected one of platform:namespaces (apps), got "web"']);
        expect(problems(stack([app({ image: { project: "team", repository: "hello", digest: DIGEST } })]))).toEqual([
            'platform:apps[0].image.project: expected one of platform:harbor.projects (apps), got "team"',
        ]);
        expect(problems(stack([app()], "dev", { "platform:harbor": { enabled: false } }))).toEqual([
            "platform:apps[0].image.project: apps pull from the platform's Harbor, which is disabled (platform:harbor.enabled)",
        ]);
    });

    it("refuses replicas with autoscaling, a single replica in prod, and a shared volume", () => {
        expect(problems(stack([app({ replicas: 2, autoscaling: { min: 2, max: 4, cpu: 70 } })]))).toEqual([
            "platform:apps[0].autoscaling: replicas and autoscaling are mutually exclusive",
        ]);
        expect(problems(stack([app({ autoscaling: { min: 3, max: 2, cpu: 70 } })]))).toEqual([
            "platform:apps[0].autoscaling.max: expected max >= min (3), got 2",
        ]);
        expect(problems(stack([app({ autoscaling: { min: 1, max: 2 } })]))).toEqual(["platform:apps[0].autoscaling.cpu: expected a cpu and/or memory target"]);
        expect(problems(stack([app({ replicas: 1 })], "prod"))).toEqual([
            "platform:apps[0].replicas: the prod profile runs at least 2 replicas (a PodDisruptionBudget keeps one up during node drains), got 1",
        ]);
        expect(problems(stack([app({ replicas: 2, volume: { size: "1Gi", mountPath: "/data" } })]))).toEqual([
            "platform:apps[0].volume: a ReadWriteOnce volume needs exactly one pod: set replicas 1, no autoscaling and no canary",
        ]);
        // A single-pod app with a volume is the one prod exception (no PDB can hold it up anyway).
        expect(problems(stack([app({ replicas: 1, volume: { size: "1Gi", mountPath: "/data" } })], "prod"))).toEqual([]);
    });

    it("checks calls against the other apps and the platform services, and duplicate names", () => {
        expect(problems(stack([app({ calls: ["db", "harbor"] }), app({ name: "db" })]))).toEqual([]);
        expect(problems(stack([app({ calls: ["dbb"] }), app({ name: "db" })]))).toEqual([
            'platform:apps[0].calls[0]: expected another app (db) or a platform service (harbor, grafana, prometheus, loki, internet), got "dbb"',
        ]);
        expect(problems(stack([app(), app()]))).toEqual(["platform:apps[1].name: duplicate app 'hello'"]);
    });

    it("refuses calls to a platform service the stack does not install, naming the key that turns it off", () => {
        const calls = ["prometheus", "grafana", "loki"];
        expect(problems(stack([app({ calls })]))).toEqual([]);
        expect(problems(stack([app({ calls })], "dev", { "platform:monitoring": { enabled: false } }))).toEqual([
            'platform:apps[0].calls[0]: "prometheus" is not installed on this stack (platform:monitoring.enabled is false)',
            'platform:apps[0].calls[1]: "grafana" is not installed on this stack (platform:monitoring.enabled is false)',
            'platform:apps[0].calls[2]: "loki" is not installed on this stack (platform:monitoring.enabled is false)',
        ]);
        expect(problems(stack([app({ calls })], "dev", { "platform:monitoring": { grafana: { enabled: false }, logs: { enabled: false } } }))).toEqual([
            'platform:apps[0].calls[1]: "grafana" is not installed on this stack (platform:monitoring.grafana.enabled is false)',
            'platform:apps[0].calls[2]: "loki" is not installed on this stack (platform:monitoring.logs.enabled is false)',
        ]);
    });

    it("refuses an app host that is a platform host or another app's, naming both keys", () => {
        expect(problems(stack([app({ name: "registry" })]))).toEqual([
            'platform:apps[0].name: host "registry.dev.example.com" is also platform:harbor.host (default registry.<platform:domain>): one host has one route; give platform:apps[0].name (default host <name>.<platform:domain>) another host',
        ]);
        expect(problems(stack([app({ host: "grafana.dev.example.com" })]))).toEqual([
            'platform:apps[0].host: host "grafana.dev.example.com" is also platform:monitoring.grafana.host (default grafana.<platform:domain>): one host has one route; give platform:apps[0].host another host',
        ]);
        expect(
            problems(
                stack([app({ host: "ui.dev.example.com" })], "dev", {
                    "platform:storage": { class: "longhorn", longhorn: { ui: { host: "ui.dev.example.com" } } },
                }),
            ),
        ).toEqual([
            'platform:apps[0].host: host "ui.dev.example.com" is also platform:storage.longhorn.ui.host: one host has one route; give platform:apps[0].host another host',
        ]);
        const cluster = k3sStackConfig()["platform:cluster"] as { k3s: Record<string, unknown> };
        expect(
            problems(
                stack([app({ host: "k3s.dev.example.com" })], "dev", {
                    "platform:cluster": { ...cluster, k3s: { ...cluster.k3s, apiEndpoint: "k3s.dev.example.com" } },
                }),
            ),
        ).toEqual([
            'platform:apps[0].host: host "k3s.dev.example.com" is also platform:cluster.k3s.apiEndpoint: one host has one route; give platform:apps[0].host another host',
        ]);
        expect(problems(stack([app(), app({ name: "web", host: "hello.dev.example.com" })]))).toEqual([
            'platform:apps[1].host: host "hello.dev.example.com" is also platform:apps[0].name (default host <name>.<platform:domain>): one host has one route; give platform:apps[1].host another host',
        ]);
        // Harbor off: its default name is free.
        expect(problems(stack([app({ name: "registry" })], "dev", { "platform:harbor": { enabled: false } }))).not.toContainEqual(
            expect.stringContaining("platform:harbor.host"),
        );
    });

    it("resolves the canary load: the app's own, else the profile's rate (dev 2/s, prod off) on its first path, at most 50/s", () => {
        expect(parse(stack([app({ paths: ["/api", "/"] })])).apps[0].canaryLoad).toEqual({ requestsPerSecond: 2, path: "/api" });
        expect(parse(stack([app({ replicas: 2 })], "prod")).apps[0].canaryLoad).toEqual({ requestsPerSecond: 0, path: "/" });
        expect(parse(stack([app({ replicas: 2, canaryLoad: { requestsPerSecond: 5, path: "/healthz" } })], "prod")).apps[0].canaryLoad).toEqual({
            requestsPerSecond: 5,
            path: "/healthz",
        });
        expect(problems(stack([app({ canaryLoad: { requestsPerSecond: 500 } })]))).toEqual([
            "platform:apps[0].canaryLoad.requestsPerSecond: expected 0 (off) to 50, got 500",
        ]);
    });

    it("validates the canary: digest, weight 0-100, and not the stable digest", () => {
        const [withCanary] = parse(stack([app({ canary: { digest: `sha256:${"d".repeat(64)}`, weight: 10 } })])).apps;
        expect(withCanary.canary).toEqual({ digest: `sha256:${"d".repeat(64)}`, weight: 10, analysis: { maxErrorRatio: 0.01, maxLatencyP95Ms: 500 } });
        expect(problems(stack([app({ canary: { digest: DIGEST, weight: 10 } })]))).toEqual([
            "platform:apps[0].canary.digest: the canary digest is the stable digest; promote it by moving it to image.digest",
        ]);
        expect(problems(stack([app({ canary: { digest: `sha256:${"d".repeat(64)}`, weight: 120 } })]))).toEqual([
            "platform:apps[0].canary.weight: expected 0-100, got 120",
        ]);
    });
});

describe("platform:apps -> ContainerApp args", () => {
    const ctx = { registryHost: "registry.example.com", ingress: { className: "nginx", issuer: "letsencrypt" }, storageClass: "longhorn" };

    it("resolve the image in Harbor, allow callers and callees both ways, and publish every app on a VirtualServer with its DNS target", () => {
        const config = parse(stack([app({ calls: ["db", "internet", "loki"] }), app({ name: "db", port: 5432 })]));
        const [web, db] = config.apps;
        const webArgs = appArgs(web, config.apps, { ...ctx, dnsTarget: "registry.example.com" });
        expect(webArgs.image).toEqual({ registry: "registry.example.com", path: "apps/hello", digest: DIGEST, tag: undefined });
        expect(webArgs.calls).toMatchObject({
            apps: [{ namespace: "apps", name: "db", ports: [5432] }],
            // Loki lives in `logging` (components/monitoring/logsValues.ts), on 3100.
            services: [{ name: "loki", namespace: "logging", ports: [3100] }],
            internet: {},
        });
        // Canary or not: one VirtualServer for the app's life, so its DNS record comes from a DNSEndpoint always.
        expect(webArgs.publish).toMatchObject({ routing: "virtualServer", dnsTarget: "registry.example.com" });
        // The callee declares nothing about its callers: the generator admits each flow at both ends.
        expect(appArgs(db, config.apps, ctx).calls).toEqual({ apps: [], services: [], internet: undefined });
    });

    it("pass the app's metrics endpoint (whose flow admits the platform's Prometheus) only while the monitoring stack is installed", () => {
        const config = parse(stack([app({ metrics: { port: 8080 } })]));
        expect(appArgs(config.apps[0], config.apps, ctx).metrics).toBeUndefined();
        const monitoring = { dashboard: true, logs: true, after: [] };
        expect(appArgs(config.apps[0], config.apps, { ...ctx, monitoring }).metrics).toEqual({ port: 8080, path: "/metrics" });
    });

    it("reach Harbor on the HTTPS port its core pods listen on with internal TLS (8443), not the plain 8080", () => {
        const config = parse(stack([app({ calls: ["harbor"] })]));
        expect(appArgs(config.apps[0], config.apps, ctx).calls?.services).toEqual([
            { name: "harbor", namespace: "harbor", podLabels: { app: "harbor", component: "core" }, ports: [8443] },
        ]);
    });
});
