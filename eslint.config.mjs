import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/**", "policy/node_modules/**", "test/globalSetup.js", "bin/**", "out/**", "coverage/**", "apps/*/node_modules/**", "apps/*/dist/**", "*.js", "*.mjs", "scripts/*.js"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            eqeqeq: ["error", "always"],
            "no-console": "off",
        },
    },
);
