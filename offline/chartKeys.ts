/**
 * Chart values-key lists: derive them from a chart's default values, and check a values object
 * against them. A path ending in `.*` is free-form upstream (empty map, list or null default).
 */

/** All key paths of a values tree; free-form nodes end in `.*`. Sorted, so diffs stay small. */
export function deriveKeys(values: Record<string, unknown>): string[] {
    const keys: string[] = [];
    const walk = (node: Record<string, unknown>, prefix: string) => {
        for (const [key, value] of Object.entries(node)) {
            const path = prefix ? `${prefix}.${escapeKey(key)}` : escapeKey(key);
            if (isMap(value) && Object.keys(value).length > 0) {
                walk(value, path);
            } else if (value === null || Array.isArray(value) || isMap(value)) {
                keys.push(`${path}.*`);
            } else {
                keys.push(path);
            }
        }
    };
    walk(values, "");
    return keys.sort();
}

/** Paths in `values` that the chart does not have: each a string a test can print. */
export function unknownKeys(values: unknown, known: readonly string[], allow: readonly string[] = []): string[] {
    const all = [...known, ...allow];
    const exact = new Set(all);
    const open = new Set(all.filter((k) => k.endsWith(".*")).map((k) => k.slice(0, -2)));
    const prefixes = new Set<string>();
    for (const k of all) {
        const parts = k.replace(/\.\*$/, "").split(".");
        for (let i = 1; i <= parts.length; i++) {
            prefixes.add(parts.slice(0, i).join("."));
        }
    }
    const unknown: string[] = [];
    const walk = (node: unknown, path: string) => {
        if (open.has(path)) {
            return; // free-form upstream: anything goes below
        }
        if (isMap(node) && Object.keys(node).length > 0) {
            for (const [key, value] of Object.entries(node)) {
                walk(value, path ? `${path}.${escapeKey(key)}` : escapeKey(key));
            }
        } else if (!exact.has(path) && !prefixes.has(path)) {
            unknown.push(path);
        }
    };
    walk(values, "");
    return unknown;
}

function isMap(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Keys containing dots (annotation names) are written in brackets: a.["x.y/z"]. */
function escapeKey(key: string): string {
    return key.includes(".") ? `["${key}"]` : key;
}

/** The committed key list for a chart (charts/keys/<name>.json). */
function loadKeyList(name: string): { source: string; allow: string[]; keys: string[] } {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(`../charts/keys/${name}.json`) as { source: string; allow: string[]; keys: string[] };
}

/**
 * Keys in `values` that chart version `keys` does not have. A subchart's subtree (`grafana` in
 * kube-prometheus-stack) is checked against that subchart's own list plus what the parent sets.
 */
export function unknownChartKeys(keys: string, values: unknown, subcharts: Readonly<Record<string, string>> = {}): string[] {
    const list = loadKeyList(keys);
    const rest: Record<string, unknown> = isMap(values) ? { ...values } : {};
    const unknown: string[] = [];
    for (const [prefix, subKeys] of Object.entries(subcharts)) {
        if (!isMap(rest[prefix])) {
            continue;
        }
        const sub = loadKeyList(subKeys);
        const fromParent = [...list.keys, ...list.allow].filter((k) => k.startsWith(`${prefix}.`)).map((k) => k.slice(prefix.length + 1));
        unknown.push(...unknownKeys(rest[prefix], [...sub.keys, ...fromParent], sub.allow).map((p) => `${prefix}.${p}`));
        delete rest[prefix];
    }
    return [...unknown, ...unknownKeys(rest, list.keys, list.allow)];
}
