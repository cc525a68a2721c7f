import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { policies } from "../../policy/policies";
import { RULES } from "../../policy/rules";
import { PROJECT_DIR } from "../harness";

import type { ResourceValidationArgs } from "@pulumi/policy";

type Args = ResourceValidationArgs;

/** Runs one pack policy the way CrossGuard calls it, collecting reported violations. */
function run(
    name: string,
    resource: { type: string; props: Record<string, unknown>; protect?: boolean },
    profile: "dev" | "prod",
    protect?: boolean,
): string[] {
    const policy = policies.find((p) => p.name === name)!;
    const reported: string[] = [];
    const args = {
        type: resource.type,
        name: "res",
        urn: "urn:pulumi:s::p::t::res",
        props: resource.props,
        opts: {
            protect: resource.protect ?? false,
            ignoreChanges: [],
            aliases: [],
            additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        },
        getConfig: () => ({ profile, ...(protect !== undefined ? { protect } : {}) }),
        isType: () => false,
        asType: () => undefined,
    } as unknown as Args;
    const validate = policy.validateResource as (a: Args, report: (m: string) => void) => void;
    validate(args, (m) => reported.push(m));
    return reported;
}

describe("CrossGuard pack", () => {
    it("turns every shared rule into a policy, except the render-only plain-text check", () => {
        expect(policies.map((p) => p.name)).toEqual(RULES.filter((r) => r.name !== "no-plaintext-secrets").map((r) => r.name));
        expect(RULES.filter((r) => r.renderOnly).map((r) => r.name)).toEqual(["no-plaintext-secrets"]);
    });

    it("reports a violation the way the engine sees it, with the profile from pack config", () => {
        const release = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "harbor", version: "1.19.1" } };
        expect(run("prod-stateful-protected", release, "dev")).toEqual([]);
        expect(run("prod-stateful-protected", release, "prod")).toEqual(["res (kubernetes:helm.sh/v3:Release) holds state but is not protected"]);
        expect(run("prod-stateful-protected", { ...release, protect: true }, "prod")).toEqual([]);
        // A prod-sized stack with platform:protect false runs the pack with protect: false.
        expect(run("prod-stateful-protected", release, "prod", false)).toEqual([]);
        expect(run("namespace-pod-security", { type: "kubernetes:core/v1:Namespace", props: { metadata: { name: "x" } } }, "dev")).toHaveLength(1);
    });

    it("does not pretend to judge plain-text secrets: it sees them decrypted (config validation and the render do)", () => {
        expect(policies.find((p) => p.name === "no-plaintext-secrets")).toBeUndefined();
    });

    it("is advisory for dev and mandatory for prod through its config files", () => {
        for (const [profile, level] of [
            ["dev", "advisory"],
            ["prod", "mandatory"],
        ] as const) {
            const config = JSON.parse(readFileSync(join(PROJECT_DIR, "policy", `config.${profile}.json`), "utf8")) as Record<string, unknown>;
            expect(config.all).toBe(level);
            for (const rule of RULES.filter((r) => !r.renderOnly)) {
                expect(config[rule.name]).toEqual({ enforcementLevel: rule.advisory ? "advisory" : level, profile });
            }
            expect(Object.keys(config).sort()).toEqual(["all", ...policies.map((p) => p.name)].sort());
        }
    });

    it("is a TypeScript Node.js pack", () => {
        expect(parse(readFileSync(join(PROJECT_DIR, "policy", "PulumiPolicy.yaml"), "utf8"))).toMatchObject({ runtime: { name: "nodejs" } });
    });
});
