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

    it("shows the offending line with a caret under the column, and no dangling colon", () => {
        // The yaml library's own message ends in "at line 5, column 4:" and loses its excerpt when
        // only its first line is kept (the old message ended in that colon).
        const file = join(dir, "Pulumi.indent.yaml");
        writeFileSync(file, "config:\n  platform:profile: dev\n  platform:cluster:\n    mode: k3s\n   k3s: {}\n");
        let message = "";
        try {
            parseYamlFile(file);
        } catch (err) {
            message = (err as Error).message;
        }
        const lines = message.split("\n");
        expect(lines[0]).toBe(`${file}:5:1: YAML syntax error: All mapping items must start at the same column`);
        expect(lines.slice(1)).toEqual(["  4 |     mode: k3s", "  5 |    k3s: {}", "    | ^"]);
    });

    it("puts the caret under the column of an unclosed flow sequence", () => {
        const file = join(dir, "Pulumi.flow.yaml");
        writeFileSync(file, "config:\n  platform:domain: dev.example.com\n  platform:namespaces: [apps\n");
        let message = "";
        try {
            parseYamlFile(file);
        } catch (err) {
            message = (err as Error).message;
        }
        const [first, ...excerpt] = message.split("\n");
        expect(first).not.toMatch(/:$/);
        const caret = excerpt.at(-1)!;
        const [, , col] = /:(\d+):(\d+): /.exec(first)!.map(Number);
        expect(caret.indexOf("^") - caret.indexOf("|") - 2).toBe(col - 1);
        expect(excerpt.some((l) => l.includes("platform:namespaces: [apps") || l.includes("platform:domain"))).toBe(true);
    });

    it("names the missing stack file and where to read how to write one", () => {
        expect(() => readStackFile(PROJECT_DIR, "nosuchstack")).toThrow(
            /no stack file .*Pulumi\.nosuchstack\.yaml; create it \(see README, "Configuration reference"/,
        );
    });

    it("reads the secrets provider as the Pulumi CLI does: a KMS URL with its key, else the passphrase salt; `secretsprovider: passphrase` alone is none", () => {
        const salt = "v1:c2FsdA==:v1:bm9uY2U=:Y2lwaGVy";
        expect(secretsProviderOf({ encryptionsalt: salt })).toEqual({ kind: "passphrase" });
        expect(secretsProviderOf({ secretsprovider: "passphrase", encryptionsalt: salt })).toEqual({ kind: "passphrase" });
        // pulumi v3.248.0 pkg/cmd/pulumi/stack/secrets.go: "passphrase" without a salt falls to the backend's default manager.
        expect(secretsProviderOf({ secretsprovider: "passphrase" })).toBeUndefined();
        expect(secretsProviderOf({ secretsprovider: "awskms://alias/platform-prod?region=eu-central-1", encryptedkey: "AQIC" })).toEqual({
            kind: "cloud",
            url: "awskms://alias/platform-prod?region=eu-central-1",
        });
        expect(secretsProviderOf({ secretsprovider: "awskms://alias/platform-prod" })).toBeUndefined();
        expect(secretsProviderOf({ secretsprovider: "default" })).toBeUndefined();
        expect(secretsProviderOf({})).toBeUndefined();
    });

    it.each(stackNames())("Pulumi.%s.yaml declares its secrets provider (its own passphrase holds on any backend)", (stack) => {
        expect(readStackFile(PROJECT_DIR, stack).secretsProvider).toEqual({ kind: "passphrase" });
    });
});
