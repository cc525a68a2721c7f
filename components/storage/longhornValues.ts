/**
 * Longhorn chart values (1.12.1), its RecurringJobs and the host packages it needs.
 */
import { limited } from "../lib/resources";
import type { HostRequirements } from "../lib/hostRequirements";
import type { S3Bucket } from "../lib/s3";

/** Recurring snapshots and backups of every volume to an S3-compatible bucket. */
export interface LonghornBackupArgs extends S3Bucket {
    /** Prefix inside the bucket. */
    readonly folder?: string;
    /** Endpoint URL of an S3-compatible store; undefined: AWS. */
    readonly endpoint?: string;
    readonly snapshotSchedule: string;
    readonly snapshotRetain: number;
    readonly backupSchedule: string;
    readonly backupRetain: number;
}

/** Longhorn as the default StorageClass. */
export interface LonghornSettings {
    /** Replicas of each volume. */
    readonly replicas: number;
    /** Where Longhorn keeps replicas on each node. */
    readonly dataPath: string;
    readonly backup?: LonghornBackupArgs;
    /** The UI, behind the TLS ingress with basic auth. */
    readonly ui: { readonly enabled: boolean; readonly host: string };
}

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
/** The UI's Service as the chart names it (longhorn chart 1.12.1 templates/deployment-ui.yaml, port 80). */
export const LONGHORN_UI_SERVICE = { name: "longhorn-frontend", port: 80 } as const;

/** `s3://bucket@region/folder/`, Longhorn's backup target syntax. */
export function backupTarget(backup: Pick<LonghornBackupArgs, "bucket" | "region" | "folder">): string {
    return `s3://${backup.bucket}@${backup.region}/${backup.folder ? `${backup.folder.replace(/^\/|\/$/g, "")}/` : ""}`;
}

export function longhornValues(args: { config: LonghornSettings; highAvailability: boolean; keepVolumes: boolean }): Record<string, unknown> {
    const longhorn = args.config;
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
        // The chart's Ingress is a single Ingress; the UI is published by Longhorn.ts as an F5 NIC
        // master/minion pair instead, so its basic auth leaves the ACME challenge path open.
        ingress: { enabled: false },
        // The monitoring stack, installed later, scrapes longhorn-manager (Longhorn.scrapeTargets).
        metrics: { serviceMonitor: { enabled: false } },
    };
}

/** Recurring snapshot and backup jobs for every volume in the default group. */
export function recurringJobs(config: Pick<LonghornSettings, "backup">, namespace: string): Record<string, unknown>[] {
    const backup = config.backup;
    if (!backup) {
        return [];
    }
    const job = (name: string, task: "snapshot" | "backup", cron: string, retain: number) => ({
        apiVersion: "longhorn.io/v1beta2",
        kind: "RecurringJob",
        metadata: { name, namespace },
        spec: { name, task, cron, retain, concurrency: 2, groups: ["default"], labels: {} },
    });
    return [
        job("platform-snapshot", "snapshot", backup.snapshotSchedule, backup.snapshotRetain),
        job("platform-backup", "backup", backup.backupSchedule, backup.backupRetain),
    ];
}
