import { parsePlatformConfig } from "../../config/config";
import { configProblems, k3sStackConfig, rawConfig, secure } from "../harness";

const problems = (extra: Record<string, unknown>) => configProblems({ ...k3sStackConfig(), ...extra });

const cloudflare = { provider: "cloudflare", cloudflare: { apiToken: secure("t") } };

describe("edge config", () => {
    it("defaults: ingress on, self-signed issuer, no DNS provider", () => {
        const config = parsePlatformConfig(rawConfig(k3sStackConfig()));
        expect(config.ingress).toMatchObject({ enabled: true, className: "nginx", kind: "daemonset", exposure: "loadBalancer", replicas: 1 });
        expect(config.tls).toMatchObject({ installCertManager: true, issuer: "selfSigned" });
        expect(config.dns).toMatchObject({ provider: "none", policy: "upsert-only", domainFilters: ["dev.example.com"], records: [] });
    });

    it("runs the ingress controller as a Deployment with profile replicas on an existing cluster, a DaemonSet on k3s", () => {
        const existing = {
            "platform:cluster": { mode: "existing", existing: { kubeconfig: secure("apiVersion: v1"), podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" } },
        };
        expect(parsePlatformConfig(rawConfig(k3sStackConfig({ ...existing, "platform:profile": "prod" }))).ingress).toMatchObject({
            kind: "deployment",
            replicas: 2,
        });
        expect(parsePlatformConfig(rawConfig(k3sStackConfig({ ...existing, "platform:ingress": { replicas: 3 } }))).ingress).toMatchObject({
            kind: "deployment",
            replicas: 3,
        });
    });

    it("sizes the controller's disk for buffered uploads: 10Gi unless platform:ingress.clientBodyTempSize says otherwise", () => {
        expect(parsePlatformConfig(rawConfig(k3sStackConfig())).ingress.clientBodyTempSize).toBe("10Gi");
        expect(parsePlatformConfig(rawConfig(k3sStackConfig({ "platform:ingress": { clientBodyTempSize: "40Gi" } }))).ingress.clientBodyTempSize).toBe("40Gi");
        expect(problems({ "platform:ingress": { clientBodyTempSize: "10GB" } })).toEqual([
            'platform:ingress.clientBodyTempSize: expected a size such as 10Gi, got "10GB"',
        ]);
    });

    it("resolves a DNS provider with its own block and defaults: RFC 2136 on port 53 with hmac-sha256, Cloudflare unproxied", () => {
        const rfc = parsePlatformConfig(
            rawConfig(
                k3sStackConfig({
                    "platform:dns": {
                        provider: "rfc2136",
                        rfc2136: { host: "ns1.example.com", zone: "dev.example.com", tsigKeyName: "k", tsigSecret: secure("s") },
                    },
                }),
            ),
        ).dns;
        expect(rfc).toMatchObject({ provider: "rfc2136", rfc2136: { port: 53, tsigAlgorithm: "hmac-sha256" }, interval: "1m" });
        const cf = parsePlatformConfig(rawConfig(k3sStackConfig({ "platform:dns": cloudflare, "platform:domain": "prod.example.com" }))).dns;
        expect(cf).toMatchObject({ provider: "cloudflare", cloudflare: { proxied: false }, domainFilters: ["prod.example.com"] });
        expect(cf).not.toHaveProperty("route53");
    });

    it("takes a private ACME server only as an https URL, and its CA only as PEM", () => {
        const acme = (extra: Record<string, unknown>) =>
            problems({ "platform:tls": { issuer: "letsencrypt-staging", acme: { email: "o@example.com", ...extra } } });
        expect(acme({ server: "https://pebble:14000/dir", caBundle: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" })).toEqual([]);
        expect(acme({ server: "http://pebble:14000/dir" })).toEqual([
            'platform:tls.acme.server: expected an https:// ACME directory URL, got "http://pebble:14000/dir"',
        ]);
        expect(acme({ caBundle: "not a pem" })).toEqual([
            'platform:tls.acme.caBundle: expected PEM certificate(s) (-----BEGIN CERTIFICATE-----), got "not a pem"',
        ]);
    });

    it("requires ACME settings for Let's Encrypt, with a real e-mail", () => {
        expect(problems({ "platform:tls": { issuer: "letsencrypt" } })).toEqual([
            "platform:tls.acme: required when issuer is 'letsencrypt' (at least acme.email)",
        ]);
        expect(problems({ "platform:tls": { issuer: "letsencrypt", acme: { email: "ops" } } })).toEqual([
            'platform:tls.acme.email: expected an e-mail address for ACME account notices, got "ops"',
        ]);
    });

    it("requires the DNS-01 provider block that the solver names", () => {
        expect(problems({ "platform:tls": { issuer: "letsencrypt", acme: { email: "o@example.com", solver: "dns01" } } })).toEqual([
            "platform:tls.acme.dns01: required when solver is 'dns01' and platform:dns.provider ('none') cannot answer DNS-01 (cloudflare or route53 can)",
        ]);
        expect(
            problems({ "platform:tls": { issuer: "letsencrypt", acme: { email: "o@example.com", solver: "dns01", dns01: { provider: "route53" } } } }),
        ).toEqual(["platform:tls.acme.dns01.route53: required when provider is 'route53'"]);
    });

    it("refuses HTTP-01 when the ingress controller is disabled", () => {
        expect(
            problems({
                "platform:ingress": { enabled: false },
                "platform:harbor": { enabled: false },
                "platform:tls": { issuer: "letsencrypt", acme: { email: "o@example.com" } },
            }),
        ).toEqual(["platform:tls.acme.solver: http01 answers through the ingress controller, which is disabled (platform:ingress.enabled)"]);
    });

    it("refuses a LoadBalancer Service when k3s ServiceLB is disabled", () => {
        const config = k3sStackConfig();
        const cluster = structuredClone(config["platform:cluster"]) as { k3s: Record<string, unknown> };
        cluster.k3s.disable = ["servicelb"];
        expect(problems({ "platform:cluster": cluster })).toEqual([
            "platform:ingress.exposure: 'loadBalancer' needs k3s ServiceLB, which platform:cluster.k3s.disable turns off; use 'hostPort' or re-enable servicelb",
        ]);
        expect(problems({ "platform:cluster": cluster, "platform:ingress": { exposure: "hostPort" } })).toEqual([]);
    });

    it("requires the selected DNS provider's block and no other", () => {
        expect(problems({ "platform:dns": { provider: "rfc2136" } })).toEqual(["platform:dns.rfc2136: required when provider is 'rfc2136'"]);
        expect(problems({ "platform:dns": { ...cloudflare, route53: { region: "x" } } })).toEqual([
            "platform:dns.route53: not allowed when provider is 'cloudflare'",
        ]);
    });

    it("requires DNS credentials to be secrets", () => {
        expect(problems({ "platform:dns": { provider: "cloudflare", cloudflare: { apiToken: "plain" } } })).toEqual([
            expect.stringMatching(/^platform:dns\.cloudflare\.apiToken: must be a secret/),
        ]);
    });

    it("keeps static records inside the zone and checks their targets", () => {
        expect(
            problems({
                "platform:dns": {
                    ...cloudflare,
                    records: [
                        { name: "www.example.org", type: "A", targets: ["203.0.113.1"] },
                        { name: "a.dev.example.com", type: "A", targets: ["2001:db8::1"] },
                        { name: "c.dev.example.com", type: "CNAME", targets: ["x.dev.example.com", "y.dev.example.com"] },
                        { name: "d.dev.example.com", type: "AAAA", targets: ["203.0.113.1"] },
                    ],
                },
            }),
        ).toEqual([
            'platform:dns.records[1].targets[0]: expected a A target, got "2001:db8::1"',
            "platform:dns.records[2].targets: expected exactly one target for a CNAME",
            'platform:dns.records[3].targets[0]: expected a AAAA target, got "203.0.113.1"',
            'platform:dns.records[0].name: expected a name inside dev.example.com: fully qualified, one label relative to platform:domain (e.g. "www" for www.dev.example.com), or @ for the apex; got "www.example.org"',
        ]);
    });

    it("needs a provider for static records", () => {
        expect(problems({ "platform:dns": { records: [{ name: "a.dev.example.com", type: "A", targets: ["203.0.113.1"] }] } })).toEqual([
            "platform:dns.records: static records need a DNS provider (provider is 'none')",
        ]);
    });
});

describe("harbor config", () => {
    it("defaults to registry.<domain>, PVC storage and the four proxy caches", () => {
        const { harbor } = parsePlatformConfig(rawConfig(k3sStackConfig()));
        expect(harbor).toMatchObject({
            enabled: true,
            host: "registry.dev.example.com",
            storage: { type: "pvc", registrySize: "20Gi" },
            mirrorNodes: true,
            trivy: true,
        });
        expect(harbor.proxyCache.map((p) => p.upstream)).toEqual(["docker.io", "ghcr.io", "quay.io", "registry.k8s.io"]);
    });

    it("needs S3 settings for S3 storage, a secret key, and sizes as quantities", () => {
        expect(problems({ "platform:harbor": { storage: { type: "s3" } } })).toEqual(["platform:harbor.storage.s3: required when storage.type is 's3'"]);
        expect(problems({ "platform:harbor": { storage: { type: "s3", s3: { bucket: "images", region: "x", accessKey: "a", secretKey: "plain" } } } })).toEqual(
            [expect.stringMatching(/^platform:harbor\.storage\.s3\.secretKey: must be a secret/)],
        );
        expect(problems({ "platform:harbor": { storage: { registrySize: "20GB" } } })).toEqual([
            'platform:harbor.storage.registrySize: expected a size such as 20Gi (registry PVC), got "20GB"',
        ]);
    });

    it("rejects duplicate project names and a robot on an unknown project", () => {
        expect(problems({ "platform:harbor": { projects: [{ name: "dockerhub" }], robot: { projects: ["apps"] } } })).toEqual([
            "platform:harbor.projects[0].name: duplicate project 'dockerhub'",
            'platform:harbor.robot.projects[0]: expected one of platform:harbor.projects, got "apps"',
        ]);
    });

    it("gives projects scan on push by default and takes cosign and vulnerability policies", () => {
        const { harbor } = parsePlatformConfig(
            rawConfig(
                k3sStackConfig({
                    "platform:harbor": { projects: [{ name: "platform" }, { name: "apps", requireSignature: true, preventVulnerable: { severity: "high" } }] },
                }),
            ),
        );
        expect(harbor.projects).toEqual([
            { name: "platform", public: false, scanOnPush: true, requireSignature: false },
            { name: "apps", public: false, scanOnPush: true, requireSignature: true, preventVulnerable: { severity: "high" } },
        ]);
    });

    it("rejects an unknown severity, and scanning policies without Trivy", () => {
        expect(problems({ "platform:harbor": { projects: [{ name: "apps", preventVulnerable: { severity: "severe" } }] } })).toEqual([
            'platform:harbor.projects[0].preventVulnerable.severity: expected one of low, medium, high, critical, got "severe"',
        ]);
        expect(
            problems({
                "platform:harbor": {
                    trivy: false,
                    projects: [{ name: "apps" }, { name: "b", scanOnPush: false, preventVulnerable: { severity: "critical" } }],
                },
            }),
        ).toEqual([
            "platform:harbor.projects[0].scanOnPush: needs the Trivy scanner (platform:harbor.trivy: true); set scanOnPush: false and drop preventVulnerable, or turn Trivy on",
            "platform:harbor.projects[1].preventVulnerable: needs the Trivy scanner (platform:harbor.trivy: true); set scanOnPush: false and drop preventVulnerable, or turn Trivy on",
        ]);
    });

    it("needs the ingress controller to publish Harbor", () => {
        expect(problems({ "platform:ingress": { enabled: false } })).toEqual([
            "platform:harbor.enabled: Harbor is published through the platform ingress, which is disabled (platform:ingress.enabled)",
        ]);
    });
});

describe("Route53 credentials (issue 13, item 11)", () => {
    const r53 = (settings: Record<string, unknown>) => ({ "platform:dns": { provider: "route53", route53: { region: "us-east-1", ...settings } } });

    it("runs without static keys (ambient: instance profile, or IRSA with a role)", () => {
        expect(problems(r53({}))).toEqual([]);
        expect(problems(r53({ roleArn: "arn:aws:iam::123456789012:role/external-dns" }))).toEqual([]);
        expect(problems(r53({ accessKeyId: "AKIA1", secretAccessKey: secure("s") }))).toEqual([]);
    });

    it("refuses half a key pair, a role next to static keys, and a malformed role", () => {
        expect(problems(r53({ accessKeyId: "AKIA1" }))).toEqual([
            "platform:dns.route53.secretAccessKey: static keys come as a pair: set both accessKeyId and secretAccessKey, or neither (ambient credentials)",
        ]);
        expect(problems(r53({ secretAccessKey: secure("s") }))).toEqual([
            expect.stringMatching(/^platform:dns\.route53\.accessKeyId: static keys come as a pair/),
        ]);
        expect(problems(r53({ accessKeyId: "AKIA1", secretAccessKey: secure("s"), roleArn: "arn:aws:iam::123456789012:role/x" }))).toEqual([
            "platform:dns.route53.roleArn: not allowed with static keys: the role replaces accessKeyId/secretAccessKey (set one or the other)",
        ]);
        expect(problems(r53({ roleArn: "external-dns" }))).toEqual([expect.stringMatching(/^platform:dns\.route53\.roleArn: expected an IAM role ARN/)]);
        const dns01 = {
            "platform:tls": {
                issuer: "letsencrypt",
                acme: { email: "o@example.com", solver: "dns01", dns01: { provider: "route53", route53: { region: "x", accessKeyId: "AKIA1" } } },
            },
        };
        expect(problems(dns01)).toEqual([expect.stringMatching(/^platform:tls\.acme\.dns01\.route53\.secretAccessKey: static keys come as a pair/)]);
    });
});

describe("Route53 role for DNS-01 (issue 22, item 5)", () => {
    const ROLE = "arn:aws:iam::123456789012:role/platform-dns";
    const letsencrypt = (acme: Record<string, unknown> = {}) => ({ "platform:tls": { issuer: "letsencrypt", acme: { email: "o@example.com", ...acme } } });
    const dns01Of = (config: Record<string, unknown>) => parsePlatformConfig(rawConfig(k3sStackConfig(config))).tls.acme?.dns01;

    it("hands cert-manager the role platform:dns.route53 names, without keys", () => {
        const dns01 = dns01Of({ ...letsencrypt(), "platform:dns": { provider: "route53", route53: { region: "us-east-1", roleArn: ROLE } } });
        expect(dns01).toEqual({ provider: "route53", route53: expect.objectContaining({ region: "us-east-1", roleArn: ROLE }) });
        expect(dns01?.provider === "route53" && [dns01.route53.accessKeyId, dns01.route53.secretAccessKey]).toEqual([undefined, undefined]);
    });

    it("takes a role in tls.acme.dns01.route53 when DNS-01 goes through Route53 and external-dns elsewhere", () => {
        const dns01 = { provider: "route53", route53: { region: "us-east-1", roleArn: ROLE } };
        const config = { ...letsencrypt({ dns01 }), "platform:dns": cloudflare };
        expect(problems(config)).toEqual([]);
        expect(dns01Of(config)).toEqual({ provider: "route53", route53: { region: "us-east-1", roleArn: ROLE } });
    });

    it("refuses a role next to static keys, and a malformed role, naming the tls key", () => {
        const keyed = { provider: "route53", route53: { region: "us-east-1", accessKeyId: "AKIA1", secretAccessKey: secure("s"), roleArn: ROLE } };
        expect(problems({ ...letsencrypt({ dns01: keyed }), "platform:dns": cloudflare })).toEqual([
            "platform:tls.acme.dns01.route53.roleArn: not allowed with static keys: the role replaces accessKeyId/secretAccessKey (set one or the other)",
        ]);
        const malformed = { provider: "route53", route53: { region: "us-east-1", roleArn: "platform-dns" } };
        expect(problems({ ...letsencrypt({ dns01: malformed }), "platform:dns": cloudflare })).toEqual([
            expect.stringMatching(/^platform:tls\.acme\.dns01\.route53\.roleArn: expected an IAM role ARN/),
        ]);
    });
});

describe("DNS routing between regions", () => {
    const route53 = { provider: "route53", route53: { region: "us-east-1" } };
    const record = (routing: Record<string, unknown>) => ({ name: "apps.dev.example.com", type: "A", targets: ["203.0.113.1"], routing });

    it("accepts weighted and health-checked failover records on Route53", () => {
        expect(problems({ "platform:dns": { ...route53, records: [record({ setIdentifier: "a", weight: 50 })] } })).toEqual([]);
        expect(problems({ "platform:dns": { ...route53, records: [record({ setIdentifier: "a", failover: "PRIMARY", healthCheckId: "hc" })] } })).toEqual([]);
    });

    it("needs exactly one policy, a health check on a primary, and the route53 provider", () => {
        expect(problems({ "platform:dns": { ...route53, records: [record({ setIdentifier: "a" })] } })).toEqual([
            "platform:dns.records[0].routing: expected exactly one of weight or failover",
        ]);
        expect(problems({ "platform:dns": { ...route53, records: [record({ setIdentifier: "a", failover: "PRIMARY" })] } })).toEqual([
            "platform:dns.records[0].routing.healthCheckId: required for a PRIMARY failover record (otherwise it never fails over)",
        ]);
        expect(problems({ "platform:dns": { ...cloudflare, records: [record({ setIdentifier: "a", weight: 1 })] } })).toEqual([
            "platform:dns.records[0].routing: routing policies need the route53 provider, got 'cloudflare'",
        ]);
    });
});

describe("network policies", () => {
    it("follow the profile and can be overridden per stack", () => {
        // On in dev too, so a flow the policies cut shows up before prod; a stack may turn them off.
        expect(parsePlatformConfig(rawConfig(k3sStackConfig())).defaults.networkPolicies).toBe(true);
        expect(parsePlatformConfig(rawConfig(k3sStackConfig({ "platform:networkPolicies": false }))).defaults.networkPolicies).toBe(false);
        expect(problems({ "platform:networkPolicies": "yes" })).toEqual([
            'platform:networkPolicies: expected boolean: Default-deny ingress NetworkPolicies plus explicit allows in platform namespaces; on in every profile unless set to false, got "yes"',
        ]);
    });
});
