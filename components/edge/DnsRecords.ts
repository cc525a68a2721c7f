import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../charts/versions";
import { installChart } from "../lib/chart";
import type { ScrapeTarget } from "../lib/metrics";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import { apiServerFlow, type Flow, type NetworkNeeds, type PodEnd, type Route, type OwnedNamespace } from "../lib/flows";
import {
    DNS_METRICS_PORT,
    DNS_NAMESPACE,
    DNS_RELEASE,
    DNS_SECRET_NAME,
    dnsEndpoints,
    type DnsProviderArgs,
    type ExternalDnsSettings,
    externalDnsValues,
} from "./dnsValues";

export interface DnsRecordsArgs extends NamespacePolicyArgs {
    /** Provider, zones and static records. */
    readonly config: ExternalDnsSettings;
    /** TXT owner id: the stack name, so stacks sharing a zone keep apart. */
    readonly ownerId: string;
    /** @default "external-dns" */
    readonly namespace?: string;
}

/**
 * external-dns for the configured provider (records from Ingress hosts and DNSEndpoint objects),
 * plus the static records from config as DNSEndpoints.
 */
export class DnsRecords extends pulumi.ComponentResource implements NetworkNeeds {
    /** external-dns's metrics: the chart's Service port `http` (external-dns chart 1.21.1 templates/service.yaml). */
    public readonly scrapeTargets: readonly ScrapeTarget[];
    public readonly flows: readonly Flow[];
    public readonly routes: readonly Route[] = [];
    public readonly ownedNamespaces: readonly OwnedNamespace[];

    constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:DnsRecords", name, {}, opts);
        const namespace = args.namespace ?? DNS_NAMESPACE;
        const ns = platformNamespace(`${name}-ns`, { name: namespace, podSecurityVersion: args.podSecurityVersion }, { parent: this });
        const credentials = dnsCredentials(args.config);
        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            { metadata: { name: DNS_SECRET_NAME, namespace: ns.metadata.name }, type: "Opaque", stringData: credentials },
            { parent: this },
        );
        const release = installChart(
            `${name}-release`,
            {
                chart: CHARTS.externalDns,
                releaseName: DNS_RELEASE,
                namespace: ns.metadata.name,
                values: externalDnsValues(args.config, { ownerId: args.ownerId }),
            },
            { parent: this, dependsOn: [secret] },
        );
        // As the chart's own ServiceMonitor would select it (templates/servicemonitor.yaml at 1.21.1):
        // the Service by its selector labels, port `http`, the job named after the release.
        this.scrapeTargets = [
            {
                name: "external-dns",
                namespace,
                selector: { "app.kubernetes.io/name": "external-dns", "app.kubernetes.io/instance": DNS_RELEASE },
                port: "http",
                pods: { "app.kubernetes.io/name": "external-dns" },
                podPort: DNS_METRICS_PORT,
                jobLabel: "app.kubernetes.io/instance",
            },
        ];
        this.flows = dnsFlows({ namespace, pods: { "app.kubernetes.io/name": "external-dns" } }, args.config);
        this.ownedNamespaces = [{ name: namespace, object: ns }];
        // DNSEndpoint's CRD ships with the chart: create the records after the release.
        for (const manifest of dnsEndpoints(args.config, namespace)) {
            new k8s.apiextensions.CustomResource(`${name}-${manifest.metadata.name}`, manifest as k8s.apiextensions.CustomResourceArgs, {
                parent: this,
                dependsOn: [release],
            });
        }
        this.registerOutputs({});
    }
}

/** Secret keys the chart values refer to, by provider; values are secret Outputs from config. */
function dnsCredentials(dns: ExternalDnsSettings): Record<string, pulumi.Input<string>> {
    switch (dns.provider) {
        case "cloudflare":
            return { apiToken: dns.cloudflare.apiToken };
        case "route53": {
            const r53 = dns.route53;
            return r53.accessKeyId !== undefined && r53.secretAccessKey !== undefined
                ? { accessKeyId: r53.accessKeyId, secretAccessKey: r53.secretAccessKey }
                : {};
        }
        case "alibabacloud": {
            const a = dns.alibabacloud;
            return {
                "alibabacloud.json": pulumi
                    .secret(a.accessKeySecret)
                    .apply((secret) => JSON.stringify({ accessKeyId: a.accessKeyId, accessKeySecret: secret, regionId: a.region })),
            };
        }
        case "rfc2136":
            return { tsigSecret: dns.rfc2136.tsigSecret };
    }
}

/** external-dns reads Ingresses and DNSEndpoints, and writes to the provider's API over HTTPS or to the RFC 2136 server's DNS port. */
function dnsFlows(externalDns: PodEnd, dns: DnsProviderArgs): Flow[] {
    const flows: Flow[] = [apiServerFlow(externalDns, "external-dns", "reads Ingresses and DNSEndpoints")];
    if (dns.provider === "rfc2136") {
        for (const protocol of ["TCP", "UDP"] as const) {
            flows.push({
                name: `external-dns -> RFC 2136 server (${protocol})`,
                from: externalDns,
                to: "outside",
                ports: [dns.rfc2136.port],
                protocol,
                why: "dynamic updates and zone transfers",
            });
        }
    } else {
        flows.push({ name: "external-dns -> DNS provider API", from: externalDns, to: "internet", ports: [443], why: "lists and writes the zone's records" });
    }
    return flows;
}
