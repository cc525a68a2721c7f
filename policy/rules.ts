/**
 * The platform's guardrails as pure functions over one resource (type, name, inputs, options).
 * The CrossGuard pack (policy/index.ts) runs them during `pulumi preview`/`up`; the offline render
 * runs the same functions over its output, so fork PRs get the checks without credentials.
 * It imports only data tables with no imports of their own (charts/namespaces.ts, charts/images.ts):
 * the pack runs from this repository's checkout (`policyPacks: policy` in the workflows), never
 * published alone.
 */
import { MOVING_TAG_IMAGES } from "../charts/images";
import { NAMESPACES } from "../charts/namespaces";

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
    /** Stack profile: `prod` makes rules mandatory and, unless `protect` says otherwise, requires protection of data. */
    readonly profile: "dev" | "prod";
    /** The stack's `platform:protect` (resolved); undefined: protect data in prod only. */
    readonly protect?: boolean;
}

export interface PolicyRule {
    readonly name: string;
    readonly description: string;
    /**
     * Reported but never blocking, in every profile (the render lists it apart; the pack config
     * sets it `advisory`). For a rule whose data is not there yet (image digests, docs/adr/0013).
     */
    readonly advisory?: boolean;
    /**
     * Only the render can judge it (it sees which inputs are secret); the CrossGuard pack, which sees
     * decrypted values, leaves it out rather than pretend (docs/security.md, item 5).
     */
    readonly renderOnly?: boolean;
    /** Violations for one resource: human-readable, naming the resource and field. */
    check(resource: PolicyResource, ctx: PolicyContext): string[];
}

/** Namespaces allowed below `restricted` / to run privileged pods or hostPath volumes. */
const PRIVILEGED_NAMESPACES: readonly string[] = [
    NAMESPACES.ingress,
    NAMESPACES.deepflow,
    NAMESPACES.longhorn,
    NAMESPACES.monitoring,
    NAMESPACES.kubeSystem,
    NAMESPACES.systemUpgrade,
];
/**
 * Where pods may share the node's network or PID namespace, mount host paths, publish host ports
 * or add Linux capabilities, and why. `capabilities` lists what may be added (`*`: any).
 */
export const HOST_ACCESS: Readonly<
    Record<string, { readonly reason: string; readonly allows: readonly HostAccess[]; readonly capabilities: readonly string[] }>
> = {
    [NAMESPACES.longhorn]: {
        reason: "Longhorn's manager, engine and CSI plugin attach block devices and mount /var/lib/longhorn and /dev from the node",
        allows: ["hostNetwork", "hostPID", "hostPath", "hostPort", "capabilities"],
        capabilities: ["*"],
    },
    [NAMESPACES.deepflow]: {
        reason: "the DeepFlow agent captures traffic on the node's interfaces (hostNetwork, NET_ADMIN, SYS_ADMIN, eBPF) and reads /proc and /sys",
        allows: ["hostNetwork", "hostPID", "hostPath", "capabilities"],
        capabilities: ["*"],
    },
    [NAMESPACES.systemUpgrade]: {
        reason: "upgrade Jobs replace the k3s binary on the node (hostPath /, hostPID, hostNetwork)",
        allows: ["hostNetwork", "hostPID", "hostPath"],
        capabilities: [],
    },
    [NAMESPACES.ingress]: {
        reason: "with exposure hostPort the controller publishes 80/443 on each node; it binds them as a non-root user (NET_BIND_SERVICE)",
        allows: ["hostPort", "capabilities"],
        capabilities: ["NET_BIND_SERVICE"],
    },
};
export type HostAccess = "hostNetwork" | "hostPID" | "hostIPC" | "hostPath" | "hostPort" | "capabilities";

/** Namespaces where a Service may be of type LoadBalancer. */
const LOAD_BALANCER_NAMESPACES: readonly string[] = [NAMESPACES.ingress];
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

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Pod specs inside a raw workload object (Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob). */
function podSpecs(inputs: Record<string, unknown>): Record<string, unknown>[] {
    const spec = inputs.spec as Record<string, unknown> | undefined;
    if (!isObject(spec)) return [];
    if (inputs.kind === "Pod") return [spec];
    const template =
        (spec.jobTemplate as { spec?: { template?: { spec?: unknown } } } | undefined)?.spec?.template ?? (spec.template as { spec?: unknown } | undefined);
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

/** Tags that move by design. */
const MOVING_TAGS = new Set(["latest", "stable", "main", "master", "edge", "nightly", "dev", "develop", "lts", "current", "release", "rolling"]);

/** A tag that names a moving target: `latest` and friends (also `latest-dev`), or only a major or major.minor (`v7`, `v7.1`, `24.8`). */
export function isFloatingTag(tag: string): boolean {
    return MOVING_TAGS.has(tag.toLowerCase()) || /^latest-/i.test(tag) || /^v?\d+(\.\d+)?$/.test(tag);
}

/** Tag and digest of an image reference (`registry:5000/repo:tag@sha256:...`). */
function parseImage(image: string): { tag?: string; digest?: string } {
    const at = image.indexOf("@");
    const digest = at >= 0 && /^sha256:[a-f0-9]{64}$/.test(image.slice(at + 1)) ? image.slice(at + 1) : undefined;
    const name = at >= 0 ? image.slice(0, at) : image;
    const lastSegment = name.slice(name.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    return { ...(colon >= 0 && colon < lastSegment.length - 1 ? { tag: lastSegment.slice(colon + 1) } : {}), ...(digest ? { digest } : {}) };
}

/** Pinned: a digest, or a tag that does not float. */
export function isPinnedImage(image: string): boolean {
    const { tag, digest } = parseImage(image);
    return digest !== undefined || (tag !== undefined && !isFloatingTag(tag));
}

/** `<name>:<tag>` of the images whose upstream publishes only a moving tag (charts/images.ts MOVING_TAG_IMAGES). */
const ACCEPTED_MOVING_TAGS = new Set(MOVING_TAG_IMAGES.map((e) => `${e.image.slice(e.image.lastIndexOf("/") + 1)}:${e.tag}`));

/**
 * One of those images at exactly that tag, from any registry (the registry is configurable, e.g. a
 * Harbor proxy). Anything else with a floating tag, including another tag of the same image, is not.
 */
export function isAcceptedMovingTag(image: string): boolean {
    const name = image.split("@")[0];
    return ACCEPTED_MOVING_TAGS.has(name.slice(name.lastIndexOf("/") + 1));
}

/** Every pod spec in a raw object, wherever it sits (workload templates, Pods, custom resources' pod templates). */
function podSpecsDeep(
    value: unknown,
    path: string,
    out: { path: string; spec: Record<string, unknown> }[] = [],
): { path: string; spec: Record<string, unknown> }[] {
    if (Array.isArray(value)) {
        value.forEach((v, i) => podSpecsDeep(v, `${path}[${i}]`, out));
    } else if (isObject(value)) {
        if (Array.isArray(value.containers)) {
            out.push({ path, spec: value });
        }
        for (const [k, v] of Object.entries(value)) {
            if (k !== "containers" && k !== "initContainers") podSpecsDeep(v, path ? `${path}.${k}` : k, out);
        }
    }
    return out;
}

/**
 * The image references a chart's values set: `image: "repo:tag"` strings, `image: {repository, tag,
 * digest}` maps, and maps that carry the tag or digest as `version` (sigstore's policy-controller
 * chart: a `sha256:` version is a digest, `tag@sha256:...` a tag and its digest, as the leases-cleanup
 * hook's image takes them, anything else a tag).
 */
function valuesImages(value: unknown, path: string, out: { path: string; ref?: string; tag?: unknown; digest?: unknown; repository?: unknown }[] = []) {
    if (Array.isArray(value)) {
        value.forEach((v, i) => valuesImages(v, `${path}[${i}]`, out));
    } else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
            const here = `${path}.${k}`;
            if (k === "image" && typeof v === "string") {
                out.push({ path: here, ref: v });
            } else if (k === "image" && isObject(v) && ("repository" in v || "tag" in v)) {
                const version = typeof v.version === "string" ? parseVersion(v.version) : {};
                out.push({ path: here, tag: v.tag ?? version.tag, digest: v.digest ?? version.digest, repository: v.repository });
            } else {
                valuesImages(v, here, out);
            }
        }
    }
    return out;
}

/** A chart's image `version`: a digest (`sha256:...`), a tag and its digest (`tag@sha256:...`), or a tag. */
function parseVersion(version: string): { tag?: string; digest?: string } {
    if (version.startsWith("sha256:")) return { digest: version };
    const at = version.indexOf("@");
    return at >= 0 && /^sha256:[a-f0-9]{64}$/.test(version.slice(at + 1)) ? { tag: version.slice(0, at), digest: version.slice(at + 1) } : { tag: version };
}

/** Container images of one raw object, with where they are. */
function rawImages(inputs: Record<string, unknown>): { where: string; image: unknown }[] {
    const found = podSpecsDeep(inputs, "").flatMap(({ spec }) => containers(spec).map((c) => ({ where: `container ${String(c.name)}`, image: c.image })));
    return found;
}

const isRelease = (type: string) => type === "kubernetes:helm.sh/v3:Release";

/** system-upgrade-controller Plans name an image without a tag: the controller appends `spec.version`. */
function planImages(r: PolicyResource): { where: string; image: string }[] {
    if (!isKube(r.type, "Plan") || !isObject(r.inputs.spec)) return [];
    const spec = r.inputs.spec;
    const version = typeof spec.version === "string" ? spec.version : undefined;
    return ["prepare", "upgrade"]
        .map((k) => (isObject(spec[k]) ? (spec[k] as { image?: unknown }).image : undefined))
        .filter((i): i is string => typeof i === "string")
        .map((image) => ({ where: "plan", image: parseImage(image).tag === undefined && version !== undefined ? `${image}:${version}` : image }));
}

/**
 * Ingresses a chart's values turn on without TLS: `ingress: {enabled: true}` with no `tls` list (or
 * `tls: true`, Longhorn's form), and Harbor's `expose: {type: ingress, tls: {enabled: false}}`.
 */
function chartIngressesWithoutTls(value: unknown, path: string, out: string[] = []): string[] {
    if (Array.isArray(value)) {
        value.forEach((v, i) => chartIngressesWithoutTls(v, `${path}[${i}]`, out));
    } else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
            const here = `${path}.${k}`;
            if (k === "ingress" && isObject(v) && v.enabled === true) {
                const tls = v.tls;
                if (!(tls === true || (Array.isArray(tls) && tls.length > 0) || (isObject(tls) && tls.enabled === true))) out.push(here);
            }
            if (k === "expose" && isObject(v) && v.type === "ingress" && isObject(v.tls) && v.tls.enabled === false) out.push(`${here}.tls`);
            chartIngressesWithoutTls(v, here, out);
        }
    }
    return out;
}

/** Objects in chart values that ask for host access, by kind. */
function valuesHostAccess(value: unknown, path: string, out: { kind: HostAccess; path: string; capabilities?: string[] }[] = []) {
    if (Array.isArray(value)) {
        value.forEach((v, i) => valuesHostAccess(v, `${path}[${i}]`, out));
    } else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
            const here = `${path}.${k}`;
            if ((k === "hostNetwork" || k === "hostPID" || k === "hostIPC") && v === true) out.push({ kind: k, path: here });
            else if (k === "hostPath" && (isObject(v) || (typeof v === "string" && v !== ""))) out.push({ kind: "hostPath", path: here });
            // A container's `hostPort: 80`, or a chart switch such as F5 NIC's `hostPort: {enable: true}`.
            else if (k === "hostPort" && (typeof v === "number" || (isObject(v) && (v.enable === true || v.enabled === true))))
                out.push({ kind: "hostPort", path: here });
            else if (k === "capabilities" && isObject(v) && Array.isArray(v.add) && v.add.length > 0)
                out.push({ kind: "capabilities", path: `${here}.add`, capabilities: v.add.map(String) });
            valuesHostAccess(v, here, out);
        }
    }
    return out;
}

/** Host access a raw object's pod specs ask for. */
function podHostAccess(inputs: Record<string, unknown>): { kind: HostAccess; path: string; capabilities?: string[] }[] {
    const out: { kind: HostAccess; path: string; capabilities?: string[] }[] = [];
    for (const { path, spec } of podSpecsDeep(inputs, "")) {
        for (const kind of ["hostNetwork", "hostPID", "hostIPC"] as const) if (spec[kind] === true) out.push({ kind, path: `${path}.${kind}` });
        ((spec.volumes as unknown[]) ?? [])
            .filter(isObject)
            .forEach((v, i) => v.hostPath !== undefined && out.push({ kind: "hostPath", path: `${path}.volumes[${i}]` }));
        for (const c of containers(spec)) {
            ((c.ports as unknown[]) ?? [])
                .filter(isObject)
                .forEach(
                    (p) => typeof p.hostPort === "number" && out.push({ kind: "hostPort", path: `container ${String(c.name)} port ${String(p.hostPort)}` }),
                );
            const add = (c.securityContext as { capabilities?: { add?: unknown[] } } | undefined)?.capabilities?.add;
            if (Array.isArray(add) && add.length > 0) out.push({ kind: "capabilities", path: `container ${String(c.name)}`, capabilities: add.map(String) });
        }
    }
    return out;
}

/** Paths in chart values whose `type` is NodePort. */
function nodePortPaths(value: unknown, path: string, out: string[] = []): string[] {
    if (Array.isArray(value)) {
        value.forEach((v, i) => nodePortPaths(v, `${path}[${i}]`, out));
    } else if (isObject(value)) {
        if (typeof value.type === "string" && value.type.toLowerCase() === "nodeport") out.push(`${path}.type`);
        for (const [k, v] of Object.entries(value)) nodePortPaths(v, `${path}.${k}`, out);
    }
    return out;
}

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

export const RULES: readonly PolicyRule[] = [
    {
        name: "ingress-tls",
        description:
            "Every Ingress serves each of its hosts over TLS, raw or enabled in a chart's values; every F5 NGINX VirtualServer has a TLS Secret and redirects HTTP to HTTPS.",
        check: (r) => {
            if (isRelease(r.type))
                return chartIngressesWithoutTls(r.inputs.values, "values").map((path) => `${r.name} enables an Ingress at ${path} without TLS`);
            if (isKube(r.type, "VirtualServer")) {
                // Apps are VirtualServers (docs/adr/0020). Without tls.secret the host answers plain HTTP;
                // without tls.redirect.enable it answers both (nginx/kubernetes-ingress@v5.5.4
                // internal/configs/virtualserver.go generateSSLConfig, generateTLSRedirectConfig).
                const tls = ((r.inputs.spec ?? {}) as { tls?: { secret?: string; redirect?: { enable?: boolean } } }).tls;
                if (!tls?.secret) return [`VirtualServer ${r.name} has no TLS secret`];
                return tls.redirect?.enable === true ? [] : [`VirtualServer ${r.name} does not redirect HTTP to HTTPS`];
            }
            if (!isKube(r.type, "Ingress")) return [];
            // An F5 NIC minion may not carry TLS and is only ever served inside its master's server, which
            // this rule checks (nginx/kubernetes-ingress@v5.5.4 internal/k8s/validation.go validateMinionSpec,
            // configuration.go buildHostsAndResources).
            const annotations = ((r.inputs.metadata ?? {}) as { annotations?: Record<string, string> }).annotations ?? {};
            if (annotations["nginx.org/mergeable-ingress-type"] === "minion") return [];
            const spec = (r.inputs.spec ?? {}) as { tls?: { hosts?: string[] }[]; rules?: { host?: string }[] };
            const covered = new Set((spec.tls ?? []).flatMap((t) => t.hosts ?? []));
            const hosts = (spec.rules ?? []).map((rule) => rule.host ?? "*");
            if (covered.size === 0) return [`Ingress ${r.name} has no TLS section`];
            return hosts.filter((h) => !covered.has(h)).map((h) => `Ingress ${r.name} serves ${h} without TLS`);
        },
    },
    {
        name: "images-pinned",
        description:
            "Container images carry a tag that does not float (not latest, not only major or major.minor) or a digest: raw workloads, pod templates in custom resources, and images set in Helm values. The only exceptions are the images upstream publishes under a moving tag alone (charts/images.ts MOVING_TAG_IMAGES), at that tag.",
        check: (r) => {
            const out: string[] = [];
            for (const { where, image } of [...rawImages(r.inputs), ...planImages(r)]) {
                if (typeof image !== "string" || !(isPinnedImage(image) || isAcceptedMovingTag(image)))
                    out.push(`${r.name} ${where} uses unpinned image ${String(image)}`);
            }
            if (isRelease(r.type)) {
                for (const img of valuesImages(r.inputs.values, "values")) {
                    if (img.ref !== undefined) {
                        if (!isPinnedImage(img.ref) && !isAcceptedMovingTag(img.ref)) out.push(`${r.name} sets ${img.path} to unpinned image ${img.ref}`);
                    } else if (
                        img.digest === undefined &&
                        img.tag !== undefined &&
                        (typeof img.tag !== "string" || img.tag === "" || isFloatingTag(img.tag)) &&
                        !(typeof img.repository === "string" && typeof img.tag === "string" && isAcceptedMovingTag(`${img.repository}:${img.tag}`))
                    ) {
                        out.push(`${r.name} sets ${img.path}.tag to "${String(img.tag)}"`);
                    }
                }
            }
            return out;
        },
    },
    {
        name: "images-digest",
        description:
            "In prod, images the platform names carry a digest (tag@sha256:...), which Renovate keeps current. Advisory until the digests are filled in (docs/adr/0013).",
        advisory: true,
        check: (r, ctx) => {
            if (ctx.profile !== "prod") return [];
            const out: string[] = [];
            for (const { where, image } of [...rawImages(r.inputs), ...planImages(r)]) {
                if (typeof image === "string" && parseImage(image).digest === undefined) {
                    out.push(
                        `${r.name} ${where} runs ${image} without a digest${isAcceptedMovingTag(image) ? " (a tag upstream moves, charts/images.ts MOVING_TAG_IMAGES)" : ""}`,
                    );
                }
            }
            if (isRelease(r.type)) {
                for (const img of valuesImages(r.inputs.values, "values")) {
                    if (img.ref !== undefined ? parseImage(img.ref).digest === undefined : img.tag !== undefined && img.digest === undefined) {
                        const ref = img.ref ?? (typeof img.repository === "string" && typeof img.tag === "string" ? `${img.repository}:${img.tag}` : undefined);
                        const moving =
                            ref !== undefined && isAcceptedMovingTag(ref) ? ` (${ref}: a tag upstream moves, charts/images.ts MOVING_TAG_IMAGES)` : "";
                        out.push(`${r.name} sets ${img.path} without a digest${moving}`);
                    }
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
        description: "No secret-looking value travels in a non-secret input (render only: it sees which inputs are secret).",
        renderOnly: true,
        check: (r) => {
            if (r.secretMarker === undefined) return []; // decrypted values (the pack's view) cannot be judged
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
                if (/"type":"LoadBalancer"/.test(json) && !LOAD_BALANCER_NAMESPACES.includes(ns))
                    return [`${r.name} creates a LoadBalancer Service in namespace ${ns}`];
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
        description: "Privileged containers and privileged namespaces only where allowed.",
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
            for (const { spec } of podSpecsDeep(r.inputs, "")) {
                if (PRIVILEGED_NAMESPACES.includes(ns)) continue;
                for (const c of containers(spec)) {
                    if ((c.securityContext as { privileged?: boolean } | undefined)?.privileged)
                        out.push(`${r.name} container ${String(c.name)} is privileged in ${ns}`);
                }
            }
            if (
                isRelease(r.type) &&
                !PRIVILEGED_NAMESPACES.includes(String(r.inputs.namespace ?? "default")) &&
                /"privileged":true/.test(JSON.stringify(r.inputs.values ?? {}))
            ) {
                out.push(`${r.name} runs a privileged container in ${String(r.inputs.namespace ?? "default")}`);
            }
            return out;
        },
    },
    {
        name: "host-access-allowlist",
        description: "hostNetwork, hostPID, hostIPC, hostPath, hostPort and added capabilities only in the namespaces of HOST_ACCESS, raw or in chart values.",
        check: (r) => {
            const release = isRelease(r.type);
            const ns = release ? String(r.inputs.namespace ?? "default") : namespaceOf(r.inputs);
            const found = release ? valuesHostAccess(r.inputs.values, "values") : podHostAccess(r.inputs);
            const allowed = HOST_ACCESS[ns];
            return found
                .filter((f) => {
                    if (!allowed?.allows.includes(f.kind)) return true;
                    if (f.kind !== "capabilities" || allowed.capabilities.includes("*")) return false;
                    return (f.capabilities ?? []).some((c) => !allowed.capabilities.includes(c));
                })
                .map(
                    (f) =>
                        `${r.name} uses ${f.kind}${f.capabilities ? ` (${f.capabilities.join(", ")})` : ""} at ${f.path} in namespace ${ns}, which is not allowed there`,
                );
        },
    },
    {
        name: "no-node-port",
        description: "No Service of type NodePort (raw or in chart values): traffic enters through the ingress controller's LoadBalancer or hostPorts only.",
        check: (r) => {
            if (isKube(r.type, "Service") && (r.inputs.spec as { type?: string } | undefined)?.type === "NodePort")
                return [`Service ${r.name} is of type NodePort`];
            if (isRelease(r.type)) return nodePortPaths(r.inputs.values, "values").map((path) => `${r.name} sets ${path} to NodePort`);
            return [];
        },
    },
    {
        name: "helm-chart-pinned",
        description: "Helm charts are installed at an exact version.",
        check: (r) => {
            if (r.type !== "kubernetes:helm.sh/v3:Release" && r.type !== "kubernetes:helm.sh/v4:Chart") return [];
            const version = r.inputs.version;
            return typeof version === "string" && /^v?\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)
                ? []
                : [`${r.name} installs chart ${String(r.inputs.chart)} without an exact version (${String(version)})`];
        },
    },
    {
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
    },
];

export interface Violation {
    readonly rule: string;
    readonly resource: string;
    readonly message: string;
    /** From an advisory rule: reported, never blocking. */
    readonly advisory: boolean;
}

/** Every violation of every rule across resources, in resource then rule order. */
export function checkAll(resources: readonly PolicyResource[], ctx: PolicyContext): Violation[] {
    return resources.flatMap((r) =>
        RULES.flatMap((rule) => rule.check(r, ctx).map((message) => ({ rule: rule.name, resource: r.name, message, advisory: rule.advisory === true }))),
    );
}
