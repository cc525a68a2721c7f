/**
 * Pulumi mocks for the offline render and the tests: strict (an unmocked provider function call
 * fails, and so does a resource from a package nobody mocked), deterministic (ids and fake provider
 * outputs derive from resource names only), and recording (every registration, with its parent,
 * dependencies and inputs, secrets redacted to "[secret]").
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** What a render or a test sees of one registered resource. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Name of the parent resource, or null for the stack itself. */
    readonly parent: string | null;
    /** Names of resources this one waits for (explicit dependsOn and inputs' sources). */
    readonly dependsOn: string[];
    /** Inputs as sent to the engine; every secret value is the string "[secret]". */
    readonly inputs: Record<string, unknown>;
    readonly custom: boolean;
    readonly options: RecordedOptions;
}

export interface RecordedOptions {
    protect?: true;
    provider?: string;
    additionalSecretOutputs?: string[];
    ignoreChanges?: string[];
    deleteBeforeReplace?: true;
}

/** Stand-in for a value the render cannot know (secure config, unknown outputs). */
export const SECRET = "[secret]";
export const UNKNOWN = "[unknown]";

// Signatures of the Pulumi wire format (sdk/nodejs/runtime/rpc.ts).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A deterministic fake secret for a resource, recognisable in leak checks. */
export function fakeSecret(kind: string, name: string): string {
    return `mock-${kind}-${createHash("sha256").update(`${kind}/${name}`).digest("hex").slice(0, 24)}`;
}

/** The fake kubeconfig the mocked first server returns; its key must never reach the render. */
export function fakeK3sKubeconfig(name: string): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- cluster:",
        `    certificate-authority-data: ${Buffer.from(fakeSecret("ca", name)).toString("base64")}`,
        "    server: https://127.0.0.1:6443",
        "  name: default",
        "contexts:",
        "- context:",
        "    cluster: default",
        "    user: default",
        "  name: default",
        "current-context: default",
        "preferences: {}",
        "users:",
        "- name: default",
        "  user:",
        `    client-certificate-data: ${Buffer.from(fakeSecret("cert", name)).toString("base64")}`,
        `    client-key-data: ${Buffer.from(fakeSecret("client-key", name)).toString("base64")}`,
        "",
    ].join("\n");
}

/** Packages whose resources the mocks know how to fake. Anything else is a missing mock. */
const MOCKED_PACKAGES = ["kubernetes", "random", "command", "tls", "pulumi", "pulumi-nodejs"];

export class PlatformMocks implements pulumi.runtime.Mocks {
    /** Provider functions a test has allowed, token -> result. Everything else throws. */
    public readonly calls = new Map<string, (inputs: Record<string, unknown>) => Record<string, unknown>>();

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        const pkg = args.type.split(":")[0];
        if (!args.custom) {
            return { id: undefined, state: { ...args.inputs } }; // components have no provider
        }
        if (!MOCKED_PACKAGES.includes(pkg)) {
            throw new Error(`no mock for resource type ${args.type} (${args.name}); add one to offline/mocks.ts`);
        }
        const state: Record<string, unknown> = { ...args.inputs };
        if (pulumi.runtime.isDryRun()) {
            // Like the engine previewing a create: computed outputs are not known yet.
            return { id: undefined, state };
        }
        switch (args.type) {
            case "random:index/randomPassword:RandomPassword":
            case "random:index/randomString:RandomString":
                state.result = fakeSecret("random", args.name);
                if (args.type.endsWith("RandomPassword")) {
                    state.bcryptHash = fakeSecret("bcrypt", args.name);
                }
                break;
            case "tls:index/privateKey:PrivateKey":
                state.privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${fakeSecret("tls-key", args.name)}\n-----END PRIVATE KEY-----\n`;
                state.publicKeyPem = `-----BEGIN PUBLIC KEY-----\n${fakeSecret("tls-pub", args.name)}\n-----END PUBLIC KEY-----\n`;
                break;
            case "tls:index/certRequest:CertRequest":
                state.certRequestPem = `-----BEGIN CERTIFICATE REQUEST-----\n${fakeSecret("tls-csr", args.name)}\n-----END CERTIFICATE REQUEST-----\n`;
                break;
            case "tls:index/locallySignedCert:LocallySignedCert":
            case "tls:index/selfSignedCert:SelfSignedCert":
                state.certPem = `-----BEGIN CERTIFICATE-----\n${fakeSecret("tls-cert", args.name)}\n-----END CERTIFICATE-----\n`;
                break;
            case "pulumi-nodejs:dynamic/platform:HarborObject": {
                // What the provider would return: Harbor's ids, and a robot's one-time secret.
                const spec = (args.inputs.spec ?? {}) as { name?: string; project?: string };
                state.state = { id: 1, name: spec.name, ...(args.inputs.kind === "robot" ? { fullName: `robot$${spec.project}+${spec.name}` } : {}) };
                if (args.inputs.kind === "robot") {
                    state.secret = fakeSecret("robot", args.name);
                }
                break;
            }
            case "kubernetes:core/v1:Service": {
                // The API server assigns a ClusterIP Service its address: a stable stand-in from k3s's default service CIDR.
                const spec = (args.inputs.spec ?? {}) as Record<string, unknown>;
                if ((spec.type ?? "ClusterIP") === "ClusterIP" && spec.clusterIP === undefined) {
                    const h = createHash("sha256").update(args.name).digest();
                    state.spec = { ...spec, clusterIP: `10.43.${h[0]}.${(h[1] % 253) + 1}` };
                }
                break;
            }
            case "command:remote:Command":
            case "command:local:Command": {
                const create = String(args.inputs.create ?? "");
                // What the first server answers: its admin kubeconfig, and the SHA-256 of its cluster CA.
                state.stdout = create.includes("/etc/rancher/k3s/k3s.yaml")
                    ? fakeK3sKubeconfig(args.name)
                    : create.includes("server-ca.crt")
                      ? `${createHash("sha256").update(`ca-of-${args.name}`).digest("hex")}\n`
                      : "";
                state.stderr = "";
                break;
            }
            default:
                break;
        }
        // Harbor objects have numeric ids (the provider returns Harbor's id).
        const id =
            args.type === "pulumi-nodejs:dynamic/platform:HarborObject"
                ? String(parseInt(createHash("sha256").update(args.name).digest("hex").slice(0, 6), 16))
                : `${args.name}-id`;
        return { id: args.custom ? id : undefined, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const handler = this.calls.get(args.token);
        if (!handler) {
            throw new Error(`unmocked provider function call ${args.token}; the program must not depend on live lookups`);
        }
        return handler(args.inputs as Record<string, unknown>);
    }
}

/** Collects registrations from the mock monitor in the order the program made them. */
export class Collector {
    public readonly resources: RecordedResource[] = [];
    /** Stack outputs as registered, secrets redacted. */
    public stackOutputs: Record<string, unknown> = {};
    /** Registrations and provider calls the mocks refused (missing mocks); evaluation fails on any. */
    public readonly failures: string[] = [];
    private readonly urnToName = new Map<string, string>();

    /** Wraps the active (mock) monitor so every registration is recorded before the mocks answer. */
    attach(): void {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): MonitorLike | undefined };
        const monitor = settings.getMonitor();
        if (!monitor) {
            throw new Error("Collector.attach: call pulumi.runtime.setMocks first");
        }
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, callback) => {
            this.record(req);
            return register(req, (err, resp) => {
                if (err) {
                    this.failures.push(`${req.getType()} ${req.getName()}: ${errorMessage(err)}`);
                } else {
                    markSecretOutputs(resp as ResponseLike, req.getAdditionalsecretoutputsList());
                }
                callback(err, resp);
            });
        };
        const invoke = monitor.invoke.bind(monitor);
        monitor.invoke = (req, callback) =>
            invoke(req, (err, resp) => {
                if (err) {
                    this.failures.push(`call ${req.getTok()}: ${errorMessage(err)}`);
                }
                callback(err, resp);
            });
        const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
        monitor.registerResourceOutputs = (req, callback) => {
            if (req.getUrn().split("::")[2] === "pulumi:pulumi:Stack") {
                this.stackOutputs = redact(req.getOutputs()?.toJavaScript() ?? {}, this.urnToName) as Record<string, unknown>;
            }
            return registerOutputs(req, callback);
        };
    }

    private record(req: RegisterRequestLike): void {
        const type = req.getType();
        const name = req.getName();
        const parentUrn = req.getParent();
        const urn = mockUrn(parentUrn, type, name);
        this.urnToName.set(urn, name);
        const nameOf = (u: string) => this.urnToName.get(u) ?? u.split("::").pop() ?? u;
        const options: RecordedOptions = {};
        if (req.getProtect()) {
            options.protect = true;
        }
        if (req.getProvider()) {
            options.provider = nameOf(req.getProvider().split("::").slice(0, 4).join("::"));
        }
        if (req.getAdditionalsecretoutputsList().length > 0) {
            options.additionalSecretOutputs = [...req.getAdditionalsecretoutputsList()];
        }
        if (req.getIgnorechangesList().length > 0) {
            options.ignoreChanges = [...req.getIgnorechangesList()];
        }
        if (req.getDeletebeforereplace()) {
            options.deleteBeforeReplace = true;
        }
        this.resources.push({
            type,
            name,
            urn,
            parent: parentUrn ? nameOf(parentUrn) : null,
            dependsOn: [...new Set(req.getDependenciesList().map(nameOf))].sort(),
            inputs: redact(req.getObject()?.toJavaScript() ?? {}, this.urnToName) as Record<string, unknown>,
            custom: req.getCustom(),
            options,
        });
    }
}

interface StructLike {
    toJavaScript(): Record<string, unknown>;
}
interface RegisterRequestLike {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProtect(): boolean;
    getProvider(): string;
    getDependenciesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getIgnorechangesList(): string[];
    getDeletebeforereplace(): boolean;
    getObject(): StructLike | undefined;
}
interface ResponseLike {
    getObject(): StructLike | undefined;
    setObject(value: unknown): void;
}
interface OutputsRequestLike {
    getUrn(): string;
    getOutputs(): StructLike | undefined;
}
type Callback = (err: unknown, resp: unknown) => void;
interface MonitorLike {
    invoke(req: { getTok(): string }, callback: Callback): unknown;
    registerResource(req: RegisterRequestLike, callback: Callback): unknown;
    registerResourceOutputs(req: OutputsRequestLike, callback: Callback): unknown;
}

/**
 * Does what the engine does and the SDK's mock monitor does not: outputs a resource declares in
 * `additionalSecretOutputs` (random results, kubeconfig stdout...) come back as secrets, so a
 * program that forgets to keep them secret shows the leak in the render and the tests.
 */
function markSecretOutputs(resp: ResponseLike, names: readonly string[]): void {
    const object = resp.getObject();
    if (!object || names.length === 0) {
        return;
    }
    const state = object.toJavaScript();
    for (const name of names) {
        if (name in state && !(state[name] !== null && typeof state[name] === "object" && (state[name] as Record<string, unknown>)[SIG_KEY] === SECRET_SIG)) {
            state[name] = { [SIG_KEY]: SECRET_SIG, value: state[name] };
        }
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(v: unknown): unknown } };
    resp.setObject(Struct.fromJavaScript(state));
}

function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/** The URN the mock monitor gives a resource (same rule as @pulumi/pulumi's MockMonitor). */
function mockUrn(parent: string, type: string, name: string): string {
    let qualified = type;
    if (parent) {
        const parentType = parent.split("::")[2].split("$").pop();
        qualified = `${parentType}$${type}`;
    }
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

/** Replaces wire-format secrets with "[secret]", unknowns with "[unknown]", resource refs with names. */
function redact(value: unknown, urnToName: ReadonlyMap<string, string>): unknown {
    if (value === UNKNOWN_VALUE) {
        return UNKNOWN;
    }
    if (Array.isArray(value)) {
        return value.map((v) => redact(v, urnToName));
    }
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        const sig = obj[SIG_KEY];
        if (sig === SECRET_SIG) {
            return SECRET;
        }
        if (sig === RESOURCE_SIG) {
            const urn = String(obj.urn);
            return { resource: urnToName.get(urn) ?? urn };
        }
        if (sig === OUTPUT_SIG) {
            return obj.secret ? SECRET : "value" in obj ? redact(obj.value, urnToName) : UNKNOWN;
        }
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(obj)) {
            out[key] = redact(obj[key], urnToName);
        }
        return out;
    }
    return value;
}
