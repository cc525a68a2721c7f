import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../harness";
import { promtool as runPromtool, Rule, RuleTests } from "../promtool";

const RULES_DIR = join(PROJECT_DIR, "charts", "rules");
const TESTS_DIR = join(RULES_DIR, "tests");

/** The severities Alertmanager routes (components/monitoring/alertmanagerConfig.ts): page, team channel, dropped. */
const SEVERITIES = ["critical", "warning", "info"];

interface RuleFileSpec {
    /** What the file covers (read as "cover <covers>"). */
    readonly covers: string;
    /** Every alert the file defines: adding or removing one is a deliberate change here too. */
    readonly alerts: readonly string[];
    /**
     * Whether every alert also has an eval that expects no alert at all. platform-alerts predates that
     * rule: its quiet cases are healthy series beside the failing ones (promtool's exp_alerts is exact).
     */
    readonly explicitQuietCases: boolean;
}

const RULE_FILES: Record<string, RuleFileSpec> = {
    "platform-alerts.yaml": {
        covers: "node, k3s API, etcd, etcd backups, certificates, ingress and Harbor",
        alerts: [
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
        ],
        explicitQuietCases: false,
    },
    "logs-alerts.yaml": {
        covers: "Loki availability, push errors and discarded lines, and Alloy availability, drops and write errors",
        alerts: ["LokiDown", "LokiPushErrorRateHigh", "LokiDiscardingSamples", "AlloyDown", "AlloyLogsDropped", "AlloyLokiWriteErrors"],
        explicitQuietCases: true,
    },
    "clickhouse-alerts.yaml": {
        covers: "unreachable servers, read-only replicas, replication lag, too many parts, delayed and rejected inserts",
        alerts: [
            "ClickHouseServerUnreachable",
            "ClickHouseReplicaReadOnly",
            "ClickHouseReplicationDelayHigh",
            "ClickHouseTooManyParts",
            "ClickHouseInsertsDelayed",
            "ClickHouseInsertsRejected",
        ],
        explicitQuietCases: true,
    },
    "k3s-alerts.yaml": {
        covers: "no active scheduler or controller-manager, and a node's k3s process without kube-proxy",
        alerts: ["KubeSchedulerDown", "KubeControllerManagerDown", "KubeProxyDown"],
        explicitQuietCases: true,
    },
    "deepflow-alerts.yaml": {
        covers: "the DeepFlow server, app API and agents",
        alerts: ["DeepFlowServerDown", "DeepFlowAppDown", "DeepFlowAgentsUnavailable"],
        explicitQuietCases: true,
    },
};

const ruleFiles = readdirSync(RULES_DIR)
    .filter((f) => f.endsWith("-alerts.yaml"))
    .sort();

function rulesOf(file: string): Rule[] {
    return (parse(readFileSync(join(RULES_DIR, file), "utf8")) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
}

/**
 * The promtool test files of a rule file: `<name>.test.yaml`, and `<name>.<part>.test.yaml` for cases
 * that need another evaluation interval (promtool has one per file; platform-alerts.days covers days).
 */
function testFilesOf(file: string): string[] {
    const base = file.replace(/\.yaml$/, "");
    return readdirSync(TESTS_DIR)
        .filter((f) => f === `${base}.test.yaml` || (f.startsWith(`${base}.`) && f.endsWith(".test.yaml")))
        .sort()
        .map((f) => join(TESTS_DIR, f));
}

const promtool = (...args: string[]) => runPromtool(TESTS_DIR, ...args);

describe("alert rule files", () => {
    it("are exactly the files with an expected alert list here", () => {
        expect(ruleFiles).toEqual(Object.keys(RULE_FILES).sort());
    });

    it("each have a promtool test file, and every test file belongs to one of them", () => {
        const owned = ruleFiles.flatMap((f) => testFilesOf(f).map((t) => t.slice(TESTS_DIR.length + 1)));
        expect(ruleFiles.filter((f) => testFilesOf(f).length === 0)).toEqual([]);
        expect(readdirSync(TESTS_DIR).filter((f) => f.endsWith(".yaml") && !owned.includes(f))).toEqual([]);
    });

    it("never reuse an alert name across files (Alertmanager inhibits by alertname)", () => {
        const names = ruleFiles.flatMap((f) => rulesOf(f).map((r) => r.alert));
        expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    });
});

describe.each(ruleFiles)("alert rules in %s", (file) => {
    const spec = RULE_FILES[file];
    const rules = rulesOf(file);
    const testsFiles = testFilesOf(file);
    const unitTests = () => testsFiles.map((f) => parse(readFileSync(f, "utf8")) as RuleTests);

    it("pass promtool's syntax check", () => {
        const result = promtool("check", "rules", join(RULES_DIR, file));
        expect(result.stdout + result.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
        expect(result.status).toBe(0);
    });

    it("behave as their promtool unit tests expect (firing and quiet cases)", () => {
        expect(unitTests().map((t) => t.rule_files)).toEqual(testsFiles.map(() => [`../${file}`]));
        // One promtool run for all of the file's test files: it reports each file on its own.
        const result = promtool("test", "rules", ...testsFiles);
        expect(result.stdout + result.stderr).not.toContain("FAILED");
        expect((result.stdout + result.stderr).match(/SUCCESS/g)).toHaveLength(testsFiles.length);
        expect(result.status).toBe(0);
    });

    it(`cover ${spec?.covers ?? "(no expected list)"}`, () => {
        expect(rules.map((r) => r.alert).sort()).toEqual([...(spec?.alerts ?? [])].sort());
    });

    it("give every alert a routable severity and a summary and description", () => {
        for (const rule of rules) {
            expect({ alert: rule.alert, severity: SEVERITIES.includes(rule.labels.severity) }).toEqual({ alert: rule.alert, severity: true });
            expect({ alert: rule.alert, annotations: Object.keys(rule.annotations).sort() }).toEqual({
                alert: rule.alert,
                annotations: ["description", "summary"],
            });
            expect(rule.annotations.summary?.length).toBeGreaterThan(5);
            expect(rule.annotations.description?.length).toBeGreaterThan(5);
        }
    });

    it("have a promtool test for every alert that expects it to fire", () => {
        const cases = unitTests().flatMap((u) => u.tests.flatMap((t) => t.alert_rule_test));
        const firing = new Set(cases.filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname));
        expect(rules.map((r) => r.alert).filter((a) => !firing.has(a))).toEqual([]);
        if (spec?.explicitQuietCases) {
            const quiet = new Set(cases.filter((c) => c.exp_alerts.length === 0).map((c) => c.alertname));
            expect(rules.map((r) => r.alert).filter((a) => !quiet.has(a))).toEqual([]);
        }
    });
});
