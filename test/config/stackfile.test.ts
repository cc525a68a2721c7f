import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseYamlFile, readStackFile, StackFileError } from "../../offline/stackfile";
import { PROJECT_DIR } from "../harness";

describe("stack files", () => {
    const dir = mkdtempSync(join(tmpdir(), "stackfile-"));

    it("reports a YAML syntax error as file:line:col, without a stack trace", () => {
        const file = join(dir, "Pulumi.broken.yaml");
        writeFileSync(file, "config:\n  platform:profile: dev\n  platform:domain: [unclosed\n");
        let error: unknown;
        try {
            parseYamlFile(file);
        } catch (err) {
            error = err;
        }
        expect(error).toBeInstanceOf(StackFileError);
        expect((error as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:\\d+:\\d+: YAML syntax error: `));
        expect((error as Error).message).not.toContain("\n    at ");
    });

    it("names the missing stack file and where to read how to write one", () => {
        expect(() => readStackFile(PROJECT_DIR, "nosuchstack")).toThrow(/no stack file .*Pulumi\.nosuchstack\.yaml; create it \(see README, "Configuration reference"/);
    });
});
