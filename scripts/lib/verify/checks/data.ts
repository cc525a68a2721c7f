/**
 * Logs and data checks through the API server's service proxy: Loki, ClickHouse, DeepFlow.
 */
import { CLICKHOUSE_NAMESPACE, CLICKHOUSE_USERS, CLICKHOUSE_USERS_SECRET } from "../../../../components/monitoring/clickhouseValues";
import { parseJson } from "../http";
import { parts, SERVICES } from "../platform";
import type { Check } from "../types";

/** How recent the newest log line must be. */
const LOG_WINDOW_MINUTES = 5;

export const lokiCheck: Check = {
    name: "logs.loki",
    part: "monitoring.logs",
    description: `Loki answers /ready and has received log lines in the last ${LOG_WINDOW_MINUTES} minutes (query_range over every stream Alloy ships).`,
    when: "monitoring.enabled and monitoring.logs.enabled",
    enabled: (config) => parts(config).logs,
    async run(ctx) {
        const ready = await ctx.kube.proxy(SERVICES.loki, "/ready");
        if (ready.status !== 200) {
            return {
                ok: false,
                detail: `Loki /ready: HTTP ${ready.status} ${ready.body.trim().slice(0, 80)}`,
                hint: "kubectl -n logging get pods; kubectl -n logging logs statefulset/loki",
            };
        }
        const end = ctx.now().getTime();
        const q = new URLSearchParams({
            // Alloy labels every line with the cluster (external_labels): this matches all streams.
            query: '{cluster=~".+"}',
            start: String((end - LOG_WINDOW_MINUTES * 60_000) * 1e6),
            end: String(end * 1e6),
            limit: "1",
            direction: "backward",
        });
        const res = await ctx.kube.proxy(SERVICES.loki, `/loki/api/v1/query_range?${q.toString()}`);
        if (res.status !== 200) return { ok: false, detail: `Loki query_range: HTTP ${res.status}`, hint: "kubectl -n logging logs statefulset/loki" };
        const streams = parseJson<{ data: { result: { values?: unknown[] }[] } }>(res, "query_range").data.result;
        if (!streams.some((s) => (s.values ?? []).length > 0)) {
            return {
                ok: false,
                detail: `ready, but no log line in the last ${LOG_WINDOW_MINUTES} minutes`,
                hint: "Alloy ships the lines: kubectl -n logging get pods -l app.kubernetes.io/name=alloy; kubectl -n logging logs daemonset/alloy",
            };
        }
        return { ok: true, detail: `ready; lines received in the last ${LOG_WINDOW_MINUTES} minutes` };
    },
};

export const clickhouseCheck: Check = {
    name: "clickhouse.query",
    part: "monitoring.clickhouse",
    description: "ClickHouse answers SELECT 1 over HTTP as the grafana user (password from Secret clickhouse/clickhouse-users).",
    when: "monitoring.enabled and monitoring.clickhouse.enabled",
    enabled: (config) => parts(config).clickhouse,
    async run(ctx) {
        const user = CLICKHOUSE_USERS.grafana;
        const password = await ctx.secrets.read(CLICKHOUSE_NAMESPACE, CLICKHOUSE_USERS_SECRET, user);
        // ClickHouse's own auth headers: the API server would drop an Authorization header.
        const res = await ctx.kube.proxy(SERVICES.clickhouse, `/?query=${encodeURIComponent("SELECT 1")}`, {
            headers: { "X-ClickHouse-User": user, "X-ClickHouse-Key": password },
        });
        if (res.status === 200 && res.body.trim() === "1") return { ok: true, detail: `SELECT 1 = 1 as ${user}` };
        const denied = /AUTHENTICATION_FAILED|Authentication failed|REQUIRED_PASSWORD/i.test(res.body);
        return {
            ok: false,
            detail: `SELECT 1 as ${user}: HTTP ${res.status} ${res.body.trim().slice(0, 100)}`,
            hint: denied
                ? "the grafana user's password differs from Secret clickhouse/clickhouse-users: kubectl -n clickhouse get chi -o yaml (users), docs/runbooks/rotate-secrets.md"
                : "kubectl -n clickhouse get chi,pods; kubectl -n clickhouse logs -l clickhouse.altinity.com/chi",
        };
    },
};

export const deepflowCheck: Check = {
    name: "deepflow.server",
    part: "monitoring.deepflow",
    description: "The DeepFlow server answers its health endpoint (GET /v1/health/, the chart's liveness probe).",
    when: "monitoring.enabled, monitoring.clickhouse.enabled and monitoring.deepflow.enabled",
    enabled: (config) => parts(config).deepflow,
    async run(ctx) {
        const res = await ctx.kube.proxy(SERVICES.deepflow, "/v1/health/");
        if (res.status === 200) return { ok: true, detail: "server healthy" };
        return {
            ok: false,
            detail: `DeepFlow server /v1/health/: HTTP ${res.status} ${res.body.trim().slice(0, 80)}`,
            hint: "kubectl -n deepflow logs deploy/deepflow-server (ClickHouse and MySQL reachability first)",
        };
    },
};
