import { checkAll, RULES } from "../../policy/rules";
import { dev, pod } from "./ruleFixtures";

// Each rule's tests are in the spec of its concern (rules-data, rules-images, rules-networking, rules-pods),
// as its code is in policy/<concern>.ts.
describe("policy rules", () => {
    it("has a test below for every rule", () => {
        expect(RULES.map((r) => r.name)).toEqual([
            "ingress-tls",
            "images-pinned",
            "images-digest",
            "namespace-pod-security",
            "no-plaintext-secrets",
            "load-balancer-allowed",
            "resources-set",
            "privileged-allowlist",
            "host-access-allowlist",
            "no-node-port",
            "helm-chart-pinned",
            "prod-stateful-protected",
        ]);
    });

    it("collects violations with their rule and resource", () => {
        const violations = checkAll([pod({ image: "nginx:latest" })], dev);
        expect(violations.map((v) => v.rule)).toEqual(["images-pinned", "resources-set"]);
        expect(violations[0]).toMatchObject({ resource: "r1" });
    });
});
