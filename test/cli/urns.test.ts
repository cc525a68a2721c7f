/**
 * Existing stacks must see no replacement when code moves: every resource keeps its URN (type
 * chain and name), or the change carries `aliases` for the old URN. test/fixtures/urns/<stack>.txt
 * is the committed list (`npm run urns -- <stack>` regenerates it after an intended, aliased change).
 */
import { readUrnFixture, stackUrns, urnChanges } from "../../offline/urns";
import { evaluateStack, PROJECT_DIR } from "../harness";

/** The failure text names each URN that appeared or disappeared and what to do about it. */
function urnReport(stack: string, expected: readonly string[], actual: readonly string[]): string {
    const { appeared, disappeared } = urnChanges(expected, actual);
    if (appeared.length === 0 && disappeared.length === 0) {
        return "";
    }
    return [
        `${stack}: resource URNs changed; \`pulumi up\` would delete and recreate these resources.`,
        `Keep the type and name, or add \`aliases\` (the old URN) to the resource, then regenerate with \`npm run urns -- ${stack}\`.`,
        ...disappeared.map((u) => `  disappeared: ${u}`),
        ...appeared.map((u) => `  appeared:    ${u}`),
    ].join("\n");
}

describe("resource URNs of the committed stacks", () => {
    it.each(["dev", "prod", "prod-eu"])("%s keeps every URN of test/fixtures/urns", async (stack) => {
        const evaluation = await evaluateStack(stack);
        const actual = stackUrns(stack, "platform", evaluation.resources);
        expect(urnReport(stack, readUrnFixture(PROJECT_DIR, stack), actual)).toBe("");
    });

    it("names what appeared and what disappeared, and asks for aliases", () => {
        const before = ["urn:pulumi:prod::platform::platform:edge:DnsRecords::prod-dns"];
        const after = ["urn:pulumi:prod::platform::platform:dns:DnsRecords::prod-dns"];
        const report = urnReport("prod", before, after);
        expect(report).toContain("disappeared: urn:pulumi:prod::platform::platform:edge:DnsRecords::prod-dns");
        expect(report).toContain("appeared:    urn:pulumi:prod::platform::platform:dns:DnsRecords::prod-dns");
        expect(report).toContain("aliases");
    });
});

describe("stackUrns", () => {
    it("chains parent types below the root Stack, as the engine does", () => {
        const resource = (type: string, name: string, parent: string | null) => ({
            type,
            name,
            parent,
            urn: "",
            dependsOn: [],
            inputs: {},
            custom: false,
            options: {},
        });
        const urns = stackUrns("dev", "platform", [
            resource("pulumi:pulumi:Stack", "platform-dev", null),
            resource("platform:stack:Platform", "dev", "platform-dev"),
            resource("platform:edge:DnsRecords", "dev-dns", "dev"),
            resource("kubernetes:helm.sh/v3:Release", "dev-external-dns", "dev-dns"),
        ]);
        expect(urns).toContain("urn:pulumi:dev::platform::platform:stack:Platform$platform:edge:DnsRecords$kubernetes:helm.sh/v3:Release::dev-external-dns");
        expect(urns).toContain("urn:pulumi:dev::platform::platform:stack:Platform::dev");
    });
});
