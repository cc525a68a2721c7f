/**
 * Every network flow the platform needs is admitted, and every forbidden one refused, by the
 * NetworkPolicies each stack renders, as k3s enforces them (the offline evaluator, offline/netpol.ts;
 * its semantics are the contract of kube-router-netpol.contract.test.ts).
 *
 * Upstream behaviour relied on (k3s-io/kube-router@v2.6.3-k3s1, the fork k3s v1.36.4+k3s1 pins):
 * - pkg/controllers/netpol/pod.go setupPodNetpolRules: each pod's chain accepts traffic "when source
 *   is the pod's local node" (`addrtype --src-type LOCAL`) before any policy; traffic from other
 *   nodes goes through the policies like any other source.
 * - flannel's VXLAN backend (k3s's default; flannel-io/flannel@v0.28.4:pkg/backend/vxlan/vxlan.go)
 *   gives each node's flannel.1 device the network address of the node's pod subnet, so the API
 *   server, kubelets and kernel clients reach a pod on another node from an address inside the pod
 *   CIDR, never from their node IP: a rule naming namespaces or node IPs never admits the API server
 *   calling a webhook on another node.
 * - pkg/controllers/netpol/policy.go evalIPBlockPeer: ipBlock peers are matched on the address, pods
 *   included: an ipBlock covering the pod CIDR (the old `nodes` rule) admits every pod.
 * - kube-proxy rewrites a Service or ServiceLB address to a pod address before the policy sees the
 *   packet: the flows carry the pods' ports.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { type ClusterNetwork } from "../../components/lib/networkPolicy";
import { parsePlatformConfig, type RawConfig } from "../../config/config";
import { rawManifests } from "../../offline/manifests";
import { policyCluster } from "../../offline/netpol";
import { reachability } from "../../offline/reachability";
import { readStackFile } from "../../offline/stackfile";
import type { RecordedResource } from "../../offline/mocks";
import { evaluateConfig, PROJECT_DIR, rawConfig, secure } from "../harness";
import { sharedEvaluation, stackNames } from "../shared";
import { type ChartFacts, neededConnections } from "./chartConnections";
import { admittedForbidden, forbiddenFlows, HARBOR, INGRESS_CONTROLLER, type PodRef, type StackFacts, verdicts } from "./forbiddenFlows";

interface Checked {
    readonly resources: readonly RecordedResource[];
    readonly flows: Parameters<typeof reachability>[1];
    readonly network?: ClusterNetwork;
}

function facts(raw: RawConfig, resources: readonly RecordedResource[]): StackFacts & ChartFacts {
    const config = parsePlatformConfig(raw);
    const apps = config.apps.map((a) => ({
        name: a.name,
        namespace: a.namespace,
        ports: [a.port, ...a.ports.map((p) => p.port), ...(a.metrics?.port !== undefined ? [a.metrics.port] : [])],
    }));
    const namespaces = new Set(rawManifests(resources).flatMap((m) => (m.kind === "Namespace" ? [String((m.metadata as { name: unknown }).name)] : [])));
    const harbor = config.harbor.enabled ? { trivy: config.harbor.trivy, internalDatabase: config.harbor.database.external === undefined } : undefined;
    return { apps, namespaces, harbor, grafana: config.monitoring.grafana.enabled };
}

/** The checks every stack gets: its model is there when it has policies, needed flows admitted, forbidden ones refused. */
function checkStack(name: string, evaluated: () => { evaluation: Checked; raw: RawConfig }) {
    const policies = () => policyCluster(rawManifests(evaluated().evaluation.resources));

    it("carries its network model whenever it renders NetworkPolicies", () => {
        const { evaluation } = evaluated();
        if (policies().policies.length === 0) {
            expect(evaluation.network).toBeUndefined();
            expect(reachability(name, evaluation.flows, [], undefined).text).toContain("NetworkPolicies are off");
        } else {
            expect(evaluation.network).toMatchObject({ podCidr: expect.stringMatching(/\/\d+$/), serviceCidr: expect.stringMatching(/\/\d+$/) });
            expect(evaluation.flows.length).toBeGreaterThan(20);
        }
    });

    it("admits every flow the platform needs", () => {
        const { evaluation } = evaluated();
        const report = reachability(name, evaluation.flows, rawManifests(evaluation.resources), evaluation.network);
        expect(report.blocked).toEqual([]);
    });

    it("refuses every forbidden flow", () => {
        const { evaluation, raw } = evaluated();
        const cluster = policies();
        if (evaluation.network === undefined) {
            expect(cluster.policies).toEqual([]);
            return;
        }
        const managed = [...new Set(cluster.policies.map((p) => p.metadata.namespace))].sort();
        const list = forbiddenFlows(facts(raw, evaluation.resources), managed);
        expect(list.length).toBeGreaterThan(5);
        expect(admittedForbidden(list, cluster, evaluation.network)).toEqual([]);
    });

    it("admits every connection Harbor's and DeepFlow's parts make to each other (harbor-helm v1.19.1, deepflow 7.1.002)", () => {
        const { evaluation, raw } = evaluated();
        const cluster = policies();
        if (evaluation.network === undefined) {
            expect(cluster.policies).toEqual([]); // no policies: nothing is refused
            return;
        }
        const stack = facts(raw, evaluation.resources);
        const needed = neededConnections(stack);
        expect(needed.length > 0).toBe(stack.harbor !== undefined || stack.namespaces.has("deepflow"));
        const refused = needed.flatMap((c) =>
            c.from.flatMap((from) =>
                c.ports.flatMap((port) =>
                    verdicts(cluster, evaluation.network!, from, c.to, port).flatMap((v) =>
                        v.admitted ? [] : [`${c.name}: ${from.what} -> ${v.what}:${port} refused (${v.reason}); needed: ${c.why}`],
                    ),
                ),
            ),
        );
        expect(refused).toEqual([]);
    });
}

for (const stack of stackNames()) {
    describe(`Pulumi.${stack}.yaml: network flows under its NetworkPolicies`, () => {
        const raw = readStackFile(PROJECT_DIR, stack).config;
        checkStack(stack, () => ({ evaluation: sharedEvaluation(stack), raw }));
        // Every stack file that solves ACME challenges over HTTP-01 (e2e among them).
        if ((JSON.parse(raw.values["platform:tls"] ?? "{}") as { acme?: { solver?: string } }).acme?.solver === "http01") {
            solverCheck(() => sharedEvaluation(stack) as Checked);
        }
    });
}

/** Pulumi.prod.yaml's config map as written, for variants. */
function prodConfig(): Record<string, unknown> {
    return (parse(readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
}
const digest = (hex: string) => `sha256:${hex.repeat(64)}`;

/**
 * Inline variants of prod that the stack files do not cover. Each pairs settings that do not touch each
 * other's flows: one evaluation and one run of the standard checks covers both.
 */
const VARIANTS: Record<string, () => Record<string, unknown>> = {
    // ACME HTTP-01: the solver pods answer through the ingress controller in each route's namespace.
    // An app with a canary that calls another app, every platform service an app may call, and the internet.
    "prod with HTTP-01, app calls and a canary": () => {
        const config = prodConfig();
        const tls = config["platform:tls"] as { acme: Record<string, unknown> };
        const app = (name: string, port: number, extra: Record<string, unknown>) => ({
            name,
            namespace: "apps",
            image: { project: "apps", repository: name, digest: digest("1") },
            port,
            replicas: 2,
            resources: { requests: { cpu: "50m", memory: "64Mi" } },
            metrics: { path: "/metrics" },
            ...extra,
        });
        return {
            ...config,
            "platform:tls": { ...tls, acme: { ...tls.acme, solver: "http01" } },
            "platform:apps": [
                app("hello", 8080, { calls: ["api", "harbor", "grafana", "prometheus", "loki", "internet"], canary: { digest: digest("2"), weight: 10 } }),
                app("api", 9000, { ports: [{ name: "grpc", port: 9001 }] }),
            ],
        };
    },
    // Harbor on an external PostgreSQL and an S3 bucket, without Trivy: no database pod, and the parts that used it reach it outside.
    // Monitoring off: no Prometheus, so no scrape target may be open to one.
    "prod with an external Harbor database, S3 image storage, no Trivy and no monitoring": () => {
        const config = prodConfig();
        const harbor = config["platform:harbor"] as Record<string, unknown>;
        return {
            ...config,
            "platform:harbor": {
                ...harbor,
                trivy: false,
                // Without Trivy nothing is scanned: no scan on push, no vulnerability gate.
                projects: [
                    { name: "platform", scanOnPush: false },
                    { name: "apps", requireSignature: true, scanOnPush: false },
                ],
                storage: { type: "s3", s3: { backend: "volumes", bucket: "example-harbor", prefix: "prod" } },
                database: { type: "external", external: { host: "pg.example.com", port: 6432, username: "harbor", password: secure("pg-1") } },
            },
            "platform:monitoring": { enabled: false },
        };
    },
};

/** Whether `from` reaches `to` on `port` under the evaluation's policies (every stand-in address). */
function reaches(evaluation: Checked, from: PodRef, to: PodRef | "internet" | "outside", port: number): { admitted: boolean; reason: string }[] {
    const cluster = policyCluster(rawManifests(evaluation.resources));
    return verdicts(cluster, evaluation.network!, from, to, port).map(({ admitted, reason }) => ({ admitted, reason }));
}
const admittedOnly = (v: { admitted: boolean }[]) => v.length > 0 && v.every((x) => x.admitted);

/**
 * Prometheus's pods: prometheus-operator/prometheus-operator@v0.93.0:pkg/prometheus/server/operator.go labels them
 * app.kubernetes.io/name=prometheus (applicationNameLabelValue; kube-prometheus-stack 88.5.3 runs v0.93.1, untagged in the snapshot).
 */
const PROMETHEUS_PODS: PodRef = { what: "Prometheus", namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } };
/** What Prometheus scrapes in Pulumi.prod.yaml: each pod and the port its metrics container listens on. */
const SCRAPED: readonly { to: PodRef; port: number }[] = [
    // cert-manager/cert-manager@v1.21.1:deploy/charts/cert-manager/templates/deployment.yaml (component "controller", containerPort 9402).
    { to: { what: "cert-manager controller", namespace: "cert-manager", labels: { "app.kubernetes.io/component": "controller" } }, port: 9402 },
    // nginx/kubernetes-ingress@v5.5.4:charts/nginx-ingress/values.yaml prometheus.port 9113.
    { to: INGRESS_CONTROLLER, port: 9113 },
    // kubernetes-sigs/external-dns@external-dns-helm-chart-1.21.1:charts/external-dns/templates/deployment.yaml (containerPort 7979 "http"; _helpers.tpl selectorLabels).
    { to: { what: "external-dns", namespace: "external-dns", labels: { "app.kubernetes.io/name": "external-dns" } }, port: 7979 },
    // longhorn/longhorn@v1.12.1:chart/templates/daemonset-sa.yaml (app: longhorn-manager, containerPort 9500 "manager").
    { to: { what: "longhorn-manager", namespace: "longhorn-system", labels: { app: "longhorn-manager" } }, port: 9500 },
    // goharbor/harbor-helm@v1.19.1:values.yaml metrics.core.port / metrics.exporter.port 8001.
    { to: HARBOR.core, port: 8001 },
    { to: HARBOR.exporter, port: 8001 },
    // Pulumi.prod.yaml: the app hello serves metrics.port 9090.
    { to: { what: "app hello", namespace: "apps", labels: { "app.kubernetes.io/name": "hello" } }, port: 9090 },
];

/**
 * cert-manager/cert-manager@v1.21.1:pkg/issuer/acme/http/pod.go podLabels (acme.cert-manager.io/http01-solver: "true",
 * pkg/apis/acme/v1/types.go SolverIdentificationLabelKey) and buildDefaultPod (containerPort acmeSolverListenPort,
 * 8089 in pkg/issuer/acme/http/http.go): the solver pod is created in the namespace of the Ingress it solves for.
 * Routed namespaces: the program's own Ingresses and VirtualServers, and the charts' Ingresses (Harbor's in its
 * release namespace, Grafana's in kube-prometheus-stack's), which the render does not expand.
 */
function solverCheck(evaluation: () => Checked): void {
    it("lets the ingress controller reach the HTTP-01 solver pods in every namespace it routes to", () => {
        const resources = evaluation().resources;
        const own = rawManifests(resources).flatMap((m) =>
            m.kind === "Ingress" || m.kind === "VirtualServer" ? [String((m.metadata as { namespace: unknown }).namespace)] : [],
        );
        const charts = resources.flatMap((r) => {
            const values = r.inputs.values as { expose?: { ingress?: unknown }; grafana?: { ingress?: { enabled?: boolean } } } | undefined;
            if (r.type !== "kubernetes:helm.sh/v3:Release" || values === undefined) return [];
            return values.expose?.ingress !== undefined || values.grafana?.ingress?.enabled === true ? [String(r.inputs.namespace)] : [];
        });
        const routed = new Set([...own, ...charts]);
        expect(routed.size).toBeGreaterThan(1);
        for (const namespace of routed) {
            const solver: PodRef = { what: `HTTP-01 solver in ${namespace}`, namespace, labels: { "acme.cert-manager.io/http01-solver": "true" } };
            expect({ namespace, admitted: admittedOnly(reaches(evaluation(), INGRESS_CONTROLLER, solver, 8089)) }).toEqual({ namespace, admitted: true });
        }
    });
}

/** Extra checks per variant: what it exists to cover. */
const VARIANT_CHECKS: Record<string, (evaluation: () => Checked) => void> = {
    "prod with HTTP-01, app calls and a canary": (evaluation) => {
        solverCheck(evaluation);
        it("lets the app reach the app it calls on its port, and the internet on 443, and nothing the other way", () => {
            const hello: PodRef = { what: "hello", namespace: "apps", labels: { "app.kubernetes.io/name": "hello" } };
            const api: PodRef = { what: "api", namespace: "apps", labels: { "app.kubernetes.io/name": "api" } };
            expect(admittedOnly(reaches(evaluation(), hello, api, 9000))).toBe(true);
            expect(admittedOnly(reaches(evaluation(), hello, "internet", 443))).toBe(true);
            expect(reaches(evaluation(), api, hello, 8080).some((v) => v.admitted)).toBe(false);
        });
    },
    "prod with an external Harbor database, S3 image storage, no Trivy and no monitoring": (evaluation) => {
        // goharbor/harbor-helm@v1.19.1:templates/_helpers.tpl harbor.database.host/port: core (core-cm.yaml POSTGRESQL_*),
        // the exporter (exporter-cm-env.yaml HARBOR_DATABASE_*) and the job service (which takes core's settings) dial
        // database.external.host:port; registry-cm.yaml storage.s3: the registry writes the bucket.
        it("lets core, the job service and the exporter reach the external PostgreSQL on its port, the registry its bucket, and Trivy's pods nothing", () => {
            const harbor = (component: string): PodRef => ({ what: component, namespace: "harbor", labels: { app: "harbor", release: "harbor", component } });
            const outside = (from: PodRef, port: number) => reaches(evaluation(), from, "outside", port);
            for (const component of ["core", "jobservice", "exporter"]) {
                expect({ component, admitted: admittedOnly(outside(harbor(component), 6432)) }).toEqual({ component, admitted: true });
            }
            expect(admittedOnly(outside(harbor("registry"), 443))).toBe(true);
            expect(outside(harbor("trivy"), 6432).some((v) => v.admitted)).toBe(false);
            expect(outside(harbor("portal"), 6432).some((v) => v.admitted)).toBe(false);
        });
        it("admits no pod in monitoring labelled as Prometheus to any scrape target; prod, with monitoring, admits it to each", () => {
            const verdict = (e: Checked) =>
                SCRAPED.map(({ to, port }) => ({ target: `${to.what}:${port}`, admitted: admittedOnly(reaches(e, PROMETHEUS_PODS, to, port)) }));
            expect(verdict(evaluation()).filter((v) => v.admitted)).toEqual([]);
            expect(verdict(sharedEvaluation("prod") as Checked).filter((v) => !v.admitted)).toEqual([]);
            // reachability.txt lists no flow from a Prometheus that does not exist.
            const { resources, flows, network } = evaluation();
            expect(reachability("variant", flows, rawManifests(resources), network).text).not.toContain("monitoring/app.kubernetes.io/name=prometheus");
        });
    },
};

for (const [name, variant] of Object.entries(VARIANTS)) {
    describe(`${name} (inline stack): network flows under its NetworkPolicies`, () => {
        let evaluation: Checked;
        const config = variant();
        beforeAll(async () => {
            evaluation = await evaluateConfig(config, "variant");
        });
        checkStack(name, () => ({ evaluation, raw: rawConfig(config) }));
        VARIANT_CHECKS[name](() => evaluation);
    });
}
