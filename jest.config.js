/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    // The sample apps' own tests (apps/<app>/test) run with the platform's.
    roots: ["<rootDir>/test", "<rootDir>/apps"],
    testPathIgnorePatterns: ["/node_modules/", "/dist/"],
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
    // Pulumi mocks keep runtime state per module registry; one file per worker keeps them apart.
    testTimeout: 120000,
    globalSetup: "<rootDir>/test/globalSetup.js",
};
