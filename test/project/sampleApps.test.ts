/** The sample apps' build inputs: pinned base images, a non-root runtime, exact dependencies. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../harness";

const APPS_DIR = join(PROJECT_DIR, "apps");
const apps = readdirSync(APPS_DIR).filter((d) => existsSync(join(APPS_DIR, d, "Dockerfile")));
const renovate = JSON.parse(readFileSync(join(PROJECT_DIR, "renovate.json"), "utf8")) as {
    extends: string[];
    packageRules: { matchManagers?: string[]; matchFileNames?: string[]; pinDigests?: boolean; enabled?: boolean }[];
};

/** `FROM` lines of a Dockerfile: image reference and stage name. */
function stages(dockerfile: string): { image: string; stage?: string }[] {
    return [...dockerfile.matchAll(/^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/gim)].map((m) => ({ image: m[1], stage: m[2] }));
}

describe("sample apps", () => {
    it("include hello", () => {
        expect(apps).toContain("hello");
    });

    describe.each(apps)("apps/%s", (app) => {
        const dir = join(APPS_DIR, app);
        const dockerfile = readFileSync(join(dir, "Dockerfile"), "utf8");

        it("builds in more than one stage from base images pinned by tag and sha256 digest (never an all-zero placeholder)", () => {
            const from = stages(dockerfile);
            expect(from.length).toBeGreaterThanOrEqual(2);
            for (const { image } of from) {
                expect(image).toMatch(/^[a-z0-9./-]+:[\w.-]+@sha256:[a-f0-9]{64}$/);
                expect(image).not.toMatch(/@sha256:0{64}$/);
            }
        });

        it("runs as a numeric non-root user (the kubelet can verify runAsNonRoot) and writes nothing to its filesystem", () => {
            const user = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]).pop();
            expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
            expect(dockerfile).not.toMatch(/^VOLUME/m);
        });

        it("pins every dependency exactly, with a lockfile for `npm ci` in the build", () => {
            const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
            const versions = { ...pkg.dependencies, ...pkg.devDependencies };
            expect(Object.entries(versions).filter(([, v]) => !/^\d+\.\d+\.\d+$/.test(v))).toEqual([]);
            expect(existsSync(join(dir, "package-lock.json"))).toBe(true);
            expect(dockerfile).toContain("npm ci");
        });
    });

    it("have their base image digests kept current by Renovate's dockerfile manager", () => {
        expect(renovate.extends).toContain("config:recommended");
        const rule = renovate.packageRules.find((r) => r.matchManagers?.includes("dockerfile"));
        expect(rule).toMatchObject({ matchFileNames: ["apps/**"], pinDigests: true });
        expect(rule?.enabled).not.toBe(false);
    });

    it("are deployed by the stack files with a digest marked as a placeholder until the first build", () => {
        for (const stack of ["dev", "prod", "prod-eu"]) {
            const text = readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
            const config = (parse(text) as { config: Record<string, { name: string; image: { digest?: string } }[] | undefined> }).config;
            const hello = config["platform:apps"]?.find((a) => a.name === "hello");
            expect({ stack, digest: hello?.image.digest }).toEqual({ stack, digest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/) });
            // An all-zero digest cannot be pulled: the stack file must say so where it sits.
            if (/^sha256:0{64}$/.test(hello!.image.digest!)) {
                expect({ stack, marked: text.includes("PLACEHOLDER") }).toEqual({ stack, marked: true });
            }
        }
    });
});
