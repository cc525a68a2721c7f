// Jest only (jest.config.js moduleNameMapper): @kubernetes/client-node loads through Node's own
// require(esm), outside Jest's module sandbox, once per worker process. It ships about 2,600 ES
// modules (scripts/lib/verify reads kubeconfigs with it), which Jest's loader cannot require: it had
// to transpile every one to CommonJS and run each through its sandbox, about 4.5 s of CPU on a fresh
// clone (the transform cache cold, as on CI) and 1.5 s warm. Node >= 20.19 (package.json engines)
// requires ES modules itself; test/tools/environment.js hands its `require` in.
const nodeRequire = globalThis[Symbol.for("platform.nodeRequire")];
if (typeof nodeRequire !== "function") {
    throw new Error("@kubernetes/client-node needs jest.config.js testEnvironment test/tools/environment.js");
}
module.exports = nodeRequire("@kubernetes/client-node");
