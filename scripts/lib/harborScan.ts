/**
 * The pipeline's scan gate: waits for Harbor's scan of a pushed digest (scan on push) and fails on
 * what the project's Harbor would refuse to serve: a vulnerability at or above the project's
 * `preventVulnerable.severity`, whether a fix exists or not (goharbor/harbor@v2.15.1
 * src/server/middleware/vulnerable/vulnerable.go compares the scan's highest severity with the
 * project's, `>=`, and knows nothing of fixes). Harbor API v2.0 (v2.15.1):
 * `GET /projects/{p}/repositories/{r}/artifacts/{digest}?with_scan_overview=true` gives the scan
 * overview (`scan_status`, per-severity counts); the list with `fix_version` comes from
 * `.../artifacts/{digest}/additions/vulnerabilities`. Both are keyed by the report MIME type
 * asked for in `X-Accept-Vulnerabilities`.
 */
import { call, harborApiError, HarborConnection } from "../../components/registry/harborApi";

export const REPORT_MIME = "application/vnd.security.vulnerability.report; version=1.1";
const ACCEPT = { "X-Accept-Vulnerabilities": `${REPORT_MIME}, application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0` };

/** Harbor's severities, lowest first (src/pkg/scan/vuln/severity.go). */
export const SEVERITIES = ["None", "Unknown", "Negligible", "Low", "Medium", "High", "Critical"] as const;
export type GateSeverity = "low" | "medium" | "high" | "critical";

export interface Vulnerability {
    readonly id: string;
    readonly package: string;
    readonly version: string;
    readonly fix_version?: string;
    readonly severity: string;
}

export interface GateResult {
    readonly pass: boolean;
    readonly message: string;
    readonly blocking: Vulnerability[];
}

export interface GateOptions {
    readonly project: string;
    readonly repository: string;
    readonly digest: string;
    /** Fail on vulnerabilities of this severity or above (the project's `prevent_vul` severity); undefined: only wait for a successful scan. */
    readonly severity?: GateSeverity;
    /** Give up waiting for the scan after this long. @default 600000 */
    readonly timeoutMs?: number;
    /** Between polls. @default 10000 */
    readonly pollMs?: number;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
}

const rank = (severity: string) => SEVERITIES.findIndex((s) => s.toLowerCase() === severity.toLowerCase());

/** The vulnerabilities that block: at or above `severity`, as Harbor's prevent_vul counts them (a fix or not). */
export function blockingVulnerabilities(vulns: readonly Vulnerability[], severity: GateSeverity): Vulnerability[] {
    const min = rank(severity);
    return vulns.filter((v) => rank(v.severity) >= min);
}

/** Harbor wants a slash in a repository name encoded twice in the path. */
const repoPath = (repository: string) => encodeURIComponent(repository).replace(/%2F/g, "%252F");

interface Overview {
    scan_status?: string;
    summary?: { summary?: Record<string, number> };
}

async function overview(conn: HarborConnection, o: GateOptions): Promise<Overview | undefined> {
    const path = `/projects/${encodeURIComponent(o.project)}/repositories/${repoPath(o.repository)}/artifacts/${o.digest}?with_scan_overview=true`;
    const res = await call(conn, "GET", path, undefined, ACCEPT);
    if (res.status !== 200) {
        throw harborApiError(res.status, `GET artifact ${o.project}/${o.repository}@${o.digest}`, JSON.stringify(res.body ?? "").slice(0, 200));
    }
    const reports = (res.body as { scan_overview?: Record<string, Overview> }).scan_overview ?? {};
    return reports[REPORT_MIME] ?? Object.values(reports)[0];
}

async function vulnerabilities(conn: HarborConnection, o: GateOptions): Promise<Vulnerability[]> {
    const path = `/projects/${encodeURIComponent(o.project)}/repositories/${repoPath(o.repository)}/artifacts/${o.digest}/additions/vulnerabilities`;
    const res = await call(conn, "GET", path, undefined, ACCEPT);
    if (res.status !== 200) {
        throw harborApiError(res.status, `GET vulnerabilities of ${o.project}/${o.repository}@${o.digest}`, JSON.stringify(res.body ?? "").slice(0, 200));
    }
    const reports = (res.body ?? {}) as Record<string, { vulnerabilities?: Vulnerability[] }>;
    return (reports[REPORT_MIME] ?? Object.values(reports)[0])?.vulnerabilities ?? [];
}

/** Waits for the scan, then decides. Throws only when Harbor cannot be asked at all. */
export async function scanGate(conn: HarborConnection, o: GateOptions): Promise<GateResult> {
    const severity = o.severity;
    const timeoutMs = o.timeoutMs ?? 600_000;
    const pollMs = o.pollMs ?? 10_000;
    const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = o.now ?? Date.now;
    const ref = `${o.project}/${o.repository}@${o.digest}`;
    const deadline = now() + timeoutMs;
    for (;;) {
        const report = await overview(conn, o);
        const status = report?.scan_status;
        if (status === "Success") {
            const counts = Object.entries(report?.summary?.summary ?? {}).filter(([, n]) => n > 0);
            const found = counts.map(([s, n]) => `${n} ${s}`).join(", ") || "no vulnerabilities";
            if (severity === undefined) {
                return { pass: true, blocking: [], message: `${ref}: scanned (${found}); no stack blocks vulnerable images of project ${o.project}` };
            }
            if (!counts.some(([s]) => rank(s) >= rank(severity))) {
                return { pass: true, blocking: [], message: `${ref}: scanned (${found}), none ${severity} or worse` };
            }
            const blocking = blockingVulnerabilities(await vulnerabilities(conn, o), severity);
            const list = blocking
                .map(
                    (v) =>
                        `${v.id} (${v.severity}) in ${v.package} ${v.version}${(v.fix_version ?? "").trim() ? `, fixed in ${v.fix_version}` : ", no fix yet"}`,
                )
                .join("; ");
            return {
                pass: false,
                blocking,
                message: `${ref}: ${blocking.length || counts.filter(([s]) => rank(s) >= rank(severity)).reduce((n, [, c]) => n + c, 0)} ${severity} or worse vulnerabilities, which Harbor refuses to serve from project ${o.project} (preventVulnerable.severity ${severity}): ${list || found}`,
            };
        }
        if (status === "Error" || status === "Stopped") {
            return { pass: false, blocking: [], message: `${ref}: Harbor's scan ended with status ${status}; rescan it in Harbor and re-run the job` };
        }
        const last = status ? `scan ${status}` : "no scan yet";
        if (now() + pollMs > deadline) {
            return {
                pass: false,
                blocking: [],
                message: `${ref}: timed out after ${Math.round(timeoutMs / 1000)}s waiting for Harbor's scan (${last}); is scanOnPush on for platform:harbor.projects[${o.project}] and Trivy running?`,
            };
        }
        await sleep(pollMs);
    }
}
