import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Pod Security Admission levels (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

/** Annotation recording why a namespace runs below `restricted`; reviewers see it in the render. */
export const POD_SECURITY_REASON_ANNOTATION = "platform/pod-security-reason";

/**
 * PSA labels for a namespace: `enforce` at the chosen level, pinned to the cluster's minor version
 * so a Kubernetes upgrade cannot tighten the policy under running workloads, and `audit`/`warn`
 * always at `restricted` so anything below it stays visible in audit logs and kubectl warnings.
 */
export function podSecurityLabels(level: PodSecurityLevel, version: string): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": version,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": version,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": version,
    };
}

/** The PSA version label for a k3s release (`v1.36.4+k3s1` -> `v1.36`); `latest` when unknown. */
export function podSecurityVersion(k3sVersion: string | undefined): string {
    const match = k3sVersion === undefined ? null : /^v(\d+)\.(\d+)\./.exec(k3sVersion);
    return match ? `v${match[1]}.${match[2]}` : "latest";
}

/**
 * What every component with a namespace takes from the stack (platform/platform.ts): the PSA
 * version. Its NetworkPolicies are the Platform's, generated from every component's flows.
 */
export interface NamespacePolicyArgs {
    /** Pod Security policy version for the namespace (the cluster's minor). */
    readonly podSecurityVersion: string;
}

export interface PlatformNamespaceArgs {
    /** Namespace name. */
    readonly name: string;
    /** Enforced Pod Security level. @default "restricted" */
    readonly podSecurity?: PodSecurityLevel;
    /** Required below `restricted`: which workload needs the exception. */
    readonly reason?: string;
    /** PSA policy version label. @default "latest" */
    readonly podSecurityVersion?: string;
    /** Extra labels; PSA labels win on conflict. */
    readonly labels?: Readonly<Record<string, string>>;
}

/** A namespace that always carries Pod Security labels; the only way the platform makes one. */
export function platformNamespace(resourceName: string, args: PlatformNamespaceArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    const level = args.podSecurity ?? "restricted";
    if (level !== "restricted" && (args.reason === undefined || args.reason.trim() === "")) {
        throw new Error(`namespace ${args.name}: Pod Security level '${level}' needs a reason`);
    }
    const namespace = new k8s.core.v1.Namespace(
        resourceName,
        {
            metadata: {
                name: args.name,
                labels: {
                    ...args.labels,
                    "app.kubernetes.io/managed-by": "pulumi",
                    ...podSecurityLabels(level, args.podSecurityVersion ?? "latest"),
                },
                ...(level === "restricted" ? {} : { annotations: { [POD_SECURITY_REASON_ANNOTATION]: args.reason! } }),
            },
        },
        opts,
    );
    return namespace;
}
