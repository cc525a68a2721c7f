/** Checks every stack file must pass, shared by the per-stack test files. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { SharedEvaluation as Evaluation } from "../shared";
import { fakeSecret, SECRET } from "../../offline/mocks";
import { CHARTS, ChartRef } from "../../charts/versions";
import { unknownChartKeys } from "../../offline/chartKeys";
import { rawManifests } from "../../offline/manifests";
import { allStrings, ofType, PROJECT_DIR } from "../harness";
import { validateManifest } from "../k8sSchema";

export function commonStackChecks(get: () => Evaluation): void {
    it("parents every resource under the stack's Platform component", () => {
        const { resources } = get();
        const [stack, platform, ...rest] = resources;
        expect(stack.type).toBe("pulumi:pulumi:Stack");
        expect(platform.type).toBe("platform:stack:Platform");
        expect(platform.parent).toBe(stack.name);
        expect(rest.length).toBeGreaterThan(0);
        // Each resource's chain of parents ends at the Platform (a parent that merely exists, such as
        // the Stack itself, is not enough).
        const parentOf = new Map(resources.map((r) => [r.name, r.parent]));
        const outside = rest.filter((r) => {
            let at: string | null | undefined = r.parent;
            for (let depth = 0; at !== platform.name && at !== undefined && at !== null && depth < resources.length; depth++) at = parentOf.get(at);
            return at !== platform.name;
        });
        expect(outside.map((r) => `${r.type} ${r.name} (parent ${r.parent})`)).toEqual([]);
    });

    it("uses one Kubernetes provider for every Kubernetes object", () => {
        const { resources } = get();
        const providers = ofType(resources, "pulumi:providers:kubernetes");
        expect(providers).toHaveLength(1);
        const objects = resources.filter((x) => x.type.startsWith("kubernetes:"));
        expect(objects.length).toBeGreaterThan(0);
        for (const r of objects) {
            expect(r.options.provider).toBe(providers[0].name);
        }
    });

    it("labels every namespace with Pod Security levels", () => {
        const namespaces = rawManifests(get().resources).filter((m) => m.kind === "Namespace");
        expect(namespaces.length).toBeGreaterThan(0);
        for (const ns of namespaces) {
            const labels = (ns.metadata as { labels: Record<string, string> }).labels;
            expect(["restricted", "baseline", "privileged"]).toContain(labels["pod-security.kubernetes.io/enforce"]);
            expect(labels["pod-security.kubernetes.io/warn"]).toBe("restricted");
        }
    });

    it("creates only raw objects that pass Kubernetes schema validation", () => {
        const manifests = rawManifests(get().resources);
        expect(manifests.length).toBeGreaterThan(0);
        for (const m of manifests) {
            // A Secret's payload is redacted to "[secret]" as a whole; validate its shape without it.
            const shape = m.kind === "Secret" ? { ...m, data: undefined, stringData: m.stringData === SECRET ? {} : m.stringData } : m;
            expect(() => validateManifest(shape)).not.toThrow();
        }
    });

    it("exports the kubeconfig as a secret and the API endpoint in clear", () => {
        const { outputs } = get();
        expect(outputs.kubeconfig).toBe("[secret]");
        // An existing cluster's endpoint is read from its kubeconfig, which offline is a placeholder.
        const existing = clusterMode(get()) === "existing";
        expect(String(outputs.apiEndpoint)).toMatch(existing ? /^unknown \(kubeconfig could not be read\)$/ : /^https:\/\/[a-z0-9.-]+:6443$/);
    });

    it("leaks no secret: not the token, not the kubeconfig, not a secure config value", () => {
        const { resources, outputs } = get();
        const text = allStrings([resources, outputs]).join("\n");
        const passwords = ofType(resources, "random:index/randomPassword:RandomPassword");
        const keys = ofType(resources, "tls:index/privateKey:PrivateKey");
        // Every stack generates admin passwords (Grafana, Harbor) and keys (Harbor's internal TLS, the
        // monitoring webhooks): none of them means the check below checked nothing.
        expect({ passwords: passwords.length > 0, keys: keys.length > 0 }).toEqual({ passwords: true, keys: true });
        for (const r of passwords) {
            expect(text).not.toContain(fakeSecret("random", r.name));
        }
        for (const r of keys) {
            expect(text).not.toContain(fakeSecret("tls-key", r.name));
        }
        for (const r of ofType(resources, "pulumi-nodejs:dynamic/platform:HarborObject")) {
            expect(text).not.toContain(fakeSecret("robot", r.name));
        }
        expect(text).not.toContain("client-key-data");
        expect(text).not.toContain("[secure value of");
    });

    it("installs every chart at its pinned version with reviewable values that only use the chart's keys", () => {
        const releases = ofType(get().resources, "kubernetes:helm.sh/v3:Release");
        expect(releases.length).toBeGreaterThan(0);
        for (const r of releases) {
            const inputs = r.inputs as { chart: string; version: string; values: unknown };
            const pinned = (Object.values(CHARTS) as readonly ChartRef[]).find((c) => c.chart === inputs.chart);
            expect({ chart: inputs.chart, pinned: pinned !== undefined }).toEqual({ chart: inputs.chart, pinned: true });
            // An exact version, the one the committed key list was made from (a bump without `npm run
            // chart-keys` would check the values against the old chart's keys).
            const keyListSource = (JSON.parse(readFileSync(join(PROJECT_DIR, "charts", "keys", `${pinned!.keys}.json`), "utf8")) as { source: string }).source;
            expect({ chart: inputs.chart, version: inputs.version, keyListFrom: keyListSource }).toEqual({
                chart: inputs.chart,
                version: expect.stringMatching(/^v?\d+\.\d+\.\d+$/),
                keyListFrom: expect.stringContaining(`/${inputs.version}/`),
            });
            // A secret anywhere in the values would have made the whole object "[secret]".
            expect(inputs.values).not.toBe(SECRET);
            expect({ chart: inputs.chart, unknown: unknownChartKeys(pinned!.keys, inputs.values, pinned!.subcharts) }).toEqual({
                chart: inputs.chart,
                unknown: [],
            });
        }
    });

    it("installs every chart atomically, with docs/adr/0004's per-chart timeout", () => {
        const releases = ofType(get().resources, "kubernetes:helm.sh/v3:Release");
        expect(releases.length).toBeGreaterThan(0);
        for (const r of releases) {
            const inputs = r.inputs as { chart: string };
            expect({ chart: inputs.chart, ...r.inputs }).toMatchObject({
                chart: inputs.chart,
                atomic: true,
                cleanupOnFail: true,
                createNamespace: false,
                waitForJobs: true,
                timeout: RELEASE_TIMEOUTS[inputs.chart] ?? 600,
            });
        }
    });

    it("gives every Ingress TLS from the platform issuer (an F5 NIC minion through its master)", () => {
        const { resources, outputs } = get();
        const manifests = rawManifests(resources);
        const ingresses = manifests.filter((x) => x.kind === "Ingress");
        // Secrets the stack's own Certificates fill from the platform issuer.
        const issued = manifests
            .filter((x) => x.kind === "Certificate" && (x.spec as { issuerRef: { name: string } }).issuerRef.name === outputs.clusterIssuer)
            .map((x) => (x.spec as { secretName: string }).secretName);
        const type = (m: Record<string, unknown>) =>
            ((m.metadata as { annotations?: Record<string, string> }).annotations ?? {})["nginx.org/mergeable-ingress-type"];
        const masterHosts = ingresses
            .filter((m) => type(m) === "master")
            .flatMap((m) => (m.spec as { tls: { hosts: string[] }[] }).tls.flatMap((t) => t.hosts));
        for (const m of ingresses) {
            const spec = m.spec as { tls?: { hosts: string[]; secretName: string }[]; rules: { host: string }[] };
            if (type(m) === "minion") {
                expect(spec.rules.filter((rule) => !masterHosts.includes(rule.host))).toEqual([]);
                continue;
            }
            const annotations = (m.metadata as { annotations?: Record<string, string> }).annotations ?? {};
            expect({ ingress: (m.metadata as { name: string }).name, tls: (spec.tls ?? []).length > 0 }).toEqual({
                ingress: (m.metadata as { name: string }).name,
                tls: true,
            });
            for (const tls of spec.tls ?? []) {
                expect(annotations["cert-manager.io/cluster-issuer"] === outputs.clusterIssuer || issued.includes(tls.secretName)).toBe(true);
            }
            expect(spec.rules.every((rule) => (spec.tls ?? []).some((t) => t.hosts.includes(rule.host)))).toBe(true);
        }
    });

    it("pins the k3s version in every install, one per node of a k3s stack", () => {
        const installs = ofType(get().resources, "command:remote:Command").filter((r) => r.name.endsWith("-install"));
        const cluster = get().stackConfig["platform:cluster"] as { k3s?: { servers: unknown[]; agents?: unknown[] } };
        const nodes = clusterMode(get()) === "k3s" ? cluster.k3s!.servers.length + (cluster.k3s!.agents ?? []).length : 0;
        expect(installs).toHaveLength(nodes);
        for (const r of installs) {
            expect(String(r.inputs.create)).toMatch(/INSTALL_K3S_VERSION='v1\.\d+\.\d+\+k3s\d+'/);
            expect(String(r.inputs.create)).toMatch(/raw\.githubusercontent\.com\/k3s-io\/k3s\/v1\.\d+\.\d+\+k3s\d+\/install\.sh/);
        }
    });
}

/**
 * Helm's wait for the charts whose first install takes longest (docs/adr/0004); every other chart
 * gets installChart's 600 s.
 */
const RELEASE_TIMEOUTS: Readonly<Record<string, number>> = { harbor: 900, longhorn: 900, "kube-prometheus-stack": 900, deepflow: 900 };

/** The stack file's cluster mode (`platform:cluster.mode`, required by the schema). */
function clusterMode(evaluation: Evaluation): "k3s" | "existing" {
    const mode = (evaluation.stackConfig["platform:cluster"] as { mode?: string } | undefined)?.mode;
    if (mode !== "k3s" && mode !== "existing") throw new Error(`stack file has no platform:cluster.mode (got ${String(mode)})`);
    return mode;
}

/** The config.yaml a node install writes. */
export function nodeConfigOf(create: unknown): Record<string, unknown> {
    const body = /<<'PLATFORM_EOF'\n([\s\S]*?)\nPLATFORM_EOF/.exec(String(create));
    if (!body) {
        throw new Error("install command has no config.yaml heredoc");
    }
    return parse(body[1]) as Record<string, unknown>;
}
