import * as pulumi from "@pulumi/pulumi";
import { hostPackagesScript } from "../../components/cluster/k3sFiles";
import { ingressTls } from "../../components/lib/ingress";
import { Longhorn } from "../../components/storage/Longhorn";
import { backupTarget, LONGHORN_HOST_REQUIREMENTS, longhornValues, recurringJobs } from "../../components/storage/longhornValues";
import { parsePlatformConfig, StorageConfig } from "../../config/config";
import { unknownChartKeys } from "../../offline/chartKeys";
import { fakeSecret, SECRET } from "../../offline/mocks";
import { allStrings, byName, k3sStackConfig, mockedComponents, ofType, rawConfig, secure, TEST_HOST_KEY } from "../harness";

const storage = (value: Record<string, unknown>, profile = "dev"): StorageConfig => {
    const base = k3sStackConfig({ "platform:profile": profile, "platform:storage": value });
    if (profile === "prod") {
        (base["platform:cluster"] as { k3s: { servers: unknown[] } }).k3s.servers = [1, 2, 3].map((i) => ({ name: `s${i}`, host: `10.0.0.${i}`, hostKey: TEST_HOST_KEY }));
    }
    return parsePlatformConfig(rawConfig(base)).storage;
};
const backup = { bucket: "volumes", region: "eu-central-1", folder: "prod", accessKey: "AKIA1", secretKey: secure("vol-secret-1") };
const ui = ingressTls({ className: "nginx", issuer: "letsencrypt" }, "longhorn.dev.example.com", "longhorn", { "nginx.org/basic-auth-secret": "longhorn-ui-auth" });

describe("storage config", () => {
    it("defaults to local-path in dev and 3-replica Longhorn in prod", () => {
        expect(storage({}).class).toBe("local-path");
        expect(storage({}, "prod")).toMatchObject({ class: "longhorn", longhorn: { replicas: 3, ui: { enabled: true, host: "longhorn.dev.example.com" } } });
        expect(storage({ class: "longhorn" }).longhorn.replicas).toBe(1);
    });
});

describe("Longhorn values", () => {
    it("make Longhorn the default class with profile replicas and Retain in prod", () => {
        const v = longhornValues({ config: storage({}, "prod"), ui, highAvailability: true, keepVolumes: true, serviceMonitor: false }) as Record<string, Record<string, unknown>>;
        expect(v.persistence).toEqual({ defaultClass: true, defaultClassReplicaCount: 3, reclaimPolicy: "Retain" });
        expect(v.defaultSettings).toEqual({ defaultReplicaCount: 3, defaultDataPath: "/var/lib/longhorn" });
        expect(v.longhornUI).toEqual({ replicas: 2 });
    });

    it("point backups at S3 by Secret and publish the UI with TLS and basic auth", () => {
        const config = storage({ longhorn: { backup } }, "prod");
        const v = longhornValues({ config, ui, highAvailability: false, keepVolumes: false, serviceMonitor: false }) as Record<string, Record<string, unknown>>;
        expect(backupTarget(config.longhorn.backup!)).toBe("s3://volumes@eu-central-1/prod/");
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
        expect(unknownChartKeys("longhorn", longhornValues({ config: storage({}), highAvailability: false, keepVolumes: false, serviceMonitor: true }))).toEqual([]);
    });

    it("schedule recurring snapshots and backups only with a backup target", () => {
        const jobs = recurringJobs(storage({ longhorn: { backup: { ...backup, snapshotSchedule: "0 * * * *", backupRetain: 30 } } }, "prod"), "longhorn-system");
        expect(jobs.map((j) => j.spec)).toEqual([
            { name: "platform-snapshot", task: "snapshot", cron: "0 * * * *", retain: 6, concurrency: 2, groups: ["default"], labels: {} },
            { name: "platform-backup", task: "backup", cron: "0 2 * * *", retain: 30, concurrency: 2, groups: ["default"], labels: {} },
        ]);
        expect(recurringJobs(storage({}, "prod"), "longhorn-system")).toEqual([]);
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
            config: storage({ longhorn: { backup } }, "prod"),
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
    });
});
