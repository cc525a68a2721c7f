import { createServer, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { run as canary } from "../../scripts/app-canary";
import { readApp, startCanary } from "../../scripts/lib/appStackFile";
import { canaryQueries, decide, parseSteps, PromResponse, serviceProxyQueryPath } from "../../scripts/lib/canary";
import { digest, fakeIo, FIXTURE, writeStack } from "./fakeIo";

/** Prometheus instant-query answers as Prometheus writes them. */
const vector = (value?: string): PromResponse => ({
    status: "success",
    data: { resultType: "vector", result: value === undefined ? [] : [{ metric: {}, value: [1764633600.123, value] }] },
});
const thresholds = { maxErrorRatio: 0.01, maxLatencyP95Ms: 500 };

describe("canary decision from Prometheus responses", () => {
    it("passes with enough traffic, few errors and a low p95", () => {
        expect(decide({ requests: vector("1200"), errorRatio: vector("0.004"), latencyP95Ms: vector("87.5") }, thresholds)).toEqual({
            verdict: "pass",
            reasons: [],
            requests: 1200,
            errorRatio: 0.004,
            latencyP95Ms: 87.5,
        });
    });

    it("fails on the error ratio", () => {
        const d = decide({ requests: vector("1200"), errorRatio: vector("0.05"), latencyP95Ms: vector("87.5") }, thresholds);
        expect(d).toMatchObject({ verdict: "fail", reasons: ["error ratio 0.0500 is above maxErrorRatio 0.01"] });
    });

    it("fails on the p95 latency", () => {
        const d = decide({ requests: vector("1200"), errorRatio: vector("0"), latencyP95Ms: vector("1250") }, thresholds);
        expect(d).toMatchObject({ verdict: "fail", reasons: ["p95 latency 1250 ms is above maxLatencyP95Ms 500"] });
    });

    it("says no data, never pass, when Prometheus has no series of the canary's upstream or a NaN quantile", () => {
        expect(decide({ requests: vector(), errorRatio: vector(), latencyP95Ms: vector() }, thresholds)).toMatchObject({
            verdict: "no-data",
            reasons: [expect.stringMatching(/^no data: Prometheus has no series of the canary's upstream/)],
        });
        expect(decide({ requests: vector("500"), errorRatio: vector("0"), latencyP95Ms: vector("NaN") }, thresholds)).toMatchObject({
            verdict: "no-data",
            reasons: ["no data: the p95 latency could not be computed"],
        });
    });

    it("holds on too little traffic (some requests, fewer than the minimum): neither a pass nor a failure", () => {
        expect(decide({ requests: vector("3"), errorRatio: vector("0.5"), latencyP95Ms: vector("9000") }, thresholds)).toMatchObject({
            verdict: "hold",
            reasons: ["not enough traffic: the canary served 3 requests in the window, the analysis needs at least 20"],
        });
        expect(decide({ requests: vector("0"), errorRatio: vector("0"), latencyP95Ms: vector("NaN") }, { ...thresholds, minRequests: 5 }).verdict).toBe("hold");
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
        expect(q.latencyP95Ms).toBe(
            `histogram_quantile(0.95, sum by (le) (rate(nginx_ingress_controller_upstream_server_response_latency_ms_bucket{${sel}}[5m])))`,
        );
    });

    it("go through the API server's service proxy to kube-prometheus-stack's Prometheus", () => {
        expect(serviceProxyQueryPath("up")).toBe(
            "/api/v1/namespaces/monitoring/services/http:kps-kube-prometheus-stack-prometheus:http-web/proxy/api/v1/query?query=up",
        );
    });

    it("reject a bad window and bad steps", () => {
        expect(() => canaryQueries({ namespace: "a", virtualServer: "b", service: "c" }, "5 minutes")).toThrow("canary window");
        expect(parseSteps("10,50,100")).toEqual([10, 50, 100]);
        expect(() => parseSteps("50,10,100")).toThrow("--steps: expected rising percentages ending at 100");
        expect(() => parseSteps("10,50")).toThrow("--steps");
    });
});

describe("npm run app:canary (loopback Prometheus and app, recorded pulumi)", () => {
    let prometheus: Server;
    let app: Server;
    let url: string;
    let appUrl: string;
    let appRequests = 0;
    /** Answers per query kind; the test swaps them between runs. */
    let answers: { requests: string[]; errorRatio: string[]; latency: string[] };
    const seen: string[] = [];

    beforeAll(async () => {
        prometheus = createServer((req, res) => {
            const query = new URL(req.url ?? "/", "http://x").searchParams.get("query") ?? "";
            seen.push(query);
            const kind = query.startsWith("histogram_quantile") ? "latency" : query.startsWith("(sum(rate") ? "errorRatio" : "requests";
            const list = answers[kind];
            const value = list.length > 1 ? list.shift() : list[0];
            res.writeHead(200, { "Content-Type": "application/json" });
            res.end(JSON.stringify(vector(value === "none" ? undefined : value)));
        });
        // The app's host, on loopback: the load step's requests land here.
        app = createServer((_req, res) => {
            appRequests++;
            res.end("ok");
        });
        await Promise.all([prometheus, app].map((s) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))));
        url = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
        appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/`;
    });
    afterAll(() =>
        Promise.all(
            [prometheus, app].map((s) => {
                // The load step's client keeps connections alive for reuse.
                s.closeAllConnections();
                return new Promise((resolve) => s.close(resolve));
            }),
        ),
    );

    const args = (extra: string[] = []) => ["dev", "hello", digest("7"), "--prometheus-url", url, "--interval", "60", "--load-url", appUrl, ...extra];
    /** A fake io whose pulumi up records the canary weight the stack file says at that moment. */
    const recording = (fail?: (up: number) => boolean) => {
        const weights: (number | undefined)[] = [];
        const io = fakeIo({ dev: FIXTURE }, () => {
            weights.push(readApp(io.file("dev"), "hello").canary?.weight);
            return { code: fail?.(weights.length) ? 1 : 0, stdout: "" };
        });
        return { io, weights };
    };
    /** The safe state: no canary, the stable digest the run started from. */
    const safe = (io: ReturnType<typeof fakeIo>) => {
        const hello = readApp(io.file("dev"), "hello");
        return { digest: hello.digest, previousDigest: hello.previousDigest, canary: hello.canary };
    };
    const lastGood = { digest: digest("1"), previousDigest: undefined, canary: undefined };

    it("passing steps: 10 -> 50 -> 100 with the load and an analysis at each, then the canary becomes stable", async () => {
        answers = { requests: ["900"], errorRatio: ["0.001"], latency: ["120"] };
        appRequests = 0;
        const { io, weights } = recording();
        expect(await canary(args(), io)).toBe(0);
        // Three weight steps and the promotion, each written to the stack file, then applied with pulumi up.
        expect(weights).toEqual([10, 50, 100, undefined]);
        // Each up touches this app only: its component, children and dependents (no whole-stack update from the checked-out tag).
        expect(
            io.calls.every(
                (c) =>
                    c ===
                    "pulumi up --yes --skip-preview --stack dev --policy-pack policy --policy-pack-config policy/config.dev.json --target urn:pulumi:dev::platform::platform:stack:Platform$platform:apps:ContainerApp::dev-app-hello --target-dependents",
            ),
        ).toBe(true);
        // dev's default load: 2 requests per second through each 60 s step, paced by the clock.
        expect(appRequests).toBe(3 * 120);
        expect(io.slept.reduce((a, b) => a + b, 0)).toBe(180_000);
        expect(readApp(io.file("dev"), "hello")).toMatchObject({ digest: digest("7"), previousDigest: digest("1") });
        expect(readApp(io.file("dev"), "hello").canary).toBeUndefined();
        expect(io.stdout.filter((l) => l.startsWith("analysis at"))).toHaveLength(3);
    });

    it("failing ratio: rolls back (canary withdrawn and applied) and the stack file names the last good digest", async () => {
        answers = { requests: ["900"], errorRatio: ["0.001", "0.2"], latency: ["120"] };
        const { io, weights } = recording();
        expect(await canary(args(), io)).toBe(1);
        expect(weights).toEqual([10, 50, undefined]);
        expect(safe(io)).toEqual(lastGood);
        expect(io.stderr[0]).toMatch(/^canary of hello in dev failed: at 50%: error ratio 0\.2000 is above maxErrorRatio 0\.01/);
    });

    it("uses the stack file's thresholds and fails on latency", async () => {
        answers = { requests: ["900"], errorRatio: ["0"], latency: ["650"] };
        const io = fakeIo({ dev: FIXTURE });
        // `other` has maxLatencyP95Ms 800 in the stack file: 650 ms passes there.
        expect(await canary(["dev", "other", digest("8"), "--prometheus-url", url, "--steps", "100", "--interval", "0", "--load-rps", "0"], io)).toBe(0);
        const strict = fakeIo({ dev: FIXTURE });
        expect(await canary(args(["--steps", "20,100"]), strict)).toBe(1);
        expect(strict.stderr[0]).toContain("p95 latency 650 ms is above maxLatencyP95Ms 500");
    });

    it("no data (no series at all) is not a pass: rolls back", async () => {
        answers = { requests: ["none"], errorRatio: ["none"], latency: ["none"] };
        const { io, weights } = recording();
        expect(await canary(args(), io)).toBe(1);
        expect(weights).toEqual([10, undefined]);
        expect(io.stderr[0]).toContain("failed: at 10%: no data: Prometheus has no series of the canary's upstream");
        expect(safe(io)).toEqual(lastGood);
    });

    it("too little traffic: holds the weight (no pulumi up, another window), then goes on once there is enough", async () => {
        answers = { requests: ["5", "900"], errorRatio: ["0"], latency: ["10"] };
        const { io, weights } = recording();
        expect(await canary(args(), io)).toBe(0);
        expect(weights).toEqual([10, 50, 100, undefined]);
        expect(io.stdout).toContain(
            "holding at 10% (1 of 2): at 10%: not enough traffic: the canary served 5 requests in the window, the analysis needs at least 20 [requests 5, error ratio 0.0000 (max 0.01), p95 10 ms (max 500)]",
        );
        // Four windows of load: two at 10 %, one at 50 %, one at 100 %.
        expect(io.slept.reduce((a, b) => a + b, 0)).toBe(240_000);
    });

    it("too little traffic after every hold: withdraws the canary, exit 3 (inconclusive), never a silent pass", async () => {
        answers = { requests: ["5"], errorRatio: ["0"], latency: ["10"] };
        const { io, weights } = recording();
        expect(await canary(args(["--max-holds", "1"]), io)).toBe(3);
        expect(weights).toEqual([10, undefined]);
        expect(io.stderr[0]).toMatch(
            /^canary of hello in dev is inconclusive: at 10%: not enough traffic: .* still not enough traffic after 1 more window\(s\)/,
        );
        expect(safe(io)).toEqual(lastGood);
    });

    it("rolls back when a pulumi up fails half-way", async () => {
        answers = { requests: ["900"], errorRatio: ["0"], latency: ["10"] };
        const { io } = recording((up) => up === 2);
        expect(await canary(args(), io)).toBe(1);
        expect(safe(io)).toEqual(lastGood);
        expect(io.stderr[0]).toContain("pulumi up of dev failed (exit 1) after: hello: canary weight 50");
    });

    it("a failed promotion puts the last good digest (and its previous digest) back into the stack file", async () => {
        answers = { requests: ["900"], errorRatio: ["0"], latency: ["10"] };
        const { io, weights } = recording((up) => up === 4);
        expect(await canary(args(), io)).toBe(1);
        expect(weights).toEqual([10, 50, 100, undefined, undefined]);
        expect(safe(io)).toEqual(lastGood);
    });

    it("a cancelled run writes the safe state and stops; --settle applies it (and applies it again after a hard kill)", async () => {
        answers = { requests: ["900"], errorRatio: ["0"], latency: ["10"] };
        const controller = new AbortController();
        const { io, weights } = recording();
        // The workflow is cancelled while the 50 % step waits for its analysis.
        const exec = io.exec;
        const cancelling = Object.assign(io, {
            signal: controller.signal,
            exec: async (command: string, argv: readonly string[]) => {
                const result = await exec(command, argv);
                if (weights[weights.length - 1] === 50) controller.abort();
                return result;
            },
        });
        expect(await canary(args(), cancelling)).toBe(130);
        expect(weights).toEqual([10, 50]);
        expect(safe(io)).toEqual(lastGood);
        expect(io.stderr).toContain(
            "interrupted: Pulumi.dev.yaml says the safe state (hello: canary sha256:" +
                "7".repeat(64) +
                " at 50% withdrawn); apply it: npm run app:canary -- dev hello --settle",
        );
        // The settle step: no canary in the file, and pulumi up runs anyway (the cluster still splits).
        expect(await canary(["dev", "hello", "--settle"], io)).toBe(0);
        expect(weights).toEqual([10, 50, undefined]);
        // A runner lost mid-step leaves the file at 50 %: --settle withdraws it and applies.
        writeStack(io, "dev", startCanary(io.file("dev"), "hello", digest("7"), 50).text);
        expect(await canary(["dev", "hello", "--settle"], io)).toBe(0);
        expect(weights).toEqual([10, 50, undefined, undefined]);
        expect(safe(io)).toEqual(lastGood);
    });

    it("queries through kubectl's API service proxy when given a kubeconfig", async () => {
        const io = fakeIo({ dev: FIXTURE }, (command) =>
            command === "kubectl" ? { code: 0, stdout: JSON.stringify(vector("900")) } : { code: 0, stdout: "" },
        );
        // 900 for every query: the error ratio 900 fails, which is enough to see the call.
        expect(await canary(["dev", "hello", digest("7"), "--kubeconfig", "/tmp/kubeconfig", "--steps", "100", "--interval", "0", "--load-rps", "0"], io)).toBe(
            1,
        );
        const kubectl = io.calls.filter((c) => c.startsWith("kubectl"));
        expect(kubectl).toHaveLength(3);
        expect(kubectl[0]).toMatch(
            /^kubectl --kubeconfig \/tmp\/kubeconfig get --raw \/api\/v1\/namespaces\/monitoring\/services\/http:kps-kube-prometheus-stack-prometheus:http-web\/proxy\/api\/v1\/query\?query=/,
        );
    });

    it("needs exactly one way to reach Prometheus, and a load rate within bounds", async () => {
        const io = fakeIo({ dev: FIXTURE });
        expect(await canary(["dev", "hello", digest("7")], io)).toBe(2);
        expect(io.stderr[0]).toContain("give exactly one of --kubeconfig and --prometheus-url");
        const fast = fakeIo({ dev: FIXTURE });
        expect(await canary(args(["--load-rps", "500"]), fast)).toBe(1);
        expect(fast.stderr[0]).toBe('app:canary: --load-rps: expected 0 (off) to 50 requests per second, got "500"');
        expect(fast.calls).toEqual([]);
    });
});
