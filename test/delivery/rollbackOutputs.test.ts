/**
 * The rollback target end to end: the digest edit writes previousDigest into the stack file, the
 * program exports it in the `apps` stack output, and `app:rollback` reads it back from there.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { previousFromOutputs } from "../../scripts/app-rollback";
import { readApp, rollbackImage, setImageDigest } from "../../scripts/lib/appStackFile";
import { evaluateConfig, PROJECT_DIR } from "../harness";
import { digest } from "./fakeIo";

it("a released digest's predecessor is the stack output's previousDigest, which rollback picks", async () => {
    const original = readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
    const released = setImageDigest(setImageDigest(original, "hello", digest("a")).text, "hello", digest("b")).text;
    const { config } = parse(released) as { config: Record<string, unknown> };
    // Monitoring off: only the apps output is read (134 resources instead of 206).
    const evaluation = await evaluateConfig({ ...config, "platform:monitoring": { enabled: false } }, "dev");
    const apps = evaluation.outputs.apps as Record<string, { digest: string; previousDigest: string | null }>;
    expect(apps.hello).toMatchObject({ digest: digest("b"), previousDigest: digest("a") });
    const target = previousFromOutputs(apps, "hello");
    expect(target).toBe(digest("a"));
    expect(readApp(rollbackImage(released, "hello", { previousDigest: target }).text, "hello")).toMatchObject({
        digest: digest("a"),
        previousDigest: digest("b"),
    });
    expect(previousFromOutputs({ hello: { digest: digest("b"), previousDigest: null } }, "hello")).toBeUndefined();
});
