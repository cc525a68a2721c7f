/**
 * Contract: how Sigstore's policy-controller admits pods (docs/adr/0022), at chart
 * policy-controller 0.10.6 (sigstore/helm-charts tag policy-controller-0.10.6, commit
 * 3d19e1db5ccf40d096ca0cc1b761f261116d674a) and app v0.13.1 (sigstore/policy-controller tag v0.13.1).
 *
 * - charts/policy-controller/values.yaml: `webhook.image.version` is the digest
 *   sha256:0bcd60beb93f4427c29cf3a669743caf58490e98ded4380c33c09f092734a6ab (the `crane digest` of
 *   v0.13.1, also in Chart.yaml `artifacthub.io/images`); `webhook.namespaceSelector` selects
 *   namespaces labelled `policy.sigstore.dev/include` In ["true"] and nothing else;
 *   `webhook.failurePolicy` (default Fail) is what templates/webhook/webhook_validating.yaml and
 *   webhook_mutating.yaml put on the `policy.sigstore.dev` webhooks.
 * - templates/webhook/deployment_webhook.yaml: the webhook container listens on 8443 (`https`);
 *   the pods carry the selector labels `app.kubernetes.io/name: policy-controller` and
 *   `app.kubernetes.io/instance: <release>` (templates/_helpers.tpl) and
 *   `control-plane: <fullname>-webhook`; templates/webhook/service_webhook.yaml: Service `webhook`,
 *   port 443 -> `https`.
 * - pkg/config/store.go: `no-match-policy` is `deny` (also the default), `allow` or `warn`;
 *   pkg/apis/policy/common/validation.go: a ClusterImagePolicy's `mode` is `enforce` or `warn`.
 * - pkg/webhook/validator.go (checkOptsFromAuthority): an authority verifies cosign's Sigstore bundle
 *   format only with `signatureFormat: bundle`, and only keyless; cosign v3.0.6 (what
 *   sigstore/cosign-installer v4.1.2 installs) signs in that format by default
 *   (cmd/cosign/cli/options/sign.go `--new-bundle-format` default true).
 * - cmd/webhook/main.go: the webhook initialises Sigstore's TUF root at start and panics if it cannot.
 * - sigstore/fulcio v1.8.8 config/identity/config.yaml: for the GitHub Actions issuer
 *   `https://token.actions.githubusercontent.com` the certificate's SAN is
 *   `https://github.com/{{ job_workflow_ref }}`, i.e. `https://github.com/<owner>/<repo>/<workflow path>@<ref>`.
 */
import { CHARTS } from "../../charts/versions";
import { leasesCleanupImage } from "../../components/security/admissionValues";
import { RULES } from "../../policy/rules";
import { rawManifests } from "../../offline/manifests";
import type { RecordedResource } from "../../offline/mocks";
import { evaluateStack } from "../harness";
import { type Endpoint, evaluateConnection, policyCluster } from "../../offline/netpol";

const CHART_IMAGE_DIGEST = "sha256:0bcd60beb93f4427c29cf3a669743caf58490e98ded4380c33c09f092734a6ab";
const INCLUDE_LABEL = ["policy.sigstore.dev/include", "true"] as const;
const WEBHOOK_PORT = 8443;
const WEBHOOK_POD_LABELS = {
    "app.kubernetes.io/name": "policy-controller",
    "app.kubernetes.io/instance": "policy-controller",
    "control-plane": "policy-controller-webhook",
};
const NO_MATCH_POLICIES = ["deny", "allow", "warn"];
const MODES = ["enforce", "warn"];
const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
/** The stack files name this repository (example-org/platform); the app workflow signs on main. */
const APP_WORKFLOW_IDENTITY = "https://github.com/example-org/platform/.github/workflows/app.yml@refs/heads/main";

const release = (resources: readonly RecordedResource[]) =>
    resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "policy-controller");
const manifests = (resources: readonly RecordedResource[], kind: string) => rawManifests(resources).filter((m) => m.kind === kind);
type Values = { webhook: { image: { repository: string; version: string }; failurePolicy: string; configData: Record<string, string> } };

describe("Sigstore policy-controller 0.10.6 admits app images signed by the build workflow", () => {
    it("reads the pinned chart the facts come from", () => {
        expect(CHARTS.policyController).toMatchObject({ chart: "policy-controller", version: "0.10.6" });
    });

    it.each(["dev", "prod", "prod-eu"])("%s runs the webhook image at the digest the chart pins", async (stack) => {
        const values = release((await evaluateStack(stack)).resources)!.inputs.values as Values;
        expect(values.webhook.image).toEqual({ repository: "ghcr.io/sigstore/policy-controller/policy-controller", version: CHART_IMAGE_DIGEST });
    });

    it("prod: the policy requires the app workflow's keyless signature in the bundle format, enforced, failing closed and denying unmatched images", async () => {
        const { resources } = await evaluateStack("prod");
        const [policy] = manifests(resources, "ClusterImagePolicy").filter((m) => (m.metadata as { name: string }).name === "platform-signed-apps");
        expect(policy).toMatchObject({
            apiVersion: "policy.sigstore.dev/v1beta1",
            spec: {
                mode: "enforce",
                authorities: [{ keyless: { identities: [{ issuer: GITHUB_ISSUER, subject: APP_WORKFLOW_IDENTITY }] }, signatureFormat: "bundle" }],
            },
        });
        expect((policy.spec as { images: { glob: string }[] }).images).toContainEqual({ glob: "registry.example.com/apps/**" });
        const values = release(resources)!.inputs.values as Values;
        expect(values.webhook.failurePolicy).toBe("Fail");
        expect(values.webhook.configData["no-match-policy"]).toBe("deny");
        expect(NO_MATCH_POLICIES).toContain(values.webhook.configData["no-match-policy"]);
        expect(MODES).toContain((policy.spec as { mode: string }).mode);
    });

    it("dev: the same identity, warning instead of refusing, and failing open", async () => {
        const { resources } = await evaluateStack("dev");
        const [policy] = manifests(resources, "ClusterImagePolicy");
        expect(policy).toMatchObject({
            spec: { mode: "warn", authorities: [{ keyless: { identities: [{ issuer: GITHUB_ISSUER, subject: APP_WORKFLOW_IDENTITY }] } }] },
        });
        const values = release(resources)!.inputs.values as Values;
        expect(values.webhook.failurePolicy).toBe("Ignore");
        expect(values.webhook.configData["no-match-policy"]).toBe("warn");
    });

    it.each(["dev", "prod"])("%s: only the app namespaces carry the opt-in label; platform namespaces (and the webhook's own) never do", async (stack) => {
        const namespaces = manifests((await evaluateStack(stack)).resources, "Namespace").map(
            (m) => m.metadata as { name: string; labels?: Record<string, string> },
        );
        const labelled = namespaces.filter((ns) => ns.labels?.[INCLUDE_LABEL[0]] === INCLUDE_LABEL[1]).map((ns) => ns.name);
        expect(labelled).toEqual(["apps"]);
        expect(namespaces.map((ns) => ns.name)).toEqual(expect.arrayContaining(["harbor", "cert-manager", "monitoring", "cosign-system"]));
    });

    it("prod: the generated policies let the API server (a node's flannel address) call the webhook on its container port only, and let it reach Sigstore", async () => {
        const { resources } = await evaluateStack("prod");
        const cluster = policyCluster(manifests(resources, "NetworkPolicy") as unknown as Record<string, unknown>[]);
        const admits = (_: unknown, from: Endpoint, to: Endpoint, port: number) => ({ allowed: evaluateConnection(cluster, { from, to, port }).admitted });
        const policies = undefined;
        const webhook: Endpoint = { kind: "pod", namespace: "cosign-system", labels: WEBHOOK_POD_LABELS, ip: "10.42.2.17", node: "b" };
        // Another node's flannel address (the API server on node a).
        const node: Endpoint = { kind: "host", ip: "10.42.1.0", node: "a" };
        expect(admits(policies, node, webhook, WEBHOOK_PORT).allowed).toBe(true);
        expect(admits(policies, node, webhook, 9090).allowed).toBe(false);
        // A pod of an app namespace cannot call it; the webhook reaches public HTTPS (TUF, registry) and never the metadata endpoint.
        expect(
            admits(
                policies,
                { kind: "pod", namespace: "apps", labels: { "app.kubernetes.io/name": "hello" }, ip: "10.42.3.9", node: "c" },
                webhook,
                WEBHOOK_PORT,
            ).allowed,
        ).toBe(false);
        expect(admits(policies, webhook, { kind: "host", ip: "151.101.1.1" }, 443).allowed).toBe(true);
        expect(admits(policies, webhook, { kind: "host", ip: "169.254.169.254" }, 80).allowed).toBe(false);
    });
});

/**
 * The chart's leases-cleanup hook (docs/adr/0022 "The post-delete hook's image"), at
 * sigstore/helm-charts@policy-controller-0.10.6:
 * - charts/policy-controller/templates/webhook/cleanup-leases.yaml: Job `leases-cleanup`, annotated
 *   `helm.sh/hook: post-delete`, rendered unconditionally (no `if` around it; values.yaml
 *   `leasescleanup` has no `enabled`); its container's command is
 *   `/bin/sh -c "kubectl delete leases --all --ignore-not-found -n <release namespace>"`.
 * - templates/_helpers.tpl `leases-cleanup.image`: `printf "%s:%s" .repository .version`, whatever
 *   `version` holds (the webhook's `policy-controller.image` reads a `sha256:` version as a digest;
 *   this one does not).
 * - helm/helm@v3.20.2:pkg/action/uninstall.go runs the post-delete hooks unless `DisableHooks`, and
 *   pulumi/pulumi-kubernetes@v4.32.0:provider/pkg/provider/helm_release.go (Delete) never sets it
 *   (`disableWebhooks` reaches install only): every delete of the Release runs the Job.
 * - The image therefore needs `/bin/sh`: kubernetes/kubernetes@0052ccaa:build/common.sh builds
 *   registry.k8s.io/kubectl on gcr.io/distroless/static-debian13 (no shell);
 *   chainguard-images/images@0c653276:images/kubectl/README.md ("-dev Variants"): Chainguard's
 *   images have no shell, their `-dev` variants add one. The chart's default is
 *   cgr.dev/chainguard/kubectl:latest-dev (values.yaml `leasescleanup.image`).
 */
/** The chart's `leases-cleanup.image` template. */
const leasesCleanupRef = (image: { repository: string; version: string }) => `${image.repository}:${image.version}`;
/** Images that have `kubectl` and the `/bin/sh` the hook's command starts: name -> the tags that carry a shell, with an optional digest. */
const KUBECTL_WITH_SHELL: Readonly<Record<string, RegExp>> = { "cgr.dev/chainguard/kubectl": /^latest-dev(@sha256:[a-f0-9]{64})?$/ };
/** A reference a kubelet can pull: name, tag, optional digest (no `:sha256:...` in place of a tag). */
const REFERENCE = /^[a-z0-9.-]+(\/[a-z0-9._-]+)+:\w[\w.-]{0,127}(@sha256:[a-f0-9]{64})?$/;

const hookImage = (resources: readonly RecordedResource[]) =>
    (release(resources)!.inputs.values as { leasescleanup: { image: { repository: string; version: string } } }).leasescleanup.image;

describe("policy-controller 0.10.6's post-delete hook runs on every uninstall, so it gets an image with a shell, pinned", () => {
    it.each(["dev", "prod", "prod-eu"])("%s: the hook's image has kubectl and a shell, and joins into a reference a kubelet can pull", async (stack) => {
        const image = hookImage((await evaluateStack(stack)).resources);
        const ref = leasesCleanupRef(image);
        expect(Object.keys(KUBECTL_WITH_SHELL)).toContain(image.repository);
        expect(ref.slice(image.repository.length + 1)).toMatch(KUBECTL_WITH_SHELL[image.repository]);
        expect(ref).toMatch(REFERENCE);
    });

    it("a digest written for the image reaches the hook after its tag, the one form the chart's template pulls", () => {
        const digest = `sha256:${"d".repeat(64)}`;
        const image = leasesCleanupImage({ image: "cgr.dev/chainguard/kubectl", tag: "latest-dev", digest });
        expect(leasesCleanupRef(image)).toBe(`cgr.dev/chainguard/kubectl:latest-dev@${digest}`);
        expect(leasesCleanupRef(image)).toMatch(REFERENCE);
        // The webhook's form (a bare digest as version) would not pull here.
        expect(leasesCleanupRef({ repository: "cgr.dev/chainguard/kubectl", version: digest })).not.toMatch(REFERENCE);
        expect(leasesCleanupRef(leasesCleanupImage({ image: "cgr.dev/chainguard/kubectl", tag: "latest-dev" }))).toBe("cgr.dev/chainguard/kubectl:latest-dev");
    });

    it("the chart values take the hook image's digest from charts/images.ts once one is written there", () => {
        const digest = `sha256:${"e".repeat(64)}`;
        let values: { leasescleanup: { image: { repository: string; version: string } } } | undefined;
        jest.isolateModules(() => {
            // charts/images.ts as Renovate leaves it after its first digest update of the hook image.
            jest.doMock("../../charts/images", () => {
                const actual = jest.requireActual<typeof import("../../charts/images")>("../../charts/images");
                return { ...actual, IMAGES: { ...actual.IMAGES, policyControllerLeasesCleanup: { ...actual.IMAGES.policyControllerLeasesCleanup, digest } } };
            });
            const { admissionValues } = jest.requireActual<typeof import("../../components/security/admissionValues")>(
                "../../components/security/admissionValues",
            );
            values = admissionValues({ mode: "enforce", replicas: 1, highAvailability: false }) as typeof values;
        });
        jest.dontMock("../../charts/images");
        expect(leasesCleanupRef(values!.leasescleanup.image)).toBe(`cgr.dev/chainguard/kubectl:latest-dev@${digest}`);
    });

    it("prod: the policy pack's images-digest rule reports the hook's image until a digest is written, then counts it", async () => {
        const prodRelease = release((await evaluateStack("prod")).resources)!;
        const withHookImage = (image: { repository: string; version: string }) => {
            const values = prodRelease.inputs.values as { leasescleanup: Record<string, unknown> };
            const inputs = { ...prodRelease.inputs, values: { ...values, leasescleanup: { ...values.leasescleanup, image } } };
            const resource = { type: prodRelease.type, name: prodRelease.name, inputs, protect: false };
            return RULES.find((r) => r.name === "images-digest")!
                .check(resource, { profile: "prod" })
                .filter((m) => m.includes("leasescleanup"));
        };
        const entry = { image: "cgr.dev/chainguard/kubectl", tag: "latest-dev" };
        expect(withHookImage(leasesCleanupImage(entry))).toHaveLength(1);
        expect(withHookImage(leasesCleanupImage({ ...entry, digest: `sha256:${"d".repeat(64)}` }))).toEqual([]);
    });
});
