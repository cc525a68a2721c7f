/** What the alert-rule tests share: the rule and promtool test-file shapes, and running promtool. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

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

/** Where scripts/test-tools.sh puts promtool when none is on PATH (`npm test` runs it first). */
const LOCAL_PROMTOOL = join(__dirname, "..", ".cache", "tools", "promtool");

/** Runs promtool in `dir` (the one on PATH, else scripts/test-tools.sh's); a missing binary says how to get it. */
export function promtool(dir: string, ...args: string[]) {
    const onPath = spawnSync("sh", ["-c", "command -v promtool"]).status === 0;
    const binary = !onPath && existsSync(LOCAL_PROMTOOL) ? LOCAL_PROMTOOL : "promtool";
    const result = spawnSync(binary, args, { cwd: dir, encoding: "utf8" });
    if (result.error) {
        throw new Error(
            "promtool is not installed: run `sh scripts/test-tools.sh` (`npm test` runs it first; Debian/Ubuntu: it takes promtool from the prometheus package)",
        );
    }
    return result;
}
