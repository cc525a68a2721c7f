/** Runs the policy pack's rules over a render's resources (policy/rules.ts, same functions). */
import { checkAll, RULES, Violation } from "../../policy/rules";
import { RecordedResource, SECRET } from "./mocks";

export function policyViolations(resources: readonly RecordedResource[], profile: "dev" | "prod"): Violation[] {
    return checkAll(
        resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs, protect: r.options.protect === true, secretMarker: SECRET })),
        { profile },
    );
}

/** policy.txt: the enforcement level, then one line per violation (or none). */
export function policyReport(violations: readonly Violation[], profile: "dev" | "prod"): string {
    const level = profile === "prod" ? "mandatory" : "advisory";
    const lines = [
        `policy pack: ${RULES.length} rules, ${level} (profile ${profile})`,
        `violations: ${violations.length}`,
        ...violations.map((v) => `  [${v.rule}] ${v.message}`),
        "",
    ];
    return lines.join("\n");
}
