/**
 * Which application directories a change touches: the app workflow builds only those. An app is a
 * directory `apps/<name>/` with a Dockerfile and a package.json (its tests run with `npm test`).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** App names under `<root>/apps`, sorted. */
export function listApps(root: string): string[] {
    const dir = join(root, "apps");
    if (!existsSync(dir)) {
        return [];
    }
    return readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && NAME.test(d.name) && existsSync(join(dir, d.name, "Dockerfile")) && existsSync(join(dir, d.name, "package.json")))
        .map((d) => d.name)
        .sort();
}

/** The apps among `apps` with a changed file; `undefined` files (no usable base commit) means all. */
export function changedApps(apps: readonly string[], files: readonly string[] | undefined): string[] {
    if (files === undefined) {
        return [...apps];
    }
    const touched = new Set(files.map((f) => /^apps\/([^/]+)\//.exec(f)?.[1]).filter((n): n is string => n !== undefined));
    return apps.filter((a) => touched.has(a));
}
