import * as pulumi from "@pulumi/pulumi";
import { Harbor, harborMirrors } from "../../components/registry/Harbor";
import { harborFlows } from "../../components/registry/harborFlows";
import { HARBOR_SECRETS, type HarborProjectArgs, type HarborSettings, type HarborStorageArgs, harborValues } from "../../components/registry/harborValues";
import { internalDnsNames, internalTlsSecretName, INTERNAL_TLS_COMPONENTS } from "../../components/registry/harborInternalTls";
import { ingressTls } from "../../components/lib/ingress";
import { unknownChartKeys } from "../../offline/chartKeys";
import { OFFLINE_PROVIDER_CODE } from "../../offline/evaluate";
import { fakeSecret, SECRET } from "../../offline/mocks";
import { allStrings, byName, ofType, mockedComponents } from "../harness";

const PVC: HarborStorageArgs = { type: "pvc", registrySize: "20Gi", databaseSize: "5Gi", redisSize: "1Gi", trivySize: "5Gi", jobLogSize: "1Gi" };
const project = (name: string): HarborProjectArgs => ({ name, public: false, scanOnPush: true, requireSignature: false });
/** Args as the Platform hands them over (config defaults applied; the config tests cover those). */
const harbor = (overrides: Omit<Partial<HarborSettings>, "storage"> & { storage?: Partial<HarborStorageArgs> } = {}): HarborSettings => ({
    host: "registry.dev.example.com",
    database: {},
    trivy: true,
    proxyCache: [
        { upstream: "docker.io", project: "dockerhub" },
        { upstream: "ghcr.io", project: "ghcr" },
        { upstream: "quay.io", project: "quay" },
        { upstream: "registry.k8s.io", project: "k8s" },
    ],
    projects: [],
    pullRobots: [],
    robotExpiryDays: 180,
    ...overrides,
    storage: { ...PVC, ...overrides.storage },
});
const tls = ingressTls({ className: "nginx", issuer: "letsencrypt" }, "registry.dev.example.com", "harbor", { "nginx.org/client-max-body-size": "0" });
const s3: Partial<HarborStorageArgs> = {
    type: "s3",
    s3: { bucket: "images", region: "eu-west-1", endpoint: "https://minio.example.com", accessKey: "AKIA1", secretKey: pulumi.secret("s3-secret-xyz") },
};
type V = Record<string, Record<string, unknown>>;
const values = (config: HarborSettings, highAvailability = false) => harborValues({ config, tls, highAvailability, replicas: highAvailability ? 2 : 1 }) as V;

describe("Harbor values", () => {
    it("publish registry.<domain> through the platform ingress with TLS from the issuer and no body limit", () => {
        const v = values(harbor());
        expect(v.externalURL).toBe("https://registry.dev.example.com");
        expect(v.expose).toEqual({
            type: "ingress",
            tls: { enabled: true, certSource: "secret", secret: { secretName: "harbor-tls" } },
            ingress: {
                hosts: { core: "registry.dev.example.com" },
                className: "nginx",
                annotations: {
                    "nginx.org/client-max-body-size": "0",
                    "cert-manager.io/cluster-issuer": "letsencrypt",
                    "nginx.org/ssl-services": "harbor-core,harbor-portal",
                },
            },
        });
    });

    it("reference every secret Harbor would generate by name, never by value", () => {
        const v = values(harbor());
        expect(v.existingSecretAdminPassword).toBe(HARBOR_SECRETS.admin.name);
        expect(v.existingSecretSecretKey).toBe(HARBOR_SECRETS.secretKey.name);
        expect(v.core).toMatchObject({ existingSecret: "harbor-core", secretName: "harbor-core-token", existingXsrfSecret: "harbor-xsrf" });
        expect(v.jobservice).toMatchObject({ existingSecret: "harbor-jobservice" });
        expect(v.registry).toMatchObject({ existingSecret: "harbor-registry", credentials: { existingSecret: "harbor-registry-credentials" } });
        const text = JSON.stringify(v);
        expect(text).not.toMatch(/harborAdminPassword|"secretKey"|"password"|tokenKey|xsrfKey|htpasswdString/);
    });

    it("keep images on a PVC by default and in S3 (credentials by Secret) when configured", () => {
        const pvc = values(harbor({ storage: { registrySize: "50Gi", storageClass: "fast" } })) as { persistence: Record<string, Record<string, unknown>> };
        expect(pvc.persistence.imageChartStorage).toEqual({ type: "filesystem" });
        expect(pvc.persistence.persistentVolumeClaim.registry).toEqual({ size: "50Gi", storageClass: "fast" });
        const onS3 = values(harbor({ storage: s3 })) as { persistence: Record<string, Record<string, unknown>> };
        expect(onS3.persistence.imageChartStorage).toEqual({
            type: "s3",
            s3: { existingSecret: "harbor-s3", bucket: "images", region: "eu-west-1", regionendpoint: "https://minio.example.com" },
        });
        expect(onS3.persistence.persistentVolumeClaim.registry).toBeUndefined();
        expect(JSON.stringify(onS3)).not.toContain("s3-secret-xyz");
    });

    it("scale stateless parts to 2 with PDBs in HA; the registry only when images are in S3", () => {
        const ha = values(harbor(), true);
        expect(ha.core).toMatchObject({ replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } });
        expect(ha.portal).toMatchObject({ replicas: 2 });
        expect(ha.jobservice).toMatchObject({ replicas: 2, jobLoggers: ["database"] });
        expect(ha.registry).toMatchObject({ replicas: 1, podDisruptionBudget: { enabled: false } });
        expect(values(harbor({ storage: s3 }), true).registry).toMatchObject({ replicas: 2, podDisruptionBudget: { enabled: true } });
        expect(values(harbor()).core).toMatchObject({ replicas: 1, podDisruptionBudget: { enabled: false } });
    });

    it("use an external PostgreSQL by Secret when configured", () => {
        const v = values(
            harbor({
                database: {
                    external: {
                        host: "pg.example.com",
                        port: 5432,
                        username: "harbor",
                        database: "registry",
                        sslmode: "verify-full",
                        password: pulumi.secret("pg-secret-1"),
                    },
                },
            }),
        );
        expect(v.database).toEqual({
            type: "external",
            external: {
                host: "pg.example.com",
                port: "5432",
                username: "harbor",
                coreDatabase: "registry",
                sslmode: "verify-full",
                existingSecret: "harbor-database",
            },
        });
        expect(JSON.stringify(v)).not.toContain("pg-secret-1");
        expect(unknownChartKeys("harbor", v)).toEqual([]);
    });

    it("set the internal PostgreSQL password only when one is given (the chart's default is 'changeit')", () => {
        const withPassword = harborValues({ config: harbor(), tls, highAvailability: false, replicas: 1, internalDatabasePassword: "generated-pw" }) as V;
        expect(withPassword.database).toMatchObject({ type: "internal", internal: { password: "generated-pw" } });
        expect(unknownChartKeys("harbor", withPassword)).toEqual([]);
        expect((values(harbor()).database as { internal: Record<string, unknown> }).internal).not.toHaveProperty("password");
    });

    it("turn internal TLS on with the certificates the component made", () => {
        expect(values(harbor()).internalTLS).toEqual({
            enabled: true,
            certSource: "secret",
            core: { secretName: "harbor-internal-tls-core" },
            jobservice: { secretName: "harbor-internal-tls-jobservice" },
            registry: { secretName: "harbor-internal-tls-registry" },
            portal: { secretName: "harbor-internal-tls-portal" },
            trivy: { secretName: "harbor-internal-tls-trivy" },
        });
    });

    it("turn Trivy and metrics on", () => {
        expect(values(harbor()).trivy).toMatchObject({ enabled: true });
        expect(values(harbor({ trivy: false })).trivy).toMatchObject({ enabled: false });
        // Scraped through the monitoring stack (Harbor.scrapeTargets), not by the chart's own ServiceMonitor.
        expect(values(harbor()).metrics).toEqual({ enabled: true });
    });

    it.each([
        ["pvc", harbor(), false],
        ["s3 HA", harbor({ storage: s3 }), true],
    ])("use only keys harbor 1.19.1 has (%s)", (_label, config, ha) => {
        expect(unknownChartKeys("harbor", values(config, ha))).toEqual([]);
    });
});

describe("k3s mirrors through Harbor", () => {
    it("send each upstream to its proxy-cache project, skipping verification only for a self-signed CA", () => {
        const mirrors = harborMirrors(harbor(), false);
        expect(mirrors.mirrors["docker.io"]).toEqual({ endpoints: ["https://registry.dev.example.com"], rewrite: { "^(.*)$": "dockerhub/$1" } });
        expect(Object.keys(mirrors.mirrors).sort()).toEqual(["docker.io", "ghcr.io", "quay.io", "registry.k8s.io"]);
        expect(mirrors.configs).toEqual({ "registry.dev.example.com": { insecureSkipVerify: true } });
        expect(harborMirrors(harbor(), true).configs).toBeUndefined();
    });
});

describe("Harbor flows", () => {
    const pods = (flows: ReturnType<typeof harborFlows>) =>
        flows.map((f) => [
            f.name,
            typeof f.from === "object" ? f.from.pods?.component : f.from,
            typeof f.to === "object" ? f.to.pods?.component : f.to,
            f.ports,
        ]);

    it("without Trivy, no flow starts or ends at Trivy's pods", () => {
        const components = pods(harborFlows("harbor", harbor({ trivy: false }))).flatMap(([, from, to]) => [from, to]);
        expect(components).toContain("jobservice");
        expect(components).not.toContain("trivy");
    });

    it("with an external PostgreSQL, core, the job service and the exporter reach it on its port, and nothing reaches a database pod", () => {
        const external = { host: "pg.example.com", port: 6432, username: "harbor", database: "registry", sslmode: "verify-full" as const, password: "x" };
        const flows = pods(harborFlows("harbor", harbor({ database: { external } })));
        expect(flows.filter(([, , to]) => to === "database")).toEqual([]);
        expect(flows.filter(([, , to, ports]) => to === "outside" && JSON.stringify(ports) === "[6432]").map(([, from]) => from)).toEqual([
            "core",
            "jobservice",
            "exporter",
        ]);
    });

    it("only the registry reaches the S3 endpoint, on the endpoint's port", () => {
        expect(pods(harborFlows("harbor", harbor({ storage: s3 }))).filter(([, , to]) => to === "outside")).toEqual([
            ["Harbor registry -> S3", "registry", "outside", [443]],
        ]);
    });
});

describe("Harbor component", () => {
    const mocks = mockedComponents();

    it("creates each generated secret once as a Secret, before the release, all redacted", async () => {
        const component = new Harbor("reg", {
            config: harbor({
                storage: s3,
                projects: [project("apps")],
                robot: { name: "ci", projects: ["apps"] },
                pullRobots: [{ name: "promotion", projects: ["apps"] }],
            }),
            ingress: { className: "nginx", issuer: "platform-ca" },
            replicas: 2,
            highAvailability: true,
            protect: true,
            podSecurityVersion: "v1.36",
        });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("reg-"));
        const text = allStrings(mine).join("\n");
        const secrets = ofType(mine, "kubernetes:core/v1:Secret");
        expect(secrets.map((s) => (s.inputs.metadata as { name: string }).name).sort()).toEqual(
            [
                ...Object.values(HARBOR_SECRETS)
                    .filter((s) => s.name !== "harbor-database")
                    .map((s) => s.name),
                ...INTERNAL_TLS_COMPONENTS.map(internalTlsSecretName),
            ].sort(),
        );
        const csr = byName(mine, "reg-internal-registry-csr").inputs as { dnsNames: string[] };
        expect(csr.dnsNames).toEqual(internalDnsNames("registry", "harbor"));
        for (const key of ofType(mine, "tls:index/privateKey:PrivateKey")) {
            expect(text).not.toContain(fakeSecret("tls-key", key.name));
        }
        for (const s of secrets) {
            expect(s.inputs.stringData).toBe(SECRET);
        }
        const release = byName(mine, "reg-release");
        expect(release.dependsOn).toEqual(expect.arrayContaining(secrets.map((s) => s.name)));
        expect(release.options.protect).toBe(true);
        // Protected: what Harbor's database depends on. Pod-to-pod secrets and TLS keys may be regenerated.
        const protectedNames = mine
            .filter((r) => r.options.protect)
            .map((r) => r.name)
            .sort();
        expect(protectedNames).toEqual(["reg-admin-password", "reg-database-password", "reg-release", "reg-secret-key"]);
        for (const r of ofType(mine, "random:index/randomPassword:RandomPassword")) {
            expect(text).not.toContain(fakeSecret("random", r.name));
        }
        expect(text).not.toContain("s3-secret-xyz");
        expect(await pulumi.isSecret(component.robots.apps.secret)).toBe(true);
        expect(await pulumi.isSecret(component.pullRobots.promotion.apps.secret)).toBe(true);
        reg = component;
    });

    let reg: Harbor;

    it("makes a pull-only robot on a configured project, after that project, with a secret password", async () => {
        const creds = reg.pullRobot("apps-pull-hello", "pull-apps-hello", "apps", {});
        await mocks.settle();
        const robot = byName(mocks.collector.resources, "apps-pull-hello");
        expect(robot.inputs).toMatchObject({
            kind: "robot",
            spec: { name: "pull-apps-hello", project: "apps", access: "pull", expiresInDays: 180 },
            connection: { password: SECRET },
        });
        expect(robot.dependsOn).toContain("reg-project-apps");
        expect(robot.options.additionalSecretOutputs).toEqual(["secret"]);
        expect(await pulumi.isSecret(creds.password)).toBe(true);
        expect(() => reg.pullRobot("apps-pull-x", "pull-x", "nope", {})).toThrow("Harbor has no configured project 'nope' (platform:harbor.projects)");
    });

    it("gives the internal PostgreSQL a generated password instead of the chart's default, secret at that key only (issue 13, item 12)", async () => {
        const component = new Harbor("pg", {
            config: harbor(),
            ingress: { className: "nginx", issuer: "platform-ca" },
            replicas: 1,
            highAvailability: false,
            protect: true,
            podSecurityVersion: "v1.36",
            namespace: "registry",
        });
        // Its metrics, as the chart's own ServiceMonitor would select them (harbor-helm v1.19.1
        // metrics-svcmon.yaml): release + app labels, the port named for internalTLS, series labels kept.
        expect(component.scrapeTargets).toEqual([
            {
                name: "harbor",
                namespace: "registry",
                selector: { release: "harbor", app: "harbor" },
                port: "https-metrics",
                pods: { release: "harbor", app: "harbor" },
                podPort: 8001,
                jobLabel: "app.kubernetes.io/name",
                honorLabels: true,
            },
        ]);
        expect(values(harbor()).internalTLS).toMatchObject({ enabled: true });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("pg-"));
        const password = byName(mine, "pg-database-password");
        expect(password.options.protect).toBe(true);
        const database = (byName(mine, "pg-release").inputs.values as { database: { type: string; internal: Record<string, unknown> } }).database;
        expect(database.type).toBe("internal");
        expect(database.internal.password).toBe(SECRET);
        // Only that key is hidden: the rest of the values stay reviewable.
        expect(database.internal.resources).toMatchObject({ requests: { cpu: "50m" } });
        const text = allStrings(mine).join("\n");
        expect(text).not.toContain("changeit");
        expect(text).not.toContain(fakeSecret("random", "pg-database-password"));
    });

    it("configures endpoints, proxy projects, private projects and the robot over the API after the release", () => {
        const objects = ofType(mocks.collector.resources, "pulumi-nodejs:dynamic/platform:HarborObject").filter((r) => r.name.startsWith("reg-"));
        expect(objects.map((o) => o.name).sort()).toEqual([
            "reg-endpoint-dockerhub",
            "reg-endpoint-ghcr",
            "reg-endpoint-k8s",
            "reg-endpoint-quay",
            "reg-project-apps",
            "reg-project-dockerhub",
            "reg-project-ghcr",
            "reg-project-k8s",
            "reg-project-quay",
            "reg-pull-robot-promotion-apps",
            "reg-robot-ci-apps",
        ]);
        const proxy = byName(objects, "reg-project-dockerhub");
        expect(proxy.inputs).toMatchObject({
            kind: "project",
            spec: { name: "dockerhub", public: true },
            connection: { url: "https://registry.dev.example.com", username: "admin", password: SECRET },
        });
        expect(proxy.dependsOn).toEqual(expect.arrayContaining(["reg-endpoint-dockerhub", "reg-release"]));
        // The provider's code is not configuration: offline it is named, never dumped into the plan.
        expect(proxy.inputs.__provider).toBe(OFFLINE_PROVIDER_CODE);
        expect(byName(objects, "reg-endpoint-dockerhub").inputs).toMatchObject({ kind: "registry", spec: { name: "docker.io", type: "docker-hub" } });
        // quay.io is a plain v2 registry: harbor-helm 1.19.1 permits no `quay` proxy cache (contract harbor-proxy-cache).
        expect(byName(objects, "reg-endpoint-quay").inputs).toMatchObject({
            kind: "registry",
            spec: { name: "quay.io", type: "docker-registry", url: "https://quay.io" },
        });
        // Private projects carry their security policies (scan on push by default, no vulnerability block unless configured).
        expect(byName(objects, "reg-project-apps").inputs).toMatchObject({
            kind: "project",
            spec: { name: "apps", public: false, scanOnPush: true, requireSignature: false, preventVulnerableSeverity: "none" },
        });
        // Project-level robots, one per project, expiring: the CI robot pushes, the promotion robot only pulls.
        expect(byName(objects, "reg-robot-ci-apps").inputs).toMatchObject({ kind: "robot", spec: { name: "ci", project: "apps", expiresInDays: 180 } });
        expect(byName(objects, "reg-robot-ci-apps").inputs.spec).not.toHaveProperty("access");
        expect(byName(objects, "reg-pull-robot-promotion-apps").inputs).toMatchObject({
            kind: "robot",
            spec: { name: "promotion", project: "apps", access: "pull", expiresInDays: 180 },
        });
        for (const robot of ["reg-robot-ci-apps", "reg-pull-robot-promotion-apps"]) {
            expect(byName(objects, robot).dependsOn).toContain("reg-project-apps");
            expect(byName(objects, robot).options.additionalSecretOutputs).toEqual(["secret"]);
        }
    });
});
