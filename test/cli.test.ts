// The specs in test/cli/ (the offline tools' outputs and the CLIs), in one module registry (see test/suites.ts).
import { join } from "node:path";
import { runSpecs } from "./suites";

runSpecs(join(__dirname, "cli"));
