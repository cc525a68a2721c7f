/**
 * Kubernetes schema validation of raw objects with kubernetes-models (OpenAPI schemas of the
 * upstream API). Custom resources without a model are reported so a test can decide what to do.
 */
interface Model {
    validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** Validates one object; throws with the kind, name and schema error when invalid. */
export function validateManifest(obj: Record<string, unknown>): void {
    const apiVersion = String(obj.apiVersion);
    const kind = String(obj.kind);
    const name = (obj.metadata as { name?: string } | undefined)?.name ?? "(unnamed)";
    let module: Record<string, ModelClass>;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        module = require(`kubernetes-models/${apiVersion}`) as Record<string, ModelClass>;
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
