import { createServer, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { run as canary } from "../../scripts/app-canary";
import { readApp } from "../../scripts/lib/appStackFile";
import { canaryQueries, decide, parseSteps, PromResponse, serviceProxyQueryPath } from "../../scripts/lib/canary";
import { digest, fakeIo, FIXTURE } from "./fakeIo";

/** Prometheus instant-query answers as Prometheus writes them. */
const vector = (value?: string): PromResponse => ({
    status: "success",
    data: { resultType: "vector", result: value === undefined ? [] : [{ metric: {}, value: [1764633600.123, value] }] },
});
const thresholds = { maxErrorRatio: 0.01, maxLatencyP95Ms: 500 };

describe("canary decision from Prometheus responses", () => {
    it("passes with enough traffic, few errors and a low p95", () => {
        expect(decide({ requests: vector("1200"), errorRatio: vector("0.004"), latencyP95Ms: vector("87.5") }, thresholds)).toEqual({
            pass: true,
            reasons: [],
            requests: 1200,
            errorRatio: 0.004,
            latencyP95Ms: 87.5,
        });
    });

    it("fails on the error ratio", () => {
        const d = decide({ requests: vector("1200"), errorRatio: vector("0.05"), latencyP95Ms: vector("87.5") }, thresholds);
        expect(d).toMatchObject({ pass: false, reasons: ["error ratio 0.0500 is above maxErrorRatio 0.01"] });
    });

    it("fails on the p95 latency", () => {
        const d = decide({ requests: vector("1200"), errorRatio: vector("0"), latencyP95Ms: vector("1250") }, thresholds);
        expect(d).toMatchObject({ pass: false, reasons: ["p95 latency 1250 ms is above maxLatencyP95Ms 500"] });
    });

    it("fails without data: no series, too few requests, or a NaN quantile", () => {
        expect(decide({ requests: vector(), errorRatio: vector(), latencyP95Ms: vector() }, thresholds)).toMatchObject({
            pass: false,
            reasons: ["no data: the canary served no requests in the window, the analysis needs at least 20"],
        });
        expect(decide({ requests: vector("3"), errorRatio: vector("0"), latencyP95Ms: vector("12") }, thresholds).pass).toBe(false);
        expect(decide({ requests: vector("500"), errorRatio: vector("0"), latencyP95Ms: vector("NaN") }, thresholds)).toMatchObject({
            pass: false,
            reasons: ["no data: the p95 latency could not be computed"],
        });
    });

    it("surfaces a Prometheus error instead of deciding", () => {
        const bad: PromResponse = { status: "error", errorType: "bad_data", error: "parse error" };
        expect(() => decide({ requests: bad, errorRatio: vector("0"), latencyP95Ms: vector("1") }, thresholds)).toThrow(
            "Prometheus query for request count failed: bad_data: parse error",
        );
    });
});

describe("canary queries", () => {
    const q = canaryQueries({ namespace: "apps", virtualServer: "hello", service: "hello-canary" }, "5m");

    it("select the canary's upstream of the app's VirtualServer by the controller's labels", () => {
        const sel = 'resource_type="virtualserver",resource_namespace="apps",resource_name="hello",service="hello-canary"';
        expect(q.requests).toBe(`sum(increase(nginx_ingress_controller_upstream_server_response_latency_ms_count{${sel}}[5m]))`);
        expect(q.errorRatio).toBe(
            `(sum(rate(nginx_ingress_controller_upstream_server_response_latency_ms_count{${sel},code=~"5.."}[5m])) or vector(0)) / sum(rate(nginx_ingress_controller_upstream_server_response_latency_ms_count{${sel}}[5m]))`,
        );
        expect(q.latencyP95Ms).toBe(`histogram_quantile(0.95, sum by (le) (rate(nginx_ingress_controller_upstream_server_response_latency_ms_bucket{${sel}}[5m])))`);
    });

    it("go through the API server's service proxy to kube-prometheus-stack's Prometheus", () => {
        expect(serviceProxyQueryPath("up")).toBe("/api/v1/namespaces/monitoring/services/http:kps-kube-prometheus-stack-prometheus:http-web/proxy/api/v1/query?query=up");
    });

    it("reject a bad window and bad steps", () => {
        expect(() => canaryQueries({ namespace: "a", virtualServer: "b", service: "c" }, "5 minutes")).toThrow("canary window");
        expect(parseSteps("10,50,100")).toEqual([10, 50, 100]);
        expect(() => parseSteps("50,10,100")).toThrow("--steps: expected rising percentages ending at 100");
        expect(() => parseSteps("10,50")).toThrow("--steps");
    });
});

describe("npm run app:canary (loopback Prometheus, recorded pulumi)", () => {
    let server: Server;
    let url: string;
    /** Answers per query kind; the test swaps them between runs. */
    let answers: { requests: string[]; errorRatio: string[]; latency: string[] };
    const seen: string[] = [];

    beforeAll(async () => {
        server = createServer((req, res) => {
            const query = new URL(req.url ?? "/", "http://x").searchParams.get("query") ?? "";
            seen.push(query);
            const kind = query.startsWith("histogram_quantile") ? "latency" : query.startsWith("(sum(rate") ? "errorRatio" : "requests";
            const list = answers[kind];
            const value = list.length > 1 ? list.shift() : list[0];
            res.writeHead(200, { "Content-Type": "application/json" });
            res.end(JSON.stringify(vector(value)));
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const args = (extra: string[] = []) => ["dev", "hello", digest("7"), "--prometheus-url", url, "--interval", "60", ...extra];

    it("steps 10 -> 50 -> 100 with an analysis after each, then makes the canary stable", async () => {
        answers = { requests: ["900"], errorRatio: ["0.001"], latency: ["120"] };
        const weights: (number | undefined)[] = [];
        const io = fakeIo({ dev: FIXTURE }, () => {
            weights.push(readApp(io.file("dev"), "hello").canary?.weight);
            return { code: 0, stdout: "" };
        });
        expect(await canary(args(), io)).toBe(0);
        // Three weight steps and the promotion, each applied with pulumi up.
        expect(weights).toEqual([10, 50, 100, undefined]);
        // Each up touches this app only: its component, children and dependents (no whole-stack update from the checked-out tag).
        expect(io.calls.every((c) => c === "pulumi up --yes --skip-preview --stack dev --policy-pack policy --policy-pack-config policy/config.dev.json --target urn:pulumi:dev::platform::platform:stack:Platform$platform:apps:ContainerApp::dev-app-hello --target-dependents")).toBe(true);
        expect(io.slept).toEqual([60_000, 60_000, 60_000]);
        expect(readApp(io.file("dev"), "hello")).toMatchObject({ digest: digest("7"), previousDigest: digest("1") });
        expect(readApp(io.file("dev"), "hello").canary).toBeUndefined();
        expect(io.stdout.filter((l) => l.startsWith("analysis at"))).toHaveLength(3);
    });

    it("rolls back automatically (weight 0, pulumi up) and fails when the error ratio breaks the threshold", async () => {
        answers = { requests: ["900"], errorRatio: ["0.001", "0.2"], latency: ["120"] };
        const weights: (number | undefined)[] = [];
        const io = fakeIo({ dev: FIXTURE }, () => {
            weights.push(readApp(io.file("dev"), "hello").canary?.weight);
            return { code: 0, stdout: "" };
        });
        expect(await canary(args(), io)).toBe(1);
        expect(weights).toEqual([10, 50, 0]);
        expect(readApp(io.file("dev"), "hello")).toMatchObject({ digest: digest("1"), canary: { digest: digest("7"), weight: 0 } });
        expect(io.stderr[0]).toMatch(/^canary of hello in dev failed: at 50%: error ratio 0\.2000 is above maxErrorRatio 0\.01/);
    });

    it("uses the stack file's thresholds and fails on latency", async () => {
        answers = { requests: ["900"], errorRatio: ["0"], latency: ["650"] };
        const io = fakeIo({ dev: FIXTURE });
        // `other` has maxLatencyP95Ms 800 in the stack file: 650 ms passes there.
        expect(await canary(["dev", "other", digest("8"), "--prometheus-url", url, "--steps", "100", "--interval", "0"], io)).toBe(0);
        const strict = fakeIo({ dev: FIXTURE });
        expect(await canary(args(["--steps", "20,100"]), strict)).toBe(1);
        expect(strict.stderr[0]).toContain("p95 latency 650 ms is above maxLatencyP95Ms 500");
    });

    it("rolls back when the canary gets no traffic (no data is not a pass)", async () => {
        answers = { requests: ["0"], errorRatio: ["0"], latency: ["NaN"] };
        const io = fakeIo({ dev: FIXTURE });
        expect(await canary(args(), io)).toBe(1);
        expect(io.stderr[0]).toContain("no data: the canary served 0 requests");
        expect(readApp(io.file("dev"), "hello").canary?.weight).toBe(0);
    });

    it("rolls back when a pulumi up fails half-way", async () => {
        answers = { requests: ["900"], errorRatio: ["0"], latency: ["10"] };
        let ups = 0;
        const io = fakeIo({ dev: FIXTURE }, () => ({ code: ++ups === 2 ? 1 : 0, stdout: "" }));
        expect(await canary(args(), io)).toBe(1);
        expect(readApp(io.file("dev"), "hello").canary?.weight).toBe(0);
        expect(io.stderr[0]).toContain("pulumi up of dev failed (exit 1) after: hello: canary weight 50");
    });

    it("queries through kubectl's API service proxy when given a kubeconfig", async () => {
        const io = fakeIo({ dev: FIXTURE }, (command) =>
            command === "kubectl" ? { code: 0, stdout: JSON.stringify(vector("900")) } : { code: 0, stdout: "" },
        );
        // 900 for every query: the error ratio 900 fails, which is enough to see the call.
        expect(await canary(["dev", "hello", digest("7"), "--kubeconfig", "/tmp/kubeconfig", "--steps", "100", "--interval", "0"], io)).toBe(1);
        const kubectl = io.calls.filter((c) => c.startsWith("kubectl"));
        expect(kubectl).toHaveLength(3);
        expect(kubectl[0]).toMatch(/^kubectl --kubeconfig \/tmp\/kubeconfig get --raw \/api\/v1\/namespaces\/monitoring\/services\/http:kps-kube-prometheus-stack-prometheus:http-web\/proxy\/api\/v1\/query\?query=/);
    });

    it("needs exactly one way to reach Prometheus", async () => {
        const io = fakeIo({ dev: FIXTURE });
        expect(await canary(["dev", "hello", digest("7")], io)).toBe(2);
        expect(io.stderr[0]).toContain("give exactly one of --kubeconfig and --prometheus-url");
    });
});
