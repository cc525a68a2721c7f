/**
 * A canary's whole life on the prod stack, as plans: starting one changes only the app's own objects
 * (the same VirtualServer, the same Certificate, the same controller values); a cancelled promotion
 * leaves a stack file whose next `up` has no split. docs/adr/0020-one-route-per-app.md.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rawManifests } from "../../offline/manifests";
import type { RecordedResource } from "../../offline/mocks";
import { diffRenders, type RenderedResource } from "../../offline/planDiff";
import { evaluateStackFile } from "../../offline/render";
import { run as canary } from "../../scripts/app-canary";
import { startCanary } from "../../scripts/lib/appStackFile";
import { digest, fakeIo } from "../delivery/fakeIo";
import { type Endpoint, evaluateConnection, policyCluster } from "../../offline/netpol";
import { byName, evaluateStack, PROJECT_DIR } from "../harness";

const PROD = join(PROJECT_DIR, "Pulumi.prod.yaml");
const CANARY = digest("c");

/** Pulumi.prod.yaml with hello's canary at `weight`, written to a temporary file. */
function prodWithCanary(weight: number): string {
    const file = join(mkdtempSync(join(tmpdir(), "prod-canary-")), "Pulumi.prod.yaml");
    writeFileSync(file, startCanary(readFileSync(PROD, "utf8"), "hello", CANARY, weight).text);
    return file;
}

/** Namespace/Secret -> the objects that make cert-manager write it: Certificates, ingress-shim Ingresses, VirtualServers with tls.cert-manager. */
function tlsSecretWriters(resources: readonly RecordedResource[]): Map<string, string[]> {
    const writers = new Map<string, string[]>();
    const add = (ns: unknown, secret: unknown, who: string) =>
        writers.set(`${String(ns)}/${String(secret)}`, [...(writers.get(`${String(ns)}/${String(secret)}`) ?? []), who]);
    for (const m of rawManifests(resources) as {
        kind?: string;
        metadata?: { name?: string; namespace?: unknown; annotations?: Record<string, string> };
        spec?: Record<string, unknown>;
    }[]) {
        const ns = m.metadata?.namespace;
        if (m.kind === "Certificate") add(ns, m.spec?.secretName, `Certificate ${m.metadata?.name}`);
        if (m.kind === "Ingress" && m.metadata?.annotations?.["cert-manager.io/cluster-issuer"] !== undefined) {
            for (const tls of (m.spec?.tls as { secretName: string }[]) ?? []) add(ns, tls.secretName, `Ingress ${m.metadata?.name} (ingress-shim)`);
        }
        const vsTls = m.kind === "VirtualServer" ? (m.spec?.tls as { secret?: string; "cert-manager"?: unknown } | undefined) : undefined;
        if (vsTls?.["cert-manager"] !== undefined) add(ns, vsTls.secret, `VirtualServer ${m.metadata?.name} (tls.cert-manager)`);
    }
    return writers;
}

/** One stack's plan in the shape plan-diff reads (out/<stack>/resources.json). */
const plan = (resources: readonly RecordedResource[]) => new Map([["prod", resources.map((r): RenderedResource => ({ ...r, options: { ...r.options } }))]]);
const kindOf = (resources: readonly RecordedResource[], name: string) =>
    (byName(resources, name).inputs as { kind?: string }).kind ?? byName(resources, name).type;
const nginxValues = (resources: readonly RecordedResource[]) =>
    resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "nginx-ingress")?.inputs.values;

describe("prod with and without a canary of hello", () => {
    let without: readonly RecordedResource[];
    let withCanary: readonly RecordedResource[];
    beforeAll(async () => {
        without = (await evaluateStack("prod")).resources;
        withCanary = (await evaluateStackFile("prod", { stackFile: prodWithCanary(60) })).resources;
    }, 60_000);

    it("routes the host with the same VirtualServer; only its upstreams and weights change", () => {
        expect(kindOf(without, "prod-app-hello-virtualserver")).toBe("VirtualServer");
        expect(kindOf(withCanary, "prod-app-hello-virtualserver")).toBe("VirtualServer");
        expect([...without, ...withCanary].filter((r) => r.name.startsWith("prod-app-hello") && r.type === "kubernetes:networking.k8s.io/v1:Ingress")).toEqual(
            [],
        );
        const spec = (r: readonly RecordedResource[]) => (byName(r, "prod-app-hello-virtualserver").inputs as { spec: Record<string, unknown> }).spec;
        expect(spec(without)).toMatchObject({ upstreams: [{ name: "stable", service: "hello" }], routes: [{ path: "/", action: { pass: "stable" } }] });
        expect(spec(withCanary)).toMatchObject({
            upstreams: [
                { name: "stable", service: "hello" },
                { name: "canary", service: "hello-canary" },
            ],
            routes: [
                {
                    path: "/",
                    splits: [
                        { weight: 40, action: { pass: "stable" } },
                        { weight: 60, action: { pass: "canary" } },
                    ],
                },
            ],
        });
        expect(spec(withCanary).tls).toEqual(spec(without).tls);
    });

    it("has exactly one object making cert-manager write each TLS Secret, with or without the canary", () => {
        for (const resources of [without, withCanary]) {
            const shared = [...tlsSecretWriters(resources)].filter(([, who]) => who.length !== 1);
            expect(shared).toEqual([]);
            expect(tlsSecretWriters(resources).get("apps/hello-tls")).toEqual(["Certificate hello"]);
        }
    });

    it("leaves the ingress controller's values alone: the plan diff touches only the app's own objects", () => {
        expect(nginxValues(withCanary)).toEqual(nginxValues(without));
        const [diff] = diffRenders(plan(without), plan(withCanary));
        const touched = [...diff.added, ...diff.removed, ...diff.changed.map((c) => c.resource)];
        expect(touched.length).toBeGreaterThan(0);
        expect(touched.filter((name) => !/(^| )prod-app-hello-/.test(name))).toEqual([]);
        // Above 50 % the canary runs a pool like the stable one: an HPA with the same bounds, and a PDB.
        expect(diff.added).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/prod-app-hello-canary-deployment$/),
                expect.stringMatching(/prod-app-hello-canary-hpa$/),
                expect.stringMatching(/prod-app-hello-canary-pdb$/),
            ]),
        );
        expect(byName(withCanary, "prod-app-hello-canary-deployment").inputs.spec).toMatchObject({ replicas: 2 });
        expect(byName(withCanary, "prod-app-hello-canary-hpa").inputs).toMatchObject({
            metadata: { name: "hello-canary" },
            spec: { minReplicas: 2, maxReplicas: 6, scaleTargetRef: { name: "hello-canary" } },
        });
    });

    it("admits the controller and Prometheus to the canary's pods as to the stable ones: the generated policies select the app, not a track", () => {
        const cluster = policyCluster(rawManifests(withCanary));
        const admits = (_: unknown, from: Endpoint, to: Endpoint, port: number) => ({ allowed: evaluateConnection(cluster, { from, to, port }).admitted });
        const policies = undefined;
        // nginx-ingress 2.6.4 selector labels; prometheus-operator labels Prometheus's pods app.kubernetes.io/name=prometheus.
        const controller: Endpoint = {
            kind: "pod",
            namespace: "ingress-nginx",
            labels: { "app.kubernetes.io/name": "nginx-ingress" },
            ip: "10.42.1.10",
            node: "a",
        };
        const prometheus: Endpoint = { kind: "pod", namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" }, ip: "10.42.2.10", node: "b" };
        for (const track of ["stable", "canary"]) {
            const pod: Endpoint = {
                kind: "pod",
                namespace: "apps",
                labels: { "app.kubernetes.io/name": "hello", "platform/track": track },
                ip: "10.42.3.10",
                node: "c",
            };
            expect({ track, route: admits(policies, controller, pod, 8080).allowed, scrape: admits(policies, prometheus, pod, 9090).allowed }).toEqual({
                track,
                route: true,
                scrape: true,
            });
            // The public route reaches the app port only: the metrics port is Prometheus's.
            expect({ track, metricsFromController: admits(policies, controller, pod, 9090).allowed }).toEqual({ track, metricsFromController: false });
        }
    });

    it("moves the weight only after the canary's pool and Service exist", () => {
        expect(byName(withCanary, "prod-app-hello-virtualserver").dependsOn).toEqual(
            expect.arrayContaining(["prod-app-hello-canary-deployment", "prod-app-hello-canary-service"]),
        );
    });
});

describe("a cancelled promotion, then a fresh up", () => {
    it("does not restore the split: the stack file the run leaves plans the stable Deployment only, as prod without a canary does", async () => {
        const io = fakeIo({ prod: PROD });
        copyFileSync(PROD, join(io.cwd, "Pulumi.prod.yaml"));
        const controller = new AbortController();
        let ups = 0;
        const cancelling = Object.assign(io, {
            signal: controller.signal,
            exec: async () => {
                // Cancelled while the second step (50 %) waits for its analysis.
                if (++ups === 2) controller.abort();
                return { code: 0, stdout: "" };
            },
        });
        // A loopback Prometheus passing the 10 % step.
        const prometheus = createServer((req, res) => {
            const query = new URL(req.url ?? "/", "http://x").searchParams.get("query") ?? "";
            const value = query.startsWith("histogram_quantile") ? "12" : query.startsWith("(sum(rate") ? "0" : "900";
            res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [0, value] }] } }));
        });
        await new Promise<void>((resolve) => prometheus.listen(0, "127.0.0.1", resolve));
        const url = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
        try {
            expect(await canary(["prod", "hello", CANARY, "--prometheus-url", url, "--interval", "60"], cancelling)).toBe(130);
        } finally {
            await new Promise((resolve) => prometheus.close(resolve));
        }
        expect(ups).toBe(2);
        // The file the run leaves is prod's own, byte for byte: its plan (the render is deterministic) is
        // prod's, with the stable Deployment only and every request to it.
        expect(readFileSync(join(io.cwd, "Pulumi.prod.yaml"), "utf8")).toBe(readFileSync(PROD, "utf8"));
        const after = (await evaluateStack("prod")).resources;
        expect(after.map((r) => r.name)).not.toContain("prod-app-hello-canary-deployment");
        expect((byName(after, "prod-app-hello-virtualserver").inputs as { spec: { upstreams: unknown[] } }).spec.upstreams).toEqual([
            { name: "stable", service: "hello", port: 8080 },
        ]);
    }, 60_000);
});
