/**
 * Config for the edge: `platform:ingress`, `platform:tls` and `platform:dns`.
 */
import { z } from "zod";
import { secretString } from "./schemaParts";
import { isCidr, isDnsName, isHostOrIp, isIpAddress } from "./validators";

const annotations = z.record(z.string(), z.string()).meta({ description: "Annotations as a map of key to value." });

export const ingressSchema = z
    .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Deploy the NGINX Ingress Controller." }),
        className: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "expected an IngressClass name (DNS-1123 label)")
            .default("nginx")
            .meta({ description: "IngressClass name; made the cluster default." }),
        kind: z
            .enum(["deployment", "daemonset"])
            .optional()
            .meta({ description: "Controller workload; default: daemonset in k3s mode (every node serves 80/443), deployment otherwise." }),
        exposure: z.enum(["loadBalancer", "hostPort"]).default("loadBalancer").meta({
            description:
                "How traffic reaches the controller: a LoadBalancer Service (k3s ServiceLB on every node's 80/443, or the cloud LB), or hostPorts 80/443.",
        }),
        replicas: z
            .int("expected a whole number of replicas")
            .min(1, "expected at least 1 replica")
            .optional()
            .meta({ description: "Controller replicas (deployment kind); default by profile (dev 1, prod 2)." }),
        loadBalancerIP: z
            .string()
            .refine(isIpAddress, "expected an IP address")
            .optional()
            .meta({ description: "Requested LoadBalancer IP (cloud providers that support it)." }),
        loadBalancerSourceRanges: z
            .array(z.string().refine(isCidr, "expected a CIDR such as 203.0.113.0/24"))
            .optional()
            .meta({ description: "Client CIDRs allowed through the LoadBalancer." }),
        serviceAnnotations: annotations.optional().meta({ description: "Annotations for the controller Service (cloud LB settings)." }),
        telemetry: z
            .boolean()
            .default(false)
            .meta({ description: "Let the controller send F5 its product telemetry (the chart's default is on; the platform's is off)." }),
        clientBodyTempSize: z
            .string()
            .regex(/^\d+(Mi|Gi|Ti)$/, "expected a size such as 10Gi")
            .default("10Gi")
            .meta({
                description:
                    "Node disk each controller pod may fill with request bodies it buffers before proxying them (the controller has no setting to stream uploads): at least the largest image layer pushed to Harbor, times the pushes one pod takes at once. Requested as ephemeral storage; the pod is evicted above it (docs/sizing.md).",
            }),
    })
    .prefault({});

const cloudflareDns01 = z.strictObject({
    apiToken: secretString("tls", "Cloudflare API token with Zone:DNS:Edit on the zone."),
});

const iamRoleArn = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/**
 * Route53 access for a component in the cluster. Static keys (`accessKeyId` + `secretAccessKey`,
 * both or neither), an IAM role taken with a ServiceAccount token (`roleArn`, no keys), or neither:
 * ambient credentials (the node's instance profile). GitHub OIDC in CI never reaches the cluster
 * (docs/security.md, "Route53"). The IAM policy the credential needs: docs/security.md, "Route53 IAM policy".
 */
const route53Credentials = (topKey: string, roleDescription: string) =>
    z.strictObject({
        region: z.string().min(1).meta({ description: "AWS region." }),
        hostedZoneId: z.string().min(1).optional().meta({ description: "Hosted zone id; default: discovered from the domain." }),
        accessKeyId: z
            .string()
            .min(1)
            .optional()
            .meta({ description: "Static access key id (with secretAccessKey); omit both for roleArn or ambient credentials (instance profile)." }),
        secretAccessKey: secretString(topKey, "Static secret access key (with accessKeyId).").optional(),
        roleArn: z
            .string()
            .regex(iamRoleArn, "expected an IAM role ARN such as arn:aws:iam::123456789012:role/platform-dns")
            .optional()
            .meta({ description: roleDescription }),
    });

/** What `roleArn` does for cert-manager (both blocks answer DNS-01 with it). */
const CERT_MANAGER_ROLE =
    "cert-manager's DNS-01 solver assumes it with a token of the ServiceAccount acme-dns01 (namespace cert-manager; trust policy: docs/security.md)";

/** Static keys come as a pair; an IRSA role replaces them. */
function checkRoute53(
    r53: { accessKeyId?: string; secretAccessKey?: unknown; roleArn?: string } | undefined,
    ctx: z.RefinementCtx,
    path: (string | number)[],
): void {
    if (r53 === undefined) {
        return;
    }
    if ((r53.accessKeyId === undefined) !== (r53.secretAccessKey === undefined)) {
        const missing = r53.accessKeyId === undefined ? "accessKeyId" : "secretAccessKey";
        ctx.addIssue({
            code: "custom",
            path: [...path, missing],
            message: "static keys come as a pair: set both accessKeyId and secretAccessKey, or neither (ambient credentials)",
        });
    }
    if (r53.roleArn !== undefined && r53.accessKeyId !== undefined) {
        ctx.addIssue({
            code: "custom",
            path: [...path, "roleArn"],
            message: "not allowed with static keys: the role replaces accessKeyId/secretAccessKey (set one or the other)",
        });
    }
}

export const tlsSchema = z
    .strictObject({
        installCertManager: z
            .boolean()
            .default(true)
            .meta({ description: "Install cert-manager; false when the cluster already runs it (issuers are still created)." }),
        issuer: z
            .enum(["selfSigned", "letsencrypt-staging", "letsencrypt"])
            .default("selfSigned")
            .meta({ description: "ClusterIssuer every platform Ingress uses: a self-signed CA, or Let's Encrypt staging/production." }),
        acme: z
            .strictObject({
                email: z.email("expected an e-mail address for ACME account notices").meta({ description: "ACME account e-mail." }),
                server: z
                    .url("expected the ACME directory URL, e.g. https://acme.example.com/directory")
                    .refine((u) => u.startsWith("https://"), "expected an https:// ACME directory URL")
                    .optional()
                    .meta({
                        description:
                            "ACME directory URL; default: Let's Encrypt's for the issuer. Set for a private or test ACME server (the e2e stack's Pebble).",
                    }),
                caBundle: z
                    .string()
                    .refine(
                        (pem) => /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(pem),
                        "expected PEM certificate(s) (-----BEGIN CERTIFICATE-----)",
                    )
                    .optional()
                    .meta({
                        description: "PEM CA(s) that sign the ACME server's TLS certificate (with server); default: the system CAs in cert-manager's image.",
                    }),
                solver: z.enum(["http01", "dns01"]).optional().meta({
                    description:
                        "Challenge: DNS-01 (default whenever `acme.dns01` or a cloudflare/route53 `platform:dns` provider can answer it; needed for private hosts) or HTTP-01 through the ingress controller (edit-in-place on the host's own Ingress).",
                }),
                dns01: z
                    .strictObject({
                        provider: z.enum(["cloudflare", "route53"]).meta({ description: "DNS-01 provider." }),
                        cloudflare: cloudflareDns01.optional(),
                        route53: route53Credentials("tls", `IAM role instead of static keys: ${CERT_MANAGER_ROLE}.`).optional(),
                    })
                    .optional()
                    .meta({
                        description:
                            "DNS-01 credentials, only for a provider other than `platform:dns.provider`; default: the `platform:dns` provider's (cloudflare or route53). The same provider here is deprecated (CHANGELOG.md): remove the block.",
                    }),
            })
            .optional()
            .meta({ description: "Let's Encrypt settings (issuer letsencrypt*)." }),
    })
    .prefault({})
    .superRefine((tls, ctx) => {
        if (tls.issuer !== "selfSigned" && tls.acme === undefined) {
            ctx.addIssue({ code: "custom", path: ["acme"], message: `required when issuer is '${tls.issuer}' (at least acme.email)` });
        }
        const acme = tls.acme;
        if (acme?.dns01 !== undefined) {
            if (acme.dns01[acme.dns01.provider] === undefined) {
                ctx.addIssue({ code: "custom", path: ["acme", "dns01", acme.dns01.provider], message: `required when provider is '${acme.dns01.provider}'` });
            }
        }
        checkRoute53(acme?.dns01?.route53, ctx, ["acme", "dns01", "route53"]);
    });

/** A record name as published: one label is relative to the platform domain; `@` and dotted names stay as written. */
export function absoluteRecordName(name: string, domain: string): string {
    return name === "@" || name.includes(".") ? name : `${name}.${domain}`;
}

const recordSchema = z
    .strictObject({
        name: z
            .string()
            .refine((n) => n === "@" || isDnsName(n), "expected a DNS name inside the zone, or @ for the apex")
            .meta({
                description:
                    "Record name: one label is relative to `platform:domain` (`www` is www.<domain>); a name with a dot is taken as fully qualified (no trailing dot) and must be inside a zone (`dns.domainFilters`, default `platform:domain`); `@` is the apex of the first zone.",
            }),
        type: z.enum(["A", "AAAA", "CNAME", "TXT"]).meta({ description: "Record type." }),
        targets: z.array(z.string().min(1)).min(1, "expected at least one target").meta({ description: "Record values." }),
        ttl: z.int().min(30).max(86400).optional().meta({ description: "TTL in seconds; default: the provider's." }),
        routing: z
            .strictObject({
                setIdentifier: z
                    .string()
                    .regex(/^[A-Za-z0-9_-]{1,128}$/, "expected a set identifier (letters, digits, '-', '_')")
                    .meta({
                        description: "Distinguishes this stack's record from other regions' records of the same name.",
                    }),
                weight: z.int().min(0).max(255).optional().meta({ description: "Weighted routing: share of answers (0-255)." }),
                failover: z.enum(["PRIMARY", "SECONDARY"]).optional().meta({ description: "Failover routing role." }),
                healthCheckId: z.string().min(1).optional().meta({ description: "Route53 health check deciding whether this record is served." }),
            })
            .optional()
            .meta({ description: "Route53 routing between regions: weighted or health-checked failover records." }),
    })
    .superRefine((record, ctx) => {
        record.targets.forEach((target, i) => {
            const ok =
                record.type === "A"
                    ? isIpAddress(target) && !target.includes(":")
                    : record.type === "AAAA"
                      ? target.includes(":") && isIpAddress(target)
                      : record.type === "CNAME"
                        ? isHostOrIp(target) && !isIpAddress(target)
                        : true;
            if (!ok) {
                ctx.addIssue({ code: "custom", path: ["targets", i], message: `expected a ${record.type} target, got "${target}"` });
            }
        });
        const routing = record.routing;
        if (routing && (routing.weight === undefined) === (routing.failover === undefined)) {
            ctx.addIssue({ code: "custom", path: ["routing"], message: "expected exactly one of weight or failover" });
        }
        if (routing?.failover === "PRIMARY" && routing.healthCheckId === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["routing", "healthCheckId"],
                message: "required for a PRIMARY failover record (otherwise it never fails over)",
            });
        }
        if (record.type === "CNAME" && record.targets.length > 1) {
            ctx.addIssue({ code: "custom", path: ["targets"], message: "expected exactly one target for a CNAME" });
        }
    });

export const dnsSchema = z
    .strictObject({
        provider: z
            .enum(["none", "cloudflare", "route53", "alibabacloud", "rfc2136"])
            .default("none")
            .meta({ description: "DNS provider external-dns manages records in; `none` deploys nothing." }),
        policy: z
            .enum(["upsert-only", "sync"])
            .default("upsert-only")
            .meta({ description: "`upsert-only` never deletes records; `sync` also deletes records it owns." }),
        domainFilters: z
            .array(z.string().refine(isDnsName, "expected a DNS domain"))
            .optional()
            .meta({ description: "Zones external-dns may touch; default: [platform:domain]." }),
        interval: z
            .string()
            .regex(/^\d+[smh]$/, "expected a duration such as 1m")
            .default("1m")
            .meta({ description: "Reconcile interval." }),
        cloudflare: z
            .strictObject({
                apiToken: secretString("dns", "Cloudflare API token (Zone:Read, DNS:Edit)."),
                proxied: z.boolean().default(false).meta({ description: "Proxy records through Cloudflare." }),
            })
            .optional(),
        route53: route53Credentials(
            "dns",
            `IAM role instead of static keys (EKS): external-dns assumes it through IRSA (its ServiceAccount's eks.amazonaws.com/role-arn annotation); with DNS-01, ${CERT_MANAGER_ROLE}.`,
        )
            .extend({
                zoneType: z.enum(["public", "private"]).optional().meta({ description: "Restrict to public or private zones." }),
            })
            .optional(),
        alibabacloud: z
            .strictObject({
                region: z.string().min(1).meta({ description: "Alibaba Cloud region, e.g. cn-hangzhou." }),
                accessKeyId: z.string().min(1).meta({ description: "AccessKey id." }),
                accessKeySecret: secretString("dns", "AccessKey secret."),
                zoneType: z.enum(["public", "private"]).default("public").meta({ description: "Public DNS or PrivateZone." }),
            })
            .optional(),
        rfc2136: z
            .strictObject({
                host: z.string().refine(isHostOrIp, "expected the DNS server's address").meta({ description: "Authoritative DNS server." }),
                port: z.int().min(1).max(65535).default(53).meta({ description: "DNS server port." }),
                zone: z.string().refine(isDnsName, "expected a DNS zone").meta({ description: "Zone to update." }),
                tsigKeyName: z.string().min(1).meta({ description: "TSIG key name." }),
                tsigSecret: secretString("dns", "TSIG secret (base64)."),
                tsigAlgorithm: z.enum(["hmac-sha256", "hmac-sha384", "hmac-sha512"]).default("hmac-sha256").meta({ description: "TSIG algorithm." }),
            })
            .optional(),
        records: z.array(recordSchema).default([]).meta({ description: "Static records, created as DNSEndpoint objects." }),
    })
    .prefault({})
    .superRefine((dns, ctx) => {
        if (dns.provider !== "none" && dns[dns.provider] === undefined) {
            ctx.addIssue({ code: "custom", path: [dns.provider], message: `required when provider is '${dns.provider}'` });
        }
        for (const other of ["cloudflare", "route53", "alibabacloud", "rfc2136"] as const) {
            if (other !== dns.provider && dns[other] !== undefined) {
                ctx.addIssue({ code: "custom", path: [other], message: `not allowed when provider is '${dns.provider}'` });
            }
        }
        checkRoute53(dns.route53, ctx, ["route53"]);
        dns.records.forEach((record, i) => {
            if (record.routing && dns.provider !== "route53") {
                ctx.addIssue({ code: "custom", path: ["records", i, "routing"], message: `routing policies need the route53 provider, got '${dns.provider}'` });
            }
        });
        if (dns.provider === "none" && dns.records.length > 0) {
            ctx.addIssue({ code: "custom", path: ["records"], message: "static records need a DNS provider (provider is 'none')" });
        }
    });
