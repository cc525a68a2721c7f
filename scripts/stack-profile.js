#!/usr/bin/env node
// Prints a stack's `platform:profile` (dev | prod) from Pulumi.<stack>.yaml; CI picks the policy
// pack config by it. Plain JavaScript so it runs before any TypeScript tooling.
"use strict";
const { readFileSync } = require("node:fs");
const { parse } = require("yaml");
const stack = process.argv[2];
if (!/^[A-Za-z0-9_.-]+$/.test(stack ?? "")) {
    console.error("usage: node scripts/stack-profile.js <stack>");
    process.exit(2);
}
const profile = (parse(readFileSync(`Pulumi.${stack}.yaml`, "utf8")) ?? {}).config?.["platform:profile"];
if (profile !== "dev" && profile !== "prod") {
    console.error(`Pulumi.${stack}.yaml: platform:profile must be dev or prod`);
    process.exit(1);
}
console.log(profile);
