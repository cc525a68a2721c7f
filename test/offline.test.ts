// The specs in test/offline/, in one module registry (see test/suites.ts).
import { join } from "node:path";
import { runSpecs } from "./suites";

runSpecs(join(__dirname, "offline"));
