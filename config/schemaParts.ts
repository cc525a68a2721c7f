/**
 * Building blocks shared by the config schemas: secret fields, hosts, labels.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isHostOrIp, isLabelKey, isLabelValue } from "./validators";

/** Top-level keys whose value Pulumi marked secret for the parse under way (set by config.ts). */
export const secretContext: { secretTopKeys: ReadonlySet<string> } = { secretTopKeys: new Set() };

/** Issue parameter that tells the formatter a plain-text value was given where a secret is required. */
export const SECRET_REQUIRED = "platform/secret-required";

/**
 * A string that must be set with `pulumi config set --secret`. Pulumi marks secrecy per top-level
 * key (a nested `secure:` value makes the whole key secret), so the check is against `topKey`.
 */
export function secretString(topKey: string, description: string) {
    return z
        .string()
        .min(1, "expected a non-empty secret value")
        .superRefine((_value, ctx) => {
            if (!secretContext.secretTopKeys.has(topKey)) {
                ctx.addIssue({ code: "custom", message: "given in plain text", params: { [SECRET_REQUIRED]: true } });
            }
        })
        .transform((value) => pulumi.secret(value))
        .meta({ description, secret: true });
}

/**
 * The key pair of the old inline S3 blocks, named alike in each: `accessKey`, `secretKey` (a
 * secret). Optional: a block that names a `backend` takes its keys from there.
 */
export function inlineS3Keys(topKey: string) {
    return {
        accessKey: z
            .string()
            .min(1, "expected the S3 access key id")
            .optional()
            .meta({ description: "Deprecated, use `backend` (CHANGELOG.md): S3 access key id." }),
        secretKey: secretString(topKey, "Deprecated, use `backend` (CHANGELOG.md): S3 secret access key.").optional(),
    };
}

export const host = (what: string) => z.string().refine(isHostOrIp, `expected an IPv4/IPv6 address or DNS hostname (${what})`);

export const labels = z
    .record(
        z.string().refine(isLabelKey, "expected a Kubernetes label key such as 'topology.kubernetes.io/zone'"),
        z.string().refine(isLabelValue, "expected a Kubernetes label value (<= 63 alphanumerics, '-', '_', '.')"),
    )
    .meta({ description: "Kubernetes labels as a map of key to value." });
