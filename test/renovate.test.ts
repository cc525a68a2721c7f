import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { IMAGES } from "../charts/images";
import { CHARTS } from "../charts/versions";
import { PROJECT_DIR } from "./harness";

interface CustomManager {
    fileMatch: string[];
    matchStrings: string[];
    depNameTemplate?: string;
    datasourceTemplate?: string;
}
const renovate = JSON.parse(readFileSync(join(PROJECT_DIR, "renovate.json"), "utf8")) as { customManagers: CustomManager[]; extends: string[] };

/** What a Renovate regex manager would extract from one file (named groups of every match). */
function extract(manager: CustomManager, file: string): Record<string, string>[] {
    const text = readFileSync(join(PROJECT_DIR, file), "utf8");
    // Renovate uses RE2 with named groups; the patterns here are also valid JavaScript regexes.
    return manager.matchStrings.flatMap((pattern) => [...text.matchAll(new RegExp(pattern, "g"))].map((m) => ({ ...m.groups })));
}

describe("Renovate", () => {
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
        const stacks = readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f) && /^\s+mode: k3s$/m.test(readFileSync(join(PROJECT_DIR, f), "utf8")));
        expect(stacks.length).toBeGreaterThanOrEqual(2);
        for (const file of [...stacks, ".github/workflows/e2e.yml"]) {
            expect(manager.fileMatch.some((f) => new RegExp(f).test(file))).toBe(true);
            const versions = extract(manager, file).map((g) => g.currentValue);
            expect(versions).toHaveLength(1);
            expect(versions[0]).toMatch(/^v1\.\d+\.\d+\+k3s\d+$/);
        }
    });

    it("finds every image the platform's own objects run (ClickHouse, Keeper, system-upgrade-controller, kubectl), with its pinned tag, as a Docker image", () => {
        const file = "charts/images.ts";
        const manager = renovate.customManagers.find((m) => m.fileMatch.some((f) => new RegExp(f).test(file)))!;
        expect(manager.datasourceTemplate).toBe("docker");
        expect(extract(manager, file)).toEqual(Object.values(IMAGES).map((i) => ({ depName: i.image, currentValue: i.tag })));
        expect(Object.keys(IMAGES)).toEqual(["clickhouse", "clickhouseKeeper", "systemUpgradeController", "kubectl"]);
    });
});
