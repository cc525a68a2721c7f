/**
 * The CrossGuard policies: each rule of policy/rules.ts as a resource policy, except render-only
 * rules (the pack sees secrets decrypted, so it cannot tell a plain-text secret from a Pulumi
 * secret; config validation and the render are that gate). Enforcement comes from the pack config
 * (policy/config.<profile>.json): advisory for dev, mandatory for prod, advisory rules advisory.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { RULES } from "./rules";

export interface ProfileConfig {
    profile: "dev" | "prod";
    /** The stack's `platform:protect` when it overrides the profile (a prod-sized stack without protection). */
    protect?: boolean;
}

export const policies: ResourceValidationPolicy[] = RULES.filter((rule) => !rule.renderOnly).map((rule) => ({
    name: rule.name,
    description: rule.description,
    enforcementLevel: "advisory",
    configSchema: { properties: { profile: { type: "string", enum: ["dev", "prod"], default: "dev" }, protect: { type: "boolean" } } },
    validateResource: (args, reportViolation) => {
        const { profile, protect } = args.getConfig<ProfileConfig>();
        const messages = rule.check(
            { type: args.type, name: args.name, inputs: args.props, protect: args.opts.protect },
            { profile: profile ?? "dev", ...(protect !== undefined ? { protect } : {}) },
        );
        for (const message of messages) {
            reportViolation(message);
        }
    },
}));
