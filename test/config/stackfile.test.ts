import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseYamlFile, readStackFile, secretsProviderOf, StackFileError } from "../../offline/stackfile";
import { stackNames } from "../shared";
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

    it("reads the secrets provider as the Pulumi CLI does: a KMS URL with its key, else the passphrase salt; `secretsprovider: passphrase` alone is none", () => {
        const salt = "v1:c2FsdA==:v1:bm9uY2U=:Y2lwaGVy";
        expect(secretsProviderOf({ encryptionsalt: salt })).toEqual({ kind: "passphrase" });
        expect(secretsProviderOf({ secretsprovider: "passphrase", encryptionsalt: salt })).toEqual({ kind: "passphrase" });
        // pulumi v3.248.0 pkg/cmd/pulumi/stack/secrets.go: "passphrase" without a salt falls to the backend's default manager.
        expect(secretsProviderOf({ secretsprovider: "passphrase" })).toBeUndefined();
        expect(secretsProviderOf({ secretsprovider: "awskms://alias/platform-prod?region=eu-central-1", encryptedkey: "AQIC" })).toEqual({ kind: "cloud", url: "awskms://alias/platform-prod?region=eu-central-1" });
        expect(secretsProviderOf({ secretsprovider: "awskms://alias/platform-prod" })).toBeUndefined();
        expect(secretsProviderOf({ secretsprovider: "default" })).toBeUndefined();
        expect(secretsProviderOf({})).toBeUndefined();
    });

    it.each(stackNames())("Pulumi.%s.yaml declares its secrets provider (its own passphrase holds on any backend)", (stack) => {
        expect(readStackFile(PROJECT_DIR, stack).secretsProvider).toEqual({ kind: "passphrase" });
    });
});
