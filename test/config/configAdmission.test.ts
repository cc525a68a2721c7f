import { parsePlatformConfig } from "../../config/config";
import { configProblems, k3sStackConfig, rawConfig } from "../harness";

const app = {
    name: "hello",
    namespace: "apps",
    image: { project: "apps", repository: "hello", digest: `sha256:${"1".repeat(64)}` },
    resources: { requests: { cpu: "10m", memory: "32Mi" } },
};
const withApp = (overrides: Record<string, unknown> = {}) =>
    k3sStackConfig({ "platform:namespaces": [{ name: "apps" }], "platform:harbor": { projects: [{ name: "apps" }] }, "platform:apps": [app], ...overrides });

describe("platform:admission", () => {
    it("is on with apps, warns in dev, and pins the identity to the app workflow on main of the named repository", () => {
        const { admission } = parsePlatformConfig(rawConfig(withApp()));
        expect(admission).toEqual({
            enabled: true,
            mode: "warn",
            signer: {
                issuer: "https://token.actions.githubusercontent.com",
                subject: "https://github.com/example-org/platform/.github/workflows/app.yml@refs/heads/main",
            },
            publicKeys: [],
        });
        expect(parsePlatformConfig(rawConfig(k3sStackConfig())).admission.enabled).toBe(false);
    });

    it("needs a signer (or a key) while apps run, naming the key", () => {
        expect(configProblems(withApp({ "platform:admission": {} }))).toEqual([
            "platform:admission.signer: required while admission is on: the GitHub repository whose app workflow signs the images, e.g. { repository: example-org/platform }; or set platform:admission.enabled: false",
        ]);
        expect(configProblems(withApp({ "platform:admission": { signer: { repository: "not a repo" } } }))).toEqual([
            'platform:admission.signer.repository: expected the GitHub repository as owner/name, e.g. example-org/platform, got "not a repo"',
        ]);
        expect(configProblems(withApp({ "platform:admission": { publicKeys: ["ssh-ed25519 AAAA"] } }))[0]).toMatch(
            /^platform:admission\.publicKeys\[0\]: expected a PEM public key/,
        );
    });

    it("enforces in prod; warning or switching it off there needs a reason", () => {
        const prod = (admission: Record<string, unknown>) =>
            withApp({
                "platform:profile": "prod",
                "platform:admission": { signer: { repository: "example-org/platform" }, ...admission },
                "platform:cluster": {
                    mode: "k3s",
                    k3s: {
                        ...(k3sStackConfig()["platform:cluster"] as { k3s: Record<string, unknown> }).k3s,
                        servers: ["a", "b", "c"].map((n, i) => ({
                            name: n,
                            host: `192.0.2.1${i}`,
                            hostKey: (k3sStackConfig()["platform:cluster"] as { k3s: { servers: { hostKey: string }[] } }).k3s.servers[0].hostKey,
                        })),
                    },
                },
            });
        expect(configProblems(prod({ mode: "warn" }))).toContain(
            "platform:admission.mode: the prod profile enforces image signatures for its apps; set platform:admission.reason to say why this stack does not",
        );
        expect(configProblems(prod({ enabled: false }))).toContain(
            "platform:admission.enabled: the prod profile enforces image signatures for its apps; set platform:admission.reason to say why this stack does not",
        );
        expect(
            configProblems(prod({ mode: "warn", reason: "migration week 12: images re-signed by Friday" })).filter((p) => p.startsWith("platform:admission")),
        ).toEqual([]);
    });

    it("refuses admission switched on explicitly without Harbor", () => {
        expect(
            configProblems(k3sStackConfig({ "platform:harbor": { enabled: false }, "platform:admission": { enabled: true, signer: { repository: "a/b" } } })),
        ).toContain(
            "platform:admission.enabled: signature admission checks the images CI pushes to Harbor, which is disabled (platform:harbor.enabled); set platform:admission.enabled: false",
        );
    });
});
