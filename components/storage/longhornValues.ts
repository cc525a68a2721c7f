/**
 * Longhorn chart values (1.12.1), its RecurringJobs and the host packages it needs.
 */
import { limited } from "../lib/resources";
import type { StorageConfig } from "../../config/config";
import type { HostRequirements } from "../cluster/k3sFiles";
import type { IngressTls } from "../lib/ingress";

/** iSCSI for volumes, NFS for RWX volumes and backups to NFS (Longhorn's node requirements). */
export const LONGHORN_HOST_REQUIREMENTS: HostRequirements = {
    apt: ["open-iscsi", "nfs-common"],
    dnf: ["iscsi-initiator-utils", "nfs-utils"],
    zypper: ["open-iscsi", "nfs-client"],
    services: ["iscsid"],
};

/** longhorn-manager's REST API (and metrics) Service, as the chart names it. */
export const LONGHORN_MANAGER = { service: "longhorn-backend", port: 9500 } as const;
export const BACKUP_SECRET = "longhorn-backup-target";
export const UI_AUTH_SECRET = "longhorn-ui-auth";

/** `s3://bucket@region/folder/`, Longhorn's backup target syntax. */
export function backupTarget(backup: NonNullable<StorageConfig["longhorn"]["backup"]>): string {
    return `s3://${backup.bucket}@${backup.region}/${backup.folder ? `${backup.folder.replace(/^\/|\/$/g, "")}/` : ""}`;
}

export function longhornValues(args: { config: StorageConfig; ui?: IngressTls; highAvailability: boolean; keepVolumes: boolean; serviceMonitor: boolean }): Record<string, unknown> {
    const { longhorn } = args.config;
    return {
        persistence: {
            defaultClass: true,
            defaultClassReplicaCount: longhorn.replicas,
            // Retain: deleting a PVC in prod never deletes its data.
            reclaimPolicy: args.keepVolumes ? "Retain" : "Delete",
        },
        defaultSettings: {
            defaultReplicaCount: longhorn.replicas,
            defaultDataPath: longhorn.dataPath,
        },
        ...(longhorn.backup ? { defaultBackupStore: { backupTarget: backupTarget(longhorn.backup), backupTargetCredentialSecret: BACKUP_SECRET } } : {}),
        longhornUI: { replicas: args.highAvailability ? 2 : 1 },
        // One manager per node (the only Longhorn workload whose resources the chart exposes).
        longhornManager: { resources: limited("100m", "256Mi", "1Gi") },
        ingress: args.ui
            ? {
                  enabled: true,
                  ingressClassName: args.ui.className,
                  host: args.ui.host,
                  tls: true,
                  tlsSecret: args.ui.secretName,
                  path: "/",
                  annotations: { ...args.ui.annotations },
              }
            : { enabled: false },
        metrics: { serviceMonitor: { enabled: args.serviceMonitor } },
    };
}

/** Recurring snapshot and backup jobs for every volume in the default group. */
export function recurringJobs(config: StorageConfig, namespace: string): Record<string, unknown>[] {
    const backup = config.longhorn.backup;
    if (!backup) {
        return [];
    }
    const job = (name: string, task: "snapshot" | "backup", cron: string, retain: number) => ({
        apiVersion: "longhorn.io/v1beta2",
        kind: "RecurringJob",
        metadata: { name, namespace },
        spec: { name, task, cron, retain, concurrency: 2, groups: ["default"], labels: {} },
    });
    return [job("platform-snapshot", "snapshot", backup.snapshotSchedule, backup.snapshotRetain), job("platform-backup", "backup", backup.backupSchedule, backup.backupRetain)];
}
