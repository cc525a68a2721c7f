/**
 * The pipeline's scan gate: waits for Harbor's scan of a pushed digest (scan on push) and fails on
 * vulnerabilities at or above a severity that have a fixed version. Harbor API v2.0 (v2.15.1):
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
    /** Fail on fixable vulnerabilities of this severity or above. @default "critical" */
    readonly severity?: GateSeverity;
    /** Give up waiting for the scan after this long. @default 600000 */
    readonly timeoutMs?: number;
    /** Between polls. @default 10000 */
    readonly pollMs?: number;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
}

const rank = (severity: string) => SEVERITIES.findIndex((s) => s.toLowerCase() === severity.toLowerCase());

/** The vulnerabilities that block: at or above `severity`, with a fix available. */
export function blockingVulnerabilities(vulns: readonly Vulnerability[], severity: GateSeverity): Vulnerability[] {
    const min = rank(severity);
    return vulns.filter((v) => rank(v.severity) >= min && (v.fix_version ?? "").trim() !== "");
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
    const severity = o.severity ?? "critical";
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
            const counts = report?.summary?.summary ?? {};
            const atOrAbove = Object.entries(counts).filter(([s, n]) => rank(s) >= rank(severity) && n > 0);
            if (atOrAbove.length === 0) {
                return { pass: true, blocking: [], message: `${ref}: scanned, no ${severity} or worse vulnerabilities` };
            }
            const blocking = blockingVulnerabilities(await vulnerabilities(conn, o), severity);
            if (blocking.length === 0) {
                return { pass: true, blocking, message: `${ref}: ${atOrAbove.map(([s, n]) => `${n} ${s}`).join(", ")} without a fix yet: allowed` };
            }
            const list = blocking.map((v) => `${v.id} (${v.severity}) in ${v.package} ${v.version}, fixed in ${v.fix_version}`).join("; ");
            return { pass: false, blocking, message: `${ref}: ${blocking.length} ${severity} or worse vulnerabilities with a fix available: ${list}` };
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
