import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
    appHost,
    appNames,
    keepUnchangedLines,
    registryHost,
    promoteCanary,
    readApp,
    rollbackImage,
    setCanaryWeight,
    setImageDigest,
    startCanary,
    stackProfile,
    withdrawCanary,
} from "../../scripts/lib/appStackFile";
import { digest, FIXTURE } from "./fakeIo";

const text = readFileSync(FIXTURE, "utf8");
const lines = (t: string) => t.split("\n");
/** Lines of `after` that are not in `before`, and the other way round. */
function changedLines(before: string, after: string): { added: string[]; removed: string[] } {
    const b = lines(before);
    const a = lines(after);
    return { added: a.filter((l) => !b.includes(l)), removed: b.filter((l) => !a.includes(l)) };
}

describe("stack-file image edits (platform:apps[].image)", () => {
    it("puts the new digest in and moves the old one to previousDigest, touching nothing else", () => {
        const edit = setImageDigest(text, "hello", digest("2"));
        expect(edit.changed).toBe(true);
        expect(readApp(edit.text, "hello")).toMatchObject({ digest: digest("2"), previousDigest: digest("1"), project: "apps", repository: "hello" });
        // Every comment, the other app, the flow-style maps and the quoting survive: only two lines differ.
        expect(changedLines(text, edit.text)).toEqual({
            added: [`        digest: ${digest("2")}`, `        previousDigest: ${digest("1")}`],
            removed: [`        digest: ${digest("1")}`],
        });
        for (const comment of lines(text).filter((l) => l.includes("#"))) {
            expect(edit.text).toContain(comment);
        }
    });

    it("replaces an earlier previousDigest, and the same digest again is no change", () => {
        const once = setImageDigest(text, "hello", digest("2")).text;
        const twice = setImageDigest(once, "hello", digest("5"));
        expect(readApp(twice.text, "hello")).toMatchObject({ digest: digest("5"), previousDigest: digest("2") });
        const again = setImageDigest(twice.text, "hello", digest("5"));
        expect(again).toMatchObject({ changed: false, text: twice.text });
    });

    it("edits a flow-style image map in place", () => {
        const edit = setImageDigest(text, "other", digest("6"));
        expect(readApp(edit.text, "other")).toMatchObject({ digest: digest("6"), previousDigest: digest("3") });
        expect(edit.text).toContain(`image: {project: apps, repository: other, digest: "${digest("6")}", previousDigest: ${digest("3")}}`);
    });

    it("replaces a dev tag with the digest (an image is named by exactly one of them)", () => {
        const edit = setImageDigest(text, "tagged", digest("2"));
        expect(readApp(edit.text, "tagged")).toEqual({ name: "tagged", namespace: "apps", project: "apps", repository: "tagged", digest: digest("2") });
        expect(edit.summary).toBe(`tagged: tag 0.1.0 -> ${digest("2")}`);
    });

    it("never records the all-zero placeholder as the previous digest, nor rolls back to it", () => {
        const edit = setImageDigest(text, "fresh", digest("2"));
        expect(readApp(edit.text, "fresh")).toMatchObject({ digest: digest("2") });
        expect(readApp(edit.text, "fresh").previousDigest).toBeUndefined();
        expect(() => rollbackImage(text, "fresh", { previousDigest: digest("0") })).toThrow("the previous digest is the all-zero placeholder");
    });

    it("rejects a malformed digest and an unknown app, naming the key and the choices", () => {
        expect(() => setImageDigest(text, "hello", "sha256:abc")).toThrow('digest: expected sha256:<64 lower-case hex>, got "sha256:abc"');
        expect(() => setImageDigest(text, "nope", digest("2"), { file: "Pulumi.dev.yaml" })).toThrow(
            'Pulumi.dev.yaml: no app "nope" in platform:apps; expected one of: hello, other, tagged, fresh',
        );
        expect(() => setImageDigest("config:\n  platform:profile: dev\n", "hello", digest("2"))).toThrow("no platform:apps list");
    });

    it("names the stack's registry as the platform does: platform:harbor.host, else registry.<domain>", () => {
        expect(registryHost(text)).toBe("registry.dev.example.com");
        expect(registryHost(text.replace("  platform:harbor:\n", "  platform:harbor:\n    host: harbor.example.org\n"))).toBe("harbor.example.org");
        expect(() => registryHost("config:\n  platform:profile: dev\n", "Pulumi.x.yaml")).toThrow(
            "Pulumi.x.yaml: neither platform:harbor.host nor platform:domain is set",
        );
    });

    it("lists the apps and reads the profile", () => {
        expect(appNames(text)).toEqual(["hello", "other", "tagged", "fresh"]);
        expect(stackProfile(text)).toBe("dev");
        expect(() => stackProfile("config: {}\n", "Pulumi.x.yaml")).toThrow("Pulumi.x.yaml: platform:profile must be dev or prod, got null");
    });
});

describe("edits of the repository's own stack files", () => {
    // They mix flow styles ({ cpu: 10m } beside [platform, apps]), which the yaml package can only
    // print one way: every line the edit did not change must come back byte for byte.
    it.each(["dev", "prod", "prod-eu"])("Pulumi.%s.yaml: a new hello digest changes only the digest lines", (stack) => {
        const original = readFileSync(join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8");
        const edit = setImageDigest(original, "hello", digest("e"));
        const { added, removed } = changedLines(original, edit.text);
        expect(added).toEqual([`        digest: ${digest("e")}`]);
        expect(removed).toEqual([expect.stringMatching(/^ {8}digest: sha256:[0-9a-f]{64}$/)]);
        expect(edit.text.split("\n")).toHaveLength(original.split("\n").length);
        // A second release records the first as the previous digest: one more line.
        const again = setImageDigest(edit.text, "hello", digest("f"));
        expect(changedLines(edit.text, again.text).added).toEqual([`        digest: ${digest("f")}`, `        previousDigest: ${digest("e")}`]);
    });

    it("restores the original text of lines whose content did not change", () => {
        expect(keepUnchangedLines("a: { x: 1 }\nb: [1, 2]\nc: 1", "a: {x: 1}\nb: [1, 2]\nc: 2")).toBe("a: { x: 1 }\nb: [1, 2]\nc: 2");
        expect(keepUnchangedLines("a: 1\nb: 2", "a: 1\nnew: 3\nb: 2")).toBe("a: 1\nnew: 3\nb: 2");
        expect(keepUnchangedLines("a: 1\nold: 3\nb: 2", "a: 1\nb: 2")).toBe("a: 1\nb: 2");
    });
});

describe("rollback edit", () => {
    it("picks the previous digest, and keeps the rolled-back one as previous (a second rollback undoes it)", () => {
        const released = setImageDigest(text, "hello", digest("2")).text;
        const back = rollbackImage(released, "hello");
        expect(back).toMatchObject({ from: digest("2"), to: digest("1") });
        expect(readApp(back.text, "hello")).toMatchObject({ digest: digest("1"), previousDigest: digest("2") });
        expect(readApp(rollbackImage(back.text, "hello").text, "hello")).toMatchObject({ digest: digest("2"), previousDigest: digest("1") });
    });

    it("prefers the digest the stack outputs recorded when given", () => {
        const back = rollbackImage(setImageDigest(text, "hello", digest("2")).text, "hello", { previousDigest: digest("9") });
        expect(readApp(back.text, "hello")).toMatchObject({ digest: digest("9"), previousDigest: digest("2") });
    });

    it("stops a running canary (weight 0)", () => {
        const released = setImageDigest(text, "other", digest("6")).text;
        expect(readApp(rollbackImage(released, "other").text, "other").canary).toMatchObject({ weight: 0 });
    });

    it("refuses when there is nothing to roll back to", () => {
        expect(() => rollbackImage(text, "hello", { file: "Pulumi.dev.yaml" })).toThrow(
            "Pulumi.dev.yaml: platform:apps[hello].image.previousDigest is not set: there is no earlier release to roll back to",
        );
    });
});

describe("withdrawing a canary (the safe state)", () => {
    it("removes the canary block and nothing else: every other line keeps its text", () => {
        const edit = withdrawCanary(text, "other", { digest: digest("3") });
        expect(edit).toMatchObject({ changed: true, summary: `other: canary ${digest("4")} at 10% withdrawn` });
        expect(readApp(edit.text, "other")).toMatchObject({ digest: digest("3") });
        expect(readApp(edit.text, "other").canary).toBeUndefined();
        const removed = text.split("\n").filter((l) => !edit.text.split("\n").includes(l));
        expect(removed.map((l) => l.trim())).toEqual([
            "canary:",
            `digest: ${digest("4")}`,
            "weight: 10",
            "analysis: {maxErrorRatio: 0.02, maxLatencyP95Ms: 800}",
        ]);
    });

    it("puts the last good digest and its previous digest back after a promotion, and changes nothing when already safe", () => {
        const promoted = promoteCanary(text, "other").text;
        expect(readApp(promoted, "other")).toMatchObject({ digest: digest("4"), previousDigest: digest("3") });
        const back = withdrawCanary(promoted, "other", { digest: digest("3") });
        expect(readApp(back.text, "other")).toMatchObject({ digest: digest("3") });
        expect(readApp(back.text, "other").previousDigest).toBeUndefined();
        expect(readApp(back.text, "other").canary).toBeUndefined();
        expect(withdrawCanary(back.text, "other", { digest: digest("3") })).toMatchObject({ changed: false, text: back.text });
    });

    it("reads the canary load and the host the load step uses", () => {
        expect(appHost(text, "hello")).toBe("hello.dev.example.com");
        expect(readApp(text, "hello").canaryLoad).toBeUndefined();
    });
});

describe("canary edits", () => {
    it("starts a canary with the default analysis thresholds written out", () => {
        const edit = startCanary(text, "hello", digest("7"), 10);
        expect(readApp(edit.text, "hello").canary).toEqual({ digest: digest("7"), weight: 10, analysis: { maxErrorRatio: 0.01, maxLatencyP95Ms: 500 } });
        expect(readApp(edit.text, "hello").digest).toBe(digest("1"));
    });

    it("keeps the stack file's own thresholds when restarting a canary", () => {
        const edit = startCanary(text, "other", digest("8"), 10);
        expect(readApp(edit.text, "other").canary).toEqual({ digest: digest("8"), weight: 10, analysis: { maxErrorRatio: 0.02, maxLatencyP95Ms: 800 } });
    });

    it("steps the weight and refuses a weight outside 0-100", () => {
        expect(readApp(setCanaryWeight(text, "other", 50).text, "other").canary?.weight).toBe(50);
        expect(() => setCanaryWeight(text, "other", 150)).toThrow("canary weight: expected an integer percentage 0-100, got 150");
        expect(() => setCanaryWeight(text, "hello", 50)).toThrow("platform:apps[hello] has no canary");
    });

    it("promotes: the canary digest becomes stable, the old one previous, and canary is removed", () => {
        const edit = promoteCanary(text, "other");
        expect(readApp(edit.text, "other")).toMatchObject({ digest: digest("4"), previousDigest: digest("3") });
        const raw = parse(edit.text) as { config: Record<string, { name: string; canary?: unknown }[]> };
        expect(raw.config["platform:apps"].find((a) => a.name === "other")).not.toHaveProperty("canary");
        expect(edit.text).toContain("# The sample application.");
    });

    it("refuses a canary of the digest already running", () => {
        expect(() => startCanary(text, "hello", digest("1"), 10)).toThrow("already runs");
    });
});
