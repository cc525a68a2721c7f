// Jest's Node environment, plus Node's own `require` for test/tools/nativeClientNode.js: inside a test
// file every require (also `module.createRequire` and `process.getBuiltinModule("module")`) is Jest's
// sandboxed one, which cannot load ES modules; this file runs outside the sandbox.
const { TestEnvironment } = require("jest-environment-node");

class PlatformEnvironment extends TestEnvironment {
    constructor(config, context) {
        super(config, context);
        this.global[Symbol.for("platform.nodeRequire")] = require;
    }
}

module.exports = PlatformEnvironment;
