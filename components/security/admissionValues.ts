/**
 * Sigstore policy-controller (chart policy-controller 0.10.6, app v0.13.1): chart values, the
 * ClusterImagePolicies and the flows of the signature admission webhook (docs/adr/0022). Facts
 * below are read from sigstore/helm-charts@policy-controller-0.10.6:charts/policy-controller/ and
 * sigstore/policy-controller@v0.13.1; test/contracts/policy-controller.contract.test.ts states them.
 */
import { IMAGES, type ImageEntry } from "../../charts/images";
import { apiServerFlow, type Flow, INGRESS_CONTROLLER, type PodEnd } from "../lib/flows";
import { limited } from "../lib/resources";

/** The webhook's namespace (upstream's own install uses cosign-system: config/100-namespace.yaml). */
export const ADMISSION_NAMESPACE = "cosign-system";
/** Helm release name: it contains the chart name, so the chart's fullname is this (templates/_helpers.tpl). */
export const ADMISSION_RELEASE = "policy-controller";

/**
 * The label that opts a namespace in: the chart's default `webhook.namespaceSelector` is
 * `policy.sigstore.dev/include In ["true"]`, so only namespaces carrying it are checked; platform
 * namespaces never carry it (their images are pinned in charts/ and exempt).
 */
export const ADMISSION_NAMESPACE_LABEL = { "policy.sigstore.dev/include": "true" } as const;

/** The webhook pods' selector labels (`policy-controller.selectorLabels` plus `control-plane`). */
const ADMISSION_PODS = { "app.kubernetes.io/name": "policy-controller", "app.kubernetes.io/instance": ADMISSION_RELEASE } as const;
/** The webhook container's `https` port; the Service `webhook` maps 443 to it (deployment_webhook.yaml, service_webhook.yaml). */
const ADMISSION_WEBHOOK_PORT = 8443;

/** How a refused image is handled, and what happens while the webhook is down. */
export type AdmissionMode = "enforce" | "warn";

/** A keyless signer: the Fulcio certificate's OIDC issuer and subject (for GitHub Actions, the workflow file at a ref). */
export interface KeylessSigner {
    readonly issuer: string;
    readonly subject: string;
}

export interface AdmissionPolicyArgs {
    readonly mode: AdmissionMode;
    /** Image globs that must carry a valid signature (`registry.example.com/apps/**`). */
    readonly images: readonly string[];
    /** The build workflow's identity. */
    readonly signer?: KeylessSigner;
    /** PEM public keys whose (legacy-format, no transparency log) signatures are also accepted. */
    readonly publicKeys: readonly string[];
    /** Images admitted without a signature (platform images that run in app namespaces), with why. */
    readonly exempt: readonly { readonly images: readonly string[]; readonly why: string }[];
}

/** A ClusterImagePolicy (policy.sigstore.dev/v1beta1, pkg/apis/policy/v1beta1/clusterimagepolicy_types.go) as data. */
export interface ClusterImagePolicy {
    readonly apiVersion: "policy.sigstore.dev/v1beta1";
    readonly kind: "ClusterImagePolicy";
    readonly metadata: { readonly name: string; readonly annotations?: Readonly<Record<string, string>> };
    readonly spec: Record<string, unknown>;
}

/**
 * The policies: one requiring a signature by the signer (or one of the keys) on the app images, and
 * a static pass for each exempt image. policy-controller admits an image when every policy whose
 * globs match it passes, and a policy passes when one of its authorities does
 * (pkg/webhook/validator.go); an image that matches no policy is refused or warned about by the
 * controller-wide `no-match-policy` (admissionValues below).
 */
export function admissionPolicies(args: AdmissionPolicyArgs): ClusterImagePolicy[] {
    const authorities: Record<string, unknown>[] = [];
    if (args.signer) {
        authorities.push({
            name: "build-workflow",
            // Sigstore's public Fulcio (the CA the GitHub Actions certificates come from); the defaulting
            // webhook would set it too (clusterimagepolicy_defaults.go), stated here so Pulumi sees no drift.
            keyless: { url: "https://fulcio.sigstore.dev", identities: [{ issuer: args.signer.issuer, subject: args.signer.subject }] },
            // cosign v3 (cosign-installer v4.1.2) signs in the Sigstore bundle format by default; the
            // bundle carries its transparency-log proof and the trusted root comes from Sigstore's TUF.
            signatureFormat: "bundle",
        });
    }
    args.publicKeys.forEach((key, i) => {
        // Keys verify only cosign's legacy format (validator.go checkOptsFromAuthority refuses a bundle
        // without keyless), and with no `ctlog` no transparency-log entry is required.
        authorities.push({ name: `stack-key-${i + 1}`, key: { data: key, hashAlgorithm: "sha256" } });
    });
    const policies: ClusterImagePolicy[] = [];
    if (args.images.length > 0 && authorities.length > 0) {
        policies.push({
            apiVersion: "policy.sigstore.dev/v1beta1",
            kind: "ClusterImagePolicy",
            metadata: { name: "platform-signed-apps" },
            spec: { mode: args.mode, images: args.images.map((glob) => ({ glob })), authorities },
        });
    }
    args.exempt.forEach((e, i) =>
        policies.push({
            apiVersion: "policy.sigstore.dev/v1beta1",
            kind: "ClusterImagePolicy",
            metadata: { name: `platform-exempt-${i + 1}`, annotations: { "platform/exempt-reason": e.why } },
            spec: { mode: args.mode, images: e.images.map((glob) => ({ glob })), authorities: [{ name: "platform-image", static: { action: "pass" } }] },
        }),
    );
    return policies;
}

export interface AdmissionValuesArgs {
    readonly mode: AdmissionMode;
    readonly replicas: number;
    readonly highAvailability: boolean;
    /** ConfigMap (and key) holding PEM CAs the webhook trusts for registries (a private registry CA). */
    readonly registryCa?: { readonly name: string; readonly key: string };
}

/**
 * Fail closed when enforcing: while no webhook pod answers, the API server refuses pods (and the
 * Deployments, ReplicaSets, Jobs... that create them) in the opted-in namespaces only; running
 * pods keep running. Warning mode fails open. `webhook.failurePolicy` is what the chart puts on the
 * `policy.sigstore.dev` webhooks (webhook_validating.yaml, webhook_mutating.yaml).
 */
export function admissionFailurePolicy(mode: AdmissionMode): "Fail" | "Ignore" {
    return mode === "enforce" ? "Fail" : "Ignore";
}

/**
 * The image of the chart's leases-cleanup hook as its values take it. The hook (a post-delete Job
 * deleting every Lease of the release's namespace, templates/webhook/cleanup-leases.yaml) has no
 * values switch, and Helm runs post-delete hooks on every uninstall Pulumi makes; its command is
 * `/bin/sh -c "kubectl delete leases ..."`, so it needs an image with a shell, which
 * registry.k8s.io/kubectl (distroless) is not (docs/adr/0022 "The post-delete hook's image").
 * The chart joins this image as `repository:version` (templates/_helpers.tpl `leases-cleanup.image`,
 * unlike the webhook's image, which also takes a bare `sha256:` version): the digest Renovate writes
 * into charts/images.ts goes after the tag, `latest-dev@sha256:...`.
 */
export function leasesCleanupImage(entry: ImageEntry): { repository: string; version: string } {
    return { repository: entry.image, version: entry.digest === undefined ? entry.tag : `${entry.tag}@${entry.digest}` };
}

export function admissionValues(args: AdmissionValuesArgs): Record<string, unknown> {
    const webhookImage = IMAGES.policyController;
    return {
        // A fixed timeout: the API server's own default (10 s) also bounds a slow registry lookup.
        cosign: { webhookTimeoutSeconds: { validating: 10, mutating: 10 } },
        webhook: {
            replicaCount: args.replicas,
            // The chart's default PDB (minAvailable 1) would block every node drain with one replica.
            podDisruptionBudget: { enabled: args.highAvailability, minAvailable: 1 },
            // The chart's own digest pin, named here so the policy pack and Renovate see it.
            image: { repository: webhookImage.image, version: webhookImage.digest },
            failurePolicy: admissionFailurePolicy(args.mode),
            // An image no policy matches: refused when enforcing (pkg/config/store.go: deny is also the
            // default), a warning otherwise.
            configData: { "no-match-policy": args.mode === "enforce" ? "deny" : "warn" },
            resources: limited("20m", "64Mi", "512Mi"),
            // Pod level: what Pod Security `restricted` asks for besides the chart's container settings.
            securityContext: { enabled: true, runAsUser: 65532, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            ...(args.registryCa ? { registryCaBundle: { name: args.registryCa.name, key: args.registryCa.key } } : {}),
        },
        leasescleanup: {
            image: leasesCleanupImage(IMAGES.policyControllerLeasesCleanup),
            podSecurityContext: {
                enabled: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: 65532,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            },
        },
    };
}

export interface AdmissionFlowArgs {
    /** The registry hosts the webhook fetches signatures from are served by the platform's ingress controller. */
    readonly registryThroughIngress: boolean;
}

/**
 * What the webhook needs: the API server calls it from the nodes; it watches its policies and
 * reads pull secrets through the API; it fetches Sigstore's trusted root over TUF at start (it
 * panics without it: cmd/webhook/main.go) and on resync; and it reads signatures from the registry
 * the app images are in: Harbor, published by the ingress controller.
 */
export function admissionFlows(namespace: string, args: AdmissionFlowArgs): Flow[] {
    const webhook: PodEnd = { namespace, pods: ADMISSION_PODS };
    const chart = "sigstore/helm-charts@policy-controller-0.10.6:charts/policy-controller/templates/webhook";
    const flows: Flow[] = [
        {
            name: "API server -> policy-controller webhook",
            from: "nodes",
            to: webhook,
            ports: [ADMISSION_WEBHOOK_PORT],
            why: "every pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job and CronJob in an opted-in namespace, and every ClusterImagePolicy, is admitted by it",
            cite: `${chart}/deployment_webhook.yaml`,
        },
        apiServerFlow(
            webhook,
            "policy-controller",
            "reads its policies, configuration and the pods' pull secrets; reconciles its webhook configurations and certificate",
        ),
        {
            name: "policy-controller -> Sigstore (TUF, Fulcio and Rekor keys)",
            from: webhook,
            to: "internet",
            ports: [443],
            why: "the trusted root (Fulcio CA, Rekor and CT log keys) comes from Sigstore's TUF repository; without it the webhook does not start",
            cite: "sigstore/policy-controller@v0.13.1:cmd/webhook/main.go",
        },
    ];
    if (args.registryThroughIngress) {
        flows.push(
            {
                name: "policy-controller -> ingress controller (registry)",
                from: webhook,
                to: INGRESS_CONTROLLER,
                ports: [443],
                why: "signatures are read from Harbor, whose host resolves to the ingress controller (kube-proxy rewrites a LoadBalancer address to its pod)",
            },
            {
                name: "policy-controller -> k3s ServiceLB (registry)",
                from: webhook,
                to: { namespace: "kube-system", pods: { "svccontroller.k3s.cattle.io/svcnamespace": INGRESS_CONTROLLER.namespace } },
                ports: [443],
                why: "Harbor's host resolving to the webhook's own node lands on the svclb pod's hostPort",
                cite: "k3s-io/k3s@v1.36.4+k3s1:pkg/cloudprovider/servicelb.go",
            },
            {
                name: "policy-controller -> outside load balancer (registry)",
                from: webhook,
                to: "outside",
                ports: [443],
                why: "Harbor's host behind a load balancer outside the cluster",
            },
        );
    }
    return flows;
}
