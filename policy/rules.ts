/**
 * The platform's guardrails as pure functions over one resource (type, name, inputs, options).
 * The CrossGuard pack (policy/index.ts) runs them during `pulumi preview`/`up`; the offline render
 * runs the same functions over its output, so fork PRs get the checks without credentials.
 */

/** What a rule sees of a resource: the same shape the render records and the pack receives. */
export interface PolicyResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    readonly protect: boolean;
    /** The input value the render shows for a secret; the pack never sees it. */
    readonly secretMarker?: string;
}

export interface PolicyContext {
    /** Stack profile: `prod` makes rules mandatory and requires protection of stateful resources. */
    readonly profile: "dev" | "prod";
}

export interface PolicyRule {
    readonly name: string;
    readonly description: string;
    /** Violations for one resource: human-readable, naming the resource and field. */
    check(resource: PolicyResource, ctx: PolicyContext): string[];
}

/** Namespaces allowed below `restricted` / to run privileged pods or hostPath volumes. */
export const PRIVILEGED_NAMESPACES = ["ingress-nginx", "deepflow", "longhorn-system", "monitoring", "kube-system", "system-upgrade"];
/** Namespaces where a Service may be of type LoadBalancer. */
export const LOAD_BALANCER_NAMESPACES = ["ingress-nginx"];
/** Charts whose releases hold data: protected in prod. */
export const STATEFUL_CHARTS = ["harbor", "loki", "kube-prometheus-stack", "longhorn", "altinity-clickhouse-operator"];
/** Resource types whose loss destroys data or breaks trust: protected in prod. */
export const STATEFUL_TYPES = ["random:index/randomPassword:RandomPassword", "tls:index/privateKey:PrivateKey"];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Pod specs inside a raw workload object (Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob). */
function podSpecs(inputs: Record<string, unknown>): Record<string, unknown>[] {
    const spec = inputs.spec as Record<string, unknown> | undefined;
    if (!isObject(spec)) return [];
    if (inputs.kind === "Pod") return [spec];
    const template = (spec.jobTemplate as { spec?: { template?: { spec?: unknown } } } | undefined)?.spec?.template ?? (spec.template as { spec?: unknown } | undefined);
    return isObject(template?.spec) ? [template.spec] : [];
}

function containers(pod: Record<string, unknown>): Record<string, unknown>[] {
    return [...((pod.containers as unknown[]) ?? []), ...((pod.initContainers as unknown[]) ?? [])].filter(isObject);
}

/** Every container (init containers included) of a raw workload object. */
function allContainers(inputs: Record<string, unknown>): Record<string, unknown>[] {
    return podSpecs(inputs).flatMap(containers);
}

const isKube = (type: string, kind: string) => new RegExp(`^kubernetes:[^:]+:${kind}$`).test(type);
const namespaceOf = (inputs: Record<string, unknown>) => String((inputs.metadata as { namespace?: unknown } | undefined)?.namespace ?? "default");

/** `repo:tag` or `repo@sha256:...`; a tag other than latest. */
export function isPinnedImage(image: string): boolean {
    if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : "";
    return tag !== "" && tag !== "latest";
}

/** `{repository, tag}` image maps anywhere in chart values; `path` names where. */
function chartImages(values: unknown, path = "values"): { path: string; tag: unknown; digest: unknown }[] {
    if (!isObject(values)) return [];
    const found: { path: string; tag: unknown; digest: unknown }[] = [];
    for (const [key, value] of Object.entries(values)) {
        if (key === "image" && isObject(value) && "repository" in value) {
            found.push({ path: `${path}.image`, tag: value.tag, digest: value.digest });
        } else {
            found.push(...chartImages(value, `${path}.${key}`));
        }
    }
    return found;
}

const SECRET_KEY = /(password|passwd|secret|token|apikey|api_key|privatekey|private_key|secretkey|accesskeysecret)$/i;
/** Keys that name or point at a secret instead of holding one. */
const REFERENCE_KEY = /(existingsecret|secretname|secretref|secretkeyref|keyname|secretkey?name|privatekeysecretref|existingsecretkey|existingxsrfsecret(key)?|existingsecretadminpassword(key)?|existingsecretsecretkey|tlssecret)$/i;
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
        if (typeof v === "string" && v !== "" && v !== marker && SECRET_KEY.test(key) && !REFERENCE_KEY.test(key) && !looksLikeSecretName(key, v) && !isEnvReference(v)) {
            out.push(here);
        } else {
            plaintextSecrets(v, here, marker, out);
        }
    }
}

export const RULES: readonly PolicyRule[] = [
    {
        name: "ingress-tls",
        description: "Every Ingress serves each of its hosts over TLS.",
        check: (r) => {
            if (!isKube(r.type, "Ingress")) return [];
            const spec = (r.inputs.spec ?? {}) as { tls?: { hosts?: string[] }[]; rules?: { host?: string }[] };
            const covered = new Set((spec.tls ?? []).flatMap((t) => t.hosts ?? []));
            const hosts = (spec.rules ?? []).map((rule) => rule.host ?? "*");
            if (covered.size === 0) return [`Ingress ${r.name} has no TLS section`];
            return hosts.filter((h) => !covered.has(h)).map((h) => `Ingress ${r.name} serves ${h} without TLS`);
        },
    },
    {
        name: "images-pinned",
        description: "Container images carry a tag other than latest, or a digest.",
        check: (r) => {
            const out = allContainers(r.inputs)
                .filter((c) => typeof c.image !== "string" || !isPinnedImage(c.image))
                .map((c) => `${r.name} container ${String(c.name)} uses unpinned image ${String(c.image)}`);
            if (r.type === "kubernetes:helm.sh/v3:Release") {
                for (const img of chartImages(r.inputs.values)) {
                    if (img.digest === undefined && (img.tag === "latest" || img.tag === "")) out.push(`${r.name} sets ${img.path}.tag to "${String(img.tag)}"`);
                }
            }
            return out;
        },
    },
    {
        name: "namespace-pod-security",
        description: "Every Namespace enforces a Pod Security Admission level.",
        check: (r) => {
            if (!isKube(r.type, "Namespace")) return [];
            const labels = ((r.inputs.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Record<string, string>;
            const level = labels["pod-security.kubernetes.io/enforce"];
            return ["restricted", "baseline", "privileged"].includes(level) ? [] : [`Namespace ${r.name} has no pod-security.kubernetes.io/enforce label`];
        },
    },
    {
        name: "no-plaintext-secrets",
        description: "No secret-looking value travels in a non-secret input.",
        check: (r) => {
            if (r.secretMarker === undefined) return []; // the pack sees decrypted values; only the render can tell
            const found: string[] = [];
            plaintextSecrets(r.inputs, "", r.secretMarker, found);
            return found.map((path) => `${r.name} input ${path} holds a plain-text secret; make it a Pulumi secret or a Secret reference`);
        },
    },
    {
        name: "load-balancer-allowed",
        description: "Services of type LoadBalancer only where the platform exposes traffic.",
        check: (r) => {
            if (isKube(r.type, "Service") && (r.inputs.spec as { type?: string } | undefined)?.type === "LoadBalancer") {
                const ns = namespaceOf(r.inputs);
                return LOAD_BALANCER_NAMESPACES.includes(ns) ? [] : [`Service ${r.name} is a LoadBalancer in namespace ${ns}`];
            }
            if (r.type === "kubernetes:helm.sh/v3:Release") {
                const ns = String(r.inputs.namespace ?? "default");
                const json = JSON.stringify(r.inputs.values ?? {});
                if (/"type":"LoadBalancer"/.test(json) && !LOAD_BALANCER_NAMESPACES.includes(ns)) return [`${r.name} creates a LoadBalancer Service in namespace ${ns}`];
            }
            return [];
        },
    },
    {
        name: "resources-set",
        description: "Containers the platform defines have CPU/memory requests and a memory limit.",
        check: (r) =>
            allContainers(r.inputs)
                .filter((c) => {
                    const res = (c.resources ?? {}) as { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
                    return !res.requests?.cpu || !res.requests?.memory || !res.limits?.memory;
                })
                .map((c) => `${r.name} container ${String(c.name)} lacks requests or a memory limit`),
    },
    {
        name: "privileged-allowlist",
        description: "Privileged pods, hostPath volumes and privileged namespaces only where allowed.",
        check: (r) => {
            const out: string[] = [];
            if (isKube(r.type, "Namespace")) {
                const name = String((r.inputs.metadata as { name?: string } | undefined)?.name);
                const labels = ((r.inputs.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Record<string, string>;
                if (labels["pod-security.kubernetes.io/enforce"] === "privileged" && !PRIVILEGED_NAMESPACES.includes(name)) {
                    out.push(`Namespace ${name} is privileged but not in the allow-list (${PRIVILEGED_NAMESPACES.join(", ")})`);
                }
            }
            const ns = namespaceOf(r.inputs);
            for (const pod of podSpecs(r.inputs)) {
                if (PRIVILEGED_NAMESPACES.includes(ns)) continue;
                if (((pod.volumes as { hostPath?: unknown }[]) ?? []).some((v) => v.hostPath !== undefined)) out.push(`${r.name} mounts a hostPath in ${ns}`);
                for (const c of containers(pod)) {
                    if ((c.securityContext as { privileged?: boolean } | undefined)?.privileged) out.push(`${r.name} container ${String(c.name)} is privileged in ${ns}`);
                }
            }
            return out;
        },
    },
    {
        name: "helm-chart-pinned",
        description: "Helm charts are installed at an exact version.",
        check: (r) => {
            if (r.type !== "kubernetes:helm.sh/v3:Release" && r.type !== "kubernetes:helm.sh/v4:Chart") return [];
            const version = r.inputs.version;
            return typeof version === "string" && /^v?\d+\.\d+\.\d+(-[\w.]+)?$/.test(version) ? [] : [`${r.name} installs chart ${String(r.inputs.chart)} without an exact version (${String(version)})`];
        },
    },
    {
        name: "prod-stateful-protected",
        description: "In prod, stateful resources (data-bearing releases, generated keys and passwords) are protected.",
        check: (r, ctx) => {
            if (ctx.profile !== "prod" || r.protect) return [];
            const stateful = STATEFUL_TYPES.includes(r.type) || (r.type === "kubernetes:helm.sh/v3:Release" && STATEFUL_CHARTS.includes(String(r.inputs.chart)));
            return stateful ? [`${r.name} (${r.type}) holds state but is not protected`] : [];
        },
    },
];

export interface Violation {
    readonly rule: string;
    readonly resource: string;
    readonly message: string;
}

/** Every violation of every rule across resources, in resource then rule order. */
export function checkAll(resources: readonly PolicyResource[], ctx: PolicyContext): Violation[] {
    return resources.flatMap((r) => RULES.flatMap((rule) => rule.check(r, ctx).map((message) => ({ rule: rule.name, resource: r.name, message }))));
}
