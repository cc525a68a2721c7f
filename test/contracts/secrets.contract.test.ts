/**
 * Contracts behind issue 13 items 5 and 12: what the CrossGuard engine shows a validation policy,
 * and which chart keys can carry a password at all.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { CHARTS } from "../../charts/versions";
import { policies } from "../../policy/policies";
import { PROJECT_DIR } from "../harness";

describe("CrossGuard hands validation policies secrets decrypted and unmarked", () => {
    // @pulumi/policy 1.21.0 server.js: validateResource gets deserializeProperties(props, false);
    // deserialize.js turns a secret-signature object into its bare value unless proxySecrets is set
    // (remediations only). So the pack cannot tell a plain-text input from a Pulumi secret, and
    // the plain-text check lives in config validation and the render (docs/adr/0001).
    it("deserialises a secret input to its plain value, indistinguishable from a plain one", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { deserializeProperties } = require("@pulumi/policy/deserialize") as {
            deserializeProperties(s: { toJavaScript(): unknown }, proxy: boolean): Record<string, unknown>;
        };
        const wire = { secretValue: { [specialSigKey]: specialSecretSig, value: "hunter2" }, plainValue: "hunter2" };
        const props = deserializeProperties({ toJavaScript: () => wire }, false);
        expect(props).toEqual({ secretValue: "hunter2", plainValue: "hunter2" });
        expect(JSON.parse(readFileSync(join(PROJECT_DIR, "node_modules", "@pulumi", "policy", "package.json"), "utf8")).version.replace(/^v/, "")).toBe(
            "1.21.0",
        );
        expect(policies.map((p) => p.name)).not.toContain("no-plaintext-secrets");
    });
});

/** Keys a chart's default values define (charts/keys/<chart>.json, from ../shared/chart-values). */
function chartKeys(chart: string): string[] {
    const file = JSON.parse(readFileSync(join(PROJECT_DIR, "charts", "keys", `${chart}.json`), "utf8")) as { keys?: string[]; allow?: string[] };
    return [...(file.keys ?? []), ...(file.allow ?? [])];
}

describe("harbor-helm 1.19.1 takes the internal PostgreSQL password only as a value, and the internal Redis none", () => {
    // templates/_helpers.tpl@v1.19.1 harbor.database.rawPassword: `.Values.database.internal.password`
    // (default "changeit") into the chart's Secrets; `database.external.existingSecret` serves an
    // external database only; harbor.redis.passwordForRegistry returns "" for `type: internal`.
    it("has database.internal.password and no internal existing-secret or Redis password key", () => {
        expect(CHARTS.harbor.version).toBe("1.19.1");
        const keys = chartKeys("harbor");
        expect(keys).toContain("database.internal.password");
        expect(keys.filter((k) => /^database\.internal\..*(existingSecret|secretName)/i.test(k))).toEqual([]);
        expect(keys.filter((k) => /^redis\.internal\..*(password|existingSecret)/i.test(k))).toEqual([]);
        expect(keys).toContain("redis.external.existingSecret");
    });
});

describe("deepflow 7.1.002 takes the MySQL and ClickHouse passwords only as values", () => {
    // deepflow-charts tag v7.1.9 (chart 7.1.002): charts/mysql/templates/configmap.yaml renders
    // `ALTER USER ... BY '<password>'`, deployment.yaml sets MYSQL_ROOT_PASSWORD as a plain `value`;
    // no template reads a Secret for either password (docs/adr/0014).
    it("has the password values and no existing-secret key", () => {
        expect(CHARTS.deepflow.version).toBe("7.1.002");
        const keys = chartKeys("deepflow");
        expect(keys).toEqual(expect.arrayContaining(["global.password.mysql", "global.externalClickHouse.password"]));
        expect(keys.filter((k) => /existingSecret|secretKeyRef/i.test(k))).toEqual([]);
    });
});
