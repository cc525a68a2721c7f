/**
 * The workflows take their stacks from the stack files, by the convention of scripts/lib/ciStacks.ts
 * (docs/delivery.md, "Stacks, environments and secrets"): a new Pulumi.<name>.yaml is previewed and
 * deployed with its own environment and passphrase secret, with no workflow edit (issue 27, item 2).
 * Before, preview.yml, up.yml, promote.yml and rollback.yml listed dev, prod and prod-eu by name, and
 * a stack added to the prod matrix silently used prod-eu's passphrase.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ciStacks } from "../../scripts/lib/ciStacks";
import { run as ciStacksCli } from "../../scripts/ci-stacks";
import { PROJECT_DIR } from "../harness";
import { stackNames } from "../shared";

const workflow = (file: string) => readFileSync(join(PROJECT_DIR, ".github", "workflows", file), "utf8");

/** Stacks a workflow names literally: `stack-name:` of the Pulumi action, matrix `stack` values, `--stack <name>` in scripts. */
function literalStacks(text: string): Set<string> {
    const found = new Set<string>();
    const walk = (v: unknown, key?: string): void => {
        if (Array.isArray(v)) {
            v.forEach((x) => walk(x, key));
        } else if (v !== null && typeof v === "object") {
            for (const [k, x] of Object.entries(v)) walk(x, k);
        } else if (typeof v === "string") {
            if ((key === "stack-name" || key === "stack" || key === "STACK") && /^[a-z0-9-]+$/.test(v)) found.add(v);
            for (const m of v.matchAll(/--stack[ =]([a-z0-9-]+)/g)) found.add(m[1]);
        }
    };
    walk(parse(text));
    return found;
}

/** A project folder with the given stack files: copies of the repository's, under any name. */
function project(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "ci-stacks-"));
    for (const [name, source] of Object.entries(files)) copyFileSync(join(PROJECT_DIR, `Pulumi.${source}.yaml`), join(dir, `Pulumi.${name}.yaml`));
    return dir;
}
const REPO_STACKS = { dev: "dev", prod: "prod", "prod-eu": "prod-eu", e2e: "e2e" };

describe("the stack convention (scripts/lib/ciStacks.ts)", () => {
    it("gives the repository's stacks their lane, environments and passphrase secrets", () => {
        // arrayContaining: a stack file added later is checked by the next line, never breaks this one.
        expect(ciStacks(PROJECT_DIR)).toEqual(
            expect.arrayContaining([
                { stack: "dev", lane: "dev", environment: "development", previewEnvironment: "dev-preview", passphrase: "PULUMI_CONFIG_PASSPHRASE_DEV" },
                {
                    stack: "prod",
                    lane: "prod",
                    environment: "production",
                    previewEnvironment: "prod-preview",
                    passphrase: "PULUMI_CONFIG_PASSPHRASE_PROD",
                    from: "dev",
                },
                {
                    stack: "prod-eu",
                    lane: "prod",
                    environment: "production-eu",
                    previewEnvironment: "prod-preview",
                    passphrase: "PULUMI_CONFIG_PASSPHRASE_PROD_EU",
                    from: expect.any(String),
                },
            ]),
        );
        // Every stack file is run by these workflows or, the e2e stack, by e2e.yml.
        expect(
            ciStacks(PROJECT_DIR)
                .map((s) => s.stack)
                .sort(),
        ).toEqual(stackNames().filter((s) => s !== "e2e"));
        expect(literalStacks(workflow("e2e.yml")).has("e2e")).toBe(true);
    });

    it("picks up a copy of dev under another name in the dev lane, with its own environment and secret", () => {
        const stacks = ciStacks(project({ ...REPO_STACKS, staging: "dev" }));
        expect(stacks.find((s) => s.stack === "staging")).toEqual({
            stack: "staging",
            lane: "dev",
            environment: "staging",
            previewEnvironment: "dev-preview",
            passphrase: "PULUMI_CONFIG_PASSPHRASE_STAGING",
        });
    });

    it("deploys prod-profile stacks one at a time: other ones first, then prod, then prod-<x> by name, each promoted from the one before", () => {
        const stacks = ciStacks(project({ ...REPO_STACKS, staging: "prod", "prod-us": "prod-eu", "dev-lab": "dev" })).map((s) => [
            s.stack,
            s.lane,
            s.environment,
            s.passphrase,
            s.from,
        ]);
        expect(stacks).toEqual([
            ["dev", "dev", "development", "PULUMI_CONFIG_PASSPHRASE_DEV", undefined],
            ["dev-lab", "dev", "development-lab", "PULUMI_CONFIG_PASSPHRASE_DEV_LAB", undefined],
            ["staging", "prod", "staging", "PULUMI_CONFIG_PASSPHRASE_STAGING", "dev"],
            ["prod", "prod", "production", "PULUMI_CONFIG_PASSPHRASE_PROD", "staging"],
            ["prod-eu", "prod", "production-eu", "PULUMI_CONFIG_PASSPHRASE_PROD_EU", "prod"],
            ["prod-us", "prod", "production-us", "PULUMI_CONFIG_PASSPHRASE_PROD_US", "prod-eu"],
        ]);
    });

    it("refuses, naming the file, a stack name a workflow cannot carry, a stack without a profile, and two stacks sharing an environment", () => {
        expect(() => ciStacks(project({ dev: "dev", Prod_EU: "prod" }))).toThrow(
            "Pulumi.Prod_EU.yaml: a stack name the workflows can use has lower-case letters, digits and inner '-' only",
        );
        const noProfile = project({ dev: "dev" });
        writeFileSync(join(noProfile, "Pulumi.lab.yaml"), "config:\n  platform:domain: lab.example.com\n");
        expect(() => ciStacks(noProfile)).toThrow("Pulumi.lab.yaml: platform:profile must be dev or prod (it chooses the workflow lane), got null");
        expect(() => ciStacks(project({ dev: "dev", development: "dev" }))).toThrow(
            "Pulumi.dev.yaml and Pulumi.development.yaml would share the environment 'development'",
        );
    });

    it("prints the lanes as the matrices and counts the workflows read, and one stack's environment and secret", async () => {
        const out: string[] = [];
        const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) };
        expect(await ciStacksCli(["--github-output"], io, project({ ...REPO_STACKS, staging: "dev" }))).toBe(0);
        const lines = Object.fromEntries(
            out
                .join("\n")
                .split("\n")
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
        expect((JSON.parse(lines.dev) as { include: { stack: string }[] }).include.map((s) => s.stack)).toEqual(["dev", "staging"]);
        expect((JSON.parse(lines.prod) as { include: { stack: string; environment: string; passphrase: string }[] }).include).toMatchObject([
            { stack: "prod", environment: "production", passphrase: "PULUMI_CONFIG_PASSPHRASE_PROD" },
            { stack: "prod-eu", environment: "production-eu", passphrase: "PULUMI_CONFIG_PASSPHRASE_PROD_EU" },
        ]);
        expect([lines["dev-count"], lines["prod-count"]]).toEqual(["2", "2"]);
        out.length = 0;
        expect(await ciStacksCli(["--stack", "prod-eu", "--github-output"], io)).toBe(0);
        expect(out.join("\n")).toBe("stack=prod-eu\nlane=prod\nenvironment=production-eu\npassphrase=PULUMI_CONFIG_PASSPHRASE_PROD_EU");
        out.length = 0;
        expect(await ciStacksCli(["--stack", "e2e"], io, project(REPO_STACKS))).toBe(1);
        expect(out).toEqual(["ERR ci:stacks: e2e is run by e2e.yml only; expected one of: dev, prod, prod-eu"]);
    });
});

describe("workflows read their stacks from the convention", () => {
    it.each(["preview.yml", "up.yml", "promote.yml", "rollback.yml"])("%s names no stack and no passphrase secret itself", (file) => {
        const text = workflow(file);
        // The old files listed dev, prod and prod-eu, and picked passphrases with `a == 'prod' && ... || ...`.
        expect(text).toContain("npm run -s ci:stacks --");
        expect([...literalStacks(text)]).toEqual([]);
        expect(text).not.toMatch(/secrets\.PULUMI_CONFIG_PASSPHRASE/);
        expect(text).not.toMatch(/environment: (development|production|production-eu)$/m);
    });

    it("finds literal stack names where a workflow spells them (guard for the check above)", () => {
        const listed = literalStacks(
            "jobs:\n  up:\n    strategy: { matrix: { stack: [prod] } }\n    steps:\n      - run: pulumi up --stack dev\n      - with: { stack-name: prod-eu }\n",
        );
        expect([...listed].sort()).toEqual(["dev", "prod", "prod-eu"]);
    });
});
