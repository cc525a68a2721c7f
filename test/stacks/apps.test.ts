/** `platform:apps` through the whole program: stack files and an inline canary stack. */
import type { SharedEvaluation as Evaluation } from "../shared";
import { SECRET } from "../../offline/mocks";
import { rawManifests } from "../../offline/manifests";
import { checkAll } from "../../policy/rules";
import { byName, evaluateConfig, evaluateStack, k3sStackConfig, ofType, secure } from "../harness";

const STABLE = `sha256:${"1".repeat(64)}`;
const CANARY = `sha256:${"2".repeat(64)}`;
const PREVIOUS = `sha256:${"3".repeat(64)}`;

describe("the sample app in the stack files", () => {
    let dev: Evaluation;
    let prod: Evaluation;
    beforeAll(async () => {
        dev = await evaluateStack("dev");
        prod = await evaluateStack("prod");
    });

    it("deploys hello by digest from the stack's Harbor, with a pull-only robot on the apps project", () => {
        for (const [stack, evaluation] of [
            ["dev", dev],
            ["prod", prod],
        ] as const) {
            const deployment = byName(evaluation.resources, `${stack}-app-hello-deployment`);
            const image = (deployment.inputs.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image;
            expect(image).toMatch(new RegExp(`^registry\\.${stack === "dev" ? "dev\\." : ""}example\\.com/apps/hello@sha256:[0-9a-f]{64}$`));
            const robot = byName(evaluation.resources, `${stack}-app-hello-pull-robot`);
            expect(robot.inputs).toMatchObject({ kind: "robot", spec: { name: "pull-apps-hello", project: "apps", access: "pull" } });
            expect(robot.dependsOn).toContain(`${stack}-harbor-project-apps`);
            // Every namespaced object of the app is created after its namespace; the dashboard goes to
            // monitoring, the only namespace Grafana's sidecar reads, once kube-prometheus-stack is there.
            const dashboard = `${stack}-app-hello-dashboard`;
            for (const r of evaluation.resources.filter(
                (x) => x.name.startsWith(`${stack}-app-hello-`) && x.type.startsWith("kubernetes:") && x.name !== dashboard,
            )) {
                expect({ name: r.name, waits: r.dependsOn.includes(`${stack}-ns-apps`) }).toEqual({ name: r.name, waits: true });
            }
            const board = byName(evaluation.resources, dashboard);
            expect(board.inputs.metadata).toMatchObject({ namespace: "monitoring" });
            expect(board.dependsOn).toContain(`${stack}-monitoring-release`);
        }
    });

    it("exports each app's URL, image and digests for the delivery workflows", () => {
        expect(dev.outputs.apps).toEqual({
            hello: {
                url: "https://hello.dev.example.com",
                image: expect.stringMatching(/^registry\.dev\.example\.com\/apps\/hello@sha256:/),
                digest: expect.stringMatching(/^sha256:/),
                previousDigest: null,
                canary: null,
            },
        });
    });

    it("in prod: an HPA, a PDB, monitoring objects, the NetworkPolicy admitting its pods, and no policy violation", () => {
        const names = prod.resources.filter((r) => r.name.startsWith("prod-app-hello-")).map((r) => r.name);
        expect(names).toEqual(
            expect.arrayContaining([
                "prod-app-hello-hpa",
                "prod-app-hello-pdb",
                "prod-app-hello-servicemonitor",
                "prod-app-hello-rules",
                "prod-app-hello-dashboard",
                "prod-app-hello-virtualserver",
                "prod-app-hello-certificate",
                "prod-app-hello-dns",
            ]),
        );
        // One routing object for the app's life (docs/adr/0020): never an Ingress beside the VirtualServer.
        expect(names).not.toContain("prod-app-hello-ingress");
        // The Platform's generator writes it from the app's flows (docs/adr/0019).
        expect(prod.resources.map((r) => r.name)).toContain("prod-netpol-apps-in-hello");
        const app = prod.resources.filter((r) => r.name.startsWith("prod-app-hello"));
        expect(
            checkAll(
                app.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs, protect: r.options.protect === true, secretMarker: SECRET })),
                { profile: "prod" },
            ),
        ).toEqual([]);
    });
});

describe("an app with a canary and secrets (inline stack, HTTP-01)", () => {
    let evaluation: Pick<Evaluation, "resources" | "outputs">;
    let withoutCanary: Pick<Evaluation, "resources" | "outputs">;
    const config = (canary: boolean) => ({
        ...k3sStackConfig(),
        "platform:namespaces": [{ name: "apps" }],
        "platform:tls": { issuer: "letsencrypt", acme: { email: "ops@example.com", solver: "http01" } },
        "platform:dns": { provider: "cloudflare", cloudflare: { apiToken: secure("cf-token-5e2a") } },
        "platform:harbor": { projects: [{ name: "apps" }] },
        // Logs, DeepFlow and ClickHouse off: nothing here reads them; Prometheus and Grafana stay for the app's rules and dashboard.
        "platform:monitoring": { logs: { enabled: false }, deepflow: { enabled: false }, clickhouse: { enabled: false } },
        "platform:apps": [
            {
                name: "hello",
                namespace: "apps",
                image: { project: "apps", repository: "hello", digest: STABLE, previousDigest: PREVIOUS },
                resources: { requests: { cpu: "10m", memory: "32Mi" } },
                secrets: { API_TOKEN: secure("app-token-77c1") },
                ...(canary ? { canary: { digest: CANARY, weight: 10, analysis: { maxErrorRatio: 0.02 } } } : {}),
            },
        ],
    });
    beforeAll(async () => {
        evaluation = await evaluateConfig(config(true));
        withoutCanary = await evaluateConfig(config(false));
    });

    it("splits in the app's VirtualServer, with its one Certificate (temporary certificate first) and a DNS CNAME to the registry host", () => {
        const { resources } = evaluation;
        expect(resources.map((r) => r.name)).not.toContain("test-app-hello-ingress");
        const vs = byName(resources, "test-app-hello-virtualserver").inputs as { spec: { routes: { splits: { weight: number }[] }[] } };
        expect(vs.spec.routes[0].splits.map((s) => s.weight)).toEqual([90, 10]);
        expect(byName(resources, "test-app-hello-certificate").inputs).toMatchObject({
            metadata: { name: "hello", annotations: { "cert-manager.io/issue-temporary-certificate": "true" } },
            spec: { secretName: "hello-tls", issuerRef: { name: "letsencrypt" } },
        });
        expect(byName(resources, "test-app-hello-dns").inputs).toMatchObject({
            spec: { endpoints: [{ dnsName: "hello.dev.example.com", recordType: "CNAME", targets: ["registry.dev.example.com"] }] },
        });
        expect(rawManifests(resources).filter((m) => m.kind === "VirtualServer")).toHaveLength(1);
        // Each custom resource waits for whoever installs its kind.
        expect(byName(resources, "test-app-hello-virtualserver").dependsOn).toEqual(expect.arrayContaining(["test-ingress-release", "test-ns-apps"]));
        expect(byName(resources, "test-app-hello-certificate").dependsOn).toContain("test-cert-manager-clusterissuer-letsencrypt");
        expect(byName(resources, "test-app-hello-dns").dependsOn).toContain("test-dns-release");
    });

    it("turns on the controller's cert-manager integration from the issuer (HTTP-01), canary or not, and waits for cert-manager's CRDs", () => {
        const release = (e: typeof evaluation) => ofType(e.resources, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "nginx-ingress")!;
        expect(release(evaluation).inputs.values).toMatchObject({ controller: { enableCertManager: true } });
        expect(release(withoutCanary).inputs.values).toEqual(release(evaluation).inputs.values);
        expect(release(evaluation).dependsOn).toContain("test-cert-manager-release");
        // The same routing object without the canary: only its upstreams change.
        expect(rawManifests(withoutCanary.resources).filter((m) => m.kind === "VirtualServer")).toHaveLength(1);
        expect(withoutCanary.resources.map((r) => r.name)).not.toContain("test-app-hello-ingress");
    });

    it("exports the canary and the previous digest (rollback), and keeps the secret out of every input", () => {
        expect(evaluation.outputs.apps).toEqual({
            hello: {
                url: "https://hello.dev.example.com",
                image: `registry.dev.example.com/apps/hello@${STABLE}`,
                digest: STABLE,
                previousDigest: PREVIOUS,
                canary: { image: `registry.dev.example.com/apps/hello@${CANARY}`, digest: CANARY, weight: 10, maxErrorRatio: 0.02, maxLatencyP95Ms: 500 },
            },
        });
        expect(JSON.stringify(evaluation.resources)).not.toContain("app-token-77c1");
        expect(byName(evaluation.resources, "test-app-hello-secrets").inputs.stringData).toBe(SECRET);
    });
});
