/**
 * What `verify` prints: progress lines, the final table, the JSON document and `--help`.
 */
import type { Check, CheckResult } from "./types";

const MARK = { pass: "ok  ", fail: "FAIL", skip: "skip" } as const;

export function progressLine(result: CheckResult): string {
    return `[${MARK[result.result]}] ${result.check}: ${result.detail}`;
}

/** A plain-text table that stays readable in CI logs (no colour, no box drawing). */
export function table(results: readonly CheckResult[]): string {
    const rows = results.map((r) => [r.check, r.result, r.detail, r.hint ?? ""]);
    const header = ["CHECK", "RESULT", "DETAIL", "HINT"];
    const width = (i: number) => Math.min(i === 2 ? 90 : 60, Math.max(header[i].length, ...rows.map((r) => r[i].length)));
    const widths = [0, 1, 2].map(width);
    const line = (cells: string[]) =>
        cells
            .map((c, i) => (i < 3 ? (c.length > widths[i] ? `${c.slice(0, widths[i] - 3)}...` : c.padEnd(widths[i])) : c))
            .join("  ")
            .trimEnd();
    const counts = (["pass", "fail", "skip"] as const).map(
        (k) => `${results.filter((r) => r.result === k).length} ${k === "pass" ? "passed" : k === "fail" ? "failed" : "skipped"}`,
    );
    return [line(header), ...rows.map(line), "", counts.join(", ")].join("\n");
}

export interface JsonReport {
    readonly stack: string;
    readonly server?: string;
    readonly ok: boolean;
    readonly exitCode: 0 | 1 | 2;
    readonly error?: string;
    readonly checks: readonly CheckResult[];
}

export function jsonReport(report: JsonReport): string {
    return JSON.stringify(report, null, 2);
}

export function helpText(checks: readonly Check[]): string {
    const lines = [
        "usage: npm run verify -- <stack> [--kubeconfig <file>] [--context <name>] [--json] [--only <check,...>]",
        "                          [--ca-file <pem>] [--harbor-image <project>/<repo>:<tag>] [--allow-down <job>]",
        "                          [--certificate-days <n>] [--stack-file <Pulumi.<stack>.yaml>]",
        "",
        "Checks a deployed stack against its stack file: which parts are on comes from Pulumi.<stack>.yaml.",
        "",
        "Kubeconfig: --kubeconfig <file>, else $KUBECONFIG, else `pulumi stack output kubeconfig --show-secrets -s <stack>`",
        "when the pulumi CLI is on PATH. In-cluster services are reached through the API server's service proxy.",
        "Credentials it needs are read from the cluster's Secrets and never printed (masked as ****).",
        "",
        "Options:",
        "  --json                 machine-readable result on stdout (progress still goes to stderr)",
        "  --only <a,b>           run only these checks (names below)",
        "  --ca-file <pem>        also trust this CA for the public URLs (Harbor); repeatable",
        "  --harbor-image <ref>   image fetched through a proxy cache; default by upstream (pause, busybox)",
        "  --allow-down <job>     a Prometheus scrape job allowed to be down; repeatable",
        "  --certificate-days <n> minimum remaining certificate validity (default 14)",
        "",
        "Exit codes: 0 every check passed, 1 a check failed, 2 cannot connect (or bad usage/config).",
        "",
        "Checks (each runs only when its part is on):",
    ];
    for (const c of checks) {
        lines.push(`  ${c.name}`, `      ${c.description}`, `      runs when: ${c.when}`);
    }
    return lines.join("\n");
}
