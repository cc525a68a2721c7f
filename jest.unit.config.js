// `npm run test:unit`: the edit loop. Components (literal Args), config rules, the policy pack, the
// verify checks and the delivery CLIs: no stack-file evaluation, so no global setup.
const base = require("./jest.config.js");

const GROUPS = "{components,config,policy,verify,delivery}";

module.exports = {
    ...base,
    roots: ["<rootDir>/test"],
    // A spec file of these groups named on the command line runs on its own (see jest.config.js).
    testMatch: [`<rootDir>/test/${GROUPS}.test.ts`, ...(base.testMatch.includes("<rootDir>/test/*/*.test.ts") ? [`<rootDir>/test/${GROUPS}/*.test.ts`] : [])],
    globalSetup: undefined,
    globalTeardown: undefined,
};
