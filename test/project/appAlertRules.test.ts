import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { renderRuleTemplate } from "../../components/apps/appObservability";
import { PROJECT_DIR } from "../harness";
import { promtool, Rule, RuleTests } from "../promtool";

const TESTS = join(PROJECT_DIR, "charts", "rules", "apps", "tests", "app-alerts.test.yaml");

/** The template rendered the way the promtool tests expect: app hello in apps, 500 ms. */
const rendered = renderRuleTemplate({ name: "hello", namespace: "apps", latencyMs: 500 });
const rules = (parse(rendered) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

describe("per-app alert rules (charts/rules/apps/app-alerts.yaml)", () => {
    let dir: string;
    beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), "app-rules-"));
        writeFileSync(join(dir, "app-alerts.rendered.yaml"), rendered);
        copyFileSync(TESTS, join(dir, "app-alerts.test.yaml"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("leave no placeholder behind once rendered, and pass promtool's syntax check", () => {
        expect(rendered).not.toMatch(/APP_(NAME|NAMESPACE|LATENCY_MS)/);
        const result = promtool(dir, "check", "rules", "app-alerts.rendered.yaml");
        expect(result.stdout + result.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
        expect(result.status).toBe(0);
    });

    it("behave as their promtool unit tests expect (firing and quiet cases)", () => {
        const result = promtool(dir, "test", "rules", "app-alerts.test.yaml");
        expect(result.stdout + result.stderr).toContain("SUCCESS");
        expect(result.status).toBe(0);
    });

    it("cover unavailable replicas, the 5xx ratio and latency at the ingress, restarts, and the HPA at its maximum", () => {
        expect(rules.map((r) => r.alert)).toEqual(["AppReplicasUnavailable", "AppErrorRateHigh", "AppLatencyHigh", "AppPodsRestarting", "AppAutoscalerAtMax"]);
    });

    it("label every alert with a routable severity, the app and its namespace (Alertmanager groups by it), and select only this app's series", () => {
        for (const rule of rules) {
            expect({
                alert: rule.alert,
                severity: ["critical", "warning", "info"].includes(rule.labels.severity),
                app: rule.labels.app,
                namespace: rule.labels.namespace,
            }).toEqual({
                alert: rule.alert,
                severity: true,
                app: "hello",
                namespace: "apps",
            });
            expect(Object.keys(rule.annotations).sort()).toEqual(["description", "summary"]);
            expect(rule.expr).toMatch(/namespace="apps"/);
        }
    });

    it("have a firing and a quiet promtool case for every alert", () => {
        const cases = (parse(readFileSync(TESTS, "utf8")) as RuleTests).tests.flatMap((t) => t.alert_rule_test);
        for (const rule of rules) {
            expect({ alert: rule.alert, firing: cases.some((c) => c.alertname === rule.alert && c.exp_alerts.length > 0) }).toEqual({
                alert: rule.alert,
                firing: true,
            });
            expect({ alert: rule.alert, quiet: cases.some((c) => c.alertname === rule.alert && c.exp_alerts.length === 0) }).toEqual({
                alert: rule.alert,
                quiet: true,
            });
        }
    });
});
