/**
 * Config for the monitoring stack: `platform:monitoring`.
 */
import { z } from "zod";
import { secretString } from "./schemaParts";
import { isDnsName } from "./validators";

const duration = z.string().regex(/^\d+[hdwy]$/, "expected a duration such as 15d");
const quantity = z.string().regex(/^\d+(Mi|Gi|Ti)$/, "expected a size such as 20Gi");

export const monitoringSchema = z
    .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Deploy Prometheus, Alertmanager and the platform alert rules." }),
        grafana: z
            .strictObject({
                enabled: z.boolean().default(true).meta({ description: "Deploy the platform Grafana (datasources and dashboards as code)." }),
                host: z.string().refine(isDnsName, "expected a DNS hostname").optional().meta({ description: "Grafana hostname; default grafana.<platform:domain>." }),
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
                        channel: z.string().regex(/^#[\w-]+$/, "expected a channel such as #alerts").meta({ description: "Channel for alerts." }),
                    })
                    .optional()
                    .meta({ description: "Send warning and critical alerts to Slack." }),
                email: z
                    .strictObject({
                        to: z.email().meta({ description: "Recipient." }),
                        from: z.email().meta({ description: "Sender." }),
                        smarthost: z.string().regex(/^[\w.-]+:\d+$/, "expected host:port").meta({ description: "SMTP server host:port." }),
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
    })
    .prefault({});
