/**
 * The one vulnerability setting (docs/adr/0022): `platform:harbor.projects[].preventVulnerable.severity`.
 * Harbor gets it as the project's `prevent_vul` + `severity` (components/registry/harborApi.ts) and
 * refuses pulls at or above it; the pipeline's scan gate reads the same key here, from the stack
 * files, so CI never publishes (and promotion never deploys) what that Harbor would refuse.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { AppImageError, readApp } from "./appStackFile";
import { type GateSeverity, SEVERITIES } from "./harborScan";

interface StackHarbor {
    config?: { "platform:harbor"?: { projects?: { name?: string; preventVulnerable?: { severity?: string } }[] } };
}

const GATE_SEVERITIES: readonly GateSeverity[] = ["low", "medium", "high", "critical"];

/** The severity `project` blocks at in this stack file, or undefined when it blocks nothing. */
export function projectSeverity(text: string, project: string, file = "stack file"): GateSeverity | undefined {
    const doc = (parse(text) ?? {}) as StackHarbor;
    const severity = doc.config?.["platform:harbor"]?.projects?.find((p) => p.name === project)?.preventVulnerable?.severity;
    if (severity === undefined) {
        return undefined;
    }
    if (!(GATE_SEVERITIES as readonly string[]).includes(severity)) {
        throw new AppImageError(
            `${file}: platform:harbor.projects[${project}].preventVulnerable.severity: expected one of ${GATE_SEVERITIES.join(", ")}, got "${severity}"`,
        );
    }
    return severity as GateSeverity;
}

/** The lowest (strictest) of some severities; undefined when none is set. */
function strictest(severities: readonly (GateSeverity | undefined)[]): GateSeverity | undefined {
    const rank = (s: GateSeverity) => SEVERITIES.findIndex((x) => x.toLowerCase() === s);
    return severities.filter((s): s is GateSeverity => s !== undefined).sort((a, b) => rank(a) - rank(b))[0];
}

/** The severity the app's project blocks at in the strictest of the stack files in `dir` that run it (the stacks it is promoted to). */
export function appSeverity(dir: string, app: string): { severity?: GateSeverity; stacks: string[] } {
    const found: { stack: string; severity?: GateSeverity }[] = [];
    for (const f of readdirSync(dir)
        .filter((n) => /^Pulumi\.[^.]+\.yaml$/.test(n))
        .sort()) {
        const text = readFileSync(join(dir, f), "utf8");
        let project: string | undefined;
        try {
            project = readApp(text, app, f).project;
        } catch (err) {
            if (err instanceof AppImageError) continue; // this stack does not run the app
            throw err;
        }
        if (project === undefined) continue;
        found.push({ stack: f.slice("Pulumi.".length, -".yaml".length), severity: projectSeverity(text, project, f) });
    }
    const severity = strictest(found.map((f) => f.severity));
    return { ...(severity ? { severity } : {}), stacks: found.filter((f) => f.severity === severity && severity !== undefined).map((f) => f.stack) };
}
