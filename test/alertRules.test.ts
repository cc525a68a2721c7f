import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "./harness";

const RULES = join(PROJECT_DIR, "charts", "rules", "platform-alerts.yaml");
const TESTS = join(PROJECT_DIR, "charts", "rules", "tests", "platform-alerts.test.yaml");

interface Rule {
    alert: string;
    expr: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}
const rules = (parse(readFileSync(RULES, "utf8")) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

function promtool(...args: string[]) {
    const result = spawnSync("promtool", args, { cwd: join(PROJECT_DIR, "charts", "rules", "tests"), encoding: "utf8" });
    if (result.error) {
        throw new Error("promtool is not installed: install Debian's 'prometheus' package (the jest setup tries apt-get)");
    }
    return result;
}

describe("platform alert rules", () => {
    it("pass promtool's syntax check", () => {
        const result = promtool("check", "rules", RULES);
        expect(result.stdout + result.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
        expect(result.status).toBe(0);
    });

    it("behave as their promtool unit tests expect (firing and quiet cases)", () => {
        const result = promtool("test", "rules", TESTS);
        expect(result.stdout + result.stderr).toContain("SUCCESS");
        expect(result.status).toBe(0);
    });

    it("cover node, k3s API, etcd, etcd backups, certificates, ingress and Harbor", () => {
        expect(rules.map((r) => r.alert).sort()).toEqual(
            [
                "NodeDown",
                "NodeFilesystemFillingUp",
                "NodeFilesystemAlmostFull",
                "KubeAPIDown",
                "KubeAPIErrorRateHigh",
                "EtcdNoLeader",
                "EtcdMemberDown",
                "EtcdSnapshotStale",
                "EtcdSnapshotFailing",
                "CertificateExpiringSoon",
                "CertificateNotReady",
                "IngressErrorRateHigh",
                "IngressConfigReloadFailing",
                "HarborComponentDown",
            ].sort(),
        );
    });

    it("give every alert a routable severity and a summary and description", () => {
        for (const rule of rules) {
            expect({ alert: rule.alert, severity: ["critical", "warning"].includes(rule.labels.severity) }).toEqual({ alert: rule.alert, severity: true });
            expect(rule.annotations.summary?.length).toBeGreaterThan(5);
            expect(rule.annotations.description?.length).toBeGreaterThan(5);
        }
    });

    it("have a promtool test for every alert", () => {
        const tested = new Set(
            (parse(readFileSync(TESTS, "utf8")) as { tests: { alert_rule_test: { alertname: string }[] }[] }).tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)),
        );
        expect(rules.map((r) => r.alert).filter((a) => !tested.has(a))).toEqual([]);
    });
});
