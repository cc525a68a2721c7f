// `npm run test:unit`: the edit loop. Components (literal Args), config rules, the policy pack, the
// verify checks and the delivery CLIs: no stack-file evaluation, so no global setup.
const base = require("./jest.config.js");

module.exports = {
    ...base,
    roots: ["<rootDir>/test"],
    testMatch: ["<rootDir>/test/{components,config,policy,verify,delivery}.test.ts"],
    globalSetup: undefined,
    globalTeardown: undefined,
};
