/**
 * How traffic enters: TLS on every Ingress and VirtualServer, LoadBalancers only where the platform
 * exposes traffic, no NodePorts.
 */
import { NAMESPACES } from "../charts/namespaces";
import { isKube, isObject, isRelease, namespaceOf, type PolicyRule } from "./resource";

/** Namespaces where a Service may be of type LoadBalancer. */
const LOAD_BALANCER_NAMESPACES: readonly string[] = [NAMESPACES.ingress];

/**
 * Ingresses a chart's values turn on without TLS: `ingress: {enabled: true}` with no `tls` list (or
 * `tls: true`, Longhorn's form), and Harbor's `expose: {type: ingress, tls: {enabled: false}}`.
 */
function chartIngressesWithoutTls(value: unknown, path: string, out: string[] = []): string[] {
    if (Array.isArray(value)) {
        value.forEach((v, i) => chartIngressesWithoutTls(v, `${path}[${i}]`, out));
    } else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
            const here = `${path}.${k}`;
            if (k === "ingress" && isObject(v) && v.enabled === true) {
                const tls = v.tls;
                if (!(tls === true || (Array.isArray(tls) && tls.length > 0) || (isObject(tls) && tls.enabled === true))) out.push(here);
            }
            if (k === "expose" && isObject(v) && v.type === "ingress" && isObject(v.tls) && v.tls.enabled === false) out.push(`${here}.tls`);
            chartIngressesWithoutTls(v, here, out);
        }
    }
    return out;
}

/** Paths in chart values whose `type` is NodePort. */
function nodePortPaths(value: unknown, path: string, out: string[] = []): string[] {
    if (Array.isArray(value)) {
        value.forEach((v, i) => nodePortPaths(v, `${path}[${i}]`, out));
    } else if (isObject(value)) {
        if (typeof value.type === "string" && value.type.toLowerCase() === "nodeport") out.push(`${path}.type`);
        for (const [k, v] of Object.entries(value)) nodePortPaths(v, `${path}.${k}`, out);
    }
    return out;
}

export const ingressTls: PolicyRule = {
    name: "ingress-tls",
    description:
        "Every Ingress serves each of its hosts over TLS, raw or enabled in a chart's values; every F5 NGINX VirtualServer has a TLS Secret and redirects HTTP to HTTPS.",
    check: (r) => {
        if (isRelease(r.type)) return chartIngressesWithoutTls(r.inputs.values, "values").map((path) => `${r.name} enables an Ingress at ${path} without TLS`);
        if (isKube(r.type, "VirtualServer")) {
            // Apps are VirtualServers (docs/adr/0020). Without tls.secret the host answers plain HTTP;
            // without tls.redirect.enable it answers both (nginx/kubernetes-ingress@v5.5.4
            // internal/configs/virtualserver.go generateSSLConfig, generateTLSRedirectConfig).
            const tls = ((r.inputs.spec ?? {}) as { tls?: { secret?: string; redirect?: { enable?: boolean } } }).tls;
            if (!tls?.secret) return [`VirtualServer ${r.name} has no TLS secret`];
            return tls.redirect?.enable === true ? [] : [`VirtualServer ${r.name} does not redirect HTTP to HTTPS`];
        }
        if (!isKube(r.type, "Ingress")) return [];
        // An F5 NIC minion may not carry TLS and is only ever served inside its master's server, which
        // this rule checks (nginx/kubernetes-ingress@v5.5.4 internal/k8s/validation.go validateMinionSpec,
        // configuration.go buildHostsAndResources).
        const annotations = ((r.inputs.metadata ?? {}) as { annotations?: Record<string, string> }).annotations ?? {};
        if (annotations["nginx.org/mergeable-ingress-type"] === "minion") return [];
        const spec = (r.inputs.spec ?? {}) as { tls?: { hosts?: string[] }[]; rules?: { host?: string }[] };
        const covered = new Set((spec.tls ?? []).flatMap((t) => t.hosts ?? []));
        const hosts = (spec.rules ?? []).map((rule) => rule.host ?? "*");
        if (covered.size === 0) return [`Ingress ${r.name} has no TLS section`];
        return hosts.filter((h) => !covered.has(h)).map((h) => `Ingress ${r.name} serves ${h} without TLS`);
    },
};

export const loadBalancerAllowed: PolicyRule = {
    name: "load-balancer-allowed",
    description: "Services of type LoadBalancer only where the platform exposes traffic.",
    check: (r) => {
        if (isKube(r.type, "Service") && (r.inputs.spec as { type?: string } | undefined)?.type === "LoadBalancer") {
            const ns = namespaceOf(r.inputs);
            return LOAD_BALANCER_NAMESPACES.includes(ns) ? [] : [`Service ${r.name} is a LoadBalancer in namespace ${ns}`];
        }
        if (r.type === "kubernetes:helm.sh/v3:Release") {
            const ns = String(r.inputs.namespace ?? "default");
            const json = JSON.stringify(r.inputs.values ?? {});
            if (/"type":"LoadBalancer"/.test(json) && !LOAD_BALANCER_NAMESPACES.includes(ns))
                return [`${r.name} creates a LoadBalancer Service in namespace ${ns}`];
        }
        return [];
    },
};

export const noNodePort: PolicyRule = {
    name: "no-node-port",
    description: "No Service of type NodePort (raw or in chart values): traffic enters through the ingress controller's LoadBalancer or hostPorts only.",
    check: (r) => {
        if (isKube(r.type, "Service") && (r.inputs.spec as { type?: string } | undefined)?.type === "NodePort")
            return [`Service ${r.name} is of type NodePort`];
        if (isRelease(r.type)) return nodePortPaths(r.inputs.values, "values").map((path) => `${r.name} sets ${path} to NodePort`);
        return [];
    },
};
