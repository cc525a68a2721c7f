/**
 * Alertmanager's configuration, built from `platform:monitoring.alertmanager`: severity routing
 * (critical pages, warning notifies), inhibition (a critical alert or a down node silences the
 * warnings it explains) and the Watchdog heartbeat sent nowhere. Pure: secrets arrive resolved and
 * the caller keeps the result secret.
 */

export interface ResolvedReceivers {
    readonly slack?: { readonly webhookUrl: string; readonly channel: string };
    readonly email?: { readonly to: string; readonly from: string; readonly smarthost: string; readonly username?: string; readonly password?: string };
    readonly webhook?: { readonly url: string };
    readonly pagerduty?: { readonly routingKey: string };
}

export function alertmanagerConfig(r: ResolvedReceivers): Record<string, unknown> {
    const notify = (send: Record<string, unknown>) => ({
        ...(r.slack ? { slack_configs: [{ api_url: r.slack.webhookUrl, channel: r.slack.channel, send_resolved: true, ...send }] } : {}),
        ...(r.email ? { email_configs: [{ to: r.email.to, send_resolved: true }] } : {}),
        ...(r.webhook ? { webhook_configs: [{ url: r.webhook.url, send_resolved: true }] } : {}),
    });
    return {
        global: {
            resolve_timeout: "5m",
            ...(r.email
                ? {
                      smtp_from: r.email.from,
                      smtp_smarthost: r.email.smarthost,
                      smtp_require_tls: true,
                      ...(r.email.username ? { smtp_auth_username: r.email.username } : {}),
                      ...(r.email.password ? { smtp_auth_password: r.email.password } : {}),
                  }
                : {}),
        },
        route: {
            receiver: "warning",
            group_by: ["alertname", "namespace"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes: [
                { receiver: "null", matchers: ['alertname="Watchdog"'] },
                { receiver: "critical", matchers: ['severity="critical"'], repeat_interval: "1h" },
                { receiver: "warning", matchers: ['severity="warning"'] },
                { receiver: "null", matchers: ['severity="info"'] },
            ],
        },
        inhibit_rules: [
            { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "namespace"] },
            // A down node explains every other alert from it.
            { source_matchers: ['alertname="NodeDown"'], target_matchers: ['alertname!="NodeDown"'], equal: ["instance"] },
        ],
        receivers: [
            { name: "null" },
            { name: "warning", ...notify({ title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}" }) },
            {
                name: "critical",
                ...notify({ title: "[CRITICAL {{ .Status | toUpper }}] {{ .CommonLabels.alertname }}" }),
                ...(r.pagerduty ? { pagerduty_configs: [{ routing_key: r.pagerduty.routingKey, send_resolved: true }] } : {}),
            },
        ],
    };
}
