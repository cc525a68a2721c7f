/**
 * What pods may ask for: a Pod Security level on every Namespace, privileges and host access only
 * in the namespaces that need them (with the reason), resources on every container.
 */
import { NAMESPACES } from "../charts/namespaces";
import { allContainers, containers, isKube, isObject, isRelease, namespaceOf, type PolicyRule, podSpecsDeep } from "./resource";

/** Namespaces allowed below `restricted` / to run privileged pods or hostPath volumes. */
const PRIVILEGED_NAMESPACES: readonly string[] = [
    NAMESPACES.ingress,
    NAMESPACES.deepflow,
    NAMESPACES.longhorn,
    NAMESPACES.monitoring,
    NAMESPACES.kubeSystem,
    NAMESPACES.systemUpgrade,
];
/**
 * Where pods may share the node's network or PID namespace, mount host paths, publish host ports
 * or add Linux capabilities, and why. `capabilities` lists what may be added (`*`: any).
 */
export const HOST_ACCESS: Readonly<
    Record<string, { readonly reason: string; readonly allows: readonly HostAccess[]; readonly capabilities: readonly string[] }>
> = {
    [NAMESPACES.longhorn]: {
        reason: "Longhorn's manager, engine and CSI plugin attach block devices and mount /var/lib/longhorn and /dev from the node",
        allows: ["hostNetwork", "hostPID", "hostPath", "hostPort", "capabilities"],
        capabilities: ["*"],
    },
    [NAMESPACES.deepflow]: {
        reason: "the DeepFlow agent captures traffic on the node's interfaces (hostNetwork, NET_ADMIN, SYS_ADMIN, eBPF) and reads /proc and /sys",
        allows: ["hostNetwork", "hostPID", "hostPath", "capabilities"],
        capabilities: ["*"],
    },
    [NAMESPACES.systemUpgrade]: {
        reason: "upgrade Jobs replace the k3s binary on the node (hostPath /, hostPID, hostNetwork)",
        allows: ["hostNetwork", "hostPID", "hostPath"],
        capabilities: [],
    },
    [NAMESPACES.ingress]: {
        reason: "with exposure hostPort the controller publishes 80/443 on each node; it binds them as a non-root user (NET_BIND_SERVICE)",
        allows: ["hostPort", "capabilities"],
        capabilities: ["NET_BIND_SERVICE"],
    },
};
export type HostAccess = "hostNetwork" | "hostPID" | "hostIPC" | "hostPath" | "hostPort" | "capabilities";

/** Objects in chart values that ask for host access, by kind. */
function valuesHostAccess(value: unknown, path: string, out: { kind: HostAccess; path: string; capabilities?: string[] }[] = []) {
    if (Array.isArray(value)) {
        value.forEach((v, i) => valuesHostAccess(v, `${path}[${i}]`, out));
    } else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
            const here = `${path}.${k}`;
            if ((k === "hostNetwork" || k === "hostPID" || k === "hostIPC") && v === true) out.push({ kind: k, path: here });
            else if (k === "hostPath" && (isObject(v) || (typeof v === "string" && v !== ""))) out.push({ kind: "hostPath", path: here });
            // A container's `hostPort: 80`, or a chart switch such as F5 NIC's `hostPort: {enable: true}`.
            else if (k === "hostPort" && (typeof v === "number" || (isObject(v) && (v.enable === true || v.enabled === true))))
                out.push({ kind: "hostPort", path: here });
            else if (k === "capabilities" && isObject(v) && Array.isArray(v.add) && v.add.length > 0)
                out.push({ kind: "capabilities", path: `${here}.add`, capabilities: v.add.map(String) });
            valuesHostAccess(v, here, out);
        }
    }
    return out;
}

/** Host access a raw object's pod specs ask for. */
function podHostAccess(inputs: Record<string, unknown>): { kind: HostAccess; path: string; capabilities?: string[] }[] {
    const out: { kind: HostAccess; path: string; capabilities?: string[] }[] = [];
    for (const { path, spec } of podSpecsDeep(inputs, "")) {
        for (const kind of ["hostNetwork", "hostPID", "hostIPC"] as const) if (spec[kind] === true) out.push({ kind, path: `${path}.${kind}` });
        ((spec.volumes as unknown[]) ?? [])
            .filter(isObject)
            .forEach((v, i) => v.hostPath !== undefined && out.push({ kind: "hostPath", path: `${path}.volumes[${i}]` }));
        for (const c of containers(spec)) {
            ((c.ports as unknown[]) ?? [])
                .filter(isObject)
                .forEach(
                    (p) => typeof p.hostPort === "number" && out.push({ kind: "hostPort", path: `container ${String(c.name)} port ${String(p.hostPort)}` }),
                );
            const add = (c.securityContext as { capabilities?: { add?: unknown[] } } | undefined)?.capabilities?.add;
            if (Array.isArray(add) && add.length > 0) out.push({ kind: "capabilities", path: `container ${String(c.name)}`, capabilities: add.map(String) });
        }
    }
    return out;
}

export const namespacePodSecurity: PolicyRule = {
    name: "namespace-pod-security",
    description: "Every Namespace enforces a Pod Security Admission level.",
    check: (r) => {
        if (!isKube(r.type, "Namespace")) return [];
        const labels = ((r.inputs.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Record<string, string>;
        const level = labels["pod-security.kubernetes.io/enforce"];
        return ["restricted", "baseline", "privileged"].includes(level) ? [] : [`Namespace ${r.name} has no pod-security.kubernetes.io/enforce label`];
    },
};

export const resourcesSet: PolicyRule = {
    name: "resources-set",
    description: "Containers the platform defines have CPU/memory requests and a memory limit.",
    check: (r) =>
        allContainers(r.inputs)
            .filter((c) => {
                const res = (c.resources ?? {}) as { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
                return !res.requests?.cpu || !res.requests?.memory || !res.limits?.memory;
            })
            .map((c) => `${r.name} container ${String(c.name)} lacks requests or a memory limit`),
};

export const privilegedAllowlist: PolicyRule = {
    name: "privileged-allowlist",
    description: "Privileged containers and privileged namespaces only where allowed.",
    check: (r) => {
        const out: string[] = [];
        if (isKube(r.type, "Namespace")) {
            const name = String((r.inputs.metadata as { name?: string } | undefined)?.name);
            const labels = ((r.inputs.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Record<string, string>;
            if (labels["pod-security.kubernetes.io/enforce"] === "privileged" && !PRIVILEGED_NAMESPACES.includes(name)) {
                out.push(`Namespace ${name} is privileged but not in the allow-list (${PRIVILEGED_NAMESPACES.join(", ")})`);
            }
        }
        const ns = namespaceOf(r.inputs);
        for (const { spec } of podSpecsDeep(r.inputs, "")) {
            if (PRIVILEGED_NAMESPACES.includes(ns)) continue;
            for (const c of containers(spec)) {
                if ((c.securityContext as { privileged?: boolean } | undefined)?.privileged)
                    out.push(`${r.name} container ${String(c.name)} is privileged in ${ns}`);
            }
        }
        if (
            isRelease(r.type) &&
            !PRIVILEGED_NAMESPACES.includes(String(r.inputs.namespace ?? "default")) &&
            /"privileged":true/.test(JSON.stringify(r.inputs.values ?? {}))
        ) {
            out.push(`${r.name} runs a privileged container in ${String(r.inputs.namespace ?? "default")}`);
        }
        return out;
    },
};

export const hostAccessAllowlist: PolicyRule = {
    name: "host-access-allowlist",
    description: "hostNetwork, hostPID, hostIPC, hostPath, hostPort and added capabilities only in the namespaces of HOST_ACCESS, raw or in chart values.",
    check: (r) => {
        const release = isRelease(r.type);
        const ns = release ? String(r.inputs.namespace ?? "default") : namespaceOf(r.inputs);
        const found = release ? valuesHostAccess(r.inputs.values, "values") : podHostAccess(r.inputs);
        const allowed = HOST_ACCESS[ns];
        return found
            .filter((f) => {
                if (!allowed?.allows.includes(f.kind)) return true;
                if (f.kind !== "capabilities" || allowed.capabilities.includes("*")) return false;
                return (f.capabilities ?? []).some((c) => !allowed.capabilities.includes(c));
            })
            .map(
                (f) =>
                    `${r.name} uses ${f.kind}${f.capabilities ? ` (${f.capabilities.join(", ")})` : ""} at ${f.path} in namespace ${ns}, which is not allowed there`,
            );
    },
};
