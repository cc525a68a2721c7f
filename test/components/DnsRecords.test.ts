import { DnsRecords } from "../../components/edge/DnsRecords";
import * as pulumi from "@pulumi/pulumi";
import { type DnsProviderArgs, dnsEndpoints, endpointName, type ExternalDnsSettings, externalDnsValues } from "../../components/edge/dnsValues";
import { unknownChartKeys } from "../../offline/chartKeys";
import { SECRET } from "../../offline/mocks";
import { allStrings, byName, mockedComponents } from "../harness";
import { validateManifest } from "../k8sSchema";

/** Args as the Platform hands them over: config defaults already applied. */
const dns = (provider: DnsProviderArgs, rest: Partial<ExternalDnsSettings> = {}): ExternalDnsSettings => ({
    policy: "upsert-only",
    domainFilters: ["dev.example.com"],
    interval: "1m",
    records: [],
    ...rest,
    ...provider,
});

const cloudflare: DnsProviderArgs = { provider: "cloudflare", cloudflare: { apiToken: pulumi.secret("cf-1"), proxied: true } };
const route53: DnsProviderArgs = {
    provider: "route53",
    route53: { region: "eu-west-1", accessKeyId: "AKIA1", secretAccessKey: pulumi.secret("aws-1"), zoneType: "public", hostedZoneId: "Z123" },
};
const alibabacloud: DnsProviderArgs = {
    provider: "alibabacloud",
    alibabacloud: { region: "cn-hangzhou", accessKeyId: "LTAI1", accessKeySecret: pulumi.secret("ali-1"), zoneType: "public" },
};
const rfc2136: DnsProviderArgs = {
    provider: "rfc2136",
    rfc2136: {
        host: "10.0.0.53",
        port: 53,
        zone: "dev.example.com",
        tsigKeyName: "externaldns",
        tsigSecret: pulumi.secret("tsig-1"),
        tsigAlgorithm: "hmac-sha256",
    },
};
const providers: [string, DnsProviderArgs, string][] = [
    ["cloudflare", cloudflare, "cloudflare"],
    ["route53", route53, "aws"],
    ["alibabacloud", alibabacloud, "alibabacloud"],
    ["rfc2136", rfc2136, "rfc2136"],
];

describe("external-dns values", () => {
    it.each(providers)("configure %s with credentials only by Secret reference", (_provider, settings, name) => {
        const v = externalDnsValues(dns(settings), { ownerId: "dev" });
        expect(v).toMatchObject({
            provider: { name },
            policy: "upsert-only",
            registry: "txt",
            txtOwnerId: "dev",
            domainFilters: ["dev.example.com"],
            sources: ["ingress", "crd"],
        });
        expect(JSON.stringify(v)).not.toMatch(/cf-1|aws-1|ali-1|tsig-1/);
        expect(unknownChartKeys("external-dns", v)).toEqual([]);
    });

    it("pass provider flags: Cloudflare proxying, Route53 zone filters, RFC2136 server and TSIG", () => {
        const args = (settings: DnsProviderArgs) => externalDnsValues(dns(settings), { ownerId: "dev" }).extraArgs;
        expect(args(cloudflare)).toEqual(["--cloudflare-proxied"]);
        expect(args(route53)).toEqual(["--aws-zone-type=public", "--zone-id-filter=Z123"]);
        expect(args(rfc2136)).toEqual(
            expect.arrayContaining([
                "--rfc2136-host=10.0.0.53",
                "--rfc2136-port=53",
                "--rfc2136-zone=dev.example.com",
                "--rfc2136-tsig-keyname=externaldns",
                "--rfc2136-tsig-secret-alg=hmac-sha256",
            ]),
        );
    });

    it("Route53 without static keys: no key env; with an IRSA role, the ServiceAccount carries it", () => {
        const ambient = externalDnsValues(dns({ provider: "route53", route53: { region: "eu-west-1" } }), { ownerId: "dev" });
        expect(ambient.env).toEqual([{ name: "AWS_DEFAULT_REGION", value: "eu-west-1" }]);
        expect(ambient).not.toHaveProperty("serviceAccount");
        const irsa = externalDnsValues(dns({ provider: "route53", route53: { region: "eu-west-1", roleArn: "arn:aws:iam::123456789012:role/external-dns" } }), {
            ownerId: "dev",
        });
        expect(irsa).toMatchObject({ serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/external-dns" } } });
        expect(irsa.env).toEqual([{ name: "AWS_DEFAULT_REGION", value: "eu-west-1" }]);
        expect(unknownChartKeys("external-dns", irsa)).toEqual([]);
    });

    it("sync deletes only when asked, and honours domain filters", () => {
        const v = externalDnsValues(dns(cloudflare, { policy: "sync", domainFilters: ["a.example.com", "b.example.com"] }), { ownerId: "prod" });
        expect(v).toMatchObject({ policy: "sync", domainFilters: ["a.example.com", "b.example.com"] });
        // Scraped through the monitoring stack (DnsRecords.scrapeTargets), not by the chart's own ServiceMonitor.
        expect(v).not.toHaveProperty("serviceMonitor");
    });
});

describe("static records", () => {
    it("become DNSEndpoints with stable names; @ is the zone apex", () => {
        const config = dns(cloudflare, {
            records: [
                { name: "@", type: "A", targets: ["203.0.113.1"] },
                { name: "www.dev.example.com", type: "CNAME", targets: ["dev.example.com"], ttl: 300 },
                { name: "dev.example.com", type: "TXT", targets: ["v=spf1 -all"] },
            ],
        });
        const endpoints = dnsEndpoints(config, "external-dns");
        expect(endpoints.map((e) => e.metadata.name)).toEqual(["a-apex", "cname-www-dev-example-com", "txt-dev-example-com"]);
        expect(endpoints[0].spec).toEqual({ endpoints: [{ dnsName: "dev.example.com", recordType: "A", targets: ["203.0.113.1"] }] });
        expect(endpoints[1].spec).toEqual({
            endpoints: [{ dnsName: "www.dev.example.com", recordType: "CNAME", targets: ["dev.example.com"], recordTTL: 300 }],
        });
        for (const e of endpoints) {
            expect(() => validateManifest(e)).not.toThrow();
        }
        expect(endpointName({ name: "x".repeat(80) + ".dev.example.com", type: "A", targets: ["1.1.1.1"] })).toHaveLength(63);
    });
});

describe("DnsRecords component", () => {
    const mocks = mockedComponents();

    it("keeps credentials in a secret Secret, installs after it and creates records after the chart", async () => {
        const component = new DnsRecords("dns", {
            config: dns(alibabacloud, { records: [{ name: "api.dev.example.com", type: "A", targets: ["203.0.113.9"] }] }),
            ownerId: "dev",
            podSecurityVersion: "v1.36",
        });
        // Its metrics, as the chart's own ServiceMonitor would select them (external-dns chart 1.21.1
        // servicemonitor.yaml): the Service's selector labels, port `http`, the job named after the release.
        expect(component.scrapeTargets).toEqual([
            {
                name: "external-dns",
                namespace: "external-dns",
                selector: { "app.kubernetes.io/name": "external-dns", "app.kubernetes.io/instance": "external-dns" },
                port: "http",
                pods: { "app.kubernetes.io/name": "external-dns" },
                podPort: 7979,
                jobLabel: "app.kubernetes.io/instance",
            },
        ]);
        await mocks.settle();
        expect(byName(mocks.collector.resources, "dns-credentials").inputs.stringData).toBe(SECRET);
        expect(byName(mocks.collector.resources, "dns-release").dependsOn).toEqual(expect.arrayContaining(["dns-credentials", "dns-ns"]));
        expect(byName(mocks.collector.resources, "dns-a-api-dev-example-com").dependsOn).toContain("dns-release");
        expect(allStrings(mocks.collector.resources).join("\n")).not.toContain("ali-1");
    });
});
