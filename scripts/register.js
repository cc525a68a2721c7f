// Preloaded by the CLIs (`node -r ./scripts/register.js scripts/<cli>.ts`, see package.json): lets
// Node 20 require the project's .ts files, each transpiled by SWC with the options Jest uses
// (scripts/swcOptions.js). It only transpiles: no type check, no module-resolution hooks, no
// TypeScript compiler loaded. That is most of why `npm run render` takes about 1.5 s instead of 2.1 s
// with tsx (npm run bench). Stack traces point into the transpiled code unless Node maps them back:
//   NODE_OPTIONS=--enable-source-maps npm run render -- prod
// (inline source maps are then emitted too; they cost about 0.3 s per render, hence off by default).
const { readFileSync } = require("node:fs");
const { transformSync } = require("@swc/core");
const { SWC_OPTIONS } = require("./swcOptions");

const sourceMaps = process.sourceMapsEnabled === true;

require.extensions[".ts"] = (module, filename) => {
    const { code } = transformSync(readFileSync(filename, "utf8"), {
        ...SWC_OPTIONS,
        filename,
        sourceMaps: sourceMaps ? "inline" : false,
        swcrc: false,
        configFile: false,
    });
    module._compile(code, filename);
};
