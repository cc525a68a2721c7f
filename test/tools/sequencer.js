// Jest test sequencer (jest.config.js testSequencer): the heaviest group files start first, on every run.
// Jest's own order comes from the durations it cached on this machine; a fresh clone (CI) has none, so
// it fell back to file size, and the group files are all the same few lines: the heaviest could start
// last and run alone on one core. Weights are each group's seconds on the 2-core build machine
// (docs/delivery.md); a file not listed (a spec named on the command line, an app's tests) keeps
// Jest's size order after them.
const { basename } = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

const WEIGHTS = {
    "offline.test.ts": 13,
    "contracts.test.ts": 11,
    "project.test.ts": 10,
    "stacks.test.ts": 8,
    "verify.test.ts": 8,
    "config.test.ts": 5,
    "components.test.ts": 5,
    "delivery.test.ts": 5,
    "cli.test.ts": 2,
    "server.test.ts": 1,
    "policy.test.ts": 1,
};

/** Jest's own sequencer (failures remembered for --onlyFailures, --shard) with this order. */
class HeaviestFirst extends Sequencer {
    sort(tests) {
        const weight = (test) => WEIGHTS[basename(test.path)] ?? 0;
        return [...tests].sort((a, b) => weight(b) - weight(a) || a.path.localeCompare(b.path));
    }
}

module.exports = HeaviestFirst;
