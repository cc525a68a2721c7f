/**
 * The one namespace table: every namespace the platform installs into (plus kube-system, which k3s
 * owns). Components, NetworkPolicies, platform/flows.ts, verify and the policy pack (policy/rules.ts)
 * all read the names from here. Data only, with no imports, so the policy pack can load it too.
 * Renaming an entry renames a live namespace: existing stacks would see every object in it replaced.
 */
export const NAMESPACES = {
    ingress: "ingress-nginx",
    certManager: "cert-manager",
    dns: "external-dns",
    harbor: "harbor",
    longhorn: "longhorn-system",
    monitoring: "monitoring",
    logs: "logging",
    clickhouse: "clickhouse",
    deepflow: "deepflow",
    systemUpgrade: "system-upgrade",
    kubeSystem: "kube-system",
} as const;

export type PlatformNamespace = (typeof NAMESPACES)[keyof typeof NAMESPACES];
