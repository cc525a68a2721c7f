/**
 * Config for persistent storage: `platform:storage`.
 */
import { z } from "zod";
import { inlineS3Keys } from "./schemaParts";
import { backendRef, checkS3Block, s3Prefix, endpointUrl, DEPRECATED } from "./schemaS3";
import { isCron, isDnsName } from "./validators";

export const storageSchema = z
    .strictObject({
        class: z.enum(["local-path", "longhorn"]).optional().meta({
            description: "Default StorageClass: k3s local-path (single node) or Longhorn (replicated); default by profile (dev local-path, prod longhorn).",
        }),
        longhorn: z
            .strictObject({
                replicas: z.int().min(1).max(5).optional().meta({ description: "Volume replicas; default by profile (dev 1, prod 3)." }),
                dataPath: z
                    .string()
                    .regex(/^\/[^\s]*$/, "expected an absolute path")
                    .default("/var/lib/longhorn")
                    .meta({ description: "Where Longhorn keeps replicas on each node." }),
                backup: z
                    .strictObject({
                        ...backendRef,
                        bucket: z.string().min(3).meta({ description: "S3 bucket for volume backups." }),
                        prefix: s3Prefix.optional().meta({ description: "Prefix inside the bucket." }),
                        region: z
                            .string()
                            .min(1)
                            .optional()
                            .meta({ description: `${DEPRECATED} bucket region.` }),
                        folder: z
                            .string()
                            .regex(/^[A-Za-z0-9._/-]+$/, "expected a folder name")
                            .optional()
                            .meta({ description: `${DEPRECATED} prefix inside the bucket (now \`prefix\`).` }),
                        endpoint: endpointUrl("expected the endpoint URL of an S3-compatible store")
                            .optional()
                            .meta({ description: `${DEPRECATED} endpoint URL for S3-compatible stores; omit for AWS.` }),
                        ...inlineS3Keys("storage"),
                        snapshotSchedule: z
                            .string()
                            .refine(isCron, "expected a five-field cron expression")
                            .default("0 */4 * * *")
                            .meta({ description: "Recurring snapshot cron." }),
                        snapshotRetain: z.int().min(1).max(100).default(6).meta({ description: "Snapshots kept per volume." }),
                        backupSchedule: z
                            .string()
                            .refine(isCron, "expected a five-field cron expression")
                            .default("0 2 * * *")
                            .meta({ description: "Recurring backup cron." }),
                        backupRetain: z.int().min(1).max(100).default(14).meta({ description: "Backups kept per volume." }),
                    })
                    .superRefine((block, ctx) => {
                        checkS3Block(block, ctx, ["region", "folder", "endpoint", "accessKey", "secretKey"], "folder");
                        if (block.backend === undefined && block.region === undefined) {
                            ctx.addIssue({
                                code: "custom",
                                path: ["region"],
                                message: "required key is missing: set backend (a platform:s3.backends name), or the old inline region",
                            });
                        }
                    })
                    .optional()
                    .meta({ description: "Recurring snapshots and backups to S3-compatible storage: `{ backend, bucket, prefix }` plus the schedules." }),
                ui: z
                    .strictObject({
                        enabled: z.boolean().default(true).meta({ description: "Publish the Longhorn UI (TLS + basic auth)." }),
                        host: z
                            .string()
                            .refine(isDnsName, "expected a DNS hostname")
                            .optional()
                            .meta({ description: "UI hostname; default longhorn.<platform:domain>." }),
                    })
                    .prefault({})
                    .meta({ description: "Longhorn UI." }),
            })
            .prefault({})
            .meta({ description: "Longhorn settings (class longhorn)." }),
    })
    .prefault({});
