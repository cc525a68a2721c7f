// How the project's TypeScript becomes JavaScript outside `tsc`: SWC, one file at a time (tsconfig
// has isolatedModules: true, so the semantics are the same), to CommonJS. Used by Jest
// (jest.config.js) and by the CLIs (scripts/register.js), so both run the same code. Type checking is
// `npm run typecheck`'s job.
exports.SWC_OPTIONS = {
    jsc: { parser: { syntax: "typescript" }, target: "es2022" },
    module: { type: "commonjs" },
};
