// Jest only (jest.config.js moduleNameMapper): `typescript` loads when first used, not when required.
// @pulumi/pulumi requires the TypeScript compiler (9 MB) at load time, through runtime/closure, for the
// closure serialization of dynamic providers; no test file serializes one in-process (the offline
// evaluation skips it, and the global setup serializes the Harbor provider in a plain Node process,
// test/tools/evaluateStacks.ts), so each group loaded and compiled it for nothing (0.4-0.5 s of CPU).
// A property read loads the real module, so a test that does use it gets the same compiler.
const { join } = require("node:path");

let real;
const load = () => (real ??= require(join(__dirname, "..", "..", "node_modules", "typescript")));

module.exports = new Proxy(
    {},
    {
        get: (_, key) => load()[key],
        has: (_, key) => key in load(),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_, key) => {
            const descriptor = Object.getOwnPropertyDescriptor(load(), key);
            return descriptor && { ...descriptor, configurable: true };
        },
    },
);
