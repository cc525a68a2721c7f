// Jest only (jest.config.js moduleNameMapper): @pulumi/pulumi's runtime/closure/codePaths loads when
// first called. The SDK requires it at load time (runtime/index.js, 3.248.0) for closure
// serialization, and it requires @npmcli/arborist: about 500 modules, 0.3 s of CPU in every group's
// module registry. No test file serializes a closure in-process (the offline evaluation skips it; the
// global setup serializes the Harbor provider in a plain Node process, test/tools/evaluateStacks.ts).
// test/project/jestTools.test.ts checks that these are the real module's exports.
const { join } = require("node:path");

let real;
const load = () => (real ??= require(join(__dirname, "..", "..", "node_modules", "@pulumi", "pulumi", "runtime", "closure", "codePaths.js")));

module.exports = {
    computeCodePaths: (...args) => load().computeCodePaths(...args),
    findWorkspaceRoot: (...args) => load().findWorkspaceRoot(...args),
};
