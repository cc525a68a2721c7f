/**
 * Contract: a host behind basic auth still answers ACME HTTP-01 (issue 22 item 7).
 *
 * The render is replayed through a small model of what F5 NGINX Ingress Controller v5.5.4 and
 * cert-manager v1.21.1 do with it, each rule a literal next to the upstream file it comes from
 * (github.com/nginx/kubernetes-ingress at tag v5.5.4, github.com/cert-manager/cert-manager at tag
 * v1.21.1). The model answers: which Ingress serves a request for a path of the host, and does
 * basic auth apply to it.
 */
import type { RecordedResource } from "../../offline/mocks";
import { CHARTS } from "../../charts/versions";
import { evaluateConfig, evaluateStack, k3sStackConfig } from "../harness";

type Obj = Record<string, unknown>;
interface Path {
    readonly path: string;
    readonly pathType: string;
    readonly service: string;
}
interface Ingress {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
    readonly tls: { hosts: string[]; secretName: string }[];
    readonly rules: { host: string; paths: Path[] }[];
    /** Creation order: NIC gives a host to its oldest Ingress. */
    readonly order: number;
}
interface Certificate {
    readonly namespace: string;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
    readonly dnsNames: string[];
    readonly issuer: string;
}
interface Solver {
    readonly selector?: { matchLabels?: Record<string, string> };
    readonly http01?: {
        ingress?: { ingressClassName?: string; ingressTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } };
    };
}

// nginx/kubernetes-ingress@v5.5.4 internal/k8s/utils.go isMaster/isMinion.
const MERGEABLE = "nginx.org/mergeable-ingress-type";
// internal/configs/annotations.go BasicAuthSecretAnnotation.
const BASIC_AUTH = "nginx.org/basic-auth-secret";
// cert-manager@v1.21.1 pkg/apis/acme/v1/types.go IngressEditInPlaceAnnotationKey, ACMECertificateHTTP01IngressNameOverride.
const EDIT_IN_PLACE = "acme.cert-manager.io/http01-edit-in-place";
const OVERRIDE_NAME = "acme.cert-manager.io/http01-override-ingress-name";
// pkg/apis/certmanager/v1/types.go IssueTemporaryCertificateAnnotation.
const TEMPORARY_CERTIFICATE = "cert-manager.io/issue-temporary-certificate";
// pkg/issuer/acme/http/ingress.go solverPathFn (solver.HTTPChallengePath + token); pathType Exact since the
// ACMEHTTP01IngressPathTypeExact gate defaults to true (internal/controller/feature/features.go).
const CHALLENGE: Path = { path: "/.well-known/acme-challenge/token", pathType: "Exact", service: "cm-acme-http-solver" };

const str = (v: unknown): Record<string, string> => (v ?? {}) as Record<string, string>;

/** Raw Ingresses, and the one the longhorn chart renders from its values (chart 1.12.1 templates/ingress.yaml). */
function ingresses(resources: readonly RecordedResource[]): Ingress[] {
    const out: Ingress[] = [];
    resources.forEach((r, order) => {
        const inputs = r.inputs as Obj;
        if (r.type === "kubernetes:networking.k8s.io/v1:Ingress") {
            const meta = inputs.metadata as Obj;
            const spec = inputs.spec as {
                tls?: { hosts: string[]; secretName: string }[];
                rules: { host: string; http?: { paths: { path: string; pathType: string; backend: { service: { name: string } } }[] } }[];
            };
            out.push({
                name: String(meta.name),
                namespace: String(meta.namespace),
                labels: str(meta.labels),
                annotations: str(meta.annotations),
                tls: spec.tls ?? [],
                rules: spec.rules.map((rule) => ({
                    host: rule.host,
                    paths: (rule.http?.paths ?? []).map((p) => ({ path: p.path, pathType: p.pathType, service: p.backend.service.name })),
                })),
                order,
            });
        }
        const values = inputs.values as
            | { ingress?: { enabled?: boolean; host: string; path?: string; tls?: boolean; tlsSecret: string; annotations?: Record<string, string> } }
            | undefined;
        if (r.type === "kubernetes:helm.sh/v3:Release" && inputs.chart === "longhorn" && values?.ingress?.enabled === true) {
            const ing = values.ingress;
            out.push({
                name: "longhorn-ingress",
                namespace: String(inputs.namespace),
                labels: {},
                annotations: { ...ing.annotations },
                tls: ing.tls ? [{ hosts: [ing.host], secretName: ing.tlsSecret }] : [],
                rules: [{ host: ing.host, paths: [{ path: ing.path ?? "", pathType: "ImplementationSpecific", service: "longhorn-frontend" }] }],
                order,
            });
        }
    });
    return out;
}

/** The stack's own Certificates, and those ingress-shim makes (pkg/controller/certificate-shim/sync.go buildCertificates, setIssuerSpecificConfig). */
function certificates(resources: readonly RecordedResource[], ings: readonly Ingress[]): Certificate[] {
    const own = resources
        .filter((r) => r.type === "kubernetes:cert-manager.io/v1:Certificate")
        .map((r) => {
            const { metadata, spec } = r.inputs as { metadata: Obj; spec: { dnsNames?: string[]; issuerRef: { name: string } } };
            return {
                namespace: String(metadata.namespace),
                labels: str(metadata.labels),
                annotations: str(metadata.annotations),
                dnsNames: spec.dnsNames ?? [],
                issuer: spec.issuerRef.name,
            };
        });
    const shim = ings
        .filter((i) => i.annotations["cert-manager.io/cluster-issuer"] !== undefined)
        .flatMap((i) =>
            i.tls.map(
                (t): Certificate => ({
                    namespace: i.namespace,
                    labels: i.labels,
                    annotations: i.annotations[EDIT_IN_PLACE] === "true" ? { [OVERRIDE_NAME]: i.name, [TEMPORARY_CERTIFICATE]: "true" } : {},
                    dnsNames: t.hosts,
                    issuer: i.annotations["cert-manager.io/cluster-issuer"],
                }),
            ),
        );
    return [...own, ...shim];
}

/** pkg/util/solverpicker/solverpicker.go Pick, for HTTP-01 and label selectors: more matching labels win, no selector matches all. */
function pickSolver(solvers: readonly Solver[], labels: Record<string, string>): Solver | undefined {
    let picked: Solver | undefined;
    let pickedLabels = 0;
    for (const s of solvers.filter((x) => x.http01 !== undefined)) {
        const wanted = Object.entries(s.selector?.matchLabels ?? {});
        if (!wanted.every(([k, v]) => labels[k] === v)) continue;
        if (picked === undefined || wanted.length > pickedLabels) {
            picked = s;
            pickedLabels = wanted.length;
        }
    }
    return picked;
}

/**
 * cert-manager presents the challenge (pkg/issuer/acme/http/ingress.go): with an override name it
 * prepends the path to that Ingress's rule for the host (addChallengePathToIngress); otherwise it
 * creates an Ingress (buildIngressResource + mergeIngressObjectMetaWithIngressResourceTemplate), newer
 * than every other.
 */
function presentChallenge(ings: readonly Ingress[], cert: Certificate, host: string, solver: Solver): Ingress[] {
    const target = cert.annotations[OVERRIDE_NAME];
    if (target !== undefined) {
        return ings.map((i) =>
            i.name === target && i.namespace === cert.namespace
                ? { ...i, rules: i.rules.map((r) => (r.host === host ? { ...r, paths: [CHALLENGE, ...r.paths] } : r)) }
                : i,
        );
    }
    const template = solver.http01?.ingress?.ingressTemplate?.metadata ?? {};
    const created: Ingress = {
        name: "cm-acme-http-solver-x",
        namespace: cert.namespace,
        labels: { "acme.cert-manager.io/http01-solver": "true", ...template.labels },
        annotations: { "nginx.ingress.kubernetes.io/whitelist-source-range": "0.0.0.0/0,::/0", ...template.annotations },
        tls: [],
        rules: [{ host, paths: [CHALLENGE] }],
        order: Number.MAX_SAFE_INTEGER,
    };
    return [...ings, created];
}

const matches = (p: Path, path: string) => (p.pathType === "Exact" ? p.path === path : path.startsWith(p.path === "" ? "/" : p.path));

/**
 * What F5 NIC serves for host + path, and the basic-auth Secret that guards it (undefined: none).
 * internal/k8s/configuration.go buildHostsAndResources: minions never hold a host; the oldest other
 * Ingress does; a master gathers the host's minions (buildMinionConfigs). internal/k8s/validation.go:
 * a master has no paths, a minion has no TLS and at least one path. internal/configs/ingress.go
 * generateNginxCfg: basic auth of a non-minion goes on the server (every location), of a minion on its
 * own locations; annotations.go minionDenylist and masterDenylist do not strip it.
 */
function serve(ings: readonly Ingress[], host: string, path: string): { service: string; auth?: string } | { invalid: string } {
    const onHost = (i: Ingress) => i.rules.some((r) => r.host === host);
    const holder = ings.filter((i) => onHost(i) && i.annotations[MERGEABLE] !== "minion").sort((a, b) => a.order - b.order)[0];
    if (holder === undefined) return { invalid: "no Ingress holds the host" };
    let locations: { path: Path; auth?: string }[];
    if (holder.annotations[MERGEABLE] === "master") {
        if (holder.rules.length !== 1 || holder.rules[0].paths.length > 0) return { invalid: `master ${holder.name} has paths` };
        const minions = ings.filter(
            (i) => onHost(i) && i.annotations[MERGEABLE] === "minion" && i.tls.length === 0 && i.rules.length === 1 && i.rules[0].paths.length > 0,
        );
        locations = minions.flatMap((m) => m.rules[0].paths.map((p) => ({ path: p, auth: m.annotations[BASIC_AUTH] })));
    } else {
        locations = holder.rules.filter((r) => r.host === host).flatMap((r) => r.paths.map((p) => ({ path: p })));
    }
    const candidates = locations.filter((l) => matches(l.path, path));
    const best = candidates.find((l) => l.path.pathType === "Exact") ?? candidates.sort((a, b) => b.path.path.length - a.path.path.length)[0];
    if (best === undefined) return { invalid: `no location for ${path}` };
    return { service: best.path.service, auth: holder.annotations[BASIC_AUTH] ?? best.auth };
}

/** Every host with a certificate from the issuer, replayed: the challenge and the host's root. */
function replay(resources: readonly RecordedResource[], host: string) {
    const ings = ingresses(resources);
    const cert = certificates(resources, ings).find((c) => c.dnsNames.includes(host));
    const issuer = resources.find(
        (r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer" && (r.inputs as { metadata: Obj }).metadata.name === cert?.issuer,
    );
    const solvers = ((issuer?.inputs as { spec?: { acme?: { solvers?: Solver[] } } } | undefined)?.spec?.acme?.solvers ?? []) as Solver[];
    const solver = cert && pickSolver(solvers, cert.labels);
    const during = cert && solver ? presentChallenge(ings, cert, host, solver) : ings;
    return { cert, solver, challenge: serve(during, host, CHALLENGE.path), root: serve(during, host, "/"), rootAfter: serve(ings, host, "/") };
}

const HOST = "longhorn.dev.example.com";
const app = (name: string) => ({
    name,
    namespace: "apps",
    image: { project: "apps", repository: name, digest: `sha256:${"1".repeat(64)}` },
    resources: { requests: { cpu: "10m", memory: "32Mi" } },
});

describe("F5 NIC keeps a basic-auth host's ACME HTTP-01 challenge path unauthenticated", () => {
    let resources: readonly RecordedResource[];
    beforeAll(async () => {
        ({ resources } = await evaluateConfig({
            ...k3sStackConfig(),
            "platform:tls": { issuer: "letsencrypt", acme: { email: "ops@example.com", solver: "http01" } },
            "platform:storage": { class: "longhorn" },
            "platform:namespaces": [{ name: "apps" }],
            "platform:harbor": { projects: [{ name: "apps" }] },
            // One app on an edit-in-place Ingress, one on a VirtualServer with its own Certificate (canary).
            "platform:apps": [app("web"), { ...app("shop"), canary: { digest: `sha256:${"2".repeat(64)}`, weight: 10 } }],
            // Monitoring off: the model reads only Ingresses, Certificates, the issuer and Longhorn's values (161 resources instead of 235).
            "platform:monitoring": { enabled: false },
        }));
    });

    it("reads the pinned versions the model was taken from", () => {
        expect(CHARTS.nginxIngress).toMatchObject({ chart: "nginx-ingress", version: "2.6.4" });
        expect(CHARTS.certManager.version).toBe("v1.21.1");
        expect(CHARTS.longhorn.version).toBe("1.12.1");
    });

    it("serves the Longhorn UI's challenge from cert-manager's solver without basic auth, and / with it", () => {
        const r = replay(resources, HOST);
        expect(r.challenge).toEqual({ service: CHALLENGE.service, auth: undefined });
        expect(r.root).toEqual({ service: "longhorn-frontend", auth: "longhorn-ui-auth" });
        expect(r.rootAfter).toEqual({ service: "longhorn-frontend", auth: "longhorn-ui-auth" });
    });

    it("issues a temporary certificate first: NIC redirects HTTP to HTTPS and rejects handshakes without the Secret", () => {
        // internal/configs/config_params.go NewDefaultConfigParams SSLRedirect: true; internal/configs/ingress.go
        // addSSLConfig sets SSLRejectHandshake when the TLS Secret is missing; Let's Encrypt follows the redirect.
        expect(replay(resources, HOST).cert?.annotations[TEMPORARY_CERTIFICATE]).toBe("true");
    });

    it("leaves every other certificate of the stack on the catch-all solver (edit-in-place, VirtualServer conversion)", () => {
        const ings = ingresses(resources);
        const others = certificates(resources, ings).filter((c) => !c.dnsNames.includes(HOST));
        // The app's edit-in-place Ingress and the canary's Certificate (its solver Ingress is turned into a
        // route of the VirtualServer by the controller: internal/k8s/configuration.go convertIngressToVSR).
        expect(others.flatMap((c) => c.dnsNames).sort()).toEqual(["shop.dev.example.com", "web.dev.example.com"]);
        for (const host of others.flatMap((c) => c.dnsNames)) {
            const r = replay(resources, host);
            expect({ host, selector: r.solver?.selector }).toEqual({ host, selector: undefined });
            expect({ host, challenge: r.challenge }).toEqual({ host, challenge: { service: CHALLENGE.service, auth: undefined } });
        }
    });
});

describe("F5 NIC keeps the Longhorn UI behind basic auth on stacks without HTTP-01", () => {
    it.each([["prod"], ["prod-eu"]])("%s: / needs the password and the master's TLS Secret comes from the platform issuer", async (stack) => {
        const { resources, outputs } = await evaluateStack(stack);
        const host = ingresses(resources).find((i) => i.name === "longhorn-ui")!.rules[0].host;
        const r = replay(resources, host);
        expect(r.rootAfter).toEqual({ service: "longhorn-frontend", auth: "longhorn-ui-auth" });
        expect(r.cert).toMatchObject({ issuer: outputs.clusterIssuer, dnsNames: [host] });
    });
});
