/**
 * Secrets and stored data: no plain-text secret in a non-secret input (render only), and data-bearing
 * resources protected when the stack protects data.
 */
import { isObject, type PolicyRule } from "./resource";

/** Charts whose releases hold data (PVCs, or the CRDs of a data store): protected when the stack protects data. */
const STATEFUL_CHARTS = ["harbor", "loki", "kube-prometheus-stack", "longhorn", "altinity-clickhouse-operator", "deepflow"];
/** Custom resources whose deletion takes their volumes with them. */
const STATEFUL_KINDS = [
    "kubernetes:clickhouse.altinity.com/v1:ClickHouseInstallation",
    "kubernetes:clickhouse-keeper.altinity.com/v1:ClickHouseKeeperInstallation",
];
/**
 * Generated values stored data depends on, by the end of their resource name: the k3s tokens
 * (bootstrap data is encrypted with the server token), Harbor's admin password, encryption key and
 * database password, DeepFlow's MySQL password. Other generated keys and passwords are shared
 * between pods only and may be regenerated, so they are not protected.
 */
const DATA_SECRET_SUFFIXES = [
    "-cluster-token",
    "-cluster-agent-token",
    "-harbor-admin-password",
    "-harbor-secret-key",
    "-harbor-database-password",
    "-deepflow-mysql-password",
];

const SECRET_KEY = /(password|passwd|secret|token|apikey|api_key|privatekey|private_key|secretkey|accesskeysecret)$/i;
/** Keys that name or point at a secret instead of holding one. */
const REFERENCE_KEY =
    /(existingsecret|secretname|secretref|secretkeyref|keyname|secretkey?name|privatekeysecretref|existingsecretkey|existingxsrfsecret(key)?|existingsecretadminpassword(key)?|existingsecretsecretkey|tlssecret)$/i;
/** A `...secret` key whose value is a hyphenated Kubernetes name refers to a Secret object. */
const looksLikeSecretName = (key: string, value: string) => /secret$/i.test(key) && /^[a-z0-9]+(-[a-z0-9]+)+$/.test(value) && value.length <= 253;

/** A value that is only an environment reference (`${NAME}`, `$__env{NAME}`), expanded from a Secret at run time. */
const isEnvReference = (value: string) => /^\$(\{[A-Z_][A-Z0-9_]*\}|__env\{[A-Z_][A-Z0-9_]*\})$/.test(value);

function plaintextSecrets(value: unknown, path: string, marker: string | undefined, out: string[]): void {
    if (Array.isArray(value)) {
        value.forEach((v, i) => plaintextSecrets(v, `${path}[${i}]`, marker, out));
        return;
    }
    if (!isObject(value)) return;
    for (const [key, v] of Object.entries(value)) {
        const here = path ? `${path}.${key}` : key;
        if (
            typeof v === "string" &&
            v !== "" &&
            v !== marker &&
            SECRET_KEY.test(key) &&
            !REFERENCE_KEY.test(key) &&
            !looksLikeSecretName(key, v) &&
            !isEnvReference(v)
        ) {
            out.push(here);
        } else {
            plaintextSecrets(v, here, marker, out);
        }
    }
}

export const noPlaintextSecrets: PolicyRule = {
    name: "no-plaintext-secrets",
    description: "No secret-looking value travels in a non-secret input (render only: it sees which inputs are secret).",
    renderOnly: true,
    check: (r) => {
        if (r.secretMarker === undefined) return []; // decrypted values (the pack's view) cannot be judged
        const found: string[] = [];
        plaintextSecrets(r.inputs, "", r.secretMarker, found);
        return found.map((path) => `${r.name} input ${path} holds a plain-text secret; make it a Pulumi secret or a Secret reference`);
    },
};

export const prodStatefulProtected: PolicyRule = {
    name: "prod-stateful-protected",
    description:
        "When the stack protects data (prod, unless platform:protect is false): data-bearing releases, data store installations and the generated values stored data depends on are protected.",
    check: (r, ctx) => {
        if (!(ctx.protect ?? ctx.profile === "prod") || r.protect) return [];
        const stateful =
            STATEFUL_KINDS.includes(r.type) ||
            (r.type === "kubernetes:helm.sh/v3:Release" && STATEFUL_CHARTS.includes(String(r.inputs.chart))) ||
            (r.type === "random:index/randomPassword:RandomPassword" && DATA_SECRET_SUFFIXES.some((s) => r.name.endsWith(s)));
        return stateful ? [`${r.name} (${r.type}) holds state but is not protected`] : [];
    },
};
