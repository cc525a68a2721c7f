// `npm run lint` (oxlint; docs/adr/0024). The rule set is what ESLint 10's `recommended` and
// typescript-eslint 8's `recommended` enabled for a .ts file here, rule for rule (except `no-octal`,
// which TypeScript itself refuses: TS1121), plus the project's own rules below.
// `eslint-disable` comments in the code are honoured as written.

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

// ESLint 10.15 `js.configs.recommended`, as it applied to the project's .ts files.
const JS_RECOMMENDED = {
    "for-direction": "error",
    "no-async-promise-executor": "error",
    "no-case-declarations": "error",
    "no-compare-neg-zero": "error",
    "no-cond-assign": ["error", "except-parens"],
    "no-constant-binary-expression": "error",
    "no-constant-condition": ["error", { checkLoops: "allExceptWhileTrue" }],
    "no-control-regex": "error",
    "no-debugger": "error",
    "no-delete-var": "error",
    "no-dupe-else-if": "error",
    "no-duplicate-case": "error",
    "no-empty": "error",
    "no-empty-character-class": "error",
    "no-empty-pattern": "error",
    "no-empty-static-block": "error",
    "no-ex-assign": "error",
    "no-extra-boolean-cast": "error",
    "no-fallthrough": "error",
    "no-global-assign": "error",
    "no-invalid-regexp": "error",
    "no-irregular-whitespace": "error",
    "no-loss-of-precision": "error",
    "no-misleading-character-class": "error",
    "no-nonoctal-decimal-escape": "error",
    "no-prototype-builtins": "error",
    "no-regex-spaces": "error",
    "no-self-assign": "error",
    "no-shadow-restricted-names": "error",
    "no-sparse-arrays": "error",
    "no-unassigned-vars": "error",
    "no-unexpected-multiline": "error",
    "no-unsafe-finally": "error",
    "no-unsafe-optional-chaining": "error",
    "no-unused-labels": "error",
    "no-unused-private-class-members": "error",
    "no-useless-assignment": "error",
    "no-useless-backreference": "error",
    "no-useless-catch": "error",
    "no-useless-escape": "error",
    "preserve-caught-error": "error",
    "require-yield": "error",
    "use-isnan": "error",
    "valid-typeof": "error",
};

// typescript-eslint 8.73 `recommended` (with its eslint-recommended overrides for .ts files).
const TS_RECOMMENDED = {
    "no-var": "error",
    "prefer-const": "error",
    "prefer-rest-params": "error",
    "prefer-spread": "error",
    "typescript/ban-ts-comment": "error",
    "no-array-constructor": "error",
    "typescript/no-duplicate-enum-values": "error",
    "typescript/no-empty-object-type": "error",
    "typescript/no-extra-non-null-assertion": "error",
    "typescript/no-misused-new": "error",
    "typescript/no-namespace": "error",
    "typescript/no-non-null-asserted-optional-chain": "error",
    "typescript/no-require-imports": "error",
    "typescript/no-this-alias": "error",
    "typescript/no-unnecessary-type-constraint": "error",
    "typescript/no-unsafe-declaration-merging": "error",
    "typescript/no-unsafe-function-type": "error",
    "no-unused-expressions": "error",
    "typescript/no-wrapper-object-types": "error",
    "typescript/prefer-as-const": "error",
    "typescript/prefer-namespace-keyword": "error",
    "typescript/triple-slash-reference": "error",
};

export default {
    // Only the rules named here: no plugin or category default beyond them.
    plugins: ["eslint", "typescript"],
    categories: { correctness: "off" },
    ignorePatterns: [
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
    rules: {
        ...JS_RECOMMENDED,
        ...TS_RECOMMENDED,
        "typescript/no-explicit-any": "error",
        // As typescript-eslint: a value used only in a type position (`typeof x`) is unused too.
        "no-unused-vars": ["error", { argsIgnorePattern: "^_", reportVarsOnlyUsedAsTypes: true }],
        eqeqeq: ["error", "always"],
        // Size (issue 26): a file over 400 lines, or a function over 120, holds more than one step; split it
        // into named helpers below the class, or a sibling module. Counted as written: comments count too.
        "max-lines": ["error", { max: 400, skipBlankLines: false, skipComments: false }],
    },
    // As in ESLint's flat config, a later override's setting of a rule replaces an earlier one's for the files both match.
    overrides: [
        { files: ["config/**/*.ts"], rules: layer(NOT_PLATFORM, NOT_COMPONENTS, NOT_OFFLINE, NOT_SCRIPTS, NOT_TEST) },
        // "./index.ts": the root one only (a pattern without a slash would match an index.ts in any folder).
        { files: ["platform/**/*.ts", "./index.ts"], rules: layer(NOT_OFFLINE, NOT_SCRIPTS, NOT_TEST) },
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
        { files: ["offline/**/*.ts", "scripts/**/*.ts"], rules: layer(NOT_TEST) },
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
        {
            files: ["components/**/*.ts", "platform/**/*.ts", "config/**/*.ts", "offline/**/*.ts", "scripts/**/*.ts", "policy/**/*.ts"],
            rules: { "max-lines-per-function": ["error", { max: 120, skipBlankLines: false, skipComments: false, IIFEs: true }] },
        },
    ],
};
