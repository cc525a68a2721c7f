/**
 * The checks every stack file must pass, run for each Pulumi.<stack>.yaml found in the repository:
 * a new stack file is tested with no test edit, and a failure names its stack.
 */
import { sharedEvaluation, stackNames } from "../shared";
import { commonStackChecks } from "./wholeStack";

describe.each(stackNames())("Pulumi.%s.yaml", (stack) => {
    commonStackChecks(() => sharedEvaluation(stack));
});
