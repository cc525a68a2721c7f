/** What the alert-rule tests share: the rule and promtool test-file shapes, and running promtool. */
import { spawnSync } from "node:child_process";

export interface Rule {
    alert: string;
    expr: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

export interface RuleTests {
    rule_files: string[];
    tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
}

/** Runs promtool in `dir`; a missing binary says which package provides it. */
export function promtool(dir: string, ...args: string[]) {
    const result = spawnSync("promtool", args, { cwd: dir, encoding: "utf8" });
    if (result.error) {
        throw new Error("promtool is not installed: install it first: sudo apt-get install prometheus (Debian/Ubuntu; .ci/run does this in CI)");
    }
    return result;
}
