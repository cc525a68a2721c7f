/** Shared by the policy rule specs (test/policy/rules*.test.ts): one resource as a rule sees it, and the profiles. */
import { type PolicyResource, RULES } from "../../policy/rules";

export const rule = (name: string) => RULES.find((r) => r.name === name)!;
export const res = (type: string, inputs: Record<string, unknown>, extra: Partial<PolicyResource> = {}): PolicyResource => ({
    type,
    name: "r1",
    inputs,
    protect: false,
    secretMarker: "[secret]",
    ...extra,
});
export const dev = { profile: "dev" as const };
export const prod = { profile: "prod" as const };

export const pod = (container: Record<string, unknown>, podExtra: Record<string, unknown> = {}, namespace = "apps") =>
    res("kubernetes:apps/v1:Deployment", {
        kind: "Deployment",
        metadata: { name: "web", namespace },
        spec: { template: { spec: { containers: [{ name: "app", ...container }], ...podExtra } } },
    });
export const goodContainer = { image: "nginx:1.27.0", resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } } };
