/**
 * Pulumi dynamic provider for Harbor objects (registry endpoints, projects, robot accounts) over
 * Harbor's REST API v2.0, with real diffs: a changed name replaces, other changes update in place.
 * There is no Harbor provider in our package registry, hence this small one.
 */
import * as pulumi from "@pulumi/pulumi";
import * as api from "./harborApi";
import * as robots from "./harborRobots";

export type HarborObjectSpec =
    | { readonly kind: "registry"; readonly spec: api.RegistrySpec }
    | { readonly kind: "project"; readonly spec: api.ProjectSpec }
    | { readonly kind: "robot"; readonly spec: robots.RobotSpec };

/** What the engine stores for each object. */
export type HarborObjectInputs = HarborObjectSpec & { readonly connection: api.HarborConnection };

type Outs = HarborObjectInputs & { state: Record<string, unknown>; secret?: string };

/** Fields whose change means a new object (Harbor cannot rename these, nor move a robot to another project). */
const REPLACE_ON: Record<HarborObjectSpec["kind"], string[]> = {
    registry: ["type"],
    project: ["name", "registryId"],
    robot: ["name", "project"],
};

function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** The CRUD logic; exported so tests drive it against a fake Harbor without the engine. */
export const harborObjectProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: Outs, news: HarborObjectInputs): Promise<pulumi.dynamic.DiffResult> {
        const changed = changedFields(olds.spec as unknown as Record<string, unknown>, news.spec as unknown as Record<string, unknown>);
        const connectionChanged = olds.connection.url !== news.connection.url;
        const replaces = changed.filter((f) => REPLACE_ON[news.kind].includes(f)).map((f) => `spec.${f}`);
        // A robot whose secret expires soon is replaced (a new secret) by any up in the last days before
        // it lapses, so pull secrets never stop working unannounced: the preview shows it as a replace.
        const expiresAt = (olds.state as { expiresAt?: number } | undefined)?.expiresAt;
        if (news.kind === "robot" && robots.robotDueForRenewal(expiresAt, Math.floor(Date.now() / 1000))) {
            replaces.push("state.expiresAt");
        }
        return {
            changes: changed.length > 0 || connectionChanged || olds.kind !== news.kind || replaces.length > 0,
            replaces: olds.kind !== news.kind ? ["kind"] : replaces,
            deleteBeforeReplace: true,
        };
    },

    async create(inputs: HarborObjectInputs): Promise<pulumi.dynamic.CreateResult> {
        const conn = inputs.connection;
        switch (inputs.kind) {
            case "registry": {
                const state = await api.createRegistry(conn, inputs.spec);
                return { id: String(state.id), outs: { ...inputs, state } };
            }
            case "project": {
                const state = await api.createProject(conn, inputs.spec);
                return { id: String(state.id), outs: { ...inputs, state } };
            }
            case "robot": {
                const { secret, ...state } = await robots.createRobot(conn, inputs.spec);
                return { id: String(state.id), outs: { ...inputs, state, secret } };
            }
        }
    },

    async read(id: string, props: Outs): Promise<pulumi.dynamic.ReadResult> {
        const conn = props.connection;
        let state: Record<string, unknown> | undefined;
        switch (props.kind) {
            case "registry":
                state = (await api.readRegistry(conn, Number(id))) as Record<string, unknown> | undefined;
                break;
            case "project":
                state = (await api.readProject(conn, props.spec.name)) as Record<string, unknown> | undefined;
                break;
            case "robot":
                state = (await robots.readRobot(conn, Number(id))) as Record<string, unknown> | undefined;
                break;
        }
        // Gone from Harbor: an empty read tells the engine to recreate it on the next up.
        return state === undefined ? { id: undefined, props: undefined } : { id, props: { ...props, state } };
    },

    async update(id: string, olds: Outs, news: HarborObjectInputs): Promise<pulumi.dynamic.UpdateResult> {
        const conn = news.connection;
        switch (news.kind) {
            case "registry":
                return { outs: { ...news, state: await api.updateRegistry(conn, Number(id), news.spec) } };
            case "project":
                return { outs: { ...news, state: await api.updateProject(conn, Number(id), news.spec) } };
            case "robot": {
                const fullName = String((olds.state as { fullName?: string }).fullName ?? `robot$${news.spec.project}+${news.spec.name}`);
                return { outs: { ...news, state: await robots.updateRobot(conn, Number(id), news.spec, fullName), secret: olds.secret } };
            }
        }
    },

    async delete(id: string, props: Outs): Promise<void> {
        const conn = props.connection;
        switch (props.kind) {
            case "registry":
                return api.deleteRegistry(conn, Number(id));
            case "project":
                return api.deleteProject(conn, props.spec.name);
            case "robot":
                return robots.deleteRobot(conn, Number(id));
        }
    },
};

export interface HarborObjectArgs {
    readonly connection: pulumi.Input<{ url: string; username: string; password: pulumi.Input<string>; insecure?: boolean }>;
    readonly object: pulumi.Input<HarborObjectSpec>;
}

/** One Harbor object managed through the REST API. */
export class HarborObject extends pulumi.dynamic.Resource {
    // `declare`: the base class fills these from the engine's outputs; a field initialiser would
    // overwrite them with undefined after super() under ES2022 class-field semantics.
    /** Harbor's view after the last create/update (ids, full robot name). */
    declare public readonly state: pulumi.Output<Record<string, unknown>>;
    /** Robot secret (robots only); secret in the state. */
    declare public readonly secret: pulumi.Output<string | undefined>;

    constructor(name: string, args: HarborObjectArgs, opts?: pulumi.CustomResourceOptions) {
        const object = pulumi.output(args.object);
        super(
            harborObjectProvider,
            name,
            { connection: args.connection, kind: object.kind, spec: object.spec, state: undefined, secret: undefined },
            { ...opts, additionalSecretOutputs: ["secret"] },
            "platform",
            "HarborObject",
        );
    }
}
