import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
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
            ["config/example.ts", imports("../components/lib/namespace"), "no-restricted-imports", true],
            ["config/example.ts", imports("../platform/platform"), "no-restricted-imports", true],
            ["platform/example.ts", imports("../offline/evaluate"), "no-restricted-imports", true],
            ["charts/example.ts", imports("../components/lib/chart"), "no-restricted-imports", true],
            ["platform/example.ts", imports("../components/edge/CertManager"), "no-restricted-imports", false],
            ["components/edge/Example.ts", imports("../lib/namespace"), "no-restricted-imports", false],
            ["offline/example.ts", imports("../config/config"), "no-restricted-imports", false],
            // No file over 400 lines, tests included; no function over 120 lines in the program and its tools.
            ["components/edge/Example.ts", lines(400), "max-lines", false],
            ["test/components/example.test.ts", lines(401), "max-lines", true],
            ["scripts/example.ts", fn(120), "max-lines-per-function", false],
            ["platform/example.ts", fn(121), "max-lines-per-function", true],
        ];
        // ESLint loads its (ES module) config with import(), which Jest's sandbox refuses: one child process.
        const script = `
            const { ESLint } = require("eslint");
            const cases = ${JSON.stringify(cases)};
            (async () => {
                const eslint = new ESLint({ cwd: process.cwd() });
                const out = [];
                for (const [file, text, rule] of cases) {
                    const [r] = await eslint.lintText(text, { filePath: file });
                    out.push(r.messages.some((m) => m.ruleId === rule));
                }
                console.log(JSON.stringify(out));
            })();`;
        const result = spawnSync(process.execPath, ["-e", script], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 60_000 });
        expect(result.stderr).toBe("");
        const refused = JSON.parse(result.stdout) as boolean[];
        const show = (file: string, text: string, rule: string, r: boolean) => `${file} (${text.split("\n").length - 1} lines) ${rule}: ${r}`;
        expect(cases.map(([file, text, rule], i) => show(file, text, rule, refused[i]))).toEqual(
            cases.map(([file, text, rule, r]) => show(file, text, rule, r)),
        );
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
