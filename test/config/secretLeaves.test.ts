import { isSecretLikeKey, plainLeaves, plaintextSecretLeaves, secretValueKind } from "../../config/secretLeaves";
import { configProblems, k3sStackConfig } from "../harness";

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
        const found = plaintextSecretLeaves(input, {
            plain: plainLeaves("platform", stackConfig),
            secretTopKeys: new Set(["cluster", "apps"]),
            namespace: "platform",
            isSchemaSecret: schemaSecret,
        }).map((l) => l.path);
        expect(found).toEqual([
            ["cluster", "k3s", "etcdSnapshots", "s3", "secretKey"],
            ["apps", 0, "secrets", "API_KEY"],
        ]);
        // Without the stack file, only a top-level key with no secure value at all gives a leaf away.
        expect(
            plaintextSecretLeaves(input, {
                plain: undefined,
                secretTopKeys: new Set(["cluster", "apps"]),
                namespace: "platform",
                isSchemaSecret: schemaSecret,
            }),
        ).toEqual([]);
        expect(
            plaintextSecretLeaves(input, { plain: undefined, secretTopKeys: new Set(["apps"]), namespace: "platform", isSchemaSecret: schemaSecret }).map(
                (l) => l.path,
            ),
        ).toEqual([
            ["cluster", "k3s", "ssh", "privateKey"],
            ["cluster", "k3s", "etcdSnapshots", "s3", "secretKey"],
        ]);
    });

    it("treats credential names as secret and references to Secrets as names", () => {
        for (const key of [
            "password",
            "smtpPassword",
            "apiToken",
            "secretKey",
            "privateKey",
            "secretAccessKey",
            "accessKeySecret",
            "tsigSecret",
            "webhookUrl",
            "routingKey",
            "kubeconfig",
            "API_KEY",
            "DB_PASSWORD",
            "x-api-token",
        ]) {
            expect(isSecretLikeKey(key)).toBe(true);
        }
        for (const key of [
            "accessKey",
            "accessKeyId",
            "existingSecret",
            "secretName",
            "tlsSecret",
            "tsigKeyName",
            "hostKey",
            "username",
            "TLS_SECRET_NAME",
            "PASSWORD_FILE",
        ]) {
            expect(isSecretLikeKey(key)).toBe(false);
        }
    });

    it("finds credentials by value too, under any key: a URL with a password, password= settings, well-known token formats", () => {
        const looksSecret: [string, string][] = [
            ["postgres://app:s3cr3t@db.example.com:5432/app", "a URL with a password in it"],
            ["redis://:hunter2@cache:6379/0", "a URL with a password in it"],
            ["host=db user=app password=s3cr3t sslmode=require", "a password=/token= setting with a value"],
            ["Server=db;Database=app;Pwd=s3cr3t;", "a password=/token= setting with a value"],
            ["-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----", "a private key"],
            [`ghp_${"a1B2".repeat(9)}`, "a GitHub token"],
            ["glpat-abcdefghij0123456789", "a GitLab token"],
            ["xoxb-123456789012-abcdefghijkl", "a Slack token"],
            ["https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXX", "a Slack webhook URL"],
            [`AIza${"x".repeat(35)}`, "a Google API key"],
            [`npm_${"A".repeat(36)}`, "an npm token"],
            ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVl", "a JSON web token"],
        ];
        for (const [value, kind] of looksSecret) expect([value, secretValueKind(value)]).toEqual([value, kind]);
        // Not credentials: endpoints, ids, durations, descriptions.
        for (const value of [
            "https://minio.example.com",
            "https://user@git.example.com/repo.git",
            "AKIAEXAMPLEDNS",
            "password reset page",
            "token-bucket",
            "info",
            "sha256:" + "1".repeat(64),
            "5m",
        ]) {
            expect([value, secretValueKind(value)]).toEqual([value, undefined]);
        }
    });

    it("refuses such a value in plain text under a key that does not look secret, naming the key and the kind, never the value", () => {
        const app = {
            name: "hello",
            namespace: "apps",
            image: { project: "apps", repository: "hello", digest: `sha256:${"1".repeat(64)}` },
            resources: { requests: { cpu: "10m", memory: "32Mi" } },
            env: { DATABASE_URL: "postgres://app:s3cr3t-91@db:5432/app", LOG_LEVEL: "info" },
        };
        const problems = configProblems(
            k3sStackConfig({ "platform:namespaces": [{ name: "apps" }], "platform:harbor": { projects: [{ name: "apps" }] }, "platform:apps": [app] }),
        );
        expect(problems).toContain(
            "platform:apps[0].env.DATABASE_URL: must be a secret but was given in plain text (its value looks like a URL with a password in it); set it with: pulumi config set --secret --path 'apps[0].env.DATABASE_URL' < file",
        );
        expect(problems.join("\n")).not.toContain("s3cr3t-91");
    });
});
