/** Runs the policy pack's rules over a render's resources (policy/rules.ts, same functions). */
import { checkAll, RULES, Violation } from "../policy/rules";
import { RecordedResource, SECRET } from "./mocks";

export function policyViolations(resources: readonly RecordedResource[], profile: "dev" | "prod", protect?: boolean): Violation[] {
    return checkAll(
        resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs, protect: r.options.protect === true, secretMarker: SECRET })),
        { profile, ...(protect !== undefined ? { protect } : {}) },
    );
}

/** policy.txt: the enforcement level, one line per violation (or none), then advisory findings. */
export function policyReport(violations: readonly Violation[], profile: "dev" | "prod"): string {
    const level = profile === "prod" ? "mandatory" : "advisory";
    const blocking = violations.filter((v) => !v.advisory);
    const advisory = violations.filter((v) => v.advisory);
    const lines = [
        `policy pack: ${RULES.length} rules, ${level} (profile ${profile})`,
        `violations: ${blocking.length}`,
        ...blocking.map((v) => `  [${v.rule}] ${v.message}`),
        `advisory (never blocking): ${advisory.length}`,
        ...advisory.map((v) => `  [${v.rule}] ${v.message}`),
        "",
    ];
    return lines.join("\n");
}
