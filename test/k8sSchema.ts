/**
 * Kubernetes schema validation of raw objects with kubernetes-models (OpenAPI schemas of the
 * upstream API). Custom resources without a model are reported so a test can decide what to do.
 */
interface Model {
    validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** Model packages for custom resource groups the platform creates. */
const CRD_MODELS: Record<string, string> = {
    "cert-manager.io": "@kubernetes-models/cert-manager",
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

/**
 * Groups with no published model on this Node version; checked for the fields the controller
 * requires instead. (external-dns ships no OpenAPI model package.)
 */
/** Altinity installations: named clusters with a layout, pod templates with pinned images and resources. */
function altinityInstallation(obj: Record<string, unknown>): boolean {
    const spec = obj.spec as
        | {
              configuration?: { clusters?: { name?: string; layout?: { replicasCount?: number } }[]; users?: Record<string, unknown> };
              templates?: {
                  podTemplates?: {
                      name?: string;
                      spec?: { containers?: { name?: string; image?: string; resources?: { requests?: unknown; limits?: unknown } }[] };
                  }[];
              };
          }
        | undefined;
    const clusters = spec?.configuration?.clusters ?? [];
    const templates = spec?.templates?.podTemplates ?? [];
    const users = Object.entries(spec?.configuration?.users ?? {});
    return (
        clusters.length > 0 &&
        clusters.every((c) => /^[a-z0-9-]+$/.test(c.name ?? "") && Number.isInteger(c.layout?.replicasCount)) &&
        templates.length > 0 &&
        templates.every(
            (t) =>
                !!t.name &&
                (t.spec?.containers ?? []).length > 0 &&
                t.spec!.containers!.every((c) => !!c.name && /:[\w.-]+$/.test(c.image ?? "") && !!c.resources?.requests && !!c.resources.limits),
        ) &&
        // Passwords only from Secrets.
        users.filter(([k]) => k.endsWith("/password")).every(([, v]) => typeof v === "object" && v !== null && "valueFrom" in v)
    );
}

const REQUIRED_FIELDS: Record<string, (obj: Record<string, unknown>) => boolean> = {
    "clickhouse.altinity.com/v1/ClickHouseInstallation": altinityInstallation,
    "clickhouse-keeper.altinity.com/v1/ClickHouseKeeperInstallation": altinityInstallation,
    "longhorn.io/v1beta2/RecurringJob": (obj) => {
        const spec = obj.spec as { task?: string; cron?: string; retain?: number; concurrency?: number; groups?: unknown[] } | undefined;
        return (
            ["snapshot", "backup", "snapshot-cleanup", "snapshot-delete", "filesystem-trim", "backup-force-create", "snapshot-force-create"].includes(
                String(spec?.task),
            ) &&
            String(spec?.cron).trim().split(/\s+/).length === 5 &&
            Number.isInteger(spec?.retain) &&
            Number.isInteger(spec?.concurrency) &&
            Array.isArray(spec?.groups)
        );
    },
    // system-upgrade-controller publishes no model package; the fields its Plan CRD requires, plus what
    // the platform's Plans must always carry (a fixed version, one node at a time, a node selector).
    "upgrade.cattle.io/v1/Plan": (obj) => {
        const spec = obj.spec as
            | {
                  upgrade?: { image?: string };
                  version?: string;
                  concurrency?: number;
                  nodeSelector?: { matchExpressions?: unknown[]; matchLabels?: unknown };
                  serviceAccountName?: string;
              }
            | undefined;
        return (
            typeof spec?.upgrade?.image === "string" &&
            spec.upgrade.image !== "" &&
            /^v\d+\.\d+\.\d+\+k3s\d+$/.test(String(spec.version)) &&
            Number.isInteger(spec.concurrency) &&
            (spec.concurrency ?? 0) >= 1 &&
            (Array.isArray(spec.nodeSelector?.matchExpressions) || spec.nodeSelector?.matchLabels !== undefined) &&
            typeof spec.serviceAccountName === "string"
        );
    },
    // F5 NGINX Ingress Controller publishes no model package: what its VirtualServer validation
    // requires of what the platform sets (pkg/apis/configuration/validation/virtualserver.go@v5.5.4):
    // a host, TLS from a Secret, named upstreams, and per route exactly one of an `action` passing to
    // an upstream and at least two splits weighing 0-100 that add up to 100 (validateRoute: "must
    // specify exactly one of `action`, `splits`, ...").
    "k8s.nginx.org/v1/VirtualServer": (obj) => {
        const spec = obj.spec as
            | {
                  host?: string;
                  tls?: { secret?: string };
                  upstreams?: { name?: string; service?: string; port?: number }[];
                  routes?: { path?: string; action?: { pass?: string }; splits?: { weight?: number; action?: { pass?: string } }[] }[];
              }
            | undefined;
        const upstreams = new Set((spec?.upstreams ?? []).map((u) => u.name));
        return (
            !!spec?.host &&
            !!spec.tls?.secret &&
            (spec.upstreams ?? []).length > 0 &&
            (spec.upstreams ?? []).every((u) => !!u.name && !!u.service && Number.isInteger(u.port)) &&
            (spec.routes ?? []).length > 0 &&
            (spec.routes ?? []).every(
                (r) =>
                    (r.path ?? "").startsWith("/") &&
                    (r.action === undefined) !== (r.splits === undefined) &&
                    (r.action
                        ? upstreams.has(r.action.pass)
                        : (r.splits ?? []).length >= 2 &&
                          (r.splits ?? []).every(
                              (sp) => Number.isInteger(sp.weight) && sp.weight! >= 0 && sp.weight! <= 100 && upstreams.has(sp.action?.pass),
                          ) &&
                          (r.splits ?? []).reduce((sum, sp) => sum + (sp.weight ?? 0), 0) === 100),
            )
        );
    },
    // policy-controller publishes no model package: what its validating webhook requires
    // (sigstore/policy-controller@v0.13.1 pkg/apis/policy/v1beta1/clusterimagepolicy_validation.go):
    // a glob per image pattern, a known mode, and authorities with exactly one of key, keyless and
    // static; keyless with a url (or ca-cert) and identities naming issuer and subject; static with
    // action pass or fail; a key with inline data.
    "policy.sigstore.dev/v1beta1/ClusterImagePolicy": (obj) => {
        type Authority = {
            key?: { data?: string };
            keyless?: { url?: string; identities?: { issuer?: string; subject?: string }[] };
            static?: { action?: string };
        };
        const spec = obj.spec as { images?: { glob?: string }[]; mode?: string; authorities?: Authority[] } | undefined;
        const kinds = (a: Authority) => [a.key, a.keyless, a.static].filter((x) => x !== undefined).length;
        return (
            (spec?.images ?? []).length > 0 &&
            spec!.images!.every((i) => /^[a-zA-Z0-9-_:/*.@]+$/.test(i.glob ?? "")) &&
            ["enforce", "warn"].includes(String(spec!.mode)) &&
            (spec!.authorities ?? []).length > 0 &&
            spec!.authorities!.every(
                (a) =>
                    kinds(a) === 1 &&
                    (a.keyless === undefined ||
                        (!!a.keyless.url && (a.keyless.identities ?? []).length > 0 && a.keyless.identities!.every((id) => !!id.issuer && !!id.subject))) &&
                    (a.static === undefined || ["pass", "fail"].includes(String(a.static.action))) &&
                    (a.key === undefined || (a.key.data ?? "").includes("PUBLIC KEY")),
            )
        );
    },
    "externaldns.k8s.io/v1alpha1/DNSEndpoint": (obj) => {
        const endpoints = (obj.spec as { endpoints?: { dnsName?: string; recordType?: string; targets?: string[] }[] } | undefined)?.endpoints;
        return Array.isArray(endpoints) && endpoints.length > 0 && endpoints.every((e) => !!e.dnsName && !!e.recordType && (e.targets ?? []).length > 0);
    },
};

/** Validates one object; throws with the kind, name and schema error when invalid. */
export function validateManifest(obj: Record<string, unknown>): void {
    const apiVersion = String(obj.apiVersion);
    const kind = String(obj.kind);
    const name = (obj.metadata as { name?: string } | undefined)?.name ?? "(unnamed)";
    const fieldsCheck = REQUIRED_FIELDS[`${apiVersion}/${kind}`];
    if (fieldsCheck) {
        if (!fieldsCheck(obj)) {
            throw new Error(`${kind}/${name} lacks fields ${apiVersion} ${kind} requires`);
        }
        return;
    }
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    const base = CRD_MODELS[group] ?? "kubernetes-models";
    let module: Record<string, ModelClass>;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        module = require(`${base}/${apiVersion}`) as Record<string, ModelClass>;
    } catch (cause) {
        throw new Error(`${kind}/${name}: no schema for apiVersion ${apiVersion}`, { cause });
    }
    const Model = module[kind];
    if (Model === undefined) {
        throw new Error(`${kind}/${name}: no schema for kind ${kind} in ${apiVersion}`);
    }
    try {
        new Model(obj).validate();
    } catch (err) {
        throw new Error(`${kind}/${name} is not a valid ${apiVersion} ${kind}: ${(err as Error).message}`, { cause: err });
    }
}
