/**
 * What a rule sees of a resource (the render's records and the pack's arguments alike), and how the
 * rules of this pack walk a resource's inputs: pod specs, containers, kinds and namespaces.
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

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Pod specs inside a raw workload object (Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob). */
function podSpecs(inputs: Record<string, unknown>): Record<string, unknown>[] {
    const spec = inputs.spec as Record<string, unknown> | undefined;
    if (!isObject(spec)) return [];
    if (inputs.kind === "Pod") return [spec];
    const template =
        (spec.jobTemplate as { spec?: { template?: { spec?: unknown } } } | undefined)?.spec?.template ?? (spec.template as { spec?: unknown } | undefined);
    return isObject(template?.spec) ? [template.spec] : [];
}

export function containers(pod: Record<string, unknown>): Record<string, unknown>[] {
    return [...((pod.containers as unknown[]) ?? []), ...((pod.initContainers as unknown[]) ?? [])].filter(isObject);
}

/** Every container (init containers included) of a raw workload object. */
export function allContainers(inputs: Record<string, unknown>): Record<string, unknown>[] {
    return podSpecs(inputs).flatMap(containers);
}

export const isKube = (type: string, kind: string) => new RegExp(`^kubernetes:[^:]+:${kind}$`).test(type);
export const namespaceOf = (inputs: Record<string, unknown>) => String((inputs.metadata as { namespace?: unknown } | undefined)?.namespace ?? "default");

/** Every pod spec in a raw object, wherever it sits (workload templates, Pods, custom resources' pod templates). */
export function podSpecsDeep(
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

export const isRelease = (type: string) => type === "kubernetes:helm.sh/v3:Release";
