/**
 * Where one app's resources sit in a stack's state, so promotion and rollback update that app only
 * (`pulumi up --target <app component URN> --target-dependents`: the component, its children, and
 * whatever depends on them), never the rest of the stack from whatever tag they run on. Names come
 * from the components themselves; test/delivery/cli.test.ts checks them against the committed
 * URN fixtures (test/fixtures/urns).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONTAINER_APP_TYPE } from "../../components/apps/ContainerApp";
import { PLATFORM_TYPE } from "../../platform/platform";
import { appComponentName } from "../../platform/platformApps";
import { AppImageError } from "./appStackFile";

/** The project name from Pulumi.yaml in `dir`. */
export function projectName(dir: string): string {
    const project = (parse(readFileSync(join(dir, "Pulumi.yaml"), "utf8")) ?? {}) as { name?: unknown };
    if (typeof project.name !== "string" || project.name === "") {
        throw new AppImageError(`${join(dir, "Pulumi.yaml")}: no project name`);
    }
    return project.name;
}

/** The URN of the app's ContainerApp component (the Platform is named after the stack, below the root Stack). */
export function appComponentUrn(project: string, stack: string, app: string): string {
    return `urn:pulumi:${stack}::${project}::${PLATFORM_TYPE}$${CONTAINER_APP_TYPE}::${appComponentName(stack, app)}`;
}

/** `--target` arguments of a `pulumi up` that updates one app only. */
export function appTargetArgs(urn: string): string[] {
    return ["--target", urn, "--target-dependents"];
}
