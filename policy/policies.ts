/**
 * The CrossGuard policies: each rule of policy/rules.ts as a resource policy. Enforcement comes
 * from the pack config (policy/config.<profile>.json): advisory for dev, mandatory for prod.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { RULES } from "./rules";

export interface ProfileConfig {
    profile: "dev" | "prod";
}

export const policies: ResourceValidationPolicy[] = RULES.map((rule) => ({
    name: rule.name,
    description: rule.description,
    enforcementLevel: "advisory",
    configSchema: { properties: { profile: { type: "string", enum: ["dev", "prod"], default: "dev" } } },
    validateResource: (args, reportViolation) => {
        const { profile } = args.getConfig<ProfileConfig>();
        const messages = rule.check({ type: args.type, name: args.name, inputs: args.props, protect: args.opts.protect }, { profile: profile ?? "dev" });
        for (const message of messages) {
            reportViolation(message);
        }
    },
}));
