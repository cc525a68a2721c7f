import type { SharedEvaluation as Evaluation } from "../shared";
import { parse } from "yaml";
import { SECRET } from "../../offline/mocks";
import { rawManifests } from "../../offline/manifests";
import { byName, evaluateStack, ofType } from "../harness";
import { nodeConfigOf } from "./wholeStack";

let prod: Evaluation;
beforeAll(async () => {
    prod = await evaluateStack("prod");
});

describe("prod stack (Pulumi.prod.yaml)", () => {
    it("runs an HA control plane: three servers, one cluster-init, all joined to the first", () => {
        const installs = ofType(prod.resources, "command:remote:Command").filter((r) => r.name.endsWith("-install"));
        const servers = installs.filter((r) => String(r.inputs.create).includes("INSTALL_K3S_EXEC='server'"));
        expect(servers).toHaveLength(3);
        const configs = servers.map((s) => nodeConfigOf(s.inputs.create));
        expect(configs.filter((c) => c["cluster-init"] === true)).toHaveLength(1);
        expect(configs.slice(1).map((c) => c.server)).toEqual(["https://10.0.0.11:6443", "https://10.0.0.11:6443"]);
        expect(installs.length - servers.length).toBe(3);
    });

    it("backs etcd up to S3 every 6 hours, keeping 28 snapshots, with the secret key off the command line", () => {
        const config = nodeConfigOf(byName(prod.resources, "prod-cluster-prod-server-1-install").inputs.create);
        expect(config).toMatchObject({
            "etcd-s3": true,
            "etcd-s3-bucket": "example-platform-etcd",
            "etcd-s3-folder": "prod",
            "etcd-snapshot-schedule-cron": "0 */6 * * *",
            "etcd-snapshot-retention": 28,
        });
        expect(config).not.toHaveProperty("etcd-s3-secret-key");
        expect(byName(prod.resources, "prod-cluster-prod-server-1-install").inputs.stdin).toBe(SECRET);
    });

    it("protects data only: the k3s tokens and server installs, the PVC-backed releases, ClickHouse, and the secrets stored data depends on", () => {
        const protectedNames = prod.resources
            .filter((r) => r.options.protect)
            .map((r) => r.name)
            .sort();
        expect(protectedNames).toEqual(
            [
                "prod-cluster-token",
                "prod-cluster-agent-token",
                "prod-cluster-prod-server-1-install",
                "prod-cluster-prod-server-2-install",
                "prod-cluster-prod-server-3-install",
                "prod-storage-release",
                "prod-monitoring-release",
                "prod-monitoring-logs-loki",
                "prod-monitoring-clickhouse-operator",
                "prod-monitoring-clickhouse-installation",
                "prod-monitoring-deepflow-release",
                "prod-monitoring-deepflow-mysql-password",
                "prod-harbor-release",
                "prod-harbor-admin-password",
                "prod-harbor-secret-key",
                "prod-harbor-database-password",
            ].sort(),
        );
        // So `pulumi destroy` of a stateless part, or renewing an internal certificate, is not blocked.
        expect(protectedNames.filter((n) => n.includes("-agent-") && n.endsWith("-install"))).toEqual([]);
        expect(protectedNames.filter((n) => n.startsWith("prod-harbor-internal-"))).toEqual([]);
    });

    it("checks ports before install and keeps ServiceLB for the ingress LoadBalancer", () => {
        expect(String(byName(prod.resources, "prod-cluster-prod-server-1-preflight").inputs.create)).toContain("for port in 6443 10250 2379 2380");
        const config = nodeConfigOf(byName(prod.resources, "prod-cluster-prod-server-2-install").inputs.create);
        expect(config.disable).not.toContain("servicelb");
    });

    it("exports all six nodes", () => {
        expect((prod.outputs.nodes as { role: string }[]).map((n) => n.role)).toEqual(["server", "server", "server", "agent", "agent", "agent"]);
    });

    it("runs the ingress controller on every node with a PDB, behind a Local LoadBalancer", () => {
        const values = byName(prod.resources, "prod-ingress-release").inputs.values as { controller: Record<string, unknown> };
        expect(values.controller).toMatchObject({
            kind: "daemonset",
            podDisruptionBudget: { enabled: true, minAvailable: 1 },
            service: { type: "LoadBalancer", externalTrafficPolicy: "Local" },
            ingressClass: { name: "nginx", setAsDefaultIngress: true },
        });
    });

    it("issues certificates from Let's Encrypt production over DNS-01 with the Route53 credentials external-dns uses", () => {
        const issuer = byName(prod.resources, "prod-cert-manager-clusterissuer-letsencrypt").inputs as { spec: { acme: Record<string, unknown> } };
        expect(issuer.spec.acme).toMatchObject({
            server: "https://acme-v02.api.letsencrypt.org/directory",
            email: "platform-team@example.com",
            solvers: [
                {
                    dns01: {
                        route53: {
                            region: "us-east-1",
                            hostedZoneID: "Z0123456789EXAMPLE",
                            accessKeyID: "AKIAEXAMPLEDNS",
                            secretAccessKeySecretRef: { name: "acme-dns01-credentials", key: "secret" },
                        },
                    },
                },
            ],
        });
        // DNS-01 needs no challenge path on the platform Ingresses.
        const harbor = byName(prod.resources, "prod-harbor-release").inputs.values as { expose: { ingress: { annotations: Record<string, string> } } };
        expect(harbor.expose.ingress.annotations).not.toHaveProperty(["acme.cert-manager.io/http01-edit-in-place"]);
        expect(prod.outputs.clusterIssuer).toBe("letsencrypt");
        const cm = byName(prod.resources, "prod-cert-manager-release").inputs.values as Record<string, unknown>;
        expect(cm).toMatchObject({ replicaCount: 2, podDisruptionBudget: { enabled: true } });
    });

    it("manages Route53 records owned by this stack, the API endpoint record and the apps failover primary", () => {
        const values = byName(prod.resources, "prod-dns-release").inputs.values as Record<string, unknown>;
        expect(values).toMatchObject({ provider: { name: "aws" }, txtOwnerId: "prod", policy: "upsert-only", domainFilters: ["example.com"] });
        const apps = byName(prod.resources, "prod-dns-a-apps-example-com").inputs as { spec: { endpoints: Record<string, unknown>[] } };
        expect(apps.spec.endpoints[0]).toMatchObject({
            setIdentifier: "prod",
            providerSpecific: [
                { name: "aws/failover", value: "PRIMARY" },
                { name: "aws/health-check-id", value: "11111111-2222-3333-4444-555555555555" },
            ],
        });
        const record = byName(prod.resources, "prod-dns-a-k3s-example-com").inputs as { spec: unknown };
        expect(record.spec).toEqual({
            endpoints: [{ dnsName: "k3s.example.com", recordType: "A", targets: ["198.51.100.11", "198.51.100.12", "198.51.100.13"], recordTTL: 300 }],
        });
    });

    it("runs Harbor with existing-secret values only (plus its generated database password, secret), HA stateless parts, and the registry host on TLS", () => {
        const values = byName(prod.resources, "prod-harbor-release").inputs.values as Record<string, Record<string, unknown>>;
        expect(values.existingSecretAdminPassword).toBe("harbor-admin");
        expect(values.core).toMatchObject({ replicas: 2, existingSecret: "harbor-core", secretName: "harbor-core-token" });
        // The internal PostgreSQL has no existing-secret key: its password is the one secret value (docs/adr/0014).
        expect(values.database).toMatchObject({ type: "internal", internal: { password: SECRET } });
        const rest = JSON.stringify({
            ...values,
            database: { ...values.database, internal: { ...(values.database.internal as object), password: undefined } },
        });
        expect(rest).not.toMatch(/harborAdminPassword|"secretKey"|tokenKey|xsrfKey|htpasswdString|"password"/);
        expect(values.expose).toMatchObject({
            ingress: { hosts: { core: "registry.example.com" }, annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" } },
        });
        expect(prod.outputs.registryUrl).toBe("https://registry.example.com");
        // Project-level robots (robot$<project>+<name>), one per project; prod-eu's promotion pulls with the pull-only one.
        expect(prod.outputs.registryRobots).toMatchObject({
            apps: { username: "robot$apps+ci", secret: SECRET },
            platform: { username: "robot$platform+ci", secret: SECRET },
        });
        expect(prod.outputs.registryPullRobots).toMatchObject({ promotion: { apps: { username: "robot$apps+promotion", secret: SECRET } } });
    });

    it("points every node's containerd at Harbor's proxy caches once they exist", () => {
        const nodes = (prod.outputs.nodes as { name: string }[]).map((n) => n.name);
        nodes.forEach((node, i) => {
            const cmd = byName(prod.resources, `prod-cluster-${node}-registries`);
            // The first node's step waits for the proxy caches; every other one for the node before it.
            const waitsFor =
                i === 0
                    ? ["prod-harbor-project-dockerhub", "prod-harbor-project-ghcr", "prod-harbor-project-quay", "prod-harbor-project-k8s"]
                    : [`prod-cluster-${nodes[i - 1]}-registries`];
            expect(cmd.dependsOn).toEqual(expect.arrayContaining(waitsFor));
            const registries = parse(String(cmd.inputs.stdin)) as {
                mirrors: Record<string, { endpoint: string[]; rewrite: Record<string, string> }>;
                configs?: unknown;
            };
            expect(registries.mirrors["registry.k8s.io"]).toEqual({ endpoint: ["https://registry.example.com"], rewrite: { "^(.*)$": "k8s/$1" } });
            // Let's Encrypt certificates are trusted: no TLS exception for the registry.
            expect(registries.configs).toBeUndefined();
        });
    });

    it("closes every namespace it creates in both directions, and opens nothing namespace-wide but the parts' own traffic", () => {
        const manifests = rawManifests(prod.resources);
        const namespaces = manifests.filter((m) => m.kind === "Namespace").map((m) => (m.metadata as { name: string }).name);
        expect(namespaces.sort()).toEqual([
            "apps",
            "cert-manager",
            "clickhouse",
            "cosign-system",
            "deepflow",
            "external-dns",
            "harbor",
            "ingress-nginx",
            "logging",
            "longhorn-system",
            "monitoring",
            "system-upgrade",
        ]);
        type Rule = { from?: { ipBlock?: { cidr: string }; namespaceSelector?: { matchLabels?: Record<string, string> } }[]; ports?: { port: number }[] };
        const policies = manifests.filter((m) => m.kind === "NetworkPolicy") as {
            metadata: { name: string; namespace: string };
            spec: { podSelector: { matchLabels?: object }; policyTypes: string[]; ingress?: Rule[] };
        }[];
        for (const ns of namespaces) {
            const deny = policies.find((p) => p.metadata.namespace === ns && p.metadata.name === "default-deny");
            expect({ ns, types: deny?.spec.policyTypes }).toEqual({ ns, types: ["Ingress", "Egress"] });
        }
        // No rule admits the whole pod CIDR (every pod would match it, kube-router matches ipBlocks on the address).
        const cidrs = policies.flatMap((p) => (p.spec.ingress ?? []).flatMap((r) => (r.from ?? []).map((f) => f.ipBlock?.cidr))).filter((c) => c !== undefined);
        expect(cidrs).not.toContain("10.42.0.0/16");
        // Namespace-wide all-port ingress only where a chart's parts talk on ports of their own (declared, cited flows).
        const wide = policies
            .filter((p) => p.metadata.name === "in-all" && (p.spec.ingress ?? []).some((r) => r.ports === undefined))
            .map((p) => p.metadata.namespace)
            .sort();
        expect(wide).toEqual(["clickhouse", "longhorn-system"]);
        // The app's namespace admits only its pods: Prometheus on the metrics port (9090), the ingress controller on the app port.
        const apps = policies.filter((p) => p.metadata.namespace === "apps" && p.spec.ingress !== undefined);
        expect(
            apps.map((p) => [p.metadata.name, p.spec.podSelector.matchLabels, (p.spec.ingress ?? []).flatMap((r) => (r.ports ?? []).map((x) => x.port))]),
        ).toEqual([["in-hello", { "app.kubernetes.io/name": "hello" }, [9090, 8080]]]);
    });

    it("installs Longhorn before kube-prometheus-stack (its PVCs), the monitoring parts that ship ServiceMonitors after it, and the other components beside it", () => {
        expect(byName(prod.resources, "prod-monitoring-release").dependsOn).toContain("prod-storage-release");
        const afterKps = (release: string) => ({ release, afterKps: byName(prod.resources, release).dependsOn.includes("prod-monitoring-release") });
        for (const release of ["prod-monitoring-logs-loki", "prod-monitoring-clickhouse-operator"]) {
            expect(afterKps(release)).toEqual({ release, afterKps: true });
        }
        for (const release of ["prod-harbor-release", "prod-dns-release"]) {
            expect(afterKps(release)).toEqual({ release, afterKps: false });
        }
        // The platform's components are scraped through kube-prometheus-stack, each as it declares.
        const values = (name: string) => byName(prod.resources, name).inputs.values as Record<string, Record<string, unknown>>;
        expect(values("prod-harbor-release").metrics).toEqual({ enabled: true });
        const scraped = (values("prod-monitoring-release").prometheus.additionalServiceMonitors as { name: string }[]).map((m) => m.name);
        expect(scraped).toEqual(["cert-manager", "nginx-ingress", "longhorn", "external-dns", "harbor"]);
    });

    it("keeps `internet` egress off private, shared and link-local ranges, and Grafana on HTTPS", () => {
        const policies = rawManifests(prod.resources).filter((m) => m.kind === "NetworkPolicy") as {
            metadata: { name: string; namespace: string };
            spec: { egress?: { to: { ipBlock?: { cidr: string; except?: string[] } }[]; ports?: { port: number }[] }[] };
        }[];
        const grafana = policies.find((p) => p.metadata.namespace === "monitoring" && p.metadata.name === "out-grafana")!;
        const internet = grafana.spec.egress!.filter((r) => r.to.some((t) => t.ipBlock?.cidr === "0.0.0.0/0"));
        expect(internet).toEqual([
            {
                to: [
                    {
                        ipBlock: {
                            cidr: "0.0.0.0/0",
                            except: expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"]),
                        },
                    },
                ],
                ports: [{ protocol: "TCP", port: 443 }],
            },
        ]);
        // No egress rule anywhere reaches the metadata range.
        for (const p of policies) {
            for (const rule of p.spec.egress ?? []) {
                for (const t of rule.to) {
                    if (t.ipBlock)
                        expect({
                            policy: `${p.metadata.namespace}/${p.metadata.name}`,
                            linkLocalExcluded: t.ipBlock.cidr.endsWith("/32") || (t.ipBlock.except ?? []).includes("169.254.0.0/16"),
                        }).toEqual({ policy: `${p.metadata.namespace}/${p.metadata.name}`, linkLocalExcluded: true });
                }
            }
        }
    });

    it("runs every stateless platform service highly available (replicas >= 2 or one per node, with PDBs)", () => {
        const values = (name: string) => byName(prod.resources, name).inputs.values as Record<string, Record<string, unknown>>;
        expect(values("prod-ingress-release").controller).toMatchObject({ kind: "daemonset", podDisruptionBudget: { enabled: true } });
        const cm = values("prod-cert-manager-release");
        for (const part of [cm, cm.webhook, cm.cainjector] as Record<string, unknown>[]) {
            expect(part).toMatchObject({ replicaCount: 2, podDisruptionBudget: { enabled: true } });
        }
        const harbor = values("prod-harbor-release");
        for (const part of ["core", "portal", "jobservice"]) {
            expect(harbor[part]).toMatchObject({ replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } });
        }
    });

    it("runs Longhorn as the default class with 3 replicas, S3 backups and iSCSI/NFS on every node", () => {
        const values = byName(prod.resources, "prod-storage-release").inputs.values as Record<string, Record<string, unknown>>;
        expect(values.persistence).toMatchObject({ defaultClass: true, defaultClassReplicaCount: 3, reclaimPolicy: "Retain" });
        expect(values.defaultBackupStore).toEqual({
            backupTarget: "s3://example-platform-volumes@eu-central-1/prod/",
            backupTargetCredentialSecret: "longhorn-backup-target",
        });
        expect(ofType(prod.resources, "kubernetes:longhorn.io/v1beta2:RecurringJob")).toHaveLength(2);
        for (const node of prod.outputs.nodes as { name: string }[]) {
            expect(String(byName(prod.resources, `prod-cluster-${node.name}-packages`).inputs.create)).toContain("open-iscsi");
        }
        // local-path would be a second default StorageClass: k3s drops it.
        expect(nodeConfigOf(byName(prod.resources, "prod-cluster-prod-server-1-install").inputs.create).disable).toEqual(["traefik", "local-storage"]);
        expect(byName(prod.resources, "prod-cluster-provider").dependsOn).toEqual(expect.arrayContaining(["prod-cluster-prod-agent-1-packages"]));
    });

    it("installs Harbor after the issuer and after Longhorn, whose class its PVCs bind to", () => {
        expect(byName(prod.resources, "prod-harbor-release").dependsOn).toEqual(
            expect.arrayContaining(["prod-storage-release", "prod-cert-manager-clusterissuer-letsencrypt"]),
        );
        expect(byName(prod.resources, "prod-storage-release").dependsOn).toContain("prod-cert-manager-clusterissuer-letsencrypt");
    });

    it("monitors with HA Prometheus and Alertmanager scraping k3s's control plane on the servers' private addresses", () => {
        const values = byName(prod.resources, "prod-monitoring-release").inputs.values as Record<string, Record<string, unknown>>;
        expect(values.kubeEtcd).toMatchObject({ endpoints: ["10.0.0.11", "10.0.0.12", "10.0.0.13"] });
        expect(values.prometheus.prometheusSpec as Record<string, unknown>).toMatchObject({ replicas: 2, retention: "15d" });
        expect(values.alertmanager.alertmanagerSpec as Record<string, unknown>).toMatchObject({ replicas: 2 });
        expect(byName(prod.resources, "prod-monitoring-release").dependsOn).toContain("prod-cert-manager-clusterissuer-letsencrypt");
    });
});
