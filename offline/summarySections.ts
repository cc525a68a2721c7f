/**
 * The "what is left to do" part of summary.txt: secrets still to set, DNS names the stack publishes,
 * alert receivers, what is protected from deletion. Read from the recorded resources and, for what
 * the resources cannot show (secret values are masked, receivers live in a secret), from the stack
 * file as written. Never prints a secret value, URL or key.
 */
import { z } from "zod";
import { NAMESPACE } from "../config/config";
import { isPublicZone, publicAddressOf, serviceLbAddresses } from "../config/reachability";
import { isPrivateIp } from "../config/validators";
import { platformSchema } from "../config/schema";
import { rawManifests } from "./manifests";
import type { RecordedResource } from "./mocks";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const at = (value: unknown, dotted: string): unknown => dotted.split(".").reduce<unknown>((v, k) => (isObj(v) ? v[k] : undefined), value);

/** What summary.txt needs beyond the resources: the stack file's `config:` map as written. */
export interface SummaryContext {
    readonly stackConfig: Record<string, unknown>;
    /** Config warnings the program logged (old key forms, internal-only reachability), listed first. */
    readonly warnings?: readonly string[];
    /** The needed network flows and how many the NetworkPolicies block (reachability.txt); `checked` false when no policy applies. */
    readonly networkFlows?: { readonly needed: number; readonly blocked: number; readonly checked: boolean };
}

/** The summary's network line: how many flows the platform needs and how many the policies block. */
export function networkFlowsLine(flows: SummaryContext["networkFlows"]): string[] {
    if (flows === undefined) return [];
    return [`network flows: ${flows.needed} needed, ${flows.checked ? `${flows.blocked} blocked` : "not checked: NetworkPolicies off"} (reachability.txt)`];
}

/** A top-level `platform:` value of the stack file (written with or without the namespace). */
function configValue(stackConfig: Record<string, unknown>, key: string): unknown {
    return stackConfig[`${NAMESPACE}:${key}`] ?? stackConfig[key];
}

// ---- secrets -----------------------------------------------------------------------------------

export type SecretState = "placeholder" | "encrypted" | "not set" | "plain text";

export interface SecretRow {
    /** `platform:<path>` as `pulumi config set --path` takes it (after the namespace). */
    readonly key: string;
    readonly state: SecretState;
    readonly description: string;
}

interface JsonSchema {
    secret?: boolean;
    description?: string;
    type?: string | string[];
    properties?: Record<string, JsonSchema>;
    required?: string[];
    items?: JsonSchema;
    additionalProperties?: JsonSchema | boolean;
}

let schemaCache: JsonSchema | undefined;
const jsonSchema = (): JsonSchema => (schemaCache ??= z.toJSONSchema(platformSchema, { io: "input", unrepresentable: "any" }) as JsonSchema);

/**
 * Whether a `secure:` value cannot be a real ciphertext: not Pulumi's `v1:<nonce>:<ciphertext>`
 * form, or a ciphertext that decodes to readable text (the committed examples decode to
 * "example-placeholder-ciphertext"; real AES-GCM output is never all printable).
 */
export function isPlaceholderCiphertext(value: string): boolean {
    const match = /^v1:([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(value.trim());
    if (!match) return true;
    const bytes = Buffer.from(match[2], "base64");
    return bytes.length === 0 || bytes.every((b) => b >= 0x20 && b < 0x7f);
}

/**
 * Every secret leaf of the schema along what the stack file configures: given (encrypted or a
 * placeholder), or not set where the block around it is configured (an optional secret such as
 * an SMTP password, or a required one the validation will name).
 */
export function secretRows(stackConfig: Record<string, unknown>): SecretRow[] {
    const rows: SecretRow[] = [];
    const walk = (schema: JsonSchema, value: unknown, key: string, parentGiven: boolean) => {
        if (schema.secret) {
            const description = schema.description ?? "";
            if (isObj(value) && typeof value.secure === "string") {
                rows.push({ key, state: isPlaceholderCiphertext(value.secure) ? "placeholder" : "encrypted", description });
            } else if (value === undefined) {
                // A deprecated key left unset is what the new form wants (e.g. an S3 `backend` reference).
                if (parentGiven && !/^Deprecated\b/.test(description)) rows.push({ key, state: "not set", description });
            } else {
                rows.push({ key, state: "plain text", description });
            }
            return;
        }
        if (Array.isArray(value) && schema.items) {
            value.forEach((v, i) => walk(schema.items!, v, `${key}[${i}]`, true));
        } else if (isObj(value)) {
            for (const [name, child] of Object.entries(schema.properties ?? {})) {
                walk(child, value[name], `${key}.${name}`, true);
            }
            if (typeof schema.additionalProperties === "object") {
                for (const [name, v] of Object.entries(value)) {
                    if (!(name in (schema.properties ?? {}))) walk(schema.additionalProperties, v, `${key}.${name}`, true);
                }
            }
        }
    };
    for (const [name, child] of Object.entries(jsonSchema().properties ?? {})) {
        walk(child, configValue(stackConfig, name), `${NAMESPACE}:${name}`, false);
    }
    return rows;
}

/** Passwords and tokens the program generates itself (kept in the state; nothing to set). */
function generatedSecrets(resources: readonly Pick<RecordedResource, "type" | "name">[]): string[] {
    return resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name);
}

// ---- DNS ---------------------------------------------------------------------------------------

export interface PublishedName {
    readonly name: string;
    /** Record type and targets, or where the name points when the targets are only known live. */
    readonly pointsTo: string;
    /** What publishes it: a static record, or an Ingress host external-dns picks up. */
    readonly source: string;
}

/** Where each chart the platform installs puts its ingress hosts (values paths), and whether its ingress is on. */
const CHART_INGRESS_HOSTS: Readonly<Record<string, (values: unknown) => unknown[]>> = {
    "kube-prometheus-stack": (v) =>
        at(v, "grafana.enabled") !== false && at(v, "grafana.ingress.enabled") === true ? ((at(v, "grafana.ingress.hosts") as unknown[]) ?? []) : [],
    longhorn: (v) => (at(v, "ingress.enabled") === true ? [at(v, "ingress.host")] : []),
    harbor: (v) => (at(v, "expose.type") === "ingress" ? Object.values((at(v, "expose.ingress.hosts") as Obj) ?? {}) : []),
};

/** Hostnames of every Ingress the stack creates: chart ingresses, raw Ingresses, NIC VirtualServers. */
function ingressHosts(resources: readonly Pick<RecordedResource, "type" | "name" | "inputs">[]): { host: string; resource: string }[] {
    const out: { host: string; resource: string }[] = [];
    const push = (hosts: unknown[], resource: string) => {
        for (const h of hosts) if (typeof h === "string" && h.length > 0) out.push({ host: h, resource });
    };
    for (const r of resources) {
        if (r.type === "kubernetes:helm.sh/v3:Release") {
            const { chart, values } = r.inputs as { chart?: string; values?: unknown };
            push(CHART_INGRESS_HOSTS[String(chart)]?.(values) ?? [], r.name);
            continue;
        }
        const [m] = rawManifests([r]);
        if (m?.kind === "Ingress")
            push(
                ((at(m, "spec.rules") as { host?: string }[] | undefined) ?? []).map((rule) => rule.host),
                r.name,
            );
        if (m?.kind === "VirtualServer") push([at(m, "spec.host")], r.name);
    }
    return out;
}

type StackNode = { name: string; host: string; address?: string; externalAddress?: string };

/** The k3s servers and agents of the stack file as written (empty unless k3s mode). */
function k3sNodesOf(stackConfig: Record<string, unknown>): { servers: StackNode[]; agents: StackNode[] } {
    const cluster = configValue(stackConfig, "cluster");
    const list = (key: string) =>
        (at(cluster, "mode") === "k3s" ? ((at(cluster, key) as unknown[] | undefined) ?? []) : []).filter(
            (n): n is StackNode => isObj(n) && typeof n.host === "string",
        );
    return { servers: list("k3s.servers"), agents: list("k3s.agents") };
}

/** The addresses ServiceLB would give the ingress controller, from the stack file's k3s nodes; undefined when not k3s with a LoadBalancer Service. */
function ingressAddresses(stackConfig: Record<string, unknown>): string[] | undefined {
    const exposure = at(configValue(stackConfig, "ingress"), "exposure") ?? "loadBalancer";
    const { servers, agents } = k3sNodesOf(stackConfig);
    const nodes = [...servers, ...agents];
    return exposure === "loadBalancer" && nodes.length > 0 ? serviceLbAddresses(nodes) : undefined;
}

/**
 * Whether the stack is internal-only in a public zone: no node has a public address, so the zone
 * gets private addresses (config/reachability.ts warns the same when the config loads).
 */
function internalOnly(stackConfig: Record<string, unknown>, addresses: readonly string[] | undefined): boolean {
    const dns = configValue(stackConfig, "dns");
    const { servers, agents } = k3sNodesOf(stackConfig);
    return (
        isObj(dns) &&
        typeof dns.provider === "string" &&
        isPublicZone(dns as { provider: string }) &&
        addresses !== undefined &&
        addresses.some(isPrivateIp) &&
        [...servers, ...agents].every((n) => publicAddressOf(n) === undefined)
    );
}

/**
 * The Kubernetes API name when it is a DNS name (`cluster.k3s.apiEndpoint`) and where it must point:
 * the servers (their public addresses when they have them, else their hosts).
 */
function apiEndpointName(stackConfig: Record<string, unknown>): PublishedName | undefined {
    const endpoint = at(configValue(stackConfig, "cluster"), "k3s.apiEndpoint");
    const { servers } = k3sNodesOf(stackConfig);
    if (typeof endpoint !== "string" || servers.length === 0 || /^[0-9.]+$|:/.test(endpoint)) return undefined;
    const targets = [...new Set(servers.map((n) => publicAddressOf(n) ?? n.host))];
    return { name: endpoint, pointsTo: `${targets.join(", ")} (the Kubernetes API on the servers, port 6443)`, source: "cluster.k3s.apiEndpoint" };
}

/**
 * The names the stack publishes: static DNSEndpoint records with their targets, and ingress hosts
 * external-dns publishes (inside its domain filter) at the ingress controller's addresses.
 */
export function publishedNames(
    resources: readonly Pick<RecordedResource, "type" | "name" | "inputs">[],
    stackConfig: Record<string, unknown>,
): { names: PublishedName[]; unpublished: PublishedName[]; internalOnly: boolean } {
    const names: PublishedName[] = [];
    for (const r of resources.filter((x) => x.type === "kubernetes:externaldns.k8s.io/v1alpha1:DNSEndpoint")) {
        for (const e of (at(r.inputs, "spec.endpoints") as Obj[] | undefined) ?? []) {
            const routing = typeof e.setIdentifier === "string" ? ` (routing set ${e.setIdentifier})` : "";
            names.push({
                name: String(e.dnsName),
                pointsTo: `${String(e.recordType)} ${((e.targets as string[] | undefined) ?? []).join(", ")}${routing}`,
                source: "record",
            });
        }
    }
    const dns = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as { chart?: string }).chart === "external-dns");
    const domains = ((dns && (at(dns.inputs, "values.domainFilters") as string[] | undefined)) ?? []).map((d) => d.toLowerCase());
    const sources = (dns && (at(dns.inputs, "values.sources") as string[] | undefined)) ?? [];
    const inZone = (host: string) => domains.length === 0 || domains.some((d) => host.toLowerCase() === d || host.toLowerCase().endsWith(`.${d}`));
    const addresses = ingressAddresses(stackConfig);
    const target = addresses
        ? `A ${addresses.join(", ")} (the ingress controller, via ServiceLB)`
        : "the ingress controller's load-balancer address (known once it runs)";
    const unpublished: PublishedName[] = [];
    const seen = new Set(names.map((n) => n.name));
    for (const { host, resource } of ingressHosts(resources)) {
        if (seen.has(host)) continue;
        seen.add(host);
        if (dns && sources.includes("ingress") && inZone(host)) {
            names.push({ name: host, pointsTo: target, source: `ingress ${resource}` });
        } else {
            unpublished.push({
                name: host,
                pointsTo: addresses ? `${addresses.join(", ")} (the ingress controller)` : "the ingress controller's address",
                source: `ingress ${resource}`,
            });
        }
    }
    // No controller publishes the API name: a static record (dns.records) does, or the user.
    const api = apiEndpointName(stackConfig);
    if (api !== undefined && !seen.has(api.name)) unpublished.push(api);
    return { names, unpublished, internalOnly: internalOnly(stackConfig, addresses) };
}

// ---- alert receivers ---------------------------------------------------------------------------

/** Which severities each receiver type gets (components/monitoring/alertmanagerConfig.ts routes). */
const RECEIVER_SEVERITIES: Readonly<Record<string, string>> = {
    slack: "warning, critical",
    email: "warning, critical",
    webhook: "warning, critical",
    pagerduty: "critical",
};

/**
 * The receivers Alertmanager is wired to, names only: the receiver type and, for Slack, the
 * channel. Undefined when the stack has no Alertmanager (monitoring off).
 */
export function alertReceivers(resources: readonly Pick<RecordedResource, "type" | "inputs">[], stackConfig: Record<string, unknown>): string[] | undefined {
    const alertmanager = rawManifests(resources).some((m) => m.kind === "Secret" && at(m, "metadata.name") === "alertmanager-platform");
    if (!alertmanager) return undefined;
    const configured = at(configValue(stackConfig, "monitoring"), "alertmanager");
    return Object.keys(RECEIVER_SEVERITIES)
        .filter((type) => isObj(at(configured, type)))
        .map((type) => {
            const channel = type === "slack" ? at(configured, "slack.channel") : undefined;
            return `${type}${typeof channel === "string" ? ` ${channel}` : ""}: ${RECEIVER_SEVERITIES[type]}`;
        });
}

// ---- protection --------------------------------------------------------------------------------

/** Resources with `protect`, grouped by their component (parent). */
export function protectedResources(resources: readonly Pick<RecordedResource, "name" | "parent" | "options">[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of resources.filter((x) => (x.options as { protect?: unknown }).protect === true)) {
        const key = r.parent ?? "(root)";
        out.set(key, [...(out.get(key) ?? []), r.name]);
    }
    return out;
}

// ---- text --------------------------------------------------------------------------------------

/** The summary lines of the four "left to do" sections. */
export function leftToDoLines(resources: readonly RecordedResource[], context: SummaryContext | undefined): string[] {
    const lines: string[] = [];
    if (context?.warnings !== undefined && context.warnings.length > 0) {
        lines.push(`warnings (${context.warnings.length}):`, ...context.warnings.map((w) => `  ${w}`), "");
    }
    if (context === undefined) {
        lines.push("secrets: (no stack file given)", "");
    } else {
        const rows = secretRows(context.stackConfig);
        const todo = rows.filter((r) => r.state !== "encrypted");
        lines.push(`secrets (values never shown; ${todo.length} of ${rows.length} still to set or check):`);
        if (rows.length === 0) lines.push("  (none configured)");
        const width = Math.max(0, ...rows.map((r) => r.state.length));
        for (const r of rows) lines.push(`  ${r.state.padEnd(width)}  ${r.key}${r.description ? `  ${r.description}` : ""}`);
        if (todo.some((r) => r.state === "placeholder" || r.state === "not set")) {
            lines.push(
                `  set each with: pulumi config set --secret --path '<key after "${NAMESPACE}:">' <value>  (a placeholder cannot be decrypted by \`pulumi up\`)`,
            );
        }
        const generated = generatedSecrets(resources);
        lines.push(`  generated by the program (in the state, nothing to set): ${generated.length === 0 ? "(none)" : generated.join(", ")}`, "");
    }

    const { names, unpublished, internalOnly: internal } = publishedNames(resources, context?.stackConfig ?? {});
    lines.push("DNS names the stack publishes:");
    if (internal)
        lines.push("  internal only: reachable from your network, not from the internet (private addresses in a public zone; certificates need DNS-01)");
    if (names.length === 0) lines.push("  (none)");
    for (const n of names) lines.push(`  ${n.name} -> ${n.pointsTo}  [${n.source}]`);
    if (unpublished.length > 0) {
        lines.push("  not published by the platform (point them yourself):");
        for (const n of unpublished) lines.push(`    ${n.name} -> ${n.pointsTo}`);
    }
    lines.push("");

    const receivers = alertReceivers(resources, context?.stackConfig ?? {});
    lines.push("alert receivers:");
    if (receivers === undefined) {
        lines.push("  (monitoring off: no Alertmanager)");
    } else if (receivers.length === 0) {
        lines.push(`  (none: alerts fire but reach nobody; set ${NAMESPACE}:monitoring.alertmanager.slack, email, webhook or pagerduty)`);
    } else {
        lines.push(...receivers.map((r) => `  ${r}`));
    }
    lines.push("");

    const guarded = protectedResources(resources);
    const total = [...guarded.values()].reduce((n, l) => n + l.length, 0);
    lines.push(`protected from deletion (${total}; \`pulumi destroy\` and removals stop at these until unprotected):`);
    if (total === 0) lines.push("  (none)");
    for (const [component, list] of guarded) lines.push(`  ${component}: ${list.join(", ")}`);
    lines.push("");
    return lines;
}
