/**
 * Contract: Harbor 2.15.1 (the app version of harbor-helm 1.19.1, charts/versions.ts) stores project
 * policies as string metadata under these keys, and counts a cosign v3 signature as a cosign
 * signature for content trust. Upstream, goharbor/harbor at tag v2.15.1
 * (335c05f2b9507b4c7116fe69b84e31ef9f4b91dd):
 * - api/v2.0/swagger.yaml, definitions.ProjectMetadata: `public`, `enable_content_trust`,
 *   `enable_content_trust_cosign` ("user can't pull images without cosign signature"),
 *   `prevent_vul`, `severity` (valid values "none", "low", "medium", "high", "critical"),
 *   `auto_scan` ("scan images automatically when pushing"), `auto_sbom_generation`,
 *   `reuse_sys_cve_allowlist`, `retention_id`, `proxy_speed_kb`, `max_upstream_conn`,
 *   `proxy_cache_local_on_not_found`; every value is the string "true"/"false" or a severity.
 * - api/v2.0/swagger.yaml: GET /projects/{p}/repositories/{r}/artifacts/{ref} takes
 *   `with_scan_overview` and header X-Accept-Vulnerabilities (default
 *   "application/vnd.security.vulnerability.report; version=1.1, ..."); NativeReportSummary has
 *   `scan_status` and `summary.summary` (counts by severity); .../additions/vulnerabilities gives
 *   the report with `vulnerabilities[].fix_version` (src/pkg/scan/vuln/report.go). Scan statuses
 *   come from src/jobservice/job/status.go (Pending, Running, Stopped, Error, Success, Scheduled),
 *   severities from src/pkg/scan/vuln/severity.go (None .. Critical).
 * - src/server/middleware/subject/subject.go:45: the Sigstore bundle media type
 *   "application/vnd.dev.sigstore.bundle.v0.3+json" (cosign v3's default signature format,
 *   goharbor/harbor#22628, first released in v2.15.0) is classified as a cosign signature, so the
 *   app workflow's default `cosign sign` (cosign-installer v4.1.2 installs cosign v3.0.6) satisfies
 *   `enable_content_trust_cosign`. Below v2.15.0 it would need `--new-bundle-format=false`.
 * - src/common/rbac/const.go: "artifact-addition" + "read" is a project-scope robot permission.
 * - src/server/middleware/vulnerable/vulnerable.go: with `prevent_vul` on, a manifest GET is refused
 *   when the scan's highest severity is `>=` the project's (Severity.Code(), src/pkg/scan/vuln/severity.go:
 *   None and Unknown 0, Negligible 1, Low 2, Medium 3, High 4, Critical 5), fixed or not, and when a
 *   scannable artifact has no report yet ("current image without vulnerability scanning cannot be pulled").
 * - src/controller/scan/base_controller.go (GetReport, collectScanningArtifacts): for an image index
 *   (what Buildx pushes when it adds SBOM and provenance attestations) the report is the merge of
 *   its scannable children's reports, so the scan gate can ask for the pushed index digest.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { join } from "node:path";
import { projectMetadata } from "../../components/registry/harborApi";
import { robotPermissions } from "../../components/registry/harborRobots";
import { CHARTS } from "../../charts/versions";
import { blockingVulnerabilities, REPORT_MIME, SEVERITIES } from "../../scripts/lib/harborScan";
import { projectSeverity } from "../../scripts/lib/scanPolicy";
import { evaluateStack, PROJECT_DIR } from "../harness";
import { stackNames } from "../shared";

/** Harbor v2.15.1 severity codes (src/pkg/scan/vuln/severity.go Code()). */
const SEVERITY_CODE: Record<string, number> = { None: 0, Unknown: 0, Negligible: 1, Low: 2, Medium: 3, High: 4, Critical: 5 };

const PROJECT_METADATA_KEYS = [
    "public",
    "enable_content_trust",
    "enable_content_trust_cosign",
    "prevent_vul",
    "severity",
    "auto_scan",
    "auto_sbom_generation",
    "reuse_sys_cve_allowlist",
    "retention_id",
    "proxy_speed_kb",
    "max_upstream_conn",
    "proxy_cache_local_on_not_found",
];
const SEVERITY_VALUES = ["none", "low", "medium", "high", "critical"];

describe("Harbor 2.15.1 project metadata and scan API", () => {
    it("is the Harbor the chart pins", () => {
        expect(CHARTS.harbor.version).toBe("1.19.1");
    });

    it("takes the project policies under its own keys, as strings", () => {
        const metadata = projectMetadata({ name: "apps", public: false, scanOnPush: true, requireSignature: true, preventVulnerableSeverity: "high" });
        expect(metadata).toEqual({ public: "false", auto_scan: "true", enable_content_trust_cosign: "true", prevent_vul: "true", severity: "high" });
        expect(Object.keys(metadata).every((k) => PROJECT_METADATA_KEYS.includes(k))).toBe(true);
        for (const severity of ["none", "low", "medium", "high", "critical"] as const) {
            expect(SEVERITY_VALUES).toContain(projectMetadata({ name: "x", public: false, preventVulnerableSeverity: severity }).severity);
        }
    });

    it("reports scans under the MIME type and severities the scan gate reads", () => {
        expect(REPORT_MIME).toBe("application/vnd.security.vulnerability.report; version=1.1");
        expect([...SEVERITIES]).toEqual(["None", "Unknown", "Negligible", "Low", "Medium", "High", "Critical"]);
    });

    it("lets the CI robot read the vulnerability report", () => {
        const access = (robotPermissions("apps")[0] as { access: { resource: string; action: string }[] }).access;
        expect(access).toContainEqual({ resource: "artifact-addition", action: "read" });
    });

    it("recognises cosign v3 signatures, which the app workflow makes with cosign's defaults", () => {
        const app = readFileSync(join(PROJECT_DIR, ".github", "workflows", "app.yml"), "utf8");
        expect(app).toContain("sigstore/cosign-installer@6f9f17788090df1f26f669e9d70d6ae9567deba6 # v4.1.2");
        expect(app).toMatch(/cosign sign --yes --recursive "\$REF"/);
        expect(app).not.toContain("--new-bundle-format=false");
    });

    it("the scan gate blocks exactly what prevent_vul refuses: every severity at or above the project's, fixed or not", () => {
        for (const project of ["low", "medium", "high", "critical"] as const) {
            for (const found of Object.keys(SEVERITY_CODE)) {
                const harborRefuses = SEVERITY_CODE[found] >= SEVERITY_CODE[project[0].toUpperCase() + project.slice(1)];
                const vuln = { id: "CVE-1", package: "p", version: "1", severity: found };
                expect([project, found, blockingVulnerabilities([vuln], project).length > 0]).toEqual([project, found, harborRefuses]);
                expect([project, found, blockingVulnerabilities([{ ...vuln, fix_version: "2" }], project).length > 0]).toEqual([project, found, harborRefuses]);
            }
        }
    });

    it.each(stackNames())("%s: the gate reads the severity the stack gives its Harbor project (one setting, read by both)", async (stack) => {
        const text = readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
        const projects = (await evaluateStack(stack)).resources
            .filter((r) => r.type === "pulumi-nodejs:dynamic/platform:HarborObject")
            .map((r) => r.inputs as { kind?: string; spec?: { name?: string; preventVulnerableSeverity?: string; registryId?: number } })
            .filter((i) => i.kind === "project" && i.spec?.registryId === undefined && typeof i.spec?.name === "string");
        const configured = (parse(text) as { config: { "platform:harbor"?: { projects?: unknown[] } } }).config["platform:harbor"]?.projects ?? [];
        expect(projects).toHaveLength(configured.length);
        for (const p of projects) {
            const sent = projectMetadata({ name: p.spec!.name!, public: false, preventVulnerableSeverity: p.spec!.preventVulnerableSeverity as "none" });
            const gate = projectSeverity(text, p.spec!.name!);
            expect([p.spec!.name, sent.prevent_vul === "true" ? sent.severity : undefined]).toEqual([p.spec!.name, gate]);
        }
    });
});
