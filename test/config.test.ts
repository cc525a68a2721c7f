// The specs in test/config/, in one module registry (see test/suites.ts).
import { join } from "node:path";
import { runSpecs } from "./suites";

runSpecs(join(__dirname, "config"));
