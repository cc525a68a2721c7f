/**
 * One routing object and one Certificate per app host for the app's whole life (docs/adr/0020), read
 * against the controller, cert-manager and the Pulumi provider at the pinned versions. Each test states
 * the upstream fact as a literal beside its source and checks every stack's evaluated plan with it.
 */
import { certificateSpec } from "../../components/apps/appNetwork";
import { rawManifests } from "../../offline/manifests";
import type { RecordedResource } from "../../offline/mocks";
import { sharedEvaluation, stackNames } from "../shared";
import { stackConfigs } from "./stacks";

type Manifest = {
    kind?: string;
    metadata?: { name?: string; namespace?: unknown; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: Record<string, unknown>;
};
const manifests = (resources: readonly RecordedResource[]) => rawManifests(resources) as Manifest[];
const appHosts = (stack: string) =>
    stackConfigs()
        .find(([s]) => s === stack)![1]
        .apps.map((a) => a.host);

// nginx/kubernetes-ingress@v5.5.4 internal/k8s/configuration.go buildHostsAndResources: hosts are taken by
// Ingresses first, then VirtualServers; on a collision `chooseObjectMetaWinner` keeps the object whose
// creationTimestamp is older (the UID breaks ties), the loser gets "host ... is taken by another resource".
const HOST_WINNER = "older creationTimestamp";
// Mergeable minions (nginx.org/mergeable-ingress-type: minion) add locations to their master's host, owning none.
const MINION = { key: "nginx.org/mergeable-ingress-type", value: "minion" };
// cert-manager's solver Ingresses carry this label; configuration.go isChallengeIngress returns false unless the
// controller runs with -enable-cert-manager (chart controller.enableCertManager), and only then turns them into
// a route of the VirtualServer owning the host (convertIngressToVSR).
const SOLVER_LABEL = "acme.cert-manager.io/http01-solver";

describe(`F5 NIC v5.5.4 gives a host to one object (the one with the ${HOST_WINNER}): every app host has exactly one, a VirtualServer`, () => {
    it.each(stackNames())("Pulumi.%s.yaml", (stack) => {
        const owners = new Map<string, string[]>();
        for (const m of manifests(sharedEvaluation(stack).resources)) {
            const hosts =
                m.kind === "VirtualServer"
                    ? [m.spec?.host as string]
                    : m.kind === "Ingress" && m.metadata?.annotations?.[MINION.key] !== MINION.value
                      ? ((m.spec?.rules as { host?: string }[]) ?? []).map((r) => r.host ?? "")
                      : [];
            for (const host of hosts) owners.set(host, [...(owners.get(host) ?? []), `${m.kind} ${m.metadata?.name}`]);
        }
        expect([...owners].filter(([, who]) => who.length > 1)).toEqual([]);
        for (const host of appHosts(stack)) {
            expect({ host, owners: owners.get(host) }).toEqual({ host, owners: [expect.stringMatching(/^VirtualServer /)] });
        }
    });
});

describe("the controller routes the HTTP-01 solver into a VirtualServer only with -enable-cert-manager: decided by the issuer, never by a canary", () => {
    it.each(stackNames())("Pulumi.%s.yaml", (stack) => {
        const config = stackConfigs().find(([s]) => s === stack)![1];
        const http01 = config.tls.issuer !== "selfSigned" && config.tls.acme?.solver === "http01";
        const release = sharedEvaluation(stack).resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "nginx-ingress");
        if (!config.ingress.enabled) {
            expect(release).toBeUndefined();
            return;
        }
        const controller = (release!.inputs.values as { controller: Record<string, unknown> }).controller;
        expect({ stack, enableCertManager: controller.enableCertManager ?? false }).toEqual({ stack, enableCertManager: http01 });
        // With it, the controller's cert-manager loop waits for the Certificate informer to sync
        // (internal/certmanager/cm_controller.go Run: WaitForNamedCacheSync): the release waits for the CRDs.
        if (http01 && config.tls.installCertManager) expect(release!.dependsOn).toContain(`${stack}-cert-manager-release`);
        // No app object is a solver Ingress the platform made itself.
        expect(manifests(sharedEvaluation(stack).resources).filter((m) => m.metadata?.labels?.[SOLVER_LABEL] !== undefined)).toEqual([]);
    });
});

describe("one Certificate writes each TLS Secret (cert-manager v1.21.1)", () => {
    // pkg/controller/certificate-shim/sync.go: ingress-shim makes a Certificate named after each tls[].secretName of
    // an Ingress annotated cert-manager.io/cluster-issuer. nginx/kubernetes-ingress@v5.5.4 internal/certmanager/sync.go:
    // a VirtualServer with tls.cert-manager gets a Certificate named after tls.secret. internal/controller/certificates/
    // policies/checks.go SecretCertificateNameAnnotationsMismatch: a Secret issued for another Certificate's name is
    // re-issued, so two Certificates on one Secret re-issue each other.
    const ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";
    it.each(stackNames())("Pulumi.%s.yaml", (stack) => {
        const writers = new Map<string, string[]>();
        const add = (m: Manifest, secret: unknown, who: string) =>
            writers.set(`${String(m.metadata?.namespace)}/${String(secret)}`, [
                ...(writers.get(`${String(m.metadata?.namespace)}/${String(secret)}`) ?? []),
                who,
            ]);
        for (const m of manifests(sharedEvaluation(stack).resources)) {
            if (m.kind === "Certificate") add(m, m.spec?.secretName, `Certificate ${m.metadata?.name}`);
            if (m.kind === "Ingress" && m.metadata?.annotations?.[ISSUER_ANNOTATION] !== undefined) {
                for (const tls of (m.spec?.tls as { secretName: string }[]) ?? []) add(m, tls.secretName, `ingress-shim for Ingress ${m.metadata?.name}`);
            }
            if (m.kind === "VirtualServer") {
                const tls = m.spec?.tls as Record<string, unknown> | undefined;
                expect({ virtualServer: m.metadata?.name, certManager: tls?.["cert-manager"] }).toEqual({
                    virtualServer: m.metadata?.name,
                    certManager: undefined,
                });
            }
        }
        expect([...writers].filter(([, who]) => who.length !== 1)).toEqual([]);
        for (const app of stackConfigs().find(([s]) => s === stack)![1].apps) {
            expect(writers.get(`${app.namespace}/${app.name}-tls`)).toEqual([`Certificate ${app.name}`]);
        }
    });
});

describe("a new host's first HTTP-01 certificate: the VirtualServer redirects to HTTPS before any location, and refuses TLS without its Secret", () => {
    // nginx/kubernetes-ingress@v5.5.4 internal/configs/version2/nginx.virtualserver.tmpl: `if ($scheme = 'http') { return 301 ... }`
    // at server level (before location matching, so before the challenge route); internal/configs/virtualserver.go
    // generateSSLConfig: a missing Secret sets `ssl_reject_handshake on`. cert-manager@v1.21.1
    // pkg/apis/certmanager/v1/types.go: the Certificate annotation below makes cert-manager write a temporary
    // self-signed certificate into the Secret before the real one is issued.
    const TEMPORARY = "cert-manager.io/issue-temporary-certificate";
    it("asks for a temporary certificate under HTTP-01, and only then", () => {
        expect(certificateSpec({ host: "hello.example.com", secretName: "hello-tls", issuer: "letsencrypt", http01: true }).annotations).toEqual({
            [TEMPORARY]: "true",
        });
        expect(certificateSpec({ host: "hello.example.com", secretName: "hello-tls", issuer: "letsencrypt", http01: false }).annotations).toEqual({});
    });
});

describe("pulumi-kubernetes never waits on a host another object holds", () => {
    // pulumi/pulumi-kubernetes@v4.32.0 provider/pkg/await/ingress.go (the npm package pins 4.34.2, whose tag the
    // snapshot lacks): an Ingress is ready only once .status.loadBalancer.ingress is set, for up to
    // DefaultIngressTimeoutMins = 10; F5 NIC writes no status for an Ingress that lost its host. provider/pkg/metadata/
    // overrides.go ReadyCondition: a custom resource without the pulumi.com/waitFor annotation is ready at once
    // (unless PULUMI_K8S_AWAIT_ALL=true).
    const INGRESS_AWAIT_MINUTES = 10;
    const WAIT_FOR = "pulumi.com/waitFor";
    it.each(stackNames())(
        "Pulumi.%s.yaml: no app is published by an Ingress (a 10-minute wait per update once it lost its host); its VirtualServer is not awaited",
        (stack) => {
            expect(INGRESS_AWAIT_MINUTES).toBe(10);
            const apps = manifests(sharedEvaluation(stack).resources).filter((m) => m.metadata?.labels?.["app.kubernetes.io/part-of"] === "platform-apps");
            expect(apps.filter((m) => m.kind === "Ingress")).toEqual([]);
            expect(apps.filter((m) => m.kind === "VirtualServer" && m.metadata?.annotations?.[WAIT_FOR] !== undefined)).toEqual([]);
        },
    );
});
