import { summaryText } from "../../offline/output";
import { alertReceivers, isPlaceholderCiphertext, publishedNames, protectedResources, secretRows } from "../../offline/summarySections";
import { readStackFile } from "../../offline/stackfile";
import type { RecordedResource } from "../../offline/mocks";
import { evaluateStack, PROJECT_DIR } from "../harness";

/** The committed example ciphertext ("saltsalt" : "example-placeholder-ciphertext"). */
const PLACEHOLDER = "v1:c2FsdHNhbHQ=:ZXhhbXBsZS1wbGFjZWhvbGRlci1jaXBoZXJ0ZXh0";
/** What an encrypted value looks like: base64 of bytes that are not text. */
const REAL = `v1:${Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]).toString("base64")}:${Buffer.from(Array.from({ length: 40 }, (_, i) => (i * 37 + 200) % 256)).toString("base64")}`;

const rec = (r: Partial<RecordedResource> & Pick<RecordedResource, "type" | "name">): RecordedResource =>
    ({ parent: "c", dependsOn: [], inputs: {}, options: {}, ...r }) as RecordedResource;

describe("summary: secrets still to set", () => {
    it("tells placeholders from encrypted values, and names a secret the configured block still lacks", () => {
        const rows = secretRows({
            "platform:cluster": { mode: "k3s", k3s: { ssh: { user: "deploy", privateKey: { secure: PLACEHOLDER } } } },
            "platform:dns": { provider: "route53", route53: { region: "us-east-1", accessKeyId: "AKIAEXAMPLE", secretAccessKey: { secure: REAL } } },
            "platform:monitoring": {
                alertmanager: { email: { to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", username: "am" } },
            },
        });
        expect(rows).toEqual([
            expect.objectContaining({ key: "platform:cluster.k3s.ssh.privateKey", state: "placeholder" }),
            expect.objectContaining({ key: "platform:dns.route53.secretAccessKey", state: "encrypted" }),
            expect.objectContaining({ key: "platform:monitoring.alertmanager.email.password", state: "not set" }),
        ]);
    });

    it("treats anything that is not Pulumi's v1 ciphertext, or decodes to text, as a placeholder", () => {
        expect(isPlaceholderCiphertext(PLACEHOLDER)).toBe(true);
        expect(isPlaceholderCiphertext("REPLACE_ME")).toBe(true);
        expect(isPlaceholderCiphertext(REAL)).toBe(false);
    });

    it("reads app secret maps key by key", () => {
        const rows = secretRows({ "platform:apps": [{ name: "hello", secrets: { API_KEY: { secure: REAL }, DB_PASSWORD: { secure: PLACEHOLDER } } }] });
        expect(rows.map((r) => [r.key, r.state])).toEqual([
            ["platform:apps[0].secrets.API_KEY", "encrypted"],
            ["platform:apps[0].secrets.DB_PASSWORD", "placeholder"],
        ]);
    });
});

describe("summary: DNS names, receivers, protection (recorded fixtures)", () => {
    const externalDns = rec({
        type: "kubernetes:helm.sh/v3:Release",
        name: "dns-release",
        inputs: { chart: "external-dns", values: { domainFilters: ["example.com"], sources: ["ingress", "crd"] } },
    });
    const ingress = (host: string) =>
        rec({
            type: "kubernetes:networking.k8s.io/v1:Ingress",
            name: `ing-${host}`,
            inputs: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", spec: { rules: [{ host }] } },
        });
    const nodes = {
        "platform:cluster": {
            mode: "k3s",
            k3s: { servers: [{ name: "s1", host: "198.51.100.1", address: "10.0.0.1" }], agents: [{ name: "a1", host: "10.0.0.2" }] },
        },
    };

    it("lists static records with their targets and ingress hosts in the zone at the ServiceLB addresses; others as unpublished", () => {
        const record = rec({
            type: "kubernetes:externaldns.k8s.io/v1alpha1:DNSEndpoint",
            name: "r",
            inputs: { spec: { endpoints: [{ dnsName: "k3s.example.com", recordType: "A", targets: ["198.51.100.1"] }] } },
        });
        const { names, unpublished } = publishedNames([externalDns, record, ingress("app.example.com"), ingress("app.other.org")], nodes);
        expect(names).toEqual([
            { name: "k3s.example.com", pointsTo: "A 198.51.100.1", source: "record" },
            expect.objectContaining({ name: "app.example.com", pointsTo: expect.stringContaining("A 198.51.100.1 ") }),
        ]);
        expect(unpublished).toEqual([{ name: "app.other.org", pointsTo: "198.51.100.1 (the ingress controller)", source: "ingress ing-app.other.org" }]);
    });

    it("publishes no ingress host without external-dns", () => {
        expect(publishedNames([ingress("app.example.com")], nodes)).toEqual({
            names: [],
            unpublished: [expect.objectContaining({ name: "app.example.com" })],
            internalOnly: false,
        });
    });

    it("lists the API endpoint name among the names to point yourself, at the servers, unless a record publishes it", () => {
        // No controller publishes cluster.k3s.apiEndpoint: the old list left it out (issue 27, item 6).
        const withApi = {
            "platform:cluster": { mode: "k3s", k3s: { apiEndpoint: "k3s.dev.example.com", servers: [{ name: "s1", host: "192.0.2.10" }], agents: [] } },
        };
        expect(publishedNames([], withApi).unpublished).toEqual([
            { name: "k3s.dev.example.com", pointsTo: "192.0.2.10 (the Kubernetes API on the servers, port 6443)", source: "cluster.k3s.apiEndpoint" },
        ]);
        const record = rec({
            type: "kubernetes:externaldns.k8s.io/v1alpha1:DNSEndpoint",
            name: "r",
            inputs: { spec: { endpoints: [{ dnsName: "k3s.dev.example.com", recordType: "A", targets: ["192.0.2.10"] }] } },
        });
        expect(publishedNames([record], withApi).unpublished).toEqual([]);
        // An IP endpoint needs no name.
        expect(
            publishedNames([], { "platform:cluster": { mode: "k3s", k3s: { apiEndpoint: "192.0.2.10", servers: [{ name: "s1", host: "192.0.2.10" }] } } })
                .unpublished,
        ).toEqual([]);
    });

    it("names the wired receivers and the severities they get, never their URLs or keys", () => {
        const am = rec({
            type: "kubernetes:core/v1:Secret",
            name: "am",
            inputs: { apiVersion: "v1", kind: "Secret", metadata: { name: "alertmanager-platform" }, stringData: "[secret]" },
        });
        const stackConfig = {
            "platform:monitoring": {
                alertmanager: { slack: { webhookUrl: { secure: REAL }, channel: "#alerts" }, pagerduty: { routingKey: { secure: REAL } } },
            },
        };
        const receivers = alertReceivers([am], stackConfig);
        expect(receivers).toEqual(["slack #alerts: warning, critical", "pagerduty: critical"]);
        expect(alertReceivers([], stackConfig)).toBeUndefined();
        expect(summaryText("t", [am], {}, { stackConfig })).not.toContain(REAL.slice(3, 15));
    });

    it("groups protected resources by component", () => {
        const guarded = protectedResources([
            rec({ type: "t", name: "db", parent: "harbor", options: { protect: true } }),
            rec({ type: "t", name: "svc", parent: "harbor" }),
        ]);
        expect([...guarded.entries()]).toEqual([["harbor", ["db"]]]);
    });
});

describe("summary.txt of the dev stack", () => {
    it("names every host to point at the node yourself, the API endpoint included, with the address", async () => {
        const evaluation = await evaluateStack("dev");
        const summary = summaryText("dev", evaluation.resources, evaluation.outputs, { stackConfig: readStackFile(PROJECT_DIR, "dev").stackConfig });
        const section = summary.slice(summary.indexOf("  not published by the platform (point them yourself):"), summary.indexOf("alert receivers:"));
        expect(section).toContain("    k3s.dev.example.com -> 192.0.2.10 (the Kubernetes API on the servers, port 6443)");
        expect(section).toContain("    registry.dev.example.com -> 192.0.2.10 (the ingress controller)");
        expect(section).toContain("    grafana.dev.example.com -> 192.0.2.10 (the ingress controller)");
    }, 120_000);
});

describe("summary.txt of the prod stack", () => {
    let summary: string;
    beforeAll(async () => {
        const evaluation = await evaluateStack("prod");
        summary = summaryText("prod", evaluation.resources, evaluation.outputs, { stackConfig: readStackFile(PROJECT_DIR, "prod").stackConfig });
    }, 120_000);

    it("lists the committed placeholder secrets (the S3 keys once, on their backends) with the command that sets them", () => {
        for (const key of ["cluster.k3s.ssh.privateKey", "dns.route53.secretAccessKey", "s3.backends.etcd.secretKey", "s3.backends.volumes.secretKey"]) {
            expect(summary).toMatch(new RegExp(`placeholder +platform:${key.replace(/[.[\]]/g, "\\$&")}`));
        }
        expect(summary).toContain("pulumi config set --secret --path");
        expect(summary).not.toContain("platform:cluster.k3s.etcdSnapshots.s3.secretKey"); // deprecated inline key, unset: nothing to do
        expect(summary).not.toContain("ZXhhbXBsZS1wbGFjZWhvbGRlci1jaXBoZXJ0ZXh0");
    });

    it("shows the API record, the failover record and Grafana's host at the nodes' public addresses", () => {
        expect(summary).toContain("k3s.example.com -> A 198.51.100.11, 198.51.100.12, 198.51.100.13  [record]");
        expect(summary).toContain("apps.example.com -> A 198.51.100.21, 198.51.100.22, 198.51.100.23 (routing set prod)");
        expect(summary).toMatch(/grafana\.example\.com -> A 198\.51\.100\.11, .*198\.51\.100\.23 \(the ingress controller/);
    });

    it("says no receiver is wired, and lists the data it protects (Harbor's release, the cluster token)", () => {
        expect(summary).toContain("alert receivers:\n  (none: alerts fire but reach nobody");
        expect(summary).toMatch(/protected from deletion \(\d+;/);
        expect(summary).toMatch(/prod-cluster: .*prod-cluster-token/);
        expect(summary).toContain("prod-harbor-release");
    });

    it("sizes each of the six hosts from the footprint, disk from the PVCs times Longhorn's 3 replicas", () => {
        expect(summary).toMatch(/sizing \(per host, 6 hosts;[^\n]*\n {2}cpu \d+m, memory \d+Mi/);
        expect(summary).toMatch(/disk \d+Gi for volumes: \d+Gi of PVCs x 3 Longhorn replicas/);
    });
});
