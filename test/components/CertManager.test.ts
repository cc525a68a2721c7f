import { CertManager } from "../../components/edge/CertManager";
import * as pulumi from "@pulumi/pulumi";
import {
    ACME_SERVERS,
    type AcmeArgs,
    certManagerValues,
    clusterIssuers,
    type IssuerArgs,
    issuerName,
    type TlsSettings,
} from "../../components/edge/certManagerValues";
import { unknownChartKeys } from "../../offline/chartKeys";
import { SECRET } from "../../offline/mocks";
import { allStrings, byName, mockedComponents } from "../harness";
import { validateManifest } from "../k8sSchema";

const selfSigned: TlsSettings = { installCertManager: true, issuer: "selfSigned" };
const letsencrypt = (acme: AcmeArgs, issuer: "letsencrypt" | "letsencrypt-staging" = "letsencrypt"): TlsSettings => ({
    installCertManager: true,
    issuer,
    acme,
});
const ctx = { namespace: "cert-manager", ingressClass: "nginx" };
const issuers = (config: IssuerArgs) => clusterIssuers(config, ctx) as unknown as Issuer[];
type Issuer = { kind: string; metadata: { name: string }; spec: { acme?: { server: string; email: string; solvers: Record<string, unknown>[] } } };

describe("ClusterIssuers", () => {
    it("build a self-signed platform CA for dev", () => {
        const manifests = issuers(selfSigned);
        expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
            "ClusterIssuer/selfsigned-bootstrap",
            "Certificate/platform-root-ca",
            "ClusterIssuer/platform-ca",
        ]);
        expect(issuerName("selfSigned")).toBe("platform-ca");
        for (const m of manifests) {
            expect(() => validateManifest(m)).not.toThrow();
        }
    });

    it.each([["letsencrypt-staging"], ["letsencrypt"]] as const)("point %s at its ACME directory with HTTP-01 through the ingress class", (issuer) => {
        const [m] = issuers(letsencrypt({ email: "ops@example.com", solver: "http01" }, issuer));
        expect(m.metadata.name).toBe(issuer);
        expect(m.spec.acme).toMatchObject({
            server: ACME_SERVERS[issuer],
            email: "ops@example.com",
            solvers: [
                { http01: { ingress: { ingressClassName: "nginx" } } },
                // Certificates of F5 NIC master/minion hosts (lib/ingress.ts): the solver Ingress joins as a minion.
                {
                    selector: { matchLabels: { "platform/http01-solver": "nginx-minion" } },
                    http01: {
                        ingress: {
                            ingressClassName: "nginx",
                            ingressTemplate: { metadata: { annotations: { "nginx.org/mergeable-ingress-type": "minion" } } },
                        },
                    },
                },
            ],
        });
        expect(() => validateManifest(m)).not.toThrow();
    });

    it("point at a private ACME server and trust its CA when acme.server and acme.caBundle are set (e2e: Pebble)", () => {
        const pem = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
        const [m] = issuers(
            letsencrypt(
                { email: "ops@example.com", solver: "http01", server: "https://pebble.pebble.svc.cluster.local:14000/dir", caBundle: pem },
                "letsencrypt-staging",
            ),
        );
        expect(m.spec.acme).toMatchObject({ server: "https://pebble.pebble.svc.cluster.local:14000/dir", caBundle: Buffer.from(pem).toString("base64") });
        expect(m.spec.acme).not.toHaveProperty("skipTLSVerify");
        expect(() => validateManifest(m)).not.toThrow();
        const [plain] = issuers(letsencrypt({ email: "ops@example.com", solver: "http01" }));
        expect(plain.spec.acme).not.toHaveProperty("caBundle");
    });

    it("use DNS-01 with Cloudflare or Route53 credentials from the solver Secret", () => {
        const cf = issuers(
            letsencrypt({ email: "o@example.com", solver: "dns01", dns01: { provider: "cloudflare", cloudflare: { apiToken: pulumi.secret("cf-token-1") } } }),
        );
        expect(cf[0].spec.acme!.solvers).toEqual([{ dns01: { cloudflare: { apiTokenSecretRef: { name: "acme-dns01-credentials", key: "secret" } } } }]);
        const r53 = issuers(
            letsencrypt({
                email: "o@example.com",
                solver: "dns01",
                dns01: { provider: "route53", route53: { region: "eu-west-1", accessKeyId: "AKIA1", secretAccessKey: pulumi.secret("aws-secret-1") } },
            }),
        );
        expect(r53[0].spec.acme!.solvers).toEqual([
            { dns01: { route53: { region: "eu-west-1", accessKeyID: "AKIA1", secretAccessKeySecretRef: { name: "acme-dns01-credentials", key: "secret" } } } },
        ]);
        expect(() => validateManifest(r53[0])).not.toThrow();
    });

    it("take a Route53 role with a ServiceAccount token instead of static keys", () => {
        const role = "arn:aws:iam::123456789012:role/platform-dns";
        const [m] = issuers(
            letsencrypt({
                email: "o@example.com",
                solver: "dns01",
                dns01: { provider: "route53", route53: { region: "eu-west-1", hostedZoneId: "Z1", roleArn: role } },
            }),
        );
        expect(m.spec.acme!.solvers).toEqual([
            { dns01: { route53: { region: "eu-west-1", hostedZoneID: "Z1", role, auth: { kubernetes: { serviceAccountRef: { name: "acme-dns01" } } } } } },
        ]);
        expect(() => validateManifest(m)).not.toThrow();
    });
});

describe("cert-manager values", () => {
    it("manage CRDs with the chart and keep them on uninstall", () => {
        expect(certManagerValues({ replicas: 1, highAvailability: false, namespace: "cert-manager" })).toMatchObject({ crds: { enabled: true, keep: true } });
    });

    it("run every part with profile replicas and PDBs in HA", () => {
        const v = certManagerValues({ replicas: 2, highAvailability: true, namespace: "cert-manager" }) as Record<string, Record<string, unknown>>;
        expect(v.replicaCount).toBe(2);
        expect(v.webhook).toMatchObject({ replicaCount: 2, podDisruptionBudget: { enabled: true } });
        expect(v.cainjector).toMatchObject({ replicaCount: 2, podDisruptionBudget: { enabled: true } });
        // Metrics on, scraped by the monitoring stack installed later (no ServiceMonitor CRD yet).
        expect(v.prometheus).toEqual({ enabled: true, servicemonitor: { enabled: false } });
    });

    it.each([true, false])("use only keys cert-manager v1.21.1 has (HA %s)", (ha) => {
        expect(unknownChartKeys("cert-manager", certManagerValues({ replicas: 2, highAvailability: ha, namespace: "cert-manager" }))).toEqual([]);
    });
});

describe("CertManager component", () => {
    const mocks = mockedComponents();

    it("creates issuers after the chart, and the DNS-01 Secret with its value kept secret", async () => {
        new CertManager("cm", {
            config: letsencrypt({
                email: "o@example.com",
                solver: "dns01",
                dns01: { provider: "cloudflare", cloudflare: { apiToken: pulumi.secret("cf-token-abc") } },
            }),
            ingressClass: "nginx",
            replicas: 1,
            highAvailability: false,
            podSecurityVersion: "v1.36",
        });
        await mocks.settle();
        const issuer = byName(mocks.collector.resources, "cm-clusterissuer-letsencrypt");
        expect(issuer.dependsOn).toEqual(expect.arrayContaining(["cm-release", "cm-dns01"]));
        expect(byName(mocks.collector.resources, "cm-dns01").inputs.stringData).toBe(SECRET);
        expect(allStrings(mocks.collector.resources).join("\n")).not.toContain("cf-token-abc");
    });

    it("with a Route53 role: a ServiceAccount cert-manager may request tokens for, no credential Secret", async () => {
        const role = "arn:aws:iam::123456789012:role/platform-dns";
        new CertManager("irsa", {
            config: letsencrypt({ email: "o@example.com", solver: "dns01", dns01: { provider: "route53", route53: { region: "eu-west-1", roleArn: role } } }),
            ingressClass: "nginx",
            replicas: 1,
            highAvailability: false,
            podSecurityVersion: "v1.36",
        });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("irsa-"));
        expect(mine.map((r) => r.name)).not.toContain("irsa-dns01");
        expect(byName(mine, "irsa-dns01-sa").inputs).toMatchObject({ metadata: { name: "acme-dns01", namespace: "cert-manager" } });
        const grant = mine.filter((r) => r.name === "irsa-dns01-token");
        expect(grant.map((r) => r.type).sort()).toEqual([
            "kubernetes:rbac.authorization.k8s.io/v1:Role",
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        ]);
        const issuer = byName(mine, "irsa-clusterissuer-letsencrypt");
        expect(issuer.dependsOn).toEqual(expect.arrayContaining(["irsa-release", "irsa-dns01-sa", "irsa-dns01-token"]));
        expect(allStrings(mine).join("\n")).not.toMatch(/accessKeyID|secretAccessKeySecretRef/);
    });

    it("declares its controller's metrics (container port 9402) as the target the monitoring stack scrapes", () => {
        const cm = new CertManager("scrape", { config: selfSigned, ingressClass: "nginx", replicas: 1, highAvailability: false, podSecurityVersion: "v1.36" });
        expect(cm.scrapeTargets).toEqual([
            expect.objectContaining({
                namespace: "cert-manager",
                port: 9402,
                selector: expect.objectContaining({ "app.kubernetes.io/component": "controller" }),
            }),
        ]);
    });

    it("skips the chart (not the issuers) when the cluster already runs cert-manager", async () => {
        new CertManager("ext", {
            config: { ...selfSigned, installCertManager: false },
            ingressClass: "nginx",
            replicas: 1,
            highAvailability: false,
            podSecurityVersion: "v1.36",
        });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("ext-"));
        expect(mine.map((r) => r.type)).not.toContain("kubernetes:helm.sh/v3:Release");
        expect(mine.map((r) => r.type)).not.toContain("kubernetes:core/v1:Namespace");
        expect(mine.filter((r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer")).toHaveLength(2);
    });
});
