// Removes what the global setup wrote (the shared stack evaluations).
const { rmSync } = require("node:fs");

module.exports = async () => {
    if (process.env.PLATFORM_EVALUATIONS) {
        rmSync(process.env.PLATFORM_EVALUATIONS, { recursive: true, force: true });
    }
};
