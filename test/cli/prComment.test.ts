import { run as runPrComment } from "../../scripts/pr-comment";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffStack, RenderedResource } from "../../offline/planDiff";
import {
    commentBody,
    neutralise,
    parseOpenPulls,
    parsePlanDiffArtifact,
    parsePreviewArtifact,
    planDiffArtifact,
    PREVIEW_MARKER,
    previewCommentBody,
    pullRequestFor,
} from "../../scripts/lib/prComment";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const ns = (name: string): RenderedResource => ({ type: "kubernetes:core/v1:Namespace", name, parent: "dev", dependsOn: [], inputs: { metadata: { name } } });
const release = (version: string): RenderedResource => ({
    type: "kubernetes:helm.sh/v3:Release",
    name: "dev-harbor",
    parent: "dev",
    dependsOn: [],
    inputs: { chart: "harbor", version },
});

/** A valid artifact as `plan-diff --json` writes it, then edited by `edit` (what a malicious PR could upload). */
function artifact(edit: (a: { version: unknown; stacks: Record<string, unknown>[] }) => void = () => undefined): string {
    const a = JSON.parse(planDiffArtifact([diffStack("dev", [ns("a"), release("1.19.0")], [ns("a"), ns("b"), release("1.19.1")])])) as {
        version: unknown;
        stacks: Record<string, unknown>[];
    };
    edit(a);
    return JSON.stringify(a);
}

describe("PR comment from the plan-diff artifact", () => {
    it("round-trips a real diff into the comment, built from data", () => {
        const body = commentBody(parsePlanDiffArtifact(artifact()), SHA);
        expect(body.startsWith("<!-- platform-rendered-plan-diff -->")).toBe(true);
        expect(body).toContain("### `dev` — changed (+1 ~1 -0)");
        expect(body).toContain("- `kubernetes:core/v1:Namespace b`");
        expect(body).toContain("chart **harbor** (dev-harbor): 1.19.0 → 1.19.1");
        expect(body).toContain(`Rendered offline from ${SHA}`);
    });

    it("neutralises mentions, links, images, HTML and code-span escapes in free text", () => {
        const hostile = "x @octo-org/admins <img src=x onerror=alert(1)> [click](https://evil.example) ![i](https://e) `break` </details>";
        const body = commentBody(
            parsePlanDiffArtifact(
                artifact((a) => {
                    a.stacks[0].added = [hostile];
                    a.stacks[0].changed = [{ resource: hostile, fields: [hostile] }];
                }),
            ),
            SHA,
        );
        const items = body.split("\n").filter((l) => l.startsWith("- `"));
        expect(items.length).toBeGreaterThanOrEqual(2);
        for (const line of items) {
            expect(line).not.toMatch(/[@<>[\]()!]/);
            expect(line.match(/`/g)).toHaveLength(2); // one code span, never broken out of
        }
        // Old and new values are free text too (the mask "[secret]" is plan-diff's own constant, kept).
        const values = commentBody(
            parsePlanDiffArtifact(
                artifact((a) => (a.stacks[0].changed = [{ resource: "r", fields: ["inputs.x"], values: [{ path: hostile, from: hostile, to: "[secret]" }] }])),
            ),
            SHA,
        );
        const valueLine = values.split("\n").find((l) => l.startsWith("  - `"))!;
        expect(valueLine).not.toMatch(/[@<>()!]|\[(?!secret\])/);
        expect(valueLine.match(/`/g)).toHaveLength(6);
        expect(valueLine).toContain("→ `[secret]`");
        expect(() =>
            parsePlanDiffArtifact(
                artifact((a) => (a.stacks[0].changed = [{ resource: "r", fields: ["x"], values: [{ path: "p", from: "a", to: "b", extra: 1 }] }])),
            ),
        ).toThrow("values[0].extra: expected no such field");
        expect(neutralise(hostile)).toBe("x ?octo-org/admins ?img src=x onerror=alert?1?? ?click??https://evil.example? ??i??https://e? ?break? ?/details?");
    });

    it.each([
        ["a wrong version", (a: { version: unknown }) => (a.version = 2), "$.version: expected 1"],
        ["a PR number smuggled in", (a: { stacks: Record<string, unknown>[] }) => (a.stacks[0].prNumber = 1), "$.stacks[0].prNumber: expected no such field"],
        [
            "Markdown as a stack name",
            (a: { stacks: Record<string, unknown>[] }) => (a.stacks[0].stack = "**@admins**"),
            "$.stacks[0].stack: expected a value matching",
        ],
        [
            "Markdown as a chart name",
            (a: { stacks: Record<string, unknown>[] }) => ((a.stacks[0].chartBumps as Record<string, unknown>[])[0].chart = "[x](https://e)"),
            "$.stacks[0].chartBumps[0].chart",
        ],
        ["an unknown status", (a: { stacks: Record<string, unknown>[] }) => (a.stacks[0].status = "<b>"), "$.stacks[0].status: expected one of"],
        [
            "text where numbers belong",
            (a: { stacks: Record<string, unknown>[] }) => (a.stacks[0].requests = { cpu: ["1", 2], memory: [0, 0] }),
            "$.stacks[0].requests.cpu: expected two non-negative numbers",
        ],
        [
            "an object where a name belongs",
            (a: { stacks: Record<string, unknown>[] }) => (a.stacks[0].added = [{ toString: "x" }]),
            "$.stacks[0].added[0]: expected a string",
        ],
    ])("refuses an artifact with %s", (_what, edit, message) => {
        expect(() => parsePlanDiffArtifact(artifact(edit as (a: { version: unknown; stacks: Record<string, unknown>[] }) => void))).toThrow(message);
    });

    it("refuses Markdown text (the old artifact) and a head SHA that is not one", () => {
        expect(() => parsePlanDiffArtifact("<!-- platform-rendered-plan-diff -->\n@everyone")).toThrow("expected JSON");
        expect(() => commentBody([], "main")).toThrow("head_sha: expected a 40-character commit SHA");
    });

    it("finds the PR from the run's head SHA and repository, never a fork's PR with the same SHA", () => {
        const pulls = parseOpenPulls(
            [
                JSON.stringify({ number: 7, sha: SHA, repo: "fork/platform" }),
                JSON.stringify({ number: 9, sha: SHA, repo: "org/platform" }),
                JSON.stringify({ number: 11, sha: "f".repeat(40), repo: "org/platform" }),
                JSON.stringify({ number: 12, sha: SHA, repo: null }),
                "",
            ].join("\n"),
        );
        expect(pullRequestFor(pulls, SHA, "org/platform")).toBe(9);
        expect(pullRequestFor(pulls, SHA, "fork/platform")).toBe(7);
        expect(() => pullRequestFor(pulls, "a".repeat(40), "org/platform")).toThrow("found 0");
        expect(() => pullRequestFor([...pulls, { number: 10, sha: SHA, repo: "org/platform" }], SHA, "org/platform")).toThrow("found 2");
        expect(() => parseOpenPulls('{"number":"7"}')).toThrow("line 1");
    });

    it("works through the CLI the workflow runs: prints the PR number, writes the body", async () => {
        const dir = mkdtempSync(join(tmpdir(), "pr-comment-"));
        writeFileSync(join(dir, "plan-diff.json"), artifact());
        writeFileSync(join(dir, "pulls.jsonl"), JSON.stringify({ number: 42, sha: SHA, repo: "org/platform" }) + "\n");
        const run = async (file: string) => {
            const out: string[] = [];
            const err: string[] = [];
            const status = await runPrComment([join(dir, file), join(dir, "pulls.jsonl"), SHA, "org/platform", join(dir, "comment.md")], {
                out: (l) => out.push(l),
                err: (l) => err.push(l),
            });
            return { status, stdout: out.map((l) => `${l}\n`).join(""), stderr: err.join("\n") };
        };
        const ok = await run("plan-diff.json");
        expect(ok.status).toBe(0);
        expect(ok.stdout).toBe("42\n");
        expect(readFileSync(join(dir, "comment.md"), "utf8")).toContain("### `dev` — changed");
        writeFileSync(
            join(dir, "bad.json"),
            artifact((a) => (a.version = "1")),
        );
        const bad = await run("bad.json");
        expect(bad.status).toBe(1);
        expect(bad.stderr).toContain("plan-diff artifact: $.version: expected 1");
    });
});

describe("PR comment from the dev preview's counts (the preview job holds no write token)", () => {
    const preview = (p: unknown) => JSON.stringify({ version: 1, preview: p });

    it("writes a table of Pulumi's change counts under its own marker, from validated data", () => {
        const body = previewCommentBody(parsePreviewArtifact(preview({ stack: "dev", ok: true, changes: { update: 2, same: 180, create: 1 } })), SHA);
        expect(body.split("\n")[0]).toBe(PREVIEW_MARKER);
        expect(body).toContain("### `pulumi preview` of `dev`: passed");
        expect(body).toContain("| `create` | 1 |\n| `same` | 180 |\n| `update` | 2 |");
    });

    it("refuses anything but a stack name, a boolean and counts under operation names (no Markdown, no mentions, no extra fields)", () => {
        expect(() => parsePreviewArtifact(preview({ stack: "dev", ok: true, changes: { "[x](https://evil)": 1 } }))).toThrow(
            "$.preview.changes.?x??https://evil?: expected an operation name",
        );
        expect(() => parsePreviewArtifact(preview({ stack: "dev", ok: true, changes: { create: "1 @maintainers" } }))).toThrow(
            "$.preview.changes.create: expected a non-negative integer",
        );
        expect(() => parsePreviewArtifact(preview({ stack: "dev @x", ok: true, changes: {} }))).toThrow("$.preview.stack: expected a value matching");
        expect(() => parsePreviewArtifact(preview({ stack: "dev", ok: "yes", changes: {} }))).toThrow("$.preview.ok: expected true or false");
        expect(() => parsePreviewArtifact(preview({ stack: "dev", ok: true, changes: {}, markdown: "hi" }))).toThrow(
            "$.preview.markdown: expected no such field",
        );
    });

    it("goes through the same CLI as the plan diff, which tells the two apart", async () => {
        const dir = mkdtempSync(join(tmpdir(), "pr-comment-"));
        writeFileSync(join(dir, "preview.json"), preview({ stack: "dev", ok: false, changes: { delete: 3 } }));
        writeFileSync(join(dir, "pulls.jsonl"), JSON.stringify({ number: 7, sha: SHA, repo: "org/platform" }) + "\n");
        const out: string[] = [];
        expect(
            await runPrComment([join(dir, "preview.json"), join(dir, "pulls.jsonl"), SHA, "org/platform", join(dir, "comment.md")], {
                out: (l) => out.push(l),
                err: () => undefined,
            }),
        ).toBe(0);
        expect(out).toEqual(["7"]);
        expect(readFileSync(join(dir, "comment.md"), "utf8")).toContain("failed (see the preview run)");
    });
});
