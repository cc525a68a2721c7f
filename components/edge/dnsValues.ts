/**
 * external-dns chart values (1.21.1) and DNSEndpoint objects from `platform:dns`.
 * Credentials never enter the values: they live in one Secret the pod reads through env vars or
 * a mounted file, so values stay reviewable.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Manifest, Route53Access } from "./certManagerValues";
import { limited } from "../lib/resources";
import { NAMESPACES } from "../../charts/namespaces";

/** One static record, created as a DNSEndpoint; `@` is the first zone's apex. */
export interface DnsRecordSpec {
    readonly name: string;
    readonly type: "A" | "AAAA" | "CNAME" | "TXT";
    readonly targets: readonly string[];
    readonly ttl?: number;
    /** Route53 weighted or failover routing. */
    readonly routing?: {
        readonly setIdentifier: string;
        readonly weight?: number;
        readonly failover?: "PRIMARY" | "SECONDARY";
        readonly healthCheckId?: string;
    };
}

/** The provider external-dns writes to, with that provider's settings and credentials (secret Outputs). */
export type DnsProviderArgs =
    | { readonly provider: "cloudflare"; readonly cloudflare: { readonly apiToken: pulumi.Input<string>; readonly proxied: boolean } }
    | {
          readonly provider: "route53";
          /** Without static keys the pod uses ambient credentials or `roleArn` (IRSA). */
          readonly route53: Route53Access & {
              readonly zoneType?: "public" | "private";
          };
      }
    | {
          readonly provider: "alibabacloud";
          readonly alibabacloud: {
              readonly region: string;
              readonly accessKeyId: string;
              readonly accessKeySecret: pulumi.Input<string>;
              readonly zoneType: "public" | "private";
          };
      }
    | {
          readonly provider: "rfc2136";
          readonly rfc2136: {
              readonly host: string;
              readonly port: number;
              readonly zone: string;
              readonly tsigKeyName: string;
              readonly tsigSecret: pulumi.Input<string>;
              readonly tsigAlgorithm: string;
          };
      };

/** What external-dns manages: the provider, the zones it may touch and the static records. */
export type ExternalDnsSettings = DnsProviderArgs & {
    readonly policy: "upsert-only" | "sync";
    /** Zones external-dns may touch; the first is the apex `@` records resolve to. */
    readonly domainFilters: readonly string[];
    /** Reconcile interval, e.g. `1m`. */
    readonly interval: string;
    readonly records: readonly DnsRecordSpec[];
};

/** The Secret holding the provider credential(s); keys depend on the provider. */
/** external-dns's namespace unless its Args say otherwise. */
export const DNS_NAMESPACE = NAMESPACES.dns;
export const DNS_SECRET_NAME = "external-dns-credentials";
/** The release's name (installChart's default: the chart's), which the chart's labels carry. */
export const DNS_RELEASE = "external-dns";
/** external-dns's metrics and health port (chart 1.21.1: container port `http`, Service port 7979). */
export const DNS_METRICS_PORT = 7979;

/** Provider names as external-dns spells them. */
const PROVIDER_NAME = { cloudflare: "cloudflare", route53: "aws", alibabacloud: "alibabacloud", rfc2136: "rfc2136" } as const;

const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: DNS_SECRET_NAME, key } } });

export function externalDnsValues(dns: ExternalDnsSettings, args: { ownerId: string }): Record<string, unknown> {
    const env: Record<string, unknown>[] = [];
    const extraArgs: string[] = [];
    const values: Record<string, unknown> = {};
    switch (dns.provider) {
        case "cloudflare":
            env.push(fromSecret("CF_API_TOKEN", "apiToken"));
            if (dns.cloudflare.proxied) {
                extraArgs.push("--cloudflare-proxied");
            }
            break;
        case "route53": {
            const r53 = dns.route53;
            env.push({ name: "AWS_DEFAULT_REGION", value: r53.region });
            if (r53.accessKeyId !== undefined) {
                env.push(fromSecret("AWS_ACCESS_KEY_ID", "accessKeyId"), fromSecret("AWS_SECRET_ACCESS_KEY", "secretAccessKey"));
            }
            if (r53.roleArn !== undefined) {
                // IRSA: the EKS pod identity webhook injects a web identity token for this role.
                values.serviceAccount = { annotations: { "eks.amazonaws.com/role-arn": r53.roleArn } };
            }
            if (r53.zoneType) {
                extraArgs.push(`--aws-zone-type=${r53.zoneType}`);
            }
            if (r53.hostedZoneId) {
                extraArgs.push(`--zone-id-filter=${r53.hostedZoneId}`);
            }
            break;
        }
        case "alibabacloud":
            // The provider reads its credentials from a JSON file; mount it from the Secret.
            extraArgs.push("--alibaba-cloud-config-file=/etc/external-dns/alibabacloud.json", `--alibaba-cloud-zone-type=${dns.alibabacloud.zoneType}`);
            values.extraVolumes = [{ name: "credentials", secret: { secretName: DNS_SECRET_NAME } }];
            values.extraVolumeMounts = [{ name: "credentials", mountPath: "/etc/external-dns", readOnly: true }];
            break;
        case "rfc2136": {
            const r = dns.rfc2136;
            extraArgs.push(
                `--rfc2136-host=${r.host}`,
                `--rfc2136-port=${r.port}`,
                `--rfc2136-zone=${r.zone}`,
                `--rfc2136-tsig-keyname=${r.tsigKeyName}`,
                `--rfc2136-tsig-secret-alg=${r.tsigAlgorithm}`,
                "--rfc2136-tsig-axfr",
            );
            env.push(fromSecret("EXTERNAL_DNS_RFC2136_TSIG_SECRET", "tsigSecret"));
            break;
        }
    }
    return {
        provider: { name: PROVIDER_NAME[dns.provider] },
        policy: dns.policy,
        registry: "txt",
        // Records are owned per stack: two stacks (or regions) sharing a zone never touch each other's.
        txtOwnerId: args.ownerId,
        domainFilters: [...dns.domainFilters],
        sources: ["ingress", "crd"],
        interval: dns.interval,
        env,
        extraArgs,
        resources: limited("10m", "64Mi", "128Mi"),
        ...values,
    };
}

/** A name for a record's DNSEndpoint object (DNS-1123, stable for the same record). */
export function endpointName(record: DnsRecordSpec): string {
    const base = `${record.type}-${record.name === "@" ? "apex" : record.name}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
    return base.slice(0, 63).replace(/-+$/, "");
}

/** One DNSEndpoint per static record; `@` means the first zone's apex. */
export function dnsEndpoints(dns: Pick<ExternalDnsSettings, "records" | "domainFilters">, namespace: string): Manifest[] {
    return dns.records.map((record) => ({
        apiVersion: "externaldns.k8s.io/v1alpha1",
        kind: "DNSEndpoint",
        metadata: { name: endpointName(record), namespace },
        spec: {
            endpoints: [
                {
                    dnsName: record.name === "@" ? dns.domainFilters[0] : record.name,
                    recordType: record.type,
                    targets: [...record.targets],
                    ...(record.ttl !== undefined ? { recordTTL: record.ttl } : {}),
                    ...routingFields(record.routing),
                },
            ],
        },
    }));
}

/** external-dns's AWS provider-specific properties for weighted and failover records. */
function routingFields(routing: DnsRecordSpec["routing"]): Record<string, unknown> {
    if (!routing) {
        return {};
    }
    const specific = [
        ...(routing.weight !== undefined ? [{ name: "aws/weight", value: String(routing.weight) }] : []),
        ...(routing.failover ? [{ name: "aws/failover", value: routing.failover }] : []),
        ...(routing.healthCheckId ? [{ name: "aws/health-check-id", value: routing.healthCheckId }] : []),
    ];
    return { setIdentifier: routing.setIdentifier, providerSpecific: specific };
}
