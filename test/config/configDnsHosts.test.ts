/**
 * DNS: one provider credential for external-dns and DNS-01 (the second copy warns), record names
 * relative to the platform domain. Hosts and addresses: dotted numbers that are no IPv4 address are
 * refused wherever a host or an address is accepted.
 */
import { parsePlatformConfigWithWarnings } from "../../config/config";
import { configProblems, evaluateConfig, k3sStackConfig, rawConfig, secure } from "../harness";

const base = (extra: Record<string, unknown>) => ({ ...k3sStackConfig(), ...extra });
const load = (extra: Record<string, unknown>) => parsePlatformConfigWithWarnings(rawConfig(base(extra)));
const problems = (extra: Record<string, unknown>) => configProblems(base(extra));

const cloudflareDns = { provider: "cloudflare", cloudflare: { apiToken: secure("dns-token") } };
const letsencrypt = (acme: Record<string, unknown> = {}) => ({ issuer: "letsencrypt", acme: { email: "ops@example.com", ...acme } });

describe("one DNS-provider credential", () => {
    it("answers DNS-01 with the platform:dns credential when tls.acme.dns01 is omitted, without warnings", () => {
        const { config, warnings } = load({ "platform:dns": cloudflareDns, "platform:tls": letsencrypt() });
        expect(config.tls.acme).toMatchObject({ solver: "dns01", dns01: { provider: "cloudflare" } });
        expect(warnings).toEqual([]);
    });

    it("still accepts a second copy under tls.acme.dns01 for the same provider, with a warning naming platform:dns", () => {
        const { config, warnings } = load({
            "platform:dns": cloudflareDns,
            "platform:tls": letsencrypt({ dns01: { provider: "cloudflare", cloudflare: { apiToken: secure("acme-token") } } }),
        });
        expect(config.tls.acme).toMatchObject({ solver: "dns01", dns01: { provider: "cloudflare" } });
        expect(warnings).toEqual([
            "platform:tls.acme.dns01: a second cloudflare credential for DNS-01 is deprecated and will be refused in the next minor release. DNS-01 uses platform:dns.cloudflare (the one external-dns uses) when platform:tls.acme.dns01 is omitted: remove it.",
        ]);
    });

    it("keeps tls.acme.dns01 for a DNS-01 provider external-dns does not manage, without a warning", () => {
        const { warnings } = load({
            "platform:dns": { provider: "none" },
            "platform:tls": letsencrypt({ dns01: { provider: "cloudflare", cloudflare: { apiToken: secure("acme-token") } } }),
        });
        expect(warnings).toEqual([]);
    });
});

describe("DNS record names", () => {
    const record = (name: string) => ({ "platform:dns": { ...cloudflareDns, records: [{ name, type: "A", targets: ["192.0.2.50"] }] } });

    it("resolves a one-label name against platform:domain", () => {
        expect(load(record("grafana-lb")).config.dns.records[0]).toMatchObject({ name: "grafana-lb.dev.example.com", type: "A" });
    });

    it("keeps fully qualified names inside the zone, and @ (the apex of the first zone)", () => {
        expect(load(record("www.dev.example.com")).config.dns.records[0].name).toBe("www.dev.example.com");
        expect(load(record("@")).config.dns.records[0].name).toBe("@");
    });

    it("refuses a dotted name outside the zones (only one-label names are relative)", () => {
        expect(problems(record("api.eu"))).toEqual([
            'platform:dns.records[0].name: expected a name inside dev.example.com: fully qualified, one label relative to platform:domain (e.g. "www" for www.dev.example.com), or @ for the apex; got "api.eu"',
        ]);
    });

    it("refuses a relative name whose resolved form leaves the zones external-dns may touch", () => {
        const outside = {
            "platform:dns": { ...cloudflareDns, domainFilters: ["other.example.com"], records: [{ name: "www", type: "A", targets: ["192.0.2.50"] }] },
        };
        expect(problems(outside)).toEqual([
            'platform:dns.records[0].name: expected a name inside other.example.com: fully qualified, one label relative to platform:domain (e.g. "www" for www.dev.example.com), or @ for the apex; got "www"',
        ]);
    });
});

describe("dotted numbers that are no IPv4 address", () => {
    const typo = "10.20.0.312";
    const node = (field: string, value: string) => {
        const config = k3sStackConfig();
        const cluster = structuredClone(config["platform:cluster"]) as { k3s: { servers: Record<string, unknown>[] } & Record<string, unknown> };
        if (field === "apiEndpoint" || field === "clusterCidr") {
            cluster.k3s[field] = value;
        } else {
            cluster.k3s.servers[0][field] = value;
        }
        return configProblems({ ...config, "platform:cluster": cluster });
    };

    it.each([
        ["host", "expected an IPv4/IPv6 address or DNS hostname (the address Pulumi connects to over SSH)"],
        ["address", "expected the node's private IPv4/IPv6 address"],
        ["externalAddress", "expected the node's public IPv4/IPv6 address"],
        ["apiEndpoint", "expected an IPv4/IPv6 address or DNS hostname (the Kubernetes API endpoint)"],
    ])("are refused as a node's or the cluster's %s", (field, expected) => {
        const key = field === "apiEndpoint" ? "platform:cluster.k3s.apiEndpoint" : `platform:cluster.k3s.servers[0].${field}`;
        expect(node(field, typo)).toEqual([`${key}: ${expected}, got "${typo}"`]);
    });

    it("are refused in CIDRs", () => {
        expect(node("clusterCidr", `${typo}/16`)).toEqual([`platform:cluster.k3s.clusterCidr: expected a CIDR such as 10.42.0.0/16, got "${typo}/16"`]);
        expect(problems({ "platform:ingress": { loadBalancerSourceRanges: [`${typo}/24`] } })).toEqual([
            `platform:ingress.loadBalancerSourceRanges[0]: expected a CIDR such as 203.0.113.0/24, got "${typo}/24"`,
        ]);
    });

    it("are refused as DNS record targets, of every address-bearing type", () => {
        const target = (type: string) => problems({ "platform:dns": { ...cloudflareDns, records: [{ name: "www", type, targets: [typo] }] } });
        expect(target("A")).toEqual([`platform:dns.records[0].targets[0]: expected a A target, got "${typo}"`]);
        expect(target("CNAME")).toEqual([`platform:dns.records[0].targets[0]: expected a CNAME target, got "${typo}"`]);
    });

    it("are refused as other hosts: RFC 2136 server, Harbor's database, SMTP smarthost, platform hostnames, Loki's endpoint", () => {
        expect(
            problems({ "platform:dns": { provider: "rfc2136", rfc2136: { host: typo, zone: "dev.example.com", tsigKeyName: "k", tsigSecret: secure("s") } } }),
        ).toEqual([`platform:dns.rfc2136.host: expected the DNS server's address, got "${typo}"`]);
        expect(
            problems({ "platform:harbor": { database: { type: "external", external: { host: typo, username: "harbor", password: secure("p") } } } }),
        ).toEqual([`platform:harbor.database.external.host: expected the PostgreSQL server's IPv4/IPv6 address or DNS hostname, got "${typo}"`]);
        expect(
            problems({ "platform:monitoring": { alertmanager: { email: { to: "a@example.com", from: "b@example.com", smarthost: `${typo}:25` } } } }),
        ).toEqual([
            `platform:monitoring.alertmanager.email.smarthost: expected host:port with an IPv4 address or DNS hostname and a port 1-65535, got "${typo}:25"`,
        ]);
        expect(problems({ "platform:monitoring": { grafana: { host: typo } } })).toEqual([
            `platform:monitoring.grafana.host: expected a DNS hostname, got "${typo}"`,
        ]);
        expect(
            problems({ "platform:monitoring": { logs: { s3: { bucket: "logs", region: "r", endpoint: typo, accessKey: "a", secretKey: secure("s") } } } }),
        ).toEqual([`platform:monitoring.logs.s3.endpoint: expected the S3 endpoint host name such as s3.eu-west-1.amazonaws.com, got "${typo}"`]);
        expect(
            problems({
                "platform:storage": {
                    class: "longhorn",
                    longhorn: { backup: { bucket: "volumes", region: "r", endpoint: `https://${typo}`, accessKey: "a", secretKey: secure("s") } },
                },
            }),
        ).toEqual([`platform:storage.longhorn.backup.endpoint: expected the endpoint URL of an S3-compatible store, got "https://${typo}"`]);
    });

    it("leave valid IPv4 addresses and ordinary host names alone", () => {
        expect(node("host", "192.0.2.10")).toEqual([]);
        expect(
            problems({
                "platform:harbor": { database: { type: "external", external: { host: "db.example.com", username: "harbor", password: secure("p") } } },
            }),
        ).toEqual([]);
    });
});

describe("deprecation warnings reach the operator", () => {
    it("index.ts prints each one through pulumi.log.warn (collected by the offline evaluation, which the render prints on stderr)", async () => {
        const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
        try {
            const { warnings } = await evaluateConfig({
                ...k3sStackConfig(),
                "platform:dns": cloudflareDns,
                "platform:tls": letsencrypt({ dns01: { provider: "cloudflare", cloudflare: { apiToken: secure("acme-token") } } }),
                "platform:monitoring": { enabled: false },
                "platform:harbor": { enabled: false },
            });
            expect(warnings.filter((line) => line.includes("platform:tls.acme.dns01: a second cloudflare credential"))).toHaveLength(1);
            expect(warnings.join("\n")).not.toContain("acme-token");
            // Once, through the render: not again through the SDK's own console fallback.
            expect(warn.mock.calls.map((args) => String(args[0])).filter((line) => line.includes("a second cloudflare credential"))).toEqual([]);
        } finally {
            warn.mockRestore();
        }
    });
});
