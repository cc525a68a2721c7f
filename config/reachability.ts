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
    const lists = k3s ? ([["servers", k3s.servers], ["agents", k3s.agents]] as const) : [];
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
                    `http01 needs Let's Encrypt to reach port 80 of a node, but the nodes only have private addresses (${published.join(", ")}); ` +
                    "set cluster.k3s.servers[].externalAddress / agents[].externalAddress to their public IPs, or use solver dns01 with a DNS provider",
            });
        }
    }

    // Public zones must never receive private addresses.
    if (!isPublicZone(cfg.dns)) {
        return;
    }
    const privateNodeAddresses = new Map(nodes.filter((n) => n.address !== undefined).map((n) => [n.address!, n.name]));
    cfg.dns.records.forEach((record, i) => {
        if (record.type !== "A" && record.type !== "AAAA") {
            return;
        }
        record.targets.forEach((target, j) => {
            const node = privateNodeAddresses.get(target);
            if (node !== undefined || isPrivateIp(target)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["dns", "records", i, "targets", j],
                    message: `a public ${cfg.dns.provider} zone must not point at the private address ${target}${node ? ` (node ${node}'s address)` : ""}`,
                });
            }
        });
    });
    if (k3s && cfg.ingress.enabled && cfg.ingress.exposure === "loadBalancer") {
        const privateOnes = published.filter((a) => isPrivateIp(a) || privateNodeAddresses.has(a));
        if (privateOnes.length > 0) {
            ctx.addIssue({
                code: "custom",
                path: ["dns", "provider"],
                message:
                    `the ingress would be published in the public ${cfg.dns.provider} zone at private addresses (${privateOnes.join(", ")}): ` +
                    "give the nodes their public IPs (cluster.k3s.servers[].externalAddress, or a public `host` with a private `address`)",
            });
        }
    }
}
