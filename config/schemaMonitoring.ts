/**
 * Config for the monitoring stack: `platform:monitoring`.
 */
import { z } from "zod";
import { inlineS3Keys, secretString } from "./schemaParts";
import { backendRef, checkS3Block, DEPRECATED } from "./schemaS3";
import { isDnsName, isHostOrIp, isHostPort } from "./validators";

const duration = z.string().regex(/^\d+[hdwy]$/, "expected a duration such as 15d");
const quantity = z.string().regex(/^\d+(Mi|Gi|Ti)$/, "expected a size such as 20Gi");

export const monitoringSchema = z
    .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Deploy Prometheus, Alertmanager and the platform alert rules." }),
        grafana: z
            .strictObject({
                enabled: z.boolean().default(true).meta({ description: "Deploy the platform Grafana (datasources and dashboards as code)." }),
                host: z
                    .string()
                    .refine(isDnsName, "expected a DNS hostname")
                    .optional()
                    .meta({ description: "Grafana hostname; default grafana.<platform:domain>." }),
            })
            .prefault({})
            .meta({ description: "The one Grafana of the platform." }),
        prometheus: z
            .strictObject({
                retention: duration.optional().meta({ description: "How long metrics are kept; default by profile (dev 3d, prod 15d)." }),
                storageSize: quantity.optional().meta({ description: "Prometheus PVC size; default by profile (dev 5Gi, prod 50Gi)." }),
            })
            .prefault({})
            .meta({ description: "Prometheus settings." }),
        alertmanager: z
            .strictObject({
                slack: z
                    .strictObject({
                        webhookUrl: secretString("monitoring", "Slack incoming-webhook URL."),
                        channel: z
                            .string()
                            .regex(/^#[\w-]+$/, "expected a channel such as #alerts")
                            .meta({ description: "Channel for alerts." }),
                    })
                    .optional()
                    .meta({ description: "Send warning and critical alerts to Slack." }),
                email: z
                    .strictObject({
                        to: z.email().meta({ description: "Recipient." }),
                        from: z.email().meta({ description: "Sender." }),
                        smarthost: z
                            .string()
                            .regex(/^[\w.-]+:\d+$/, "expected host:port")
                            .refine(isHostPort, "expected host:port with an IPv4 address or DNS hostname and a port 1-65535")
                            .meta({ description: "SMTP server host:port." }),
                        username: z.string().min(1).optional().meta({ description: "SMTP user." }),
                        password: secretString("monitoring", "SMTP password.").optional(),
                    })
                    .optional()
                    .meta({ description: "Send warning and critical alerts by e-mail." }),
                webhook: z
                    .strictObject({ url: secretString("monitoring", "Webhook URL (may embed a token).") })
                    .optional()
                    .meta({ description: "Send every alert to a generic webhook." }),
                pagerduty: z
                    .strictObject({ routingKey: secretString("monitoring", "PagerDuty Events v2 routing key.") })
                    .optional()
                    .meta({ description: "Page on critical alerts." }),
            })
            .prefault({})
            .meta({ description: "Alert receivers, routed by severity." }),
        logs: z
            .strictObject({
                enabled: z.boolean().default(true).meta({ description: "Deploy Loki (logs store) and Grafana Alloy (pod logs and Kubernetes events)." }),
                retention: duration.optional().meta({ description: "How long logs are kept (compactor retention); default by profile (dev 7d, prod 30d)." }),
                storageSize: quantity
                    .optional()
                    .meta({ description: "Loki PVC size (index, WAL; chunks too when no S3); default by profile (dev 5Gi, prod 50Gi)." }),
                s3: z
                    .strictObject({
                        ...backendRef,
                        bucket: z.string().min(3).meta({ description: "Bucket for chunks (the ruler uses the same bucket)." }),
                        region: z
                            .string()
                            .min(1)
                            .optional()
                            .meta({ description: `${DEPRECATED} bucket region.` }),
                        endpoint: z
                            .string()
                            .refine(isHostOrIp, "expected the S3 endpoint host name such as s3.eu-west-1.amazonaws.com")
                            .optional()
                            .meta({ description: `${DEPRECATED} S3-compatible endpoint host; omit for AWS.` }),
                        ...inlineS3Keys("monitoring"),
                    })
                    .superRefine((block, ctx) => {
                        checkS3Block(block, ctx, ["region", "endpoint", "accessKey", "secretKey"]);
                        if (block.backend === undefined && block.region === undefined) {
                            ctx.addIssue({
                                code: "custom",
                                path: ["region"],
                                message: "required key is missing: set backend (a platform:s3.backends name), or the old inline region",
                            });
                        }
                    })
                    .optional()
                    .meta({ description: "Keep chunks in S3-compatible object storage (then Loki runs 3 replicas in HA profiles)." }),
            })
            .prefault({})
            .meta({ description: "Logs: Loki + Alloy." }),
        clickhouse: z
            .strictObject({
                enabled: z
                    .boolean()
                    .default(true)
                    .meta({ description: "Deploy ClickHouse through the Altinity operator (DeepFlow's store; a Grafana datasource)." }),
                shards: z.int().min(1).max(8).optional().meta({
                    description:
                        "ClickHouse shards, one server each on its own node; default by profile (dev 1, prod 2). DeepFlow writes to every shard and runs one server per shard.",
                }),
                replicas: z.int().min(1).max(5).default(1).meta({
                    description:
                        "Replicas per shard (replicated tables, plus a 3-node ClickHouse Keeper when above 1). DeepFlow writes non-replicated tables, so this must stay 1 while DeepFlow is on.",
                }),
                storageSize: quantity.optional().meta({ description: "PVC size per ClickHouse server; default by profile (dev 10Gi, prod 100Gi)." }),
            })
            .prefault({})
            .meta({ description: "ClickHouse." }),
        deepflow: z
            .strictObject({
                enabled: z.boolean().default(true).meta({
                    description: "Deploy DeepFlow (eBPF observability) on the platform ClickHouse and Grafana. Needs Linux kernel >= 4.14 on every node.",
                }),
                imageRegistry: z
                    .string()
                    .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, "expected a registry and path such as registry.example.com/deepflow-ce")
                    .refine((v) => isHostPort(v.split("/")[0]), "expected a registry host (IPv4 address or DNS hostname, optional :port) before the path")
                    .optional()
                    .meta({
                        description:
                            "Registry path DeepFlow images come from (server, app, agent, Grafana plugins); default the upstream registry.cn-hongkong.aliyuncs.com/deepflow-ce. Set e.g. registry.<domain>/<harbor proxy project>/deepflowce to pull through Harbor.",
                    }),
            })
            .prefault({})
            .meta({ description: "DeepFlow." }),
    })
    .superRefine((m, ctx) => {
        if (m.deepflow.enabled && m.clickhouse.enabled && m.clickhouse.replicas > 1) {
            ctx.addIssue({
                code: "custom",
                path: ["clickhouse", "replicas"],
                message: `DeepFlow writes non-replicated tables to every shard: expected 1 while monitoring.deepflow is on (scale with monitoring.clickhouse.shards), got ${m.clickhouse.replicas}`,
            });
        }
        if (m.deepflow.enabled && !m.clickhouse.enabled) {
            ctx.addIssue({
                code: "custom",
                path: ["deepflow", "enabled"],
                message:
                    "DeepFlow stores its data in the platform ClickHouse: set monitoring.clickhouse.enabled to true or monitoring.deepflow.enabled to false",
            });
        }
    })
    .prefault({});
