import { isSecretLikeKey, plainLeaves, plaintextSecretLeaves } from "../../config/secretLeaves";

describe("secret leaves of a stack file", () => {
    const stackConfig = {
        "platform:cluster": { k3s: { ssh: { privateKey: { secure: "v1:abc" } }, etcdSnapshots: { s3: { accessKey: "AKIA1", secretKey: "plain" } } } },
        "platform:apps": [{ name: "web", secrets: { API_KEY: "plain-too", DB: { secure: "v1:def" } } }],
        "kubernetes:context": "admin",
    };

    it("lists every leaf given in plain text, by its full key path, and no secure one", () => {
        expect([...plainLeaves("platform", stackConfig)].sort()).toEqual([
            "kubernetes:context",
            "platform:apps[0].name",
            "platform:apps[0].secrets.API_KEY",
            "platform:cluster.k3s.etcdSnapshots.s3.accessKey",
            "platform:cluster.k3s.etcdSnapshots.s3.secretKey",
        ]);
    });

    it("finds plain leaves the schema marks secret or whose key is a credential's, even under a secret top-level key", () => {
        const input = {
            cluster: { k3s: { ssh: { privateKey: "decrypted" }, etcdSnapshots: { s3: { accessKey: "AKIA1", secretKey: "plain" } } } },
            apps: [{ name: "web", secrets: { API_KEY: "plain-too", DB: "decrypted" } }],
        };
        const schemaSecret = (path: readonly (string | number)[]) => path[0] === "apps" && path[2] === "secrets";
        const found = plaintextSecretLeaves(input, { plain: plainLeaves("platform", stackConfig), secretTopKeys: new Set(["cluster", "apps"]), namespace: "platform", isSchemaSecret: schemaSecret });
        expect(found).toEqual([
            ["cluster", "k3s", "etcdSnapshots", "s3", "secretKey"],
            ["apps", 0, "secrets", "API_KEY"],
        ]);
        // Without the stack file, only a top-level key with no secure value at all gives a leaf away.
        expect(plaintextSecretLeaves(input, { plain: undefined, secretTopKeys: new Set(["cluster", "apps"]), namespace: "platform", isSchemaSecret: schemaSecret })).toEqual([]);
        expect(plaintextSecretLeaves(input, { plain: undefined, secretTopKeys: new Set(["apps"]), namespace: "platform", isSchemaSecret: schemaSecret })).toEqual([
            ["cluster", "k3s", "ssh", "privateKey"],
            ["cluster", "k3s", "etcdSnapshots", "s3", "secretKey"],
        ]);
    });

    it("treats credential names as secret and references to Secrets as names", () => {
        for (const key of ["password", "smtpPassword", "apiToken", "secretKey", "privateKey", "secretAccessKey", "accessKeySecret", "tsigSecret", "webhookUrl", "routingKey", "kubeconfig", "API_KEY", "DB_PASSWORD", "x-api-token"]) {
            expect(isSecretLikeKey(key)).toBe(true);
        }
        for (const key of ["accessKey", "accessKeyId", "existingSecret", "secretName", "tlsSecret", "tsigKeyName", "hostKey", "username", "TLS_SECRET_NAME", "PASSWORD_FILE"]) {
            expect(isSecretLikeKey(key)).toBe(false);
        }
    });
});
