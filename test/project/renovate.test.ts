import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ImageEntry, imageRef, IMAGES, KUBECTL_IMAGES } from "../../charts/images";
import { CHARTS } from "../../charts/versions";
import { PROJECT_DIR } from "../harness";

interface CustomManager {
    fileMatch: string[];
    matchStrings: string[];
    depNameTemplate?: string;
    datasourceTemplate?: string;
}
const renovate = JSON.parse(readFileSync(join(PROJECT_DIR, "renovate.json"), "utf8")) as {
    customManagers: CustomManager[];
    extends: string[];
    minimumReleaseAge?: string;
    internalChecksFilter?: string;
};

/** What a Renovate regex manager would extract from one file (named groups of every match). */
function extract(manager: CustomManager, file: string): Record<string, string>[] {
    const text = readFileSync(join(PROJECT_DIR, file), "utf8");
    // Renovate uses RE2 with named groups; the patterns here are also valid JavaScript regexes.
    return manager.matchStrings.flatMap((pattern) => [...text.matchAll(new RegExp(pattern, "g"))].map((m) => ({ ...m.groups })));
}

describe("Renovate", () => {
    it("waits at least three days after a release before proposing it, and opens no PR before then", () => {
        // A compromised release is usually pulled within hours; PR previews never run Renovate branches (docs/adr/0012).
        const match = /^(\d+) days?$/.exec(renovate.minimumReleaseAge ?? "");
        expect(match).not.toBeNull();
        expect(Number(match![1])).toBeGreaterThanOrEqual(3);
        expect(renovate.internalChecksFilter).toBe("strict");
    });

    it("pins action digests", () => {
        expect(renovate.extends).toContain("helpers:pinGitHubActionDigests");
    });

    it("finds every pinned chart in charts/versions.ts with its version and repository", () => {
        const manager = renovate.customManagers.find((m) => m.fileMatch.some((f) => new RegExp(f).test("charts/versions.ts")))!;
        const found = extract(manager, "charts/versions.ts");
        expect(found).toEqual(Object.values(CHARTS).map((c) => ({ depName: c.chart, currentValue: c.version, registryUrl: c.repo })));
    });

    it("finds the k3s version of every stack", () => {
        const manager = renovate.customManagers.find((m) => m.depNameTemplate === "k3s-io/k3s")!;
        // Existing-mode stacks run no k3s of their own; the e2e workflow's k3d cluster does.
        const stacks = readdirSync(PROJECT_DIR).filter(
            (f) => /^Pulumi\.[^.]+\.yaml$/.test(f) && /^\s+mode: k3s$/m.test(readFileSync(join(PROJECT_DIR, f), "utf8")),
        );
        expect(stacks.length).toBeGreaterThanOrEqual(2);
        for (const file of [...stacks, ".github/workflows/e2e.yml"]) {
            expect(manager.fileMatch.some((f) => new RegExp(f).test(file))).toBe(true);
            const versions = extract(manager, file).map((g) => g.currentValue);
            expect(versions).toHaveLength(1);
            expect(versions[0]).toMatch(/^v1\.\d+\.\d+\+k3s\d+$/);
        }
    });

    it("finds every image the platform's own objects run (ClickHouse, Keeper, system-upgrade-controller, kubectl per minor, DeepFlow), with its pinned tag and digest, as a Docker image", () => {
        const file = "charts/images.ts";
        const manager = renovate.customManagers.find((m) => m.fileMatch.some((f) => new RegExp(f).test(file)))!;
        expect(manager.datasourceTemplate).toBe("docker");
        const entries: ImageEntry[] = [...Object.values(IMAGES), ...Object.values(KUBECTL_IMAGES)];
        expect(extract(manager, file)).toEqual(entries.map((i) => ({ depName: i.image, currentValue: i.tag, currentDigest: i.digest })));
        expect(Object.keys(IMAGES)).toEqual([
            "clickhouse",
            "clickhouseKeeper",
            "systemUpgradeController",
            "deepflowServer",
            "deepflowApp",
            "deepflowAgent",
            "deepflowGrafanaPlugins",
            "policyController",
            "policyControllerLeasesCleanup",
        ]);
    });

    it("moves each kubectl line by patch only, so it stays on its Kubernetes minor", () => {
        const rules = (
            renovate as unknown as {
                packageRules: { matchFileNames?: string[]; matchPackageNames?: string[]; matchUpdateTypes?: string[]; enabled?: boolean }[];
            }
        ).packageRules;
        // Every kubectl image of the table, by the name Renovate reads from the line (a move to another image must move the rule too).
        const kubectlImages = [...new Set(Object.values(KUBECTL_IMAGES).map((i) => i.image))];
        expect(rules).toContainEqual(
            expect.objectContaining({
                matchFileNames: ["charts/images.ts"],
                matchPackageNames: kubectlImages,
                matchUpdateTypes: ["major", "minor"],
                enabled: false,
            }),
        );
    });

    it("pins and updates image digests in charts/images.ts (docs/adr/0013), writing the line back in the form it reads", () => {
        const manager = renovate.customManagers.find((m) => m.fileMatch.some((f) => new RegExp(f).test("charts/images.ts")))! as CustomManager & {
            autoReplaceStringTemplate?: string;
        };
        const rules = (renovate as unknown as { packageRules: { matchManagers?: string[]; matchDatasources?: string[]; pinDigests?: boolean }[] }).packageRules;
        expect(rules).toContainEqual(expect.objectContaining({ matchManagers: ["custom.regex"], matchDatasources: ["docker"], pinDigests: true }));
        // What Renovate would write for a new tag and digest must be read back by the same pattern.
        const digest = `sha256:${"c".repeat(64)}`;
        const written = manager
            .autoReplaceStringTemplate!.replace(/\{\{\{depName\}\}\}/g, "clickhouse/clickhouse-server")
            .replace(/\{\{\{newValue\}\}\}/g, "24.8.14.40")
            .replace(/\{\{#if newDigest\}\}(.*?)\{\{\/if\}\}/g, "$1")
            .replace(/\{\{\{newDigest\}\}\}/g, digest);
        const [match] = [...written.matchAll(new RegExp(manager.matchStrings[0], "g"))];
        expect(match.groups).toMatchObject({ depName: "clickhouse/clickhouse-server", currentValue: "24.8.14.40", currentDigest: digest });
        expect(imageRef({ image: "clickhouse/clickhouse-server", tag: "24.8.14.40", digest })).toBe(`clickhouse/clickhouse-server:24.8.14.40@${digest}`);
        expect(imageRef({ image: "clickhouse/clickhouse-server", tag: "24.8.14.40" })).toBe("clickhouse/clickhouse-server:24.8.14.40");
    });
});
