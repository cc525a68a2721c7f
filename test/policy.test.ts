// The specs in test/policy/, in one module registry (see test/suites.ts).
import { join } from "node:path";
import { runSpecs } from "./suites";

runSpecs(join(__dirname, "policy"));
