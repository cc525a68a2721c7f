import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../charts/versions";
import { installChart } from "../lib/chart";
import type { Flow, NetworkNeeds, OwnedNamespace, Route } from "../lib/flows";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import {
    ADMISSION_NAMESPACE,
    ADMISSION_RELEASE,
    admissionFlows,
    admissionPolicies,
    admissionValues,
    type AdmissionMode,
    type KeylessSigner,
} from "./admissionValues";

export interface SignatureAdmissionArgs extends NamespacePolicyArgs {
    /** `enforce`: refuse unsigned images and fail closed while the webhook is down; `warn`: admit with a warning, fail open. */
    readonly mode: AdmissionMode;
    /** Image globs that must be signed, e.g. `registry.example.com/apps/**` (policy-controller glob syntax). */
    readonly images: readonly string[];
    /** The build workflow's keyless identity (Fulcio issuer and subject). At least one of `signer` and `publicKeys`. */
    readonly signer?: KeylessSigner;
    /** PEM public keys also accepted (cosign legacy signatures without a transparency-log entry). @default [] */
    readonly publicKeys?: readonly string[];
    /** Images that run in app namespaces unsigned because the platform pins them (cert-manager's HTTP-01 solver). @default [] */
    readonly exempt?: readonly { readonly images: readonly string[]; readonly why: string }[];
    /** PEM CAs the webhook trusts for the registry (a private CA). */
    readonly registryCaBundle?: string;
    /** The registry is published by the platform's ingress controller (its flows are added). @default true */
    readonly registryThroughIngress?: boolean;
    readonly replicas: number;
    readonly highAvailability: boolean;
    /** @default "cosign-system" */
    readonly namespace?: string;
}

/** The ConfigMap (and key) with the registry CAs the webhook trusts (`webhook.registryCaBundle`). */
const REGISTRY_CA = { name: "registry-ca", key: "ca.pem" } as const;

/**
 * Signature admission (docs/adr/0022): Sigstore's policy-controller checks, at admission, every
 * image of a pod in a namespace labelled `policy.sigstore.dev/include=true` against the
 * ClusterImagePolicies made here: the app images must carry a signature by the build workflow's
 * identity. Platform namespaces are not labelled, so platform images (pinned in charts/) are exempt.
 */
export class SignatureAdmission extends pulumi.ComponentResource implements NetworkNeeds {
    public readonly release: k8s.helm.v3.Release;
    /** The policies; an app's objects wait for them (with none, enforcing mode refuses every image). */
    public readonly policies: readonly k8s.apiextensions.CustomResource[];
    public readonly flows: readonly Flow[];
    public readonly routes: readonly Route[] = [];
    public readonly ownedNamespaces: readonly OwnedNamespace[];

    constructor(name: string, args: SignatureAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:security:SignatureAdmission", name, {}, opts);
        const publicKeys = args.publicKeys ?? [];
        if (args.signer === undefined && publicKeys.length === 0) {
            throw new Error("SignatureAdmission: give a signer or at least one public key, or every app image is refused");
        }
        const namespace = args.namespace ?? ADMISSION_NAMESPACE;
        const ns = platformNamespace(`${name}-ns`, { name: namespace, podSecurityVersion: args.podSecurityVersion }, { parent: this });
        const registryCa =
            args.registryCaBundle === undefined
                ? undefined
                : new k8s.core.v1.ConfigMap(
                      `${name}-registry-ca`,
                      { metadata: { name: REGISTRY_CA.name, namespace: ns.metadata.name }, data: { [REGISTRY_CA.key]: args.registryCaBundle } },
                      { parent: this },
                  );
        this.release = installChart(
            `${name}-release`,
            {
                chart: CHARTS.policyController,
                releaseName: ADMISSION_RELEASE,
                namespace: ns.metadata.name,
                values: admissionValues({
                    mode: args.mode,
                    replicas: args.replicas,
                    highAvailability: args.highAvailability,
                    registryCa: registryCa && REGISTRY_CA,
                }),
            },
            { parent: this, dependsOn: registryCa ? [registryCa] : [] },
        );
        // The policies' CRD and validating webhook come with the release: create them after it.
        this.policies = admissionPolicies({ mode: args.mode, images: args.images, signer: args.signer, publicKeys, exempt: args.exempt ?? [] }).map(
            (policy) => new k8s.apiextensions.CustomResource(`${name}-${policy.metadata.name}`, { ...policy }, { parent: this, dependsOn: [this.release] }),
        );
        this.flows = admissionFlows(namespace, { registryThroughIngress: args.registryThroughIngress ?? true });
        this.ownedNamespaces = [{ name: namespace, object: ns }];
        this.registerOutputs({});
    }
}
