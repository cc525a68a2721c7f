/**
 * Cross-key rules about what the outside world can reach: SSH host keys, the ACME solver, and the
 * addresses public DNS would publish. Each is a combination of keys that validates field by field
 * but cannot work on real hosts, so it is refused before any resource exists.
 */
import { z } from "zod";
import { isIpAddress, isPrivateIp } from "./validators";

/** The slice of a parsed node these rules read. */
interface NodeLike {
    readonly name: string;
    readonly host: string;
    readonly address?: string;
    readonly externalAddress?: string;
    readonly hostKey?: string;
}

/**
 * The public address k3s gives a node (`node-external-ip`): the configured `externalAddress`, else
 * the SSH `host` when it is an IP other than the private `address`. Undefined: the node has only
 * its InternalIP.
 */
export function nodeExternalAddress(node: NodeLike): string | undefined {
    if (node.externalAddress !== undefined) {
        return node.externalAddress;
    }
    return node.address !== undefined && node.host !== node.address && isIpAddress(node.host) ? node.host : undefined;
}

/**
 * The addresses k3s ServiceLB writes into a LoadBalancer Service's status, which the ingress
 * controller copies to every Ingress and external-dns publishes: the ExternalIPs of the nodes that
 * have one, or, when none has, every node's InternalIP (k3s pkg/cloudprovider/servicelb.go podIPs).
 */
export function serviceLbAddresses(nodes: readonly NodeLike[]): string[] {
    const external = nodes.map(nodeExternalAddress).filter((a): a is string => a !== undefined);
    return external.length > 0 ? [...new Set(external)] : [...new Set(nodes.map((n) => n.address ?? n.host))];
}

/** Which DNS providers write to a zone the internet resolves. rfc2136 servers are usually internal. */
export function isPublicZone(dns: { provider: string; route53?: { zoneType?: string }; alibabacloud?: { zoneType?: string } }): boolean {
    switch (dns.provider) {
        case "cloudflare":
            return true;
        case "route53":
            return dns.route53?.zoneType !== "private";
        case "alibabacloud":
            return dns.alibabacloud?.zoneType !== "private";
        default:
            return false;
    }
}

/**
 * A node has a public address when its SSH `host` or its `externalAddress` is an IP the internet
 * can reach. A DNS-name host says nothing either way: only its addresses count.
 */
export function publicAddressOf(node: NodeLike): string | undefined {
    return [node.externalAddress, node.host].find((a) => a !== undefined && isIpAddress(a) && !isPrivateIp(a));
}

/** The private addresses a node has (`address`, a private `host` or `externalAddress`). */
function privateAddressesOf(node: NodeLike): string[] {
    return [node.address, node.host, node.externalAddress].filter((a): a is string => a !== undefined && isPrivateIp(a));
}

/** The parsed config fields these rules read (a structural slice of the schema output). */
export interface ReachabilityInput {
    readonly profile: "dev" | "prod";
    readonly cluster: {
        readonly mode: "k3s" | "existing";
        readonly k3s?: {
            readonly ssh: { readonly skipHostKeyCheck?: { readonly reason: string } };
            readonly servers: readonly NodeLike[];
            readonly agents: readonly NodeLike[];
        };
    };
    readonly ingress: { readonly enabled: boolean; readonly exposure: "loadBalancer" | "hostPort" };
    readonly tls: { readonly issuer: string; readonly acme?: { readonly solver?: "http01" | "dns01"; readonly dns01?: unknown } };
    readonly dns: {
        readonly provider: string;
        readonly route53?: { zoneType?: string };
        readonly alibabacloud?: { zoneType?: string };
        readonly records: readonly { readonly name: string; readonly type: string; readonly targets: readonly string[] }[];
    };
}

/** The ACME challenge the platform uses: as configured, else DNS-01 whenever a DNS provider can answer it. */
export function effectiveSolver(input: Pick<ReachabilityInput, "tls" | "dns">): "http01" | "dns01" | undefined {
    const acme = input.tls.acme;
    if (input.tls.issuer === "selfSigned" || acme === undefined) {
        return undefined;
    }
    return acme.solver ?? (acme.dns01 !== undefined || dnsCanSolve(input.dns.provider) ? "dns01" : "http01");
}

/** DNS providers cert-manager's DNS-01 solver can use with the same credentials as external-dns. */
function dnsCanSolve(provider: string): provider is "cloudflare" | "route53" {
    return provider === "cloudflare" || provider === "route53";
}

export function checkReachability(cfg: ReachabilityInput, ctx: z.RefinementCtx): void {
    const k3s = cfg.cluster.mode === "k3s" ? cfg.cluster.k3s : undefined;
    const lists = k3s
        ? ([
              ["servers", k3s.servers],
              ["agents", k3s.agents],
          ] as const)
        : [];
    const nodes = k3s ? [...k3s.servers, ...k3s.agents] : [];
    // What ServiceLB would publish for the ingress: both the ACME and the public-zone rules read it.
    const published = serviceLbAddresses(nodes);

    // SSH host keys: the token and S3 key go to the host on stdin, so its identity must be known.
    const skip = k3s?.ssh.skipHostKeyCheck;
    if (k3s && skip && cfg.profile === "prod") {
        ctx.addIssue({
            code: "custom",
            path: ["cluster", "k3s", "ssh", "skipHostKeyCheck"],
            message: "not allowed in the prod profile: pin every node's hostKey (docs/runbooks/bootstrap-environment.md, 'Collect host keys')",
        });
    }
    if (k3s && !skip) {
        for (const [list, group] of lists) {
            group.forEach((node, i) => {
                if (node.hostKey === undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["cluster", "k3s", list, i, "hostKey"],
                        message:
                            `required: pin the SSH host key of ${node.host} (ssh-keyscan -t ed25519 ${node.host}, then compare its fingerprint with the host's console); ` +
                            "dev stacks may instead set cluster.k3s.ssh.skipHostKeyCheck.reason",
                    });
                }
            });
        }
    }

    if (cfg.tls.issuer !== "selfSigned" && cfg.tls.acme?.solver === "dns01" && cfg.tls.acme.dns01 === undefined && !dnsCanSolve(cfg.dns.provider)) {
        ctx.addIssue({
            code: "custom",
            path: ["tls", "acme", "dns01"],
            message: `required when solver is 'dns01' and platform:dns.provider ('${cfg.dns.provider}') cannot answer DNS-01 (cloudflare or route53 can)`,
        });
    }

    // HTTP-01: Let's Encrypt must reach port 80 of a node through the address DNS gives it.
    const solver = effectiveSolver(cfg);
    if (k3s && solver === "http01" && cfg.ingress.enabled) {
        if (published.every(isPrivateIp)) {
            ctx.addIssue({
                code: "custom",
                path: ["tls", "acme", "solver"],
                message:
                    `http01 needs Let's Encrypt to reach port 80 of a node from the internet, but this is an internal-only cluster (every node address is private: ${published.join(", ")}). ` +
                    "DNS-01 is the only ACME challenge that works here: set tls.acme.solver: dns01 with platform:dns.provider cloudflare or route53 (or a tls.acme.dns01 block); " +
                    "or give the nodes their public IPs (cluster.k3s.servers[].externalAddress / agents[].externalAddress). Recipe: docs/stack-examples.md, 'internal: private addresses, public zone'",
            });
        }
    }

    // Public zones: a node that has a public address must never be published at a private one (the
    // original defect: ServiceLB publishing InternalIPs because node-external-ip was missing). An
    // internal-only cluster (no node has a public address) is published at its private addresses
    // on purpose, with a warning (reachabilityWarnings).
    if (!isPublicZone(cfg.dns)) {
        return;
    }
    const publicNodes = nodes.filter((n) => publicAddressOf(n) !== undefined);
    if (publicNodes.length === 0) {
        return;
    }
    const ownerOfPrivate = new Map(publicNodes.flatMap((n) => privateAddressesOf(n).map((a) => [a, n] as const)));
    cfg.dns.records.forEach((record, i) => {
        if (record.type !== "A" && record.type !== "AAAA") {
            return;
        }
        record.targets.forEach((target, j) => {
            const node = ownerOfPrivate.get(target);
            if (node !== undefined) {
                ctx.addIssue({
                    code: "custom",
                    path: ["dns", "records", i, "targets", j],
                    message: `a public ${cfg.dns.provider} zone must not point at node ${node.name}'s private address ${target}: the node has the public address ${publicAddressOf(node)}, point the record there`,
                });
            }
        });
    });
    if (k3s && cfg.ingress.enabled && cfg.ingress.exposure === "loadBalancer") {
        const privateOnes = published.filter(isPrivateIp);
        if (privateOnes.length > 0) {
            const named = publicNodes.map((n) => `${n.name}: ${publicAddressOf(n)}`).join(", ");
            ctx.addIssue({
                code: "custom",
                path: ["dns", "provider"],
                message:
                    `the ingress would be published in the public ${cfg.dns.provider} zone at private addresses (${privateOnes.join(", ")}) although nodes have public ones (${named}): ` +
                    "set cluster.k3s.servers[].externalAddress / agents[].externalAddress on those nodes (or a public `host` with a private `address`), so k3s ServiceLB publishes only their public addresses",
            });
        }
    }
}

/**
 * Warnings (not errors) about what the outside world can reach: a public zone that receives private
 * addresses because the cluster is internal-only (no node has a public address), or a static record
 * pointing at a private address that is no node's. Reachable from the user's network, not from
 * the internet: intended for a homelab or office cluster with a public zone, worth saying out loud.
 */
export function reachabilityWarnings(cfg: ReachabilityInput): string[] {
    if (!isPublicZone(cfg.dns)) {
        return [];
    }
    const k3s = cfg.cluster.mode === "k3s" ? cfg.cluster.k3s : undefined;
    const nodes = k3s ? [...k3s.servers, ...k3s.agents] : [];
    const warnings: string[] = [];
    const internal = internalOnlyAddresses(cfg);
    if (internal !== undefined) {
        warnings.push(
            `platform:dns.provider: internal only: reachable from your network, not from the internet. Every node address is private, so the public ${cfg.dns.provider} zone ` +
                `gets the private addresses ${internal.join(", ")} for the ingress hosts; certificates need DNS-01 (docs/stack-examples.md, 'internal: private addresses, public zone').`,
        );
    }
    // The private addresses of nodes that have public ones are refused (checkReachability), not warned about.
    const refused = new Set(nodes.filter((n) => publicAddressOf(n) !== undefined).flatMap(privateAddressesOf));
    cfg.dns.records.forEach((record, i) => {
        const privateTargets = record.type === "A" || record.type === "AAAA" ? record.targets.filter((t) => isPrivateIp(t) && !refused.has(t)) : [];
        if (privateTargets.length > 0) {
            warnings.push(
                `platform:dns.records[${i}]: internal only: ${record.name} points at the private ${privateTargets.join(", ")} in the public ${cfg.dns.provider} zone: reachable from your network, not from the internet.`,
            );
        }
    });
    return warnings;
}

/**
 * The private addresses an internal-only k3s cluster publishes for its ingress in a public zone
 * (k3s ServiceLB: every node's InternalIP when none has an ExternalIP); undefined when the zone is
 * not public, the cluster has a node with a public address, or the ingress is not published this way.
 */
function internalOnlyAddresses(cfg: Pick<ReachabilityInput, "cluster" | "ingress" | "dns">): string[] | undefined {
    const k3s = cfg.cluster.mode === "k3s" ? cfg.cluster.k3s : undefined;
    if (!k3s || !isPublicZone(cfg.dns) || !cfg.ingress.enabled || cfg.ingress.exposure !== "loadBalancer") {
        return undefined;
    }
    const nodes = [...k3s.servers, ...k3s.agents];
    if (nodes.length === 0 || nodes.some((n) => publicAddressOf(n) !== undefined)) {
        return undefined;
    }
    const published = serviceLbAddresses(nodes).filter(isPrivateIp);
    return published.length > 0 ? published : undefined;
}
