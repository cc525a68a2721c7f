/** SWC options shared by the project's TypeScript and the ES-module-only packages below. */
const SWC = {
    jsc: { parser: { syntax: "typescript" }, target: "es2022" },
    module: { type: "commonjs" },
    sourceMaps: "inline",
};

/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    // The sample apps' own tests (apps/<app>/test) run with the platform's.
    roots: ["<rootDir>/test", "<rootDir>/apps"],
    testPathIgnorePatterns: ["/node_modules/", "/dist/"],
    testMatch: ["**/*.test.ts"],
    // SWC transpiles each file on its own (tsconfig has isolatedModules: true, so the semantics are the
    // same); type checking is `npm run typecheck`'s job. ts-jest's per-file TypeScript transpile was a
    // third of a cold run's time.
    transform: {
        "^.+\\.ts$": ["@swc/jest", SWC],
        // @kubernetes/client-node 1.x (scripts/verify) and the OIDC libraries it imports ship as ES
        // modules only. Node >= 20.19 loads them with require() (ts-node, the CLI), but Jest's own
        // module loader does not before Node 24.9: transpile just these packages to CommonJS.
        "^.+/node_modules/.+\\.js$": ["@swc/jest", SWC],
    },
    transformIgnorePatterns: ["/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose)/)"],
    // Pulumi mocks keep runtime state per module registry, which Jest gives each test file: files run
    // in parallel on every core (Jest's default leaves one core idle: half the speed on 2 cores).
    maxWorkers: "100%",
    // Pulumi keeps its runtime state in a process-wide store, so every test file's SDK copy stays
    // reachable after the file ends: a worker that had run several files spent minutes in GC. A
    // worker above this heap after a file is replaced by a fresh one.
    workerIdleMemoryLimit: "800MB",
    // Generous for a loaded 2-core machine, short enough that a hang or a regression shows.
    testTimeout: 30000,
    globalSetup: "<rootDir>/test/globalSetup.js",
    globalTeardown: "<rootDir>/test/globalTeardown.js",
};
