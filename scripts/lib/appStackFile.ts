/**
 * Edits of one application's image inside a stack file (`platform:apps[name].image` and `.canary`),
 * done on the YAML document so comments, key order and quoting survive: the stack file is what a
 * reviewer reads to see what runs where, and the delivery workflows rewrite it on every release.
 * Every function takes the file's text and returns the new text (pure, no I/O).
 */
import { Document, isMap, isScalar, isSeq, parseDocument, YAMLMap } from "yaml";

const APPS_KEY = "platform:apps";
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Canary analysis thresholds written when a canary starts without its own. */
export const DEFAULT_ANALYSIS = { maxErrorRatio: 0.01, maxLatencyP95Ms: 500 } as const;

/** A user-facing problem with the stack file or the arguments: printed without a stack trace. */
export class AppImageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "AppImageError";
    }
}

export interface CanaryAnalysis {
    readonly maxErrorRatio: number;
    readonly maxLatencyP95Ms: number;
}

/** The image fields of one app as the stack file states them. */
export interface AppImage {
    readonly name: string;
    readonly namespace?: string;
    readonly project?: string;
    readonly repository?: string;
    readonly digest?: string;
    readonly tag?: string;
    readonly previousDigest?: string;
    readonly canary?: { readonly digest?: string; readonly weight?: number; readonly analysis?: Partial<CanaryAnalysis> };
    /** `host`, when the stack file sets one (default `<name>.<platform:domain>`, see `appHost`). */
    readonly host?: string;
    readonly paths?: readonly string[];
    readonly canaryLoad?: { readonly requestsPerSecond?: number; readonly path?: string };
}

/** Result of an edit: the new text and what changed, for the log and the PR body. */
export interface Edit {
    readonly text: string;
    readonly changed: boolean;
    readonly summary: string;
}

export function assertDigest(digest: string, what = "digest"): void {
    if (!DIGEST.test(digest)) {
        throw new AppImageError(`${what}: expected sha256:<64 lower-case hex>, got "${digest}"`);
    }
}

function parse(text: string, file: string): Document {
    const doc = parseDocument(text, { keepSourceTokens: false });
    if (doc.errors.length > 0) {
        throw new AppImageError(`${file}: not valid YAML: ${doc.errors[0].message}`);
    }
    return doc;
}

function appNode(doc: Document, app: string, file: string): YAMLMap {
    const apps = doc.getIn(["config", APPS_KEY], true);
    if (!isSeq(apps)) {
        throw new AppImageError(`${file}: no ${APPS_KEY} list; add the app there first (see docs/app-delivery.md)`);
    }
    const names: string[] = [];
    for (const item of apps.items) {
        if (isMap(item)) {
            const name = item.get("name");
            names.push(String(name));
            if (name === app) {
                return item;
            }
        }
    }
    throw new AppImageError(`${file}: no app "${app}" in ${APPS_KEY}; expected one of: ${names.join(", ") || "(none)"}`);
}

function imageNode(app: YAMLMap, name: string, file: string): YAMLMap {
    const image = app.get("image", true);
    if (!isMap(image)) {
        throw new AppImageError(`${file}: ${APPS_KEY}[${name}].image: expected a map with project, repository and digest`);
    }
    return image;
}

function str(node: YAMLMap, key: string): string | undefined {
    const v = node.get(key);
    return v === undefined || v === null ? undefined : String(v);
}

function num(node: YAMLMap, key: string): number | undefined {
    const v = node.get(key);
    return typeof v === "number" ? v : undefined;
}

function out(doc: Document, source: string): string {
    // lineWidth 0: never fold long strings (a digest or a comment line stays as it was). The yaml
    // package pads flow collections one way for the whole file ({ a: 1 } or {a: 1}): follow what the
    // file mostly does, then give every line whose content did not change its original text back.
    const padded = (source.match(/: [[{] /g) ?? []).length;
    const tight = (source.match(/: [[{][^\s\]}]/g) ?? []).length;
    return keepUnchangedLines(source, doc.toString({ lineWidth: 0, flowCollectionPadding: padded > tight }));
}

/** A line without the padding inside flow collections: `{ a: 1 }` and `{a: 1}` compare equal. */
const unpadded = (line: string) => line.replace(/([[{]) +/g, "$1").replace(/ +([\]}])/g, "$1");

/**
 * Aligns the re-rendered lines with the original ones (longest common subsequence, padding ignored)
 * and keeps the original text of every aligned line: only the lines an edit really changed differ.
 */
export function keepUnchangedLines(before: string, after: string): string {
    const a = before.split("\n");
    const b = after.split("\n");
    const na = a.map(unpadded);
    const nb = b.map(unpadded);
    // lcs[i][j]: length of the longest common subsequence of na[i..] and nb[j..].
    const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--) {
        for (let j = b.length - 1; j >= 0; j--) {
            lcs[i][j] = na[i] === nb[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    while (j < b.length) {
        if (i < a.length && na[i] === nb[j]) {
            merged.push(a[i]);
            i++;
            j++;
        } else if (i < a.length && lcs[i + 1][j] >= lcs[i][j + 1]) {
            i++;
        } else {
            merged.push(b[j]);
            j++;
        }
    }
    return merged.join("\n");
}

/** Reads one app's image and canary as written in the stack file. */
export function readApp(text: string, app: string, file = "stack file"): AppImage {
    const doc = parse(text, file);
    const node = appNode(doc, app, file);
    const image = imageNode(node, app, file);
    const canary = node.get("canary", true);
    const analysis = isMap(canary) ? canary.get("analysis", true) : undefined;
    const paths = node.get("paths", true);
    const load = node.get("canaryLoad", true);
    return {
        name: app,
        namespace: str(node, "namespace"),
        host: str(node, "host"),
        ...(isSeq(paths) ? { paths: paths.items.map((p) => String(isScalar(p) ? p.value : p)) } : {}),
        ...(isMap(load) ? { canaryLoad: { requestsPerSecond: num(load, "requestsPerSecond"), path: str(load, "path") } } : {}),
        project: str(image, "project"),
        repository: str(image, "repository"),
        digest: str(image, "digest"),
        tag: str(image, "tag"),
        previousDigest: str(image, "previousDigest"),
        ...(isMap(canary)
            ? {
                  canary: {
                      digest: str(canary, "digest"),
                      weight: num(canary, "weight"),
                      ...(isMap(analysis)
                          ? { analysis: { maxErrorRatio: num(analysis, "maxErrorRatio"), maxLatencyP95Ms: num(analysis, "maxLatencyP95Ms") } }
                          : {}),
                  },
              }
            : {}),
    };
}

/** Names of the apps a stack file declares. */
export function appNames(text: string, file = "stack file"): string[] {
    const apps = parse(text, file).getIn(["config", APPS_KEY], true);
    return isSeq(apps) ? apps.items.filter(isMap).map((m) => String(m.get("name"))) : [];
}

/** The all-zero digest stack files carry until the first build: never a rollback target. */
const PLACEHOLDER_DIGEST = `sha256:${"0".repeat(64)}`;

/**
 * Puts `digest` into `image.digest`, moving the digest it replaces to `image.previousDigest` (the
 * rollback target; not the all-zero placeholder). A `tag` (dev only) goes: an image is named by
 * exactly one of digest and tag. The same digest again is no change.
 */
export function setImageDigest(text: string, app: string, digest: string, opts: { file?: string } = {}): Edit {
    const file = opts.file ?? "stack file";
    assertDigest(digest);
    const doc = parse(text, file);
    const image = imageNode(appNode(doc, app, file), app, file);
    const current = str(image, "digest");
    const tag = str(image, "tag");
    if (current === digest && tag === undefined) {
        return { text, changed: false, summary: `${app}: already at ${digest}` };
    }
    if (current !== undefined && current !== digest && current !== PLACEHOLDER_DIGEST) {
        image.set("previousDigest", current);
    }
    image.set("digest", digest);
    image.delete("tag");
    const was = current ?? (tag === undefined ? "(none)" : `tag ${tag}`);
    return { text: out(doc, text), changed: true, summary: `${app}: ${was} -> ${digest}` };
}

/**
 * Rollback: the previous digest becomes the digest again, and the digest being rolled back becomes
 * the previous one (so a second rollback undoes the first). Any canary is stopped (weight 0).
 */
export function rollbackImage(text: string, app: string, opts: { file?: string; previousDigest?: string } = {}): Edit & { from?: string; to: string } {
    const file = opts.file ?? "stack file";
    const doc = parse(text, file);
    const node = appNode(doc, app, file);
    const image = imageNode(node, app, file);
    const current = str(image, "digest");
    const previous = opts.previousDigest ?? str(image, "previousDigest");
    if (previous === undefined) {
        throw new AppImageError(`${file}: ${APPS_KEY}[${app}].image.previousDigest is not set: there is no earlier release to roll back to`);
    }
    assertDigest(previous, `${APPS_KEY}[${app}].image.previousDigest`);
    if (previous === PLACEHOLDER_DIGEST) {
        throw new AppImageError(`${file}: ${APPS_KEY}[${app}]: the previous digest is the all-zero placeholder, not a release to roll back to`);
    }
    if (previous === current) {
        throw new AppImageError(`${file}: ${APPS_KEY}[${app}] already runs ${previous}; nothing to roll back`);
    }
    image.set("digest", previous);
    if (current !== undefined) {
        image.set("previousDigest", current);
    }
    const canary = node.get("canary", true);
    if (isMap(canary)) {
        canary.set("weight", 0);
    }
    return { text: out(doc, text), changed: true, from: current, to: previous, summary: `${app}: rolled back ${current ?? "(none)"} -> ${previous}` };
}

/**
 * Starts (or restarts) a canary of `digest` at `weight` percent, keeping the stack file's analysis
 * thresholds or writing the defaults so the file shows what the analysis will check.
 */
export function startCanary(text: string, app: string, digest: string, weight: number, opts: { file?: string } = {}): Edit {
    const file = opts.file ?? "stack file";
    assertDigest(digest, "canary digest");
    assertWeight(weight);
    const doc = parse(text, file);
    const node = appNode(doc, app, file);
    const image = imageNode(node, app, file);
    if (str(image, "digest") === digest) {
        throw new AppImageError(`${file}: ${APPS_KEY}[${app}] already runs ${digest} as its stable image; a canary needs a different digest`);
    }
    const canary = node.get("canary", true);
    if (!isMap(canary)) {
        node.set("canary", doc.createNode({ digest, weight, analysis: { ...DEFAULT_ANALYSIS } }));
    } else {
        canary.set("digest", digest);
        canary.set("weight", weight);
        if (!isMap(canary.get("analysis", true))) {
            canary.set("analysis", doc.createNode({ ...DEFAULT_ANALYSIS }));
        }
    }
    return { text: out(doc, text), changed: true, summary: `${app}: canary ${digest} at ${weight}%` };
}

/** Sets the canary's traffic weight (0 stops it: every request goes to the stable Deployment). */
export function setCanaryWeight(text: string, app: string, weight: number, opts: { file?: string } = {}): Edit {
    const file = opts.file ?? "stack file";
    assertWeight(weight);
    const doc = parse(text, file);
    const canary = appNode(doc, app, file).get("canary", true);
    if (!isMap(canary)) {
        throw new AppImageError(`${file}: ${APPS_KEY}[${app}] has no canary`);
    }
    const before = num(canary, "weight");
    canary.set("weight", weight);
    return { text: out(doc, text), changed: before !== weight, summary: `${app}: canary weight ${before ?? "(none)"} -> ${weight}` };
}

/** The canary passed: its digest becomes the stable digest, the old one the previous, and `canary` goes. */
export function promoteCanary(text: string, app: string, opts: { file?: string } = {}): Edit {
    const file = opts.file ?? "stack file";
    const doc = parse(text, file);
    const node = appNode(doc, app, file);
    const image = imageNode(node, app, file);
    const canary = node.get("canary", true);
    const digest = isMap(canary) ? str(canary, "digest") : undefined;
    if (digest === undefined) {
        throw new AppImageError(`${file}: ${APPS_KEY}[${app}] has no canary digest to promote`);
    }
    const current = str(image, "digest");
    if (current !== undefined) {
        image.set("previousDigest", current);
    }
    image.set("digest", digest);
    node.delete("canary");
    return { text: out(doc, text), changed: true, summary: `${app}: canary ${digest} is now stable (was ${current ?? "(none)"})` };
}

/** What the stack file said before a canary run: the release it falls back to. */
export interface LastGood {
    readonly digest?: string;
    readonly previousDigest?: string;
}

/**
 * The safe state after a canary that did not pass (a failed analysis, a failed step, too little
 * traffic, a cancelled run): no `canary` block, and the image the app ran before the run (its
 * digest and previous digest put back if a promotion had already moved them). What the stack
 * file then says is what `pulumi up` makes true: the stable Deployment only, the VirtualServer
 * sending every request to it. No change when the file already says so.
 */
export function withdrawCanary(text: string, app: string, lastGood: LastGood, opts: { file?: string } = {}): Edit {
    const file = opts.file ?? "stack file";
    const doc = parse(text, file);
    const node = appNode(doc, app, file);
    const image = imageNode(node, app, file);
    const canary = node.get("canary", true);
    const was = isMap(canary) ? `canary ${str(canary, "digest") ?? "(no digest)"} at ${num(canary, "weight") ?? "?"}%` : "no canary";
    const changes: string[] = [];
    if (isMap(canary)) {
        node.delete("canary");
        changes.push(`${was} withdrawn`);
    }
    if (lastGood.digest !== undefined && str(image, "digest") !== lastGood.digest) {
        changes.push(`image.digest back to ${lastGood.digest}`);
        image.set("digest", lastGood.digest);
        if (lastGood.previousDigest === undefined) {
            image.delete("previousDigest");
        } else {
            image.set("previousDigest", lastGood.previousDigest);
        }
    }
    if (changes.length === 0) {
        return { text, changed: false, summary: `${app}: no canary, ${str(image, "digest") ?? "(no digest)"} stays` };
    }
    return { text: out(doc, text), changed: true, summary: `${app}: ${changes.join("; ")}` };
}

/** The app's public host as the platform derives it (config/resolve.ts): `host`, else `<name>.<platform:domain>`. */
export function appHost(text: string, app: string, file = "stack file"): string {
    const host = readApp(text, app, file).host;
    if (host !== undefined) {
        return host;
    }
    const domain = parse(text, file).getIn(["config", "platform:domain"]);
    if (typeof domain !== "string" || domain.length === 0) {
        throw new AppImageError(`${file}: neither ${APPS_KEY}[${app}].host nor platform:domain is set: no host for the canary load`);
    }
    return `${app}.${domain}`;
}

function assertWeight(weight: number): void {
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
        throw new AppImageError(`canary weight: expected an integer percentage 0-100, got ${weight}`);
    }
}

/** `platform:profile` of a stack file (selects the policy pack config, as CI does). */
export function stackProfile(text: string, file = "stack file"): "dev" | "prod" {
    const profile = parse(text, file).getIn(["config", "platform:profile"]);
    if (profile !== "dev" && profile !== "prod") {
        throw new AppImageError(`${file}: platform:profile must be dev or prod, got ${JSON.stringify(profile ?? null)}`);
    }
    return profile;
}

/**
 * The stack's Harbor host, as the platform derives it (config/config.ts): `platform:harbor.host`,
 * else `registry.<platform:domain>`.
 */
export function registryHost(text: string, file = "stack file"): string {
    const doc = parse(text, file);
    const host = doc.getIn(["config", "platform:harbor", "host"]);
    if (typeof host === "string" && host.length > 0) {
        return host;
    }
    const domain = doc.getIn(["config", "platform:domain"]);
    if (typeof domain !== "string" || domain.length === 0) {
        throw new AppImageError(`${file}: neither platform:harbor.host nor platform:domain is set: no registry host`);
    }
    return `registry.${domain}`;
}
