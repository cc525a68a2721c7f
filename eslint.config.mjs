import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Layers point one way (docs/architecture.md): config <- platform -> components -> components/lib -> charts.
// offline/ (mocks, evaluate, render files) serves scripts/ and test/; nothing in the program imports it.
const layer = (...forbidden) => ({
    "no-restricted-imports": [
        "error",
        {
            patterns: forbidden.map(([folder, why]) => ({ regex: `(^|/)${folder}(/|$)`, message: why })),
        },
    ],
});
const NOT_PLATFORM = ["platform", "only index.ts and the offline tools may import the composition layer"];
const NOT_OFFLINE = ["offline", "the program never imports the offline render (mocks, evaluate, output)"];
const NOT_SCRIPTS = ["scripts", "scripts/ holds CLIs; move shared code down a layer"];
const NOT_CONFIG = ["config", "components take their own typed Args; platform/ maps config onto them"];
const NOT_COMPONENTS = ["components", "config/ is the leaf layer: it may read charts/ data, never components/"];
const NOT_TEST = ["test", "production code never imports test helpers"];
const COMPONENT_GROUPS = ["apps", "cluster", "edge", "monitoring", "registry", "security", "storage"];

export default tseslint.config(
    {
        ignores: [
            "node_modules/**",
            "policy/node_modules/**",
            "test/globalSetup.js",
            "test/globalTeardown.js",
            "test/tools/*.js",
            "bin/**",
            "out/**",
            "coverage/**",
            "apps/*/node_modules/**",
            "apps/*/dist/**",
            "*.js",
            "*.mjs",
            "scripts/*.js",
        ],
    },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            eqeqeq: ["error", "always"],
            "no-console": "off",
        },
    },
    { files: ["config/**/*.ts"], rules: layer(NOT_PLATFORM, NOT_COMPONENTS, NOT_OFFLINE, NOT_SCRIPTS, NOT_TEST) },
    { files: ["platform/**/*.ts", "index.ts"], rules: layer(NOT_OFFLINE, NOT_SCRIPTS, NOT_TEST) },
    { files: ["components/**/*.ts"], rules: layer(NOT_CONFIG, NOT_PLATFORM, NOT_OFFLINE, NOT_SCRIPTS, NOT_TEST) },
    // A component group never imports another group: what two share lives in components/lib.
    ...COMPONENT_GROUPS.map((group) => ({
        files: [`components/${group}/**/*.ts`],
        rules: layer(NOT_CONFIG, NOT_PLATFORM, NOT_OFFLINE, NOT_SCRIPTS, NOT_TEST, [
            `(${COMPONENT_GROUPS.filter((g) => g !== group).join("|")})`,
            "components import only components/lib and their own group; move what they share to components/lib",
        ]),
    })),
    {
        files: ["components/lib/**/*.ts"],
        rules: layer(NOT_CONFIG, NOT_PLATFORM, NOT_OFFLINE, NOT_SCRIPTS, NOT_TEST, [
            "(edge|monitoring|registry|security|storage|cluster|apps)",
            "components/lib is shared by every component and imports none of them",
        ]),
    },
    { files: ["charts/**/*.ts"], rules: layer(NOT_CONFIG, NOT_PLATFORM, ["components", "charts/ is data"], NOT_OFFLINE, NOT_SCRIPTS, NOT_TEST) },
    { files: ["offline/**/*.ts", "scripts/**/*.ts", "policy/**/*.ts"], rules: layer(NOT_TEST) },
    // Size (issue 26): a file over 400 lines, or a function over 120, holds more than one step; split it
    // into named helpers below the class, or a sibling module. Counted as written: comments count too.
    { files: ["**/*.ts"], rules: { "max-lines": ["error", { max: 400, skipBlankLines: false, skipComments: false }] } },
    {
        files: ["components/**/*.ts", "platform/**/*.ts", "config/**/*.ts", "offline/**/*.ts", "scripts/**/*.ts", "policy/**/*.ts"],
        rules: { "max-lines-per-function": ["error", { max: 120, skipBlankLines: false, skipComments: false, IIFEs: true }] },
    },
    // The pack runs on its own dependencies (policy/package.json): it may read charts/ data only.
    {
        files: ["policy/**/*.ts"],
        rules: layer(
            NOT_TEST,
            NOT_OFFLINE,
            NOT_SCRIPTS,
            ...["config", "platform", "components"].map((folder) => [folder, "the policy pack imports only data from charts/ (e.g. charts/namespaces.ts)"]),
        ),
    },
);
