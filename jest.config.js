const { SWC_OPTIONS } = require("./scripts/swcOptions");

/** Inline source maps: Jest maps failures back to the TypeScript lines. */
const SWC = { ...SWC_OPTIONS, sourceMaps: "inline" };

/**
 * Spec files named on the command line (`npx jest test/components/Harbor.test.ts`): Jest then also
 * matches test/<group>/*.test.ts, so the named spec runs on its own. Without one, only the group files
 * match and each spec runs once, through its group.
 */
const namedSpecs = process.argv.slice(2).some((arg) => /(^|\/)test\/[^/]+\/[^/]+\.test\.ts$/.test(arg));
const SPECS = namedSpecs ? ["<rootDir>/test/*/*.test.ts"] : [];

/** @type {import('jest').Config} */
module.exports = {
    // Jest's Node environment, plus Node's own require for ES-module-only packages (test/tools/environment.js).
    testEnvironment: "<rootDir>/test/tools/environment.js",
    // The sample apps' own tests (apps/<app>/test) run with the platform's.
    roots: ["<rootDir>/test", "<rootDir>/apps"],
    testPathIgnorePatterns: ["/node_modules/", "/dist/"],
    // The group files test/<group>.test.ts (each runs test/<group>/*.test.ts, see test/suites.ts) and
    // the sample apps' own tests; a spec file too when one is named (above).
    testMatch: ["<rootDir>/test/*.test.ts", "<rootDir>/apps/*/test/**/*.test.ts", ...SPECS],
    // SWC transpiles each file on its own (tsconfig has isolatedModules: true, so the semantics are the
    // same); type checking is `npm run typecheck`'s job. ts-jest's per-file TypeScript transpile was a
    // third of a cold run's time.
    transform: {
        "^.+\\.ts$": ["@swc/jest", SWC],
    },
    // @pulumi/pulumi loads the TypeScript compiler at require time; it now loads when first used
    // (test/tools/lazyTypescript.js says why).
    // @kubernetes/client-node 1.x (scripts/lib/verify) ships ES modules only, which Jest's loader cannot
    // require before Node 24.9: Node loads it natively instead (test/tools/nativeClientNode.js says why).
    moduleNameMapper: {
        "^typescript$": "<rootDir>/test/tools/lazyTypescript.js",
        "^@kubernetes/client-node$": "<rootDir>/test/tools/nativeClientNode.js",
        // @pulumi/pulumi's closure code-path finder (and @npmcli/arborist) loads when first called.
        "^\\./closure/codePaths$": "<rootDir>/test/tools/lazyCodePaths.js",
    },
    // Pulumi mocks keep runtime state per module registry, which Jest gives each test file: files run
    // in parallel on every core (Jest's default leaves one core idle: half the speed on 2 cores).
    maxWorkers: "100%",
    // A worker runs several group files and is replaced once its heap passes 1 GB after a file.
    // Pulumi's process-wide store keeps each file's SDK copy reachable, and when every evaluation
    // still reloaded the SDKs a reused worker could spend minutes in GC, so each file got a fresh
    // worker (1MB). Since the program is a function (docs/adr/0017) a worker's heap after all its
    // files stays near 600 MB, and reuse spares each file the worker's start and module compile:
    // jest 51 s -> 38 s on the 2-core build machine (2026-12-06).
    workerIdleMemoryLimit: "1GB",
    // Generous for a loaded 2-core machine, short enough that a hang or a regression shows.
    testTimeout: 30000,
    // Heaviest group first, also on a fresh clone (test/tools/sequencer.js).
    testSequencer: "<rootDir>/test/tools/sequencer.js",
    globalSetup: "<rootDir>/test/globalSetup.js",
    globalTeardown: "<rootDir>/test/globalTeardown.js",
};
