import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { CHARTS } from "../../charts/versions";
import { referenceRows } from "../../offline/configReference";
import { PROJECT_DIR } from "../harness";

const read = (file: string) => readFileSync(join(PROJECT_DIR, file), "utf8");

describe("repository layout", () => {
    it.each([
        "Pulumi.yaml",
        "Pulumi.dev.yaml",
        "Pulumi.prod.yaml",
        "index.ts",
        "config",
        "platform",
        "components",
        "offline",
        "charts",
        ".github",
        "tsconfig.json",
        "package.json",
        "package-lock.json",
        "test",
        ".ci/run",
    ])("has %s", (entry) => {
        expect(existsSync(join(PROJECT_DIR, entry))).toBe(true);
    });

    it("lints the layering (config <- platform -> components -> components/lib -> charts) and the size limits", () => {
        const imports = (spec: string) => `import { x } from "${spec}";\nexport const y = x;\n`;
        const lines = (n: number) => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join("\n") + "\n";
        const fn = (n: number) =>
            `export function f(): number {\n${Array.from({ length: n - 3 }, (_, i) => `    const a${i} = ${i};`).join("\n")}\n    return 0;\n}\n`;
        const cases: [file: string, text: string, rule: string, refused: boolean][] = [
            ["components/edge/Example.ts", imports("../../config/config"), "no-restricted-imports", true],
            ["components/lib/example.ts", imports("../edge/CertManager"), "no-restricted-imports", true],
            ["components/edge/Example.ts", imports("../monitoring/Loki"), "no-restricted-imports", true],
            ["config/example.ts", imports("../components/lib/namespace"), "no-restricted-imports", true],
            ["config/example.ts", imports("../platform/platform"), "no-restricted-imports", true],
            ["platform/example.ts", imports("../offline/evaluate"), "no-restricted-imports", true],
            ["charts/example.ts", imports("../components/lib/chart"), "no-restricted-imports", true],
            ["platform/example.ts", imports("../components/edge/CertManager"), "no-restricted-imports", false],
            ["components/edge/Example.ts", imports("../lib/namespace"), "no-restricted-imports", false],
            ["offline/example.ts", imports("../config/config"), "no-restricted-imports", false],
            // Only the root index.ts is the program's entry; an index.ts in a layer keeps its layer's rules.
            ["config/index.ts", imports("../components/lib/namespace"), "no-restricted-imports", true],
            ["test/sub/index.ts", imports("../../offline/evaluate"), "no-restricted-imports", false],
            // A value used only as a type is unused (typescript-eslint's rule did so; oxlint's needs the option).
            ["offline/example.ts", "const foo = { a: 1 };\ntype F = typeof foo;\nexport const h: F = { a: 2 };\n", "no-unused-vars", true],
            // No file over 400 lines, tests included; no function over 120 lines in the program and its tools.
            ["components/edge/Example.ts", lines(400), "max-lines", false],
            ["test/components/example.test.ts", lines(401), "max-lines", true],
            ["scripts/example.ts", fn(120), "max-lines-per-function", false],
            ["platform/example.ts", fn(121), "max-lines-per-function", true],
        ];
        // oxlint reads files, not text: each case is a file of its own, in its own folder below the
        // case's folder (globs still match and the file keeps its name), all linted in one run.
        const caseFile = (file: string, i: number) => file.replace(/[^/]+$/, (name) => `case${i}/${name}`);
        const result = inScratch(
            "oxlint.config.mjs",
            Object.fromEntries(cases.map(([file, text], i) => [caseFile(file, i), text])),
            ["oxlint", "bin", "oxlint"],
            ["-c", "oxlint.config.mjs", "-f", "json", "."],
        );
        expect(result.stderr).toBe("");
        const found = (JSON.parse(result.stdout) as { diagnostics: { code: string; filename: string }[] }).diagnostics;
        const refused = cases.map(([file, , rule], i) => found.some((d) => d.filename === caseFile(file, i) && d.code === `eslint(${rule})`));
        const show = (file: string, text: string, rule: string, r: boolean) => `${file} (${text.split("\n").length - 1} lines) ${rule}: ${r}`;
        expect(cases.map(([file, text, rule], i) => show(file, text, rule, refused[i]))).toEqual(
            cases.map(([file, text, rule, r]) => show(file, text, rule, r)),
        );
    });

    it("refuses an import cycle, and a cycle closed only by a type import passes (npm run cycles)", () => {
        // Biome's noImportCycles with the project's biome.json (no git there), in a scratch folder: a.ts and b.ts import each other.
        const run = (back: string) => {
            const a = `import { b } from "./b";\nexport interface A { n: number }\nexport const a = (): A => ({ n: b() });\n`;
            const result = inScratch(
                "biome.json",
                { "a.ts": a, "b.ts": `${back}\n` },
                ["@biomejs", "biome", "bin", "biome"],
                ["lint", "--vcs-enabled=false", "--reporter=github", "."],
            );
            return { status: result.status, cycle: [...result.stdout.matchAll(/noImportCycles,file=[^,]*\/([^/,]+),/g)].map((m) => m[1]).sort() };
        };
        expect(run(`import { a } from "./a";\nexport const b = () => a().n;`)).toEqual({ status: 1, cycle: ["a.ts", "b.ts"] });
        expect(run(`import type { A } from "./a";\nexport const b = (x?: A) => x?.n ?? 0;`)).toEqual({ status: 0, cycle: [] });
    });

    it("keeps index.ts to 30 lines or fewer", () => {
        expect(read("index.ts").trimEnd().split("\n").length).toBeLessThanOrEqual(30);
    });

    it("compiles in strict mode", () => {
        expect(JSON.parse(read("tsconfig.json")).compilerOptions.strict).toBe(true);
    });
});

describe("dependencies", () => {
    const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

    it("pins every dependency to an exact version", () => {
        for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
            expect(`${name}@${version}`).toMatch(/@\d+\.\d+\.\d+$/);
        }
    });

    it("uses TypeScript 5.x and the official Pulumi packages", () => {
        expect(pkg.devDependencies.typescript).toMatch(/^5\./);
        for (const name of ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/random", "@pulumi/command", "zod"]) {
            expect(pkg.dependencies[name]).toBeDefined();
        }
    });
});

describe("Pulumi.yaml", () => {
    const project = parse(read("Pulumi.yaml")) as {
        name: string;
        runtime: { name: string; options: { typescript: boolean } };
        config: Record<string, { type: string; description: string }>;
    };
    const rows = new Map(referenceRows().map((r) => [r.key, r]));

    it("declares a TypeScript Node.js program named after the config namespace", () => {
        expect(project.name).toBe("platform");
        expect(project.runtime).toMatchObject({ name: "nodejs", options: { typescript: true } });
    });

    it("declares its scalar keys with the schema's type and a description", () => {
        for (const [key, decl] of Object.entries(project.config)) {
            const row = rows.get(`platform:${key}`);
            expect(row).toBeDefined();
            expect(decl.description.length).toBeGreaterThan(10);
            expect(decl.type).toBe(row!.type.startsWith("`") ? "string" : row!.type);
        }
    });

    it("documents each structured top-level key it cannot declare (project config has no object type)", () => {
        const text = read("Pulumi.yaml");
        for (const row of referenceRows().filter((r) => !r.key.slice("platform:".length).includes(".") && !r.key.includes("["))) {
            const short = row.key.slice("platform:".length);
            if (!(short in project.config)) {
                expect(text).toContain(`#   ${row.key}`);
            }
        }
    });
});

describe("README", () => {
    const readme = read("README.md");

    it("gives the two set-up commands, and .ci/run runs the test one", () => {
        expect(readme).toContain("npm ci && npm run render -- dev");
        expect(readme).toContain("npm ci && npm test");
        const ci = read(".ci/run");
        expect(ci).toMatch(/^npm ci$/m);
        expect(ci).toMatch(/^npm test$/m);
    });

    it("links the configuration reference (docs/configuration.md, checked against the schema in test/config/docs.test.ts)", () => {
        expect(readme).toContain("docs/configuration.md");
    });

    it("documents every secret-looking field as a secret", () => {
        // Identifiers that are not secrets although their names look like it.
        // hostKey is an SSH *public* key, published by the host to anyone who connects.
        const notSecret = new Set(["accessKey", "accessKeyId", "tsigKeyName", "hostKey"]);
        // Alert receiver URLs embed their credential (Slack webhook path, webhook tokens).
        const alsoSecret = new Set(["platform:monitoring.alertmanager.slack.webhookUrl", "platform:monitoring.alertmanager.webhook.url"]);
        const looksSecret = (key: string) => {
            const leaf = key.split(".").pop() ?? "";
            return (/(key|token|secret|password|kubeconfig)$/i.test(leaf) && !notSecret.has(leaf)) || alsoSecret.has(key);
        };
        const rows = referenceRows().filter((r) => !r.type.startsWith("object") && !r.type.startsWith("list"));
        for (const row of rows) {
            expect({ key: row.key, secret: row.description.startsWith("**Secret**") }).toEqual({ key: row.key, secret: looksSecret(row.key) });
        }
        expect(rows.filter((r) => r.description.startsWith("**Secret**")).length).toBeGreaterThanOrEqual(3);
    });
});

describe("charts/README.md", () => {
    it("names every chart charts/versions.ts pins, and every subchart", () => {
        const readme = read("charts/README.md");
        const names = Object.values(CHARTS).flatMap((c) => [c.chart, ...Object.keys("subcharts" in c ? c.subcharts : {})]);
        expect(names.filter((n) => !readme.includes(n))).toEqual([]);
    });
});

/**
 * Runs a tool from node_modules (its Node entry, `bin`) on `files` in a scratch folder beside a copy of
 * the project's `config` file, whose globs are relative to where it lies; the folder is removed after.
 */
function inScratch(config: string, files: Record<string, string>, bin: string[], args: string[]) {
    const dir = mkdtempSync(join(tmpdir(), "checks-"));
    try {
        copyFileSync(join(PROJECT_DIR, config), join(dir, config));
        for (const [file, text] of Object.entries(files)) {
            mkdirSync(join(dir, dirname(file)), { recursive: true });
            writeFileSync(join(dir, file), text);
        }
        return spawnSync(process.execPath, [join(PROJECT_DIR, "node_modules", ...bin), ...args], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
