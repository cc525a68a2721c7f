/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test"],
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
    // Pulumi mocks keep runtime state per module registry; one file per worker keeps them apart.
    testTimeout: 120000,
    globalSetup: "<rootDir>/test/globalSetup.js",
};
