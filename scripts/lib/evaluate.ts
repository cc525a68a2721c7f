/**
 * Runs a Pulumi program under the platform mocks, the way `pulumi up` runs index.ts: inside the
 * root `pulumi:pulumi:Stack` resource, with the stack's config, exports becoming stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RawConfig } from "../../stacks/config";
import { Collector, PlatformMocks, RecordedResource } from "./mocks";

export interface EvaluateOptions {
    readonly project: string;
    readonly stack: string;
    readonly config: RawConfig;
    /** Loads the program; its return value (the module's exports) becomes the stack outputs. */
    readonly load: () => unknown;
    /** Evaluate as `pulumi preview` (unknown outputs stay unknown). @default false */
    readonly preview?: boolean;
}

export interface Evaluation {
    readonly resources: RecordedResource[];
    readonly outputs: Record<string, unknown>;
    readonly mocks: PlatformMocks;
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

/** Sets up mocks + config, runs the program, waits for every registration, returns what it made. */
export async function evaluate(opts: EvaluateOptions): Promise<Evaluation> {
    const mocks = new PlatformMocks();
    await pulumi.runtime.setMocks(mocks, opts.project, opts.stack, opts.preview ?? false);
    pulumi.runtime.setAllConfig({ ...opts.config.values }, [...opts.config.secretKeys]);
    const collector = new Collector();
    collector.attach();
    const { runInPulumiStack, waitForRPCs } = internals();
    await runInPulumiStack(async () => opts.load());
    await waitForRPCs();
    return { resources: collector.resources, outputs: collector.stackOutputs, mocks };
}

/** Starts recording on mocks already set by a test (component tests build resources directly). */
export async function withMocks(project = "platform", stack = "test"): Promise<{ collector: Collector; mocks: PlatformMocks; settle: () => Promise<void> }> {
    const mocks = new PlatformMocks();
    await pulumi.runtime.setMocks(mocks, project, stack, false);
    const collector = new Collector();
    collector.attach();
    return { collector, mocks, settle: () => internals().waitForRPCs() };
}
