/**
 * Monitoring checks through the API server's service proxy: Prometheus targets and rule groups,
 * Alertmanager's loaded configuration, and Grafana's datasources.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { alertmanagerConfig } from "../../../../components/monitoring/alertmanagerConfig";
import { partFiles, RULES_DIR } from "../../../../components/monitoring/MonitoringStack";
import { GRAFANA_ADMIN_SECRET, grafanaDatasources } from "../../../../components/monitoring/metricsValues";
import { MONITORING_NAMESPACE } from "../../../../components/lib/networkPolicy";
import { parseJson } from "../http";
import { parts, SERVICES } from "../platform";
import type { Check, VerifyContext } from "../types";

const monitoringOn = (config: Parameters<Check["enabled"]>[0]) => parts(config).monitoring;

/**
 * Scrape targets allowed to be down, each with the reason. Empty today: the platform turns off
 * the targets a cluster cannot serve (control-plane metrics outside k3s). Add `--allow-down <job>`
 * for a known local exception.
 */
const TOLERATED_DOWN: readonly { readonly job: string; readonly reason: string }[] = [];

interface Target {
    labels?: Record<string, string>;
    scrapePool?: string;
    scrapeUrl?: string;
    health: string;
    lastError?: string;
}

export const prometheusTargetsCheck: Check = {
    name: "prometheus.targets",
    part: "monitoring",
    description: "No active Prometheus scrape target is down (except the tolerated list and --allow-down jobs).",
    when: "monitoring.enabled",
    enabled: monitoringOn,
    async run(ctx) {
        const res = await ctx.kube.proxy(SERVICES.prometheus, "/api/v1/targets?state=active");
        if (res.status !== 200)
            return {
                ok: false,
                detail: `Prometheus /api/v1/targets: HTTP ${res.status}`,
                hint: "kubectl -n monitoring get pods -l app.kubernetes.io/name=prometheus",
            };
        const targets = parseJson<{ data: { activeTargets: Target[] } }>(res, "targets").data.activeTargets;
        const tolerated = new Set([...TOLERATED_DOWN.map((t) => t.job), ...(ctx.options.allowDown ?? [])]);
        const down = targets.filter((t) => t.health === "down" && !tolerated.has(t.labels?.job ?? ""));
        if (down.length > 0) {
            const jobs = [...new Set(down.map((t) => `${t.labels?.job ?? t.scrapePool} (${t.labels?.instance ?? "?"}: ${(t.lastError ?? "").slice(0, 80)})`))];
            return {
                ok: false,
                detail: `${down.length} of ${targets.length} target(s) down: ${jobs.slice(0, 4).join("; ")}`,
                hint: "Prometheus UI > Status > Targets; a NetworkPolicy or a metrics bind address (k3s) is the usual cause",
            };
        }
        return { ok: true, detail: `${targets.length} target(s), none down` };
    },
};

/** The rule groups the platform loads for the parts that are on (charts/rules/*-alerts.yaml). */
function expectedRuleGroups(config: Parameters<Check["enabled"]>[0]): string[] {
    const on = parts(config);
    return partFiles(RULES_DIR, "-alerts.yaml", { logs: on.logs, clickhouse: on.clickhouse, deepflow: on.deepflow, k3s: on.k3s }).flatMap((file) =>
        (parse(readFileSync(join(RULES_DIR, file), "utf8")) as { groups: { name: string }[] }).groups.map((g) => g.name),
    );
}

export const prometheusRulesCheck: Check = {
    name: "prometheus.rules",
    part: "monitoring",
    description: "Every platform rule group (charts/rules) is loaded by Prometheus and none of its rules is in error.",
    when: "monitoring.enabled",
    enabled: monitoringOn,
    async run(ctx) {
        const res = await ctx.kube.proxy(SERVICES.prometheus, "/api/v1/rules");
        if (res.status !== 200) return { ok: false, detail: `Prometheus /api/v1/rules: HTTP ${res.status}`, hint: "kubectl -n monitoring get pods" };
        const groups = parseJson<{ data: { groups: { name: string; rules: { name: string; health?: string; lastError?: string }[] }[] } }>(res, "rules").data
            .groups;
        const loaded = new Map(groups.map((g) => [g.name, g]));
        const want = expectedRuleGroups(ctx.config);
        const missing = want.filter((g) => !loaded.has(g));
        const broken = want.flatMap((g) =>
            (loaded.get(g)?.rules ?? []).filter((r) => r.health === "err").map((r) => `${g}/${r.name}: ${(r.lastError ?? "").slice(0, 60)}`),
        );
        if (missing.length > 0 || broken.length > 0) {
            return {
                ok: false,
                detail: [missing.length > 0 ? `not loaded: ${missing.join(", ")}` : "", broken.length > 0 ? `in error: ${broken.slice(0, 3).join("; ")}` : ""]
                    .filter(Boolean)
                    .join("; "),
                hint: "kubectl -n monitoring get prometheusrules; the operator logs why a rule file was rejected (kubectl -n monitoring logs deploy/kps-kube-prometheus-stack-operator)",
            };
        }
        return { ok: true, detail: `${want.length} platform rule group(s) loaded (${groups.length} in total)` };
    },
};

/** Receiver names and their integrations as the platform configures them (no secret is needed to know this). */
function expectedReceivers(config: Parameters<Check["enabled"]>[0]): Map<string, string[]> {
    const am = config.monitoring.alertmanager;
    const x = "x";
    const built = alertmanagerConfig({
        ...(am.slack ? { slack: { webhookUrl: x, channel: am.slack.channel } } : {}),
        ...(am.email ? { email: { to: am.email.to, from: am.email.from, smarthost: am.email.smarthost } } : {}),
        ...(am.webhook ? { webhook: { url: x } } : {}),
        ...(am.pagerduty ? { pagerduty: { routingKey: x } } : {}),
    }) as { receivers: Record<string, unknown>[] };
    return receiverMap(built.receivers);
}

function receiverMap(receivers: Record<string, unknown>[] | undefined): Map<string, string[]> {
    return new Map(
        (receivers ?? []).map((r) => [
            String(r.name),
            Object.keys(r)
                .filter((k) => k.endsWith("_configs"))
                .sort(),
        ]),
    );
}

export const alertmanagerCheck: Check = {
    name: "alertmanager.config",
    part: "monitoring.alertmanager",
    description:
        "Alertmanager has loaded the platform's configuration: every configured receiver is there with its integrations (Slack, e-mail, webhook, PagerDuty).",
    when: "monitoring.enabled",
    enabled: monitoringOn,
    async run(ctx) {
        const res = await ctx.kube.proxy(SERVICES.alertmanager, "/api/v2/status");
        if (res.status !== 200)
            return {
                ok: false,
                detail: `Alertmanager /api/v2/status: HTTP ${res.status}`,
                hint: "kubectl -n monitoring get pods -l app.kubernetes.io/name=alertmanager",
            };
        // The loaded config holds receiver credentials: only names and integration types leave this function.
        const status = parseJson<{ config?: { original?: string } }>(res, "status");
        let loaded: Map<string, string[]>;
        try {
            loaded = receiverMap((parse(status.config?.original ?? "") as { receivers?: Record<string, unknown>[] } | null)?.receivers);
        } catch {
            return {
                ok: false,
                detail: "Alertmanager's loaded configuration is not YAML",
                hint: "kubectl -n monitoring logs statefulset/alertmanager-kps-kube-prometheus-stack-alertmanager",
            };
        }
        const problems: string[] = [];
        for (const [name, integrations] of expectedReceivers(ctx.config)) {
            const got = loaded.get(name);
            if (!got) problems.push(`receiver '${name}' missing`);
            else {
                const lacking = integrations.filter((i) => !got.includes(i));
                if (lacking.length > 0) problems.push(`receiver '${name}' lacks ${lacking.join(", ")}`);
            }
        }
        if (problems.length > 0) {
            return {
                ok: false,
                detail: `${problems.join("; ")} (loaded: ${[...loaded.keys()].join(", ") || "none"})`,
                hint: "the operator did not load Secret monitoring/alertmanager-platform: kubectl -n monitoring logs deploy/kps-kube-prometheus-stack-operator",
            };
        }
        const channels = [...new Set([...loaded.values()].flat())].map((c) => c.replace(/_configs$/, ""));
        return {
            ok: true,
            detail: `receivers ${[...loaded.keys()].join(", ")} loaded${channels.length > 0 ? ` (${channels.join(", ")})` : " (no notification channel configured)"}`,
        };
    },
};

/** Datasource uids Grafana must have, beyond Prometheus and Alertmanager (which the chart provisions). */
function expectedDatasourceUids(ctx: VerifyContext): string[] {
    const on = parts(ctx.config);
    return grafanaDatasources({ loki: on.logs, clickhouse: on.clickhouse, deepflow: on.deepflow ? { imageRegistry: "" } : undefined }).map((d) =>
        String(d.uid),
    );
}

export const grafanaCheck: Check = {
    name: "grafana.datasources",
    part: "monitoring.grafana",
    description:
        "Grafana accepts the admin login from its Secret; every provisioned datasource (Prometheus, Alertmanager, Loki, ClickHouse, DeepFlow as configured) exists and its health API answers OK.",
    when: "monitoring.enabled and monitoring.grafana.enabled",
    enabled: (config) => parts(config).grafana,
    async run(ctx) {
        const user = await ctx.secrets.read(MONITORING_NAMESPACE, GRAFANA_ADMIN_SECRET, "admin-user", false);
        const password = await ctx.secrets.read(MONITORING_NAMESPACE, GRAFANA_ADMIN_SECRET, "admin-password");
        // The API server drops Authorization before proxying: log in for a session cookie instead.
        const login = await ctx.kube.proxy(SERVICES.grafana, "/login", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ user, password }),
        });
        const setCookie = ([] as string[]).concat(login.headers["set-cookie"] ?? []);
        const session = setCookie.map((c) => c.split(";")[0]).find((c) => c.startsWith("grafana_session="));
        if (login.status !== 200 || !session) {
            return {
                ok: false,
                detail: `admin login refused (HTTP ${login.status})`,
                hint: "the password in Secret monitoring/grafana-admin no longer matches Grafana's database: docs/runbooks/rotate-secrets.md",
            };
        }
        const cookie = { Cookie: ctx.secrets.sensitive(session) };
        const listRes = await ctx.kube.proxy(SERVICES.grafana, "/api/datasources", { headers: cookie });
        if (listRes.status !== 200)
            return { ok: false, detail: `/api/datasources: HTTP ${listRes.status}`, hint: "kubectl -n monitoring logs deploy/kps-grafana -c grafana" };
        const datasources = parseJson<{ uid: string; name: string; type: string }[]>(listRes, "datasources");
        const problems: string[] = [];
        for (const want of ["prometheus", "alertmanager"]) {
            if (!datasources.some((d) => d.type === want)) problems.push(`no ${want} datasource`);
        }
        for (const uid of expectedDatasourceUids(ctx)) {
            if (!datasources.some((d) => d.uid === uid)) problems.push(`datasource '${uid}' missing`);
        }
        const noHealthApi: string[] = [];
        for (const ds of datasources) {
            const res = await ctx.kube.proxy(SERVICES.grafana, `/api/datasources/uid/${encodeURIComponent(ds.uid)}/health`, { headers: cookie });
            let body: { status?: string; message?: string } = {};
            try {
                body = JSON.parse(res.body) as typeof body;
            } catch {
                /* reported below by status */
            }
            if (res.status === 200 && body.status === "OK") continue;
            // Frontend-only plugins (Alertmanager, DeepFlow's) have no backend health check.
            if (res.status === 501 || (res.status === 404 && /not (implemented|found)/i.test(body.message ?? ""))) {
                noHealthApi.push(ds.name);
                continue;
            }
            problems.push(`${ds.name}: ${body.message?.slice(0, 80) ?? `HTTP ${res.status}`}`);
        }
        if (problems.length > 0) {
            return {
                ok: false,
                detail: problems.slice(0, 5).join("; "),
                hint: "Grafana > Connections > Data sources > Test shows the same error; then check the backend (loki.ready, clickhouse.query, deepflow.server)",
            };
        }
        return {
            ok: true,
            detail: `${datasources.length} datasource(s) healthy${noHealthApi.length > 0 ? ` (${noHealthApi.join(", ")}: no health API)` : ""}`,
        };
    },
};
