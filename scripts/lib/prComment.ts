/**
 * The rendered-plan diff comment, built by the trusted `pr-comment` workflow (base branch code,
 * base repository token) from the JSON artifact an untrusted PR run uploaded. Nothing in the
 * artifact is trusted: its shape is validated field by field, every string is reduced to a safe
 * alphabet and shown only inside code spans or after a strict pattern check, so the comment can
 * carry no @mention, link, image or HTML. The PR number never comes from the artifact.
 */
import { diffMarkdown, MASKED, StackDiff } from "../../offline/planDiff";

/** The artifact format `npm run plan-diff -- --json` writes. */
const ARTIFACT_VERSION = 1;
const MAX_STACKS = 20;
const MAX_ITEMS = 2000;
const MAX_STRING = 300;
/** Comments above this are cut (GitHub refuses bodies over 65536 characters). */
const MAX_BODY = 60_000;

/** The artifact does not have the expected shape; `path` names the offending field. */
class ArtifactError extends Error {
    constructor(path: string, expected: string) {
        super(`plan-diff artifact: ${path}: expected ${expected}`);
        this.name = "ArtifactError";
    }
}

const STACK = /^[a-z0-9][a-z0-9-]{0,62}$/;
const CHART = /^[a-z0-9][a-z0-9.-]{0,62}$/;
const VERSION = /^v?[0-9][0-9A-Za-z.+-]{0,62}$/;

/**
 * Free text from the artifact (resource names, field names) reduced to letters, digits and
 * `. _ : / = + , ~ -` and spaces; anything else becomes `?`. No backtick (cannot leave the code
 * span), no `<`/`>` (no HTML), no `[`/`]`/`(`/`)`/`!` (no links or images), no `@` (no mentions).
 */
export function neutralise(text: string): string {
    return text.replace(/[^A-Za-z0-9._:/=+,~ -]/g, "?").slice(0, MAX_STRING);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function str(value: unknown, path: string, pattern?: RegExp): string {
    if (typeof value !== "string" || value.length === 0 || value.length > MAX_STRING) {
        throw new ArtifactError(path, `a string of 1-${MAX_STRING} characters`);
    }
    if (pattern && !pattern.test(value)) {
        throw new ArtifactError(path, `a value matching ${String(pattern)}`);
    }
    return value;
}

function list<T>(value: unknown, path: string, item: (v: unknown, p: string) => T): T[] {
    if (!Array.isArray(value) || value.length > MAX_ITEMS) {
        throw new ArtifactError(path, `a list of at most ${MAX_ITEMS} items`);
    }
    return value.map((v, i) => item(v, `${path}[${i}]`));
}

function pair(value: unknown, path: string): [number, number] {
    if (!Array.isArray(value) || value.length !== 2 || !value.every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0)) {
        throw new ArtifactError(path, "two non-negative numbers");
    }
    return [value[0] as number, value[1] as number];
}

function object(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
    if (!isObject(value)) {
        throw new ArtifactError(path, "an object");
    }
    const extra = Object.keys(value).filter((k) => !keys.includes(k));
    if (extra.length > 0) {
        throw new ArtifactError(`${path}.${extra[0]}`, "no such field");
    }
    return value;
}

/** Parses and validates the artifact's JSON text; returns the diffs with every free text neutralised. */
export function parsePlanDiffArtifact(text: string): StackDiff[] {
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch {
        throw new ArtifactError("(file)", "JSON");
    }
    const root = object(json, "$", ["version", "stacks"]);
    if (root.version !== ARTIFACT_VERSION) {
        throw new ArtifactError("$.version", String(ARTIFACT_VERSION));
    }
    if (!Array.isArray(root.stacks) || root.stacks.length > MAX_STACKS) {
        throw new ArtifactError("$.stacks", `a list of at most ${MAX_STACKS} stacks`);
    }
    const safe = (v: unknown, p: string) => neutralise(str(v, p));
    return root.stacks.map((value, i): StackDiff => {
        const at = `$.stacks[${i}]`;
        const s = object(value, at, ["stack", "status", "added", "removed", "changed", "chartBumps", "requests", "nodes"]);
        const status = s.status;
        if (status !== "changed" && status !== "unchanged" && status !== "new" && status !== "deleted") {
            throw new ArtifactError(`${at}.status`, "one of changed, unchanged, new, deleted");
        }
        const requests = object(s.requests, `${at}.requests`, ["cpu", "memory"]);
        const nodes = s.nodes === undefined ? undefined : object(s.nodes, `${at}.nodes`, ["count", "added", "removed"]);
        return {
            stack: str(s.stack, `${at}.stack`, STACK),
            status,
            added: list(s.added, `${at}.added`, safe),
            removed: list(s.removed, `${at}.removed`, safe),
            changed: list(s.changed, `${at}.changed`, (v, p) => {
                const c = object(v, p, ["resource", "fields", "values"]);
                // Old and new values (secrets masked by plan-diff): free text like the rest, neutralised.
                const values =
                    c.values === undefined
                        ? undefined
                        : list(c.values, `${p}.values`, (x, q) => {
                              const change = object(x, q, ["path", "from", "to"]);
                              // The mask is a constant of plan-diff's, kept as is; anything else is neutralised.
                              const value = (x2: unknown, q2: string) => (x2 === MASKED ? MASKED : safe(x2, q2));
                              return { path: safe(change.path, `${q}.path`), from: value(change.from, `${q}.from`), to: value(change.to, `${q}.to`) };
                          });
                return { resource: safe(c.resource, `${p}.resource`), fields: list(c.fields, `${p}.fields`, safe), ...(values ? { values } : {}) };
            }),
            chartBumps: list(s.chartBumps, `${at}.chartBumps`, (v, p) => {
                const b = object(v, p, ["release", "chart", "from", "to"]);
                return {
                    release: str(b.release, `${p}.release`, CHART),
                    chart: str(b.chart, `${p}.chart`, CHART),
                    from: str(b.from, `${p}.from`, VERSION),
                    to: str(b.to, `${p}.to`, VERSION),
                };
            }),
            requests: { cpu: pair(requests.cpu, `${at}.requests.cpu`), memory: pair(requests.memory, `${at}.requests.memory`) },
            ...(nodes
                ? {
                      nodes: {
                          count: pair(nodes.count, `${at}.nodes.count`),
                          added: list(nodes.added, `${at}.nodes.added`, safe),
                          removed: list(nodes.removed, `${at}.nodes.removed`, safe),
                      },
                  }
                : {}),
        };
    });
}

/** The artifact a PR's CI run uploads: the diffs as data, never Markdown. */
export function planDiffArtifact(diffs: readonly StackDiff[]): string {
    return JSON.stringify({ version: ARTIFACT_VERSION, stacks: diffs }, null, 1) + "\n";
}

/** The comment body, built here from validated data (never taken from the artifact). */
export function commentBody(diffs: readonly StackDiff[], headSha: string): string {
    if (!/^[0-9a-f]{40}$/.test(headSha)) {
        throw new ArtifactError("head_sha", "a 40-character commit SHA");
    }
    const body = `${diffMarkdown(diffs)}\n_Rendered offline from ${headSha} (no credentials involved)._\n`;
    return body.length <= MAX_BODY ? body : `${body.slice(0, MAX_BODY)}\n\n_(cut: the diff is longer than a comment can hold; see the CI run's summary)_\n`;
}

/** One open PR as `gh api .../pulls --jq '.[] | {number, sha: .head.sha, repo: .head.repo.full_name}'` lists it. */
export interface OpenPull {
    readonly number: number;
    readonly sha: string;
    readonly repo: string | null;
}

/** Parses that listing: one JSON object per line. */
export function parseOpenPulls(text: string): OpenPull[] {
    return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line, i) => {
            const p = JSON.parse(line) as Partial<OpenPull>;
            if (!Number.isInteger(p.number) || typeof p.sha !== "string" || (p.repo !== null && typeof p.repo !== "string")) {
                throw new Error(`open pull request list, line ${i + 1}: expected {number, sha, repo}`);
            }
            return { number: p.number!, sha: p.sha, repo: p.repo ?? null };
        });
}

/** The PR whose head is `headSha` in `headRepo` (the CI run's own, from the event): exactly one, or an error. */
export function pullRequestFor(pulls: readonly OpenPull[], headSha: string, headRepo: string): number {
    const matches = pulls.filter((p) => p.sha === headSha && p.repo === headRepo);
    if (matches.length !== 1) {
        throw new Error(`expected one open pull request with head ${headRepo}@${headSha}, found ${matches.length}`);
    }
    return matches[0].number;
}

/** The dev preview's comment marker (first line), beside the plan diff's (offline/planDiff.ts COMMENT_MARKER). */
export const PREVIEW_MARKER = "<!-- platform-dev-preview -->";
const OPERATION = /^[a-z][a-z-]{0,30}$/;

/** What the PR's `preview-dev` job uploads: the stack, whether the preview passed, and Pulumi's change counts. */
export interface PreviewSummary {
    readonly stack: string;
    readonly ok: boolean;
    readonly changes: Readonly<Record<string, number>>;
}

/** Whether an artifact is a preview summary (`{ version, preview }`) rather than a plan diff. */
export function isPreviewArtifact(text: string): boolean {
    try {
        const json: unknown = JSON.parse(text);
        return isObject(json) && "preview" in json;
    } catch {
        return false;
    }
}

/** Parses and validates the preview artifact: a stack name, a boolean, and counts under operation names. Nothing else passes. */
export function parsePreviewArtifact(text: string): PreviewSummary {
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch {
        throw new ArtifactError("(file)", "JSON");
    }
    const root = object(json, "$", ["version", "preview"]);
    if (root.version !== ARTIFACT_VERSION) {
        throw new ArtifactError("$.version", String(ARTIFACT_VERSION));
    }
    const p = object(root.preview, "$.preview", ["stack", "ok", "changes"]);
    if (typeof p.ok !== "boolean") {
        throw new ArtifactError("$.preview.ok", "true or false");
    }
    const changes = object(p.changes, "$.preview.changes", Object.keys(isObject(p.changes) ? p.changes : {}));
    const entries = Object.entries(changes);
    if (entries.length > 20) {
        throw new ArtifactError("$.preview.changes", "at most 20 operations");
    }
    for (const [op, n] of entries) {
        if (!OPERATION.test(op)) throw new ArtifactError(`$.preview.changes.${neutralise(op)}`, `an operation name matching ${String(OPERATION)}`);
        if (!Number.isInteger(n) || (n as number) < 0) throw new ArtifactError(`$.preview.changes.${op}`, "a non-negative integer");
    }
    return { stack: str(p.stack, "$.preview.stack", STACK), ok: p.ok, changes: Object.fromEntries(entries) as Record<string, number> };
}

/** The dev preview comment, built here from validated data. */
export function previewCommentBody(summary: PreviewSummary, headSha: string): string {
    if (!/^[0-9a-f]{40}$/.test(headSha)) {
        throw new ArtifactError("head_sha", "a 40-character commit SHA");
    }
    const rows = Object.entries(summary.changes)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([op, n]) => `| \`${op}\` | ${n} |`);
    return [
        PREVIEW_MARKER,
        `### \`pulumi preview\` of \`${summary.stack}\`: ${summary.ok ? "passed" : "failed (see the preview run)"}`,
        "",
        ...(rows.length > 0 ? ["| change | resources |", "| --- | --- |", ...rows] : ["No change counts were reported."]),
        "",
        `_Previewed from ${headSha} with dev-scoped credentials; the full plan is in the preview workflow's run._`,
        "",
    ].join("\n");
}
