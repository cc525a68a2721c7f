import * as pulumi from "@pulumi/pulumi";
import { hostPackagesScript } from "../../components/cluster/k3sFiles";
import { ingressTls } from "../../components/lib/ingress";
import { Longhorn } from "../../components/storage/Longhorn";
import { backupTarget, type LonghornBackupArgs, LONGHORN_HOST_REQUIREMENTS, type LonghornSettings, longhornValues, recurringJobs } from "../../components/storage/longhornValues";
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
const ui = ingressTls({ className: "nginx", issuer: "letsencrypt" }, "longhorn.dev.example.com", "longhorn", { "nginx.org/basic-auth-secret": "longhorn-ui-auth" });

describe("Longhorn values", () => {
    it("make Longhorn the default class with profile replicas and Retain in prod", () => {
        const v = longhornValues({ config: storage(), ui, highAvailability: true, keepVolumes: true }) as Record<string, Record<string, unknown>>;
        expect(v.persistence).toEqual({ defaultClass: true, defaultClassReplicaCount: 3, reclaimPolicy: "Retain" });
        expect(v.defaultSettings).toEqual({ defaultReplicaCount: 3, defaultDataPath: "/var/lib/longhorn" });
        expect(v.longhornUI).toEqual({ replicas: 2 });
    });

    it("point backups at S3 by Secret and publish the UI with TLS and basic auth", () => {
        const config = storage({ backup });
        const v = longhornValues({ config, ui, highAvailability: false, keepVolumes: false }) as Record<string, Record<string, unknown>>;
        expect(backupTarget(backup)).toBe("s3://volumes@eu-central-1/prod/");
        expect(v.defaultBackupStore).toEqual({ backupTarget: "s3://volumes@eu-central-1/prod/", backupTargetCredentialSecret: "longhorn-backup-target" });
        expect(v.ingress).toMatchObject({
            enabled: true,
            host: "longhorn.dev.example.com",
            tls: true,
            tlsSecret: "longhorn-tls",
            annotations: { "cert-manager.io/cluster-issuer": "letsencrypt", "nginx.org/basic-auth-secret": "longhorn-ui-auth" },
        });
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
        expect(byName(mine, "st-ns").inputs).toMatchObject({ metadata: { labels: { "pod-security.kubernetes.io/enforce": "privileged" }, annotations: { "platform/pod-security-reason": expect.stringContaining("privileged") } } });
        expect(byName(mine, "st-backup-secret").inputs.stringData).toBe(SECRET);
        expect(byName(mine, "st-ui-auth").inputs).toMatchObject({ type: "nginx.org/htpasswd", stringData: SECRET });
        const release = byName(mine, "st-release");
        expect(release.options.protect).toBe(true);
        expect(release.dependsOn).toEqual(expect.arrayContaining(["st-backup-secret", "st-ui-auth"]));
        expect(ofType(mine, "kubernetes:longhorn.io/v1beta2:RecurringJob").map((r) => r.name)).toEqual(["st-platform-snapshot", "st-platform-backup"]);
        const text = allStrings(mine).join("\n");
        expect(text).not.toContain("vol-secret-1");
        expect(text).not.toContain(fakeSecret("random", "st-ui-password"));
        expect(await pulumi.isSecret(component.uiPassword!)).toBe(true);
        expect(component.scrapeTargets).toEqual([expect.objectContaining({ namespace: "longhorn-system", selector: { app: "longhorn-manager" }, port: "manager" })]);
    });
});
