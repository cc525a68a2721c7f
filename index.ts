// The program `pulumi up` runs and `npm run render` evaluates under mocks. Pulumi's Node.js runtime
// calls an exported function and makes the object it returns the stack outputs; the outputs and what
// each holds are listed in platform/program.ts. The rest: config/, platform/, components/.
import { platformProgram } from "./platform/program";

export = platformProgram;
