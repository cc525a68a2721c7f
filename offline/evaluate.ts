/**
 * Runs a Pulumi program under the platform mocks, the way `pulumi up` runs index.ts: inside the
 * root `pulumi:pulumi:Stack` resource, with the stack's config, exports becoming stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RawConfig } from "../config/config";
import { OFFLINE_PLAIN_LEAVES } from "../config/secretLeaves";
import { Collector, PlatformMocks, RecordedResource } from "./mocks";

/**
 * Work a real `pulumi up` needs and an offline evaluation does not, skipped in this module registry's
 * copy of the SDK (a real `pulumi up` never loads this module):
 * - Stack traces. Pulumi captures one for every resource (`Resource.callsites`, with no depth limit,
 *   parsed into a source position) and for every internal promise (`debuggablePromise`, for its leak
 *   report). Under Jest (or with source maps on) each frame is also source-mapped: together about half of an
 *   evaluation. The mocks ignore source positions, so the resource capture is skipped and promise
 *   traces are captured with no frames, unless PULUMI_DEBUG_PROMISE_LEAKS asks for the leak report's
 *   traces. Other errors keep their stack traces.
 * - A dynamic provider's code. `pulumi.dynamic.Resource` serializes its provider's closure into the
 *   `__provider` input (@pulumi/pulumi 3.248.0 dynamic/index.js, through
 *   runtime/closure/serializeClosure's exported `serializeFunction`, which parses the code with the
 *   TypeScript compiler: about 0.3 s to load it and 0.7 s for the Harbor provider). Offline the input
 *   holds OFFLINE_PROVIDER_CODE instead: code, not configuration, and nobody reads it. That the provider
 *   serializes and works as `pulumi up` will ship it is tested on its own: the Jest global setup runs
 *   `realSerializeFunction` (test/tools/evaluateStacks.ts), and
 *   test/contracts/dynamic-provider.contract.test.ts loads and drives the text.
 * It also reports a registration that fails (an `apply` that throws in a resource's inputs, a call the
 * mocks refuse) to the evaluation running (`registrationFailed`): Pulumi leaves that promise to the
 * process's unhandled-rejection handler, and every resource that waits on the failed one's outputs
 * waits forever, so without this the evaluation would hang instead of failing.
 */
function skipOfflineWork(): void {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const resource = require("@pulumi/pulumi/resource") as { Resource: { callsites(): unknown[] } } & Record<symbol, boolean>;
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T> } & Record<
        symbol,
        boolean
    >;
    const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as SerializeClosureModule;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const marker = Symbol.for("platform.offline.skipped");
    if (resource[marker]) {
        return; // this module registry's SDK copy is already patched
    }
    resource[marker] = true;
    resource.Resource.callsites = () => [];
    const original = debuggable.debuggablePromise;
    const traces = Boolean(process.env.PULUMI_DEBUG_PROMISE_LEAKS);
    debuggable.debuggablePromise = (p, ctx) => {
        // @pulumi/pulumi 3.248.0 runtime/resource.js registerResource labels its operation `resource:<name>[<type>]`.
        const registration = typeof ctx === "string" ? /^resource:(.+)\[([^\]]+)\]$/.exec(ctx) : null;
        if (registration) {
            p.catch((error: unknown) => registrationFailed?.(`${registration[1]} (${registration[2]})`, error));
        }
        if (traces) {
            return original(p, ctx);
        }
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    closure[REAL_SERIALIZE] = closure.serializeFunction;
    closure.serializeFunction = async () => ({ text: OFFLINE_PROVIDER_CODE, exportName: "handler", containsSecrets: false });
}

/** Set while `evaluate` runs: a registration failed (see skipOfflineWork). */
let registrationFailed: ((resource: string, error: unknown) => void) | undefined;

type SerializeFunction = (func: () => unknown, args?: { allowSecrets?: boolean }) => Promise<{ text: string; exportName: string; containsSecrets: boolean }>;
type SerializeClosureModule = { serializeFunction: SerializeFunction; [REAL_SERIALIZE]?: SerializeFunction };
const REAL_SERIALIZE = Symbol.for("platform.offline.realSerializeFunction");
/** What a dynamic resource's `__provider` input holds offline. */
export const OFFLINE_PROVIDER_CODE = "[dynamic provider code]";

/** Pulumi's own `serializeFunction`, as `pulumi up` runs it, also after an offline evaluation in this process. */
export function realSerializeFunction(): SerializeFunction {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as SerializeClosureModule;
    return closure[REAL_SERIALIZE] ?? closure.serializeFunction;
}

export interface EvaluateOptions {
    readonly project: string;
    readonly stack: string;
    readonly config: RawConfig;
    /**
     * Loads the program: returns the module's exports. As Pulumi's Node.js runtime does
     * (@pulumi/pulumi cmd/run/run.js, 3.248.0), an exported function is called and what it returns
     * becomes the stack outputs; any other export is the outputs itself.
     */
    readonly load: () => unknown;
    /** Evaluate as `pulumi preview` (unknown outputs stay unknown). @default false */
    readonly preview?: boolean;
}

export interface Evaluation {
    readonly resources: RecordedResource[];
    readonly outputs: Record<string, unknown>;
    readonly mocks: PlatformMocks;
    /** What the program passed to `pulumi.log.warn` (config warnings): the render prints them and lists them in summary.txt. */
    readonly warnings: readonly string[];
}

interface RuntimeInternals {
    runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
    waitForRPCs(): Promise<void>;
}

function internals(): RuntimeInternals {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const stack = require("@pulumi/pulumi/runtime/stack") as Pick<RuntimeInternals, "runInPulumiStack">;
    const settings = require("@pulumi/pulumi/runtime/settings") as Pick<RuntimeInternals, "waitForRPCs">;
    /* eslint-enable @typescript-eslint/no-require-imports */
    return { runInPulumiStack: stack.runInPulumiStack, waitForRPCs: settings.waitForRPCs };
}

/** The program threw (e.g. invalid config); `resources` is what it had registered by then. */
export class EvaluationError extends Error {
    constructor(
        public readonly cause: unknown,
        public readonly resources: RecordedResource[],
    ) {
        super(cause instanceof Error ? cause.message : String(cause));
        this.name = "EvaluationError";
    }

    /** The config problems when the program stopped on invalid config, else undefined. */
    get problems(): readonly string[] | undefined {
        const problems = (this.cause as { problems?: unknown } | undefined)?.problems;
        return Array.isArray(problems) ? (problems as string[]) : undefined;
    }
}

/** Sets up mocks + config, runs the program, waits for every registration, returns what it made. */
export async function evaluate(opts: EvaluateOptions): Promise<Evaluation> {
    skipOfflineWork();
    const mocks = new PlatformMocks();
    await pulumi.runtime.setMocks(mocks, opts.project, opts.stack, opts.preview ?? false);
    pulumi.runtime.setAllConfig({ ...opts.config.values }, [...opts.config.secretKeys]);
    // What the CLI cannot pass: which leaves the stack file gives in plain text (config/config.ts
    // reads them from the stack file in a real run). No leaves means "no stack file".
    const leavesSlot = globalThis as Record<symbol, unknown>;
    leavesSlot[OFFLINE_PLAIN_LEAVES] = { plainLeaves: opts.config.plainLeaves };
    const collector = new Collector();
    collector.attach();
    // Without an engine the SDK prints warnings with console.warn, after the render's own output;
    // collected here instead, they reach the render's stderr and summary.txt in order.
    const warnings: string[] = [];
    const log = pulumi.log as unknown as { warn: typeof pulumi.log.warn };
    const realWarn = log.warn;
    log.warn = (message: string) => {
        warnings.push(message);
        return Promise.resolve();
    };
    const { runInPulumiStack, waitForRPCs } = internals();
    // The first registration that fails ends the evaluation, naming the resource: what waits on its
    // outputs would never register, and `pulumi up` stops there too.
    const registrationFailure = new Promise<never>((_, reject) => {
        registrationFailed = (resource, error) =>
            reject(new Error(`resource ${resource}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    });
    registrationFailure.catch(() => undefined); // raced below; unobserved when nothing fails
    // A program that throws (invalid config) must not reject the Stack's own initialisation: that
    // promise is not awaited by anyone and would crash the process as an unhandled rejection.
    let failure: { error: unknown } | undefined;
    try {
        const run = runInPulumiStack(async () => {
            try {
                const exported = opts.load();
                return typeof exported === "function" ? (exported as () => unknown)() : exported;
            } catch (error) {
                failure = { error };
                return {};
            }
        });
        await Promise.race([run.then(() => waitForRPCs()), registrationFailure]);
    } catch (error) {
        failure = failure ?? { error };
    } finally {
        registrationFailed = undefined;
        delete leavesSlot[OFFLINE_PLAIN_LEAVES];
        log.warn = realWarn;
    }
    if (!failure && collector.failures.length > 0) {
        failure = { error: new Error(`the program used what the mocks do not provide:\n  ${collector.failures.join("\n  ")}`) };
    }
    if (failure) {
        throw new EvaluationError(failure.error, collector.resources);
    }
    return { resources: treeOrder(collector.resources), outputs: collector.stackOutputs, mocks, warnings };
}

/**
 * Registration order depends on when each resource's inputs resolve, which under load is not always the
 * same: the render files would then differ between two runs of the same program. The component tree,
 * depth first with siblings by type and name, is the same every time and keeps children under parents.
 */
function treeOrder(resources: readonly RecordedResource[]): RecordedResource[] {
    const names = new Set(resources.map((r) => r.name));
    const ROOT = "";
    const children = new Map<string, RecordedResource[]>();
    for (const r of resources) {
        const parent = r.parent !== null && names.has(r.parent) ? r.parent : ROOT;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const byTypeAndName = (a: RecordedResource, b: RecordedResource) =>
        a.type === b.type ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.type < b.type ? -1 : 1;
    const ordered: RecordedResource[] = [];
    const expanded = new Set<string>();
    const visit = (parent: string) => {
        if (expanded.has(parent)) {
            return; // two resources of different types may share a name: list their children once
        }
        expanded.add(parent);
        for (const r of [...(children.get(parent) ?? [])].sort(byTypeAndName)) {
            ordered.push(r);
            visit(r.name);
        }
    };
    visit(ROOT);
    return ordered;
}

/** Starts recording on mocks already set by a test (component tests build resources directly). */
export async function withMocks(project = "platform", stack = "test"): Promise<{ collector: Collector; mocks: PlatformMocks; settle: () => Promise<void> }> {
    skipOfflineWork();
    const mocks = new PlatformMocks();
    await pulumi.runtime.setMocks(mocks, project, stack, false);
    const collector = new Collector();
    collector.attach();
    return { collector, mocks, settle: () => internals().waitForRPCs() };
}
