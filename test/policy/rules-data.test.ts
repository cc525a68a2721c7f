import type { PolicyResource } from "../../policy/rules";
import { dev, prod, res, rule } from "./ruleFixtures";

describe("policy rules", () => {
    describe("no-plaintext-secrets", () => {
        it("passes secrets shown as [secret] and references to Secrets", () => {
            const inputs = {
                connection: { password: "[secret]" },
                values: {
                    existingSecretAdminPassword: "harbor-admin",
                    core: { existingSecret: "harbor-core", secretName: "tok" },
                    ingress: { tlsSecret: "longhorn-tls", annotations: { "nginx.org/basic-auth-secret": "longhorn-ui-auth" } },
                    // Expanded from a Secret mounted as env (Loki's -config.expand-env, Grafana provisioning).
                    s3: { secretAccessKey: "${LOKI_S3_SECRET_ACCESS_KEY}" },
                    datasource: { secureJsonData: { password: "$__env{CLICKHOUSE_GRAFANA_PASSWORD}" } },
                },
            };
            expect(rule("no-plaintext-secrets").check(res("kubernetes:helm.sh/v3:Release", inputs), dev)).toEqual([]);
        });
        it("fails a plain-text password or token", () => {
            const inputs = { values: { adminPassword: "hunter2", auth: { apiToken: "abc" }, clientSecret: "Xk29fjq", dbPassword: "pre${FIX}" } };
            expect(rule("no-plaintext-secrets").check(res("kubernetes:helm.sh/v3:Release", inputs), dev)).toEqual([
                "r1 input values.adminPassword holds a plain-text secret; make it a Pulumi secret or a Secret reference",
                "r1 input values.auth.apiToken holds a plain-text secret; make it a Pulumi secret or a Secret reference",
                "r1 input values.clientSecret holds a plain-text secret; make it a Pulumi secret or a Secret reference",
                "r1 input values.dbPassword holds a plain-text secret; make it a Pulumi secret or a Secret reference",
            ]);
        });
        it("is render-only: the pack sees decrypted values and cannot judge them", () => {
            expect(rule("no-plaintext-secrets").renderOnly).toBe(true);
            expect(rule("no-plaintext-secrets").check(res("x:y:Z", { password: "p" }, { secretMarker: undefined }), dev)).toEqual([]);
        });
    });

    describe("prod-stateful-protected", () => {
        const harbor = (protect: boolean) => res("kubernetes:helm.sh/v3:Release", { chart: "harbor" }, { protect });
        it("passes protected state in prod and anything in dev", () => {
            expect(rule("prod-stateful-protected").check(harbor(true), prod)).toEqual([]);
            expect(rule("prod-stateful-protected").check(harbor(false), dev)).toEqual([]);
            expect(rule("prod-stateful-protected").check(res("kubernetes:helm.sh/v3:Release", { chart: "nginx-ingress" }), prod)).toEqual([]);
        });
        it("fails unprotected data in prod: data-bearing releases, ClickHouse installations, the values stored data depends on", () => {
            const check = (r: PolicyResource) => rule("prod-stateful-protected").check(r, prod);
            expect(check(harbor(false))).toEqual(["r1 (kubernetes:helm.sh/v3:Release) holds state but is not protected"]);
            expect(check(res("kubernetes:helm.sh/v3:Release", { chart: "deepflow" }))).toHaveLength(1);
            expect(check(res("kubernetes:clickhouse.altinity.com/v1:ClickHouseInstallation", {}))).toHaveLength(1);
            expect(check(res("random:index/randomPassword:RandomPassword", {}, { name: "prod-cluster-token" }))).toHaveLength(1);
            expect(check(res("random:index/randomPassword:RandomPassword", {}, { name: "prod-harbor-database-password" }))).toHaveLength(1);
        });
        it("leaves values shared between pods only unprotected: they may be regenerated", () => {
            const check = (r: PolicyResource) => rule("prod-stateful-protected").check(r, prod);
            expect(check(res("random:index/randomPassword:RandomPassword", {}, { name: "prod-harbor-xsrf-key" }))).toEqual([]);
            expect(check(res("tls:index/privateKey:PrivateKey", {}, { name: "prod-harbor-internal-ca-key" }))).toEqual([]);
        });
        it("follows platform:protect over the profile", () => {
            expect(rule("prod-stateful-protected").check(harbor(false), { profile: "prod", protect: false })).toEqual([]);
            expect(rule("prod-stateful-protected").check(harbor(false), { profile: "dev", protect: true })).toHaveLength(1);
        });
    });
});
