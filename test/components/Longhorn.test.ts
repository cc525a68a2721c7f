import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { hostPackagesScript } from "../../components/cluster/k3sFiles";
import { Longhorn } from "../../components/storage/Longhorn";
import {
    backupTarget,
    type LonghornBackupArgs,
    LONGHORN_HOST_REQUIREMENTS,
    type LonghornSettings,
    longhornValues,
    recurringJobs,
} from "../../components/storage/longhornValues";
import { unknownChartKeys } from "../../offline/chartKeys";
import { fakeSecret, SECRET } from "../../offline/mocks";
import { allStrings, byName, mockedComponents, ofType } from "../harness";

const storage = (overrides: Partial<LonghornSettings> = {}, replicas = 3): LonghornSettings => ({
    replicas,
    dataPath: "/var/lib/longhorn",
    ui: { enabled: true, host: "longhorn.dev.example.com" },
    ...overrides,
});
const backup: LonghornBackupArgs = {
    bucket: "volumes",
    region: "eu-central-1",
    folder: "prod",
    accessKey: "AKIA1",
    secretKey: pulumi.secret("vol-secret-1"),
    snapshotSchedule: "0 */4 * * *",
    snapshotRetain: 6,
    backupSchedule: "0 2 * * *",
    backupRetain: 14,
};

describe("Longhorn values", () => {
    it("make Longhorn the default class with profile replicas and Retain in prod", () => {
        const v = longhornValues({ config: storage(), highAvailability: true, keepVolumes: true }) as Record<string, Record<string, unknown>>;
        expect(v.persistence).toEqual({ defaultClass: true, defaultClassReplicaCount: 3, reclaimPolicy: "Retain" });
        expect(v.defaultSettings).toEqual({ defaultReplicaCount: 3, defaultDataPath: "/var/lib/longhorn" });
        expect(v.longhornUI).toEqual({ replicas: 2 });
    });

    it("point backups at S3 by Secret and leave the UI's Ingress to the component", () => {
        const config = storage({ backup });
        const v = longhornValues({ config, highAvailability: false, keepVolumes: false }) as Record<string, Record<string, unknown>>;
        expect(backupTarget(backup)).toBe("s3://volumes@eu-central-1/prod/");
        expect(v.defaultBackupStore).toEqual({ backupTarget: "s3://volumes@eu-central-1/prod/", backupTargetCredentialSecret: "longhorn-backup-target" });
        expect(v.ingress).toEqual({ enabled: false });
        expect(JSON.stringify(v)).not.toContain("vol-secret-1");
        expect(unknownChartKeys("longhorn", v)).toEqual([]);
        expect(unknownChartKeys("longhorn", longhornValues({ config: storage({}, 1), highAvailability: false, keepVolumes: false }))).toEqual([]);
    });

    it("schedule recurring snapshots and backups only with a backup target", () => {
        const jobs = recurringJobs(storage({ backup: { ...backup, snapshotSchedule: "0 * * * *", backupRetain: 30 } }), "longhorn-system");
        expect(jobs.map((j) => j.spec)).toEqual([
            { name: "platform-snapshot", task: "snapshot", cron: "0 * * * *", retain: 6, concurrency: 2, groups: ["default"], labels: {} },
            { name: "platform-backup", task: "backup", cron: "0 2 * * *", retain: 30, concurrency: 2, groups: ["default"], labels: {} },
        ]);
        expect(recurringJobs(storage(), "longhorn-system")).toEqual([]);
    });

    it("install iSCSI and NFS with the host's package manager and start iscsid", () => {
        const script = hostPackagesScript(LONGHORN_HOST_REQUIREMENTS);
        expect(script).toContain("apt-get install -y -qq open-iscsi nfs-common");
        expect(script).toContain("dnf install -y -q iscsi-initiator-utils nfs-utils");
        expect(script).toContain("zypper --non-interactive install open-iscsi nfs-client");
        expect(script).toContain("systemctl enable --now iscsid");
    });
});

describe("Longhorn component", () => {
    const mocks = mockedComponents();

    it("creates a privileged namespace with its reason, secrets kept secret, the release and recurring jobs", async () => {
        const component = new Longhorn("st", {
            config: storage({ backup }),
            ingress: { className: "nginx", issuer: "letsencrypt" },
            highAvailability: true,
            protect: true,
            podSecurityVersion: "v1.36",
        });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("st-"));
        expect(byName(mine, "st-ns").inputs).toMatchObject({
            metadata: {
                labels: { "pod-security.kubernetes.io/enforce": "privileged" },
                annotations: { "platform/pod-security-reason": expect.stringContaining("privileged") },
            },
        });
        expect(byName(mine, "st-backup-secret").inputs.stringData).toBe(SECRET);
        expect(byName(mine, "st-ui-auth").inputs).toMatchObject({ type: "nginx.org/htpasswd", stringData: SECRET });
        const release = byName(mine, "st-release");
        expect(release.options.protect).toBe(true);
        expect(release.dependsOn).toEqual(expect.arrayContaining(["st-backup-secret"]));
        expect(ofType(mine, "kubernetes:longhorn.io/v1beta2:RecurringJob").map((r) => r.name)).toEqual(["st-platform-snapshot", "st-platform-backup"]);
        const text = allStrings(mine).join("\n");
        expect(text).not.toContain("vol-secret-1");
        expect(text).not.toContain(fakeSecret("random", "st-ui-password"));
        expect(await pulumi.isSecret(component.uiPassword!)).toBe(true);
        expect(component.scrapeTargets).toEqual([
            expect.objectContaining({ namespace: "longhorn-system", selector: { app: "longhorn-manager" }, port: "manager" }),
        ]);
    });

    it("publishes the UI as a master with TLS and a minion with basic auth on /, after the release, its Secret and the issuer", async () => {
        const issuer = new k8s.core.v1.ConfigMap("lh-issuer", {});
        new Longhorn("lh", {
            config: storage(),
            ingress: { className: "nginx", issuer: "letsencrypt", http01EditInPlace: true },
            highAvailability: false,
            protect: false,
            podSecurityVersion: "v1.36",
            after: [issuer],
        });
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name.startsWith("lh-"));
        const master = byName(mine, "lh-ui-ingress");
        const minion = byName(mine, "lh-ui-ingress-minion");
        const certificate = byName(mine, "lh-ui-ingress-certificate");
        expect(master.inputs).toMatchObject({
            metadata: { name: "longhorn-ui", namespace: "longhorn-system", annotations: { "nginx.org/mergeable-ingress-type": "master" } },
            spec: {
                ingressClassName: "nginx",
                tls: [{ hosts: ["longhorn.dev.example.com"], secretName: "longhorn-ui-tls" }],
                rules: [{ host: "longhorn.dev.example.com" }],
            },
        });
        expect(minion.inputs).toMatchObject({
            metadata: {
                annotations: {
                    "nginx.org/mergeable-ingress-type": "minion",
                    "nginx.org/basic-auth-secret": "longhorn-ui-auth",
                    "nginx.org/basic-auth-realm": "Longhorn",
                },
            },
            spec: {
                rules: [
                    {
                        host: "longhorn.dev.example.com",
                        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "longhorn-frontend", port: { number: 80 } } } }] },
                    },
                ],
            },
        });
        expect(certificate.inputs).toMatchObject({
            metadata: {
                name: "longhorn-ui-tls",
                labels: { "platform/http01-solver": "nginx-minion" },
                annotations: { "cert-manager.io/issue-temporary-certificate": "true" },
            },
            spec: { secretName: "longhorn-ui-tls", dnsNames: ["longhorn.dev.example.com"], issuerRef: { kind: "ClusterIssuer", name: "letsencrypt" } },
        });
        for (const r of [master, minion, certificate]) {
            expect(r.dependsOn).toEqual(expect.arrayContaining(["lh-release", "lh-ui-auth", "lh-issuer"]));
        }
        const values = byName(mine, "lh-release").inputs.values as Record<string, unknown>;
        expect(values.ingress).toEqual({ enabled: false });
    });

    it("asks for no HTTP-01 solver or temporary certificate when the issuer does not answer HTTP-01", async () => {
        new Longhorn("lhd", {
            config: storage(),
            ingress: { className: "nginx", issuer: "platform-ca" },
            highAvailability: false,
            protect: false,
            podSecurityVersion: "v1.36",
        });
        await mocks.settle();
        const metadata = byName(mocks.collector.resources, "lhd-ui-ingress-certificate").inputs.metadata as Record<string, unknown>;
        expect(metadata).not.toHaveProperty("labels");
        expect(metadata).not.toHaveProperty("annotations");
    });
});
