import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readApp, setImageDigest } from "../../scripts/lib/appStackFile";
import { run as appInfo } from "../../scripts/app-info";
import { run as rollback } from "../../scripts/app-rollback";
import { run as changedApps } from "../../scripts/changed-apps";
import { run as setImage } from "../../scripts/set-app-image";
import { digest, fakeIo, FIXTURE, writeStack } from "./fakeIo";
import { PROJECT_DIR } from "../harness";

describe("npm run app:set-image", () => {
    it("writes the digest into Pulumi.<stack>.yaml and says what changed", async () => {
        const io = fakeIo({ dev: FIXTURE });
        expect(await setImage(["dev", "hello", digest("2")], io)).toBe(0);
        expect(readApp(io.file("dev"), "hello")).toMatchObject({ digest: digest("2"), previousDigest: digest("1") });
        expect(io.stdout).toEqual([`Pulumi.dev.yaml: hello: ${digest("1")} -> ${digest("2")}`]);
    });

    it("promotes from another stack: the same digest, no rebuild", async () => {
        const io = fakeIo({ dev: FIXTURE, prod: FIXTURE });
        writeStack(io, "dev", setImageDigest(io.file("dev"), "hello", digest("2")).text);
        expect(await setImage(["prod", "hello", "from:dev"], io)).toBe(0);
        expect(readApp(io.file("prod"), "hello")).toMatchObject({ digest: digest("2"), previousDigest: digest("1") });
    });

    it("fails with one line naming the problem, never a stack trace", async () => {
        const io = fakeIo({ dev: FIXTURE });
        expect(await setImage(["dev", "nope", digest("2")], io)).toBe(1);
        expect(io.stderr).toEqual(['app:set-image: Pulumi.dev.yaml: no app "nope" in platform:apps; expected one of: hello, other, tagged, fresh']);
        expect(await setImage(["staging", "hello", digest("2")], io)).toBe(1);
        expect(io.stderr[1]).toMatch(/^app:set-image: no stack file .*Pulumi\.staging\.yaml$/);
        expect(await setImage(["dev", "hello"], io)).toBe(2);
        expect(io.stderr[2]).toContain("usage: npm run app:set-image");
    });
});

describe("npm run app:rollback", () => {
    const released = (io: ReturnType<typeof fakeIo>) => writeStack(io, "dev", setImageDigest(io.file("dev"), "hello", digest("2")).text);

    it("redeploys the previous digest recorded in the stack outputs, with the stack's policy pack", async () => {
        const io = fakeIo({ dev: FIXTURE }, (_command, args) =>
            args[0] === "stack"
                ? { code: 0, stdout: JSON.stringify({ hello: { digest: digest("2"), previousDigest: digest("1") } }) }
                : { code: 0, stdout: "" },
        );
        released(io);
        expect(await rollback(["dev", "hello"], io)).toBe(0);
        expect(readApp(io.file("dev"), "hello")).toMatchObject({ digest: digest("1"), previousDigest: digest("2") });
        expect(io.calls).toEqual([
            "pulumi stack output apps --json --stack dev",
            // Targeted at the app: a rollback never redeploys the rest of the stack.
            "pulumi up --yes --skip-preview --stack dev --policy-pack policy --policy-pack-config policy/config.dev.json --target urn:pulumi:dev::platform::platform:stack:Platform$platform:apps:ContainerApp::dev-app-hello --target-dependents",
        ]);
        expect(io.stdout[0]).toContain("(previous digest from the stack outputs)");
    });

    it("falls back to the stack file's previousDigest when the outputs cannot be read", async () => {
        const io = fakeIo({ dev: FIXTURE }, (_command, args) => (args[0] === "stack" ? { code: 255, stdout: "" } : { code: 0, stdout: "" }));
        released(io);
        expect(await rollback(["dev", "hello", "--no-up"], io)).toBe(0);
        expect(readApp(io.file("dev"), "hello").digest).toBe(digest("1"));
        expect(io.calls).toEqual(["pulumi stack output apps --json --stack dev"]);
        expect(io.stderr[0]).toContain('could not read stack output "apps" of dev');
    });

    it("reads the outputs from a file (the workflow saves them first)", async () => {
        const io = fakeIo({ dev: FIXTURE });
        released(io);
        const outputs = join(io.cwd, "apps.json");
        writeFileSync(outputs, JSON.stringify({ hello: { previousDigest: digest("9") } }));
        expect(await rollback(["dev", "hello", "--no-up", "--outputs", outputs], io)).toBe(0);
        expect(readApp(io.file("dev"), "hello").digest).toBe(digest("9"));
        expect(io.calls).toEqual([]);
    });

    it("fails when pulumi up fails, and says the stack file already names the rollback target", async () => {
        const io = fakeIo({ dev: FIXTURE }, (_command, args) => (args[0] === "up" ? { code: 1, stdout: "" } : { code: 255, stdout: "" }));
        released(io);
        expect(await rollback(["dev", "hello"], io)).toBe(1);
        expect(io.stderr.at(-1)).toBe(
            `app:rollback: pulumi up of dev failed (exit 1); Pulumi.dev.yaml already names ${digest("1")}, fix and run pulumi up again`,
        );
    });

    it("--help says where the digest comes from, what it edits, the exact pulumi up, what it needs and what to do after", async () => {
        // The old help was one line; a user could not tell what it writes or runs (issue 27, item 6).
        const io = fakeIo({ dev: FIXTURE });
        expect(await rollback(["--help"], io)).toBe(0);
        const help = io.stdout.join("\n");
        for (const part of [
            "apps.<app>.previousDigest",
            "stack file's image.previousDigest",
            "canary in progress goes to weight 0",
            "`pulumi up --yes --skip-preview --stack <stack> --policy-pack policy\n--policy-pack-config policy/config.<profile>.json`",
            "PULUMI_CONFIG_PASSPHRASE",
            "commit the edited stack file",
            "the `rollback` workflow",
            "  npm run app:rollback -- prod hello --no-up",
        ]) {
            expect(help).toContain(part);
        }
        for (const option of ["--no-up", "--outputs <file>", "--stack-file <file>"]) expect(help).toMatch(new RegExp(`^  ${option} +\\S`, "m"));
        expect(io.calls).toEqual([]);
    });

    it("refuses when no previous release is known", async () => {
        const io = fakeIo({ dev: FIXTURE }, () => ({ code: 255, stdout: "" }));
        expect(await rollback(["dev", "hello", "--no-up"], io)).toBe(1);
        expect(io.stderr.at(-1)).toContain("previousDigest is not set: there is no earlier release to roll back to");
    });
});

describe("npm run app:info and app:changed (workflow inputs)", () => {
    it("prints one app's image fields for the workflows", async () => {
        const io = fakeIo({ dev: FIXTURE });
        expect(await appInfo(["dev", "hello", "--field", "project"], io)).toBe(0);
        expect(await appInfo(["dev", "hello", "--field", "digest"], io)).toBe(0);
        // No platform:harbor.host in the fixture: the platform's default registry.<domain>.
        expect(await appInfo(["dev", "hello", "--field", "registry"], io)).toBe(0);
        expect(io.stdout).toEqual(["apps", digest("1"), "registry.dev.example.com"]);
        expect(await appInfo(["dev", "hello", "--field", "previousDigest"], io)).toBe(1);
        expect(io.stderr).toEqual(["app:info: Pulumi.dev.yaml: platform:apps[hello].image.previousDigest is not set"]);
    });

    it("prints the app component's URN, the one a targeted promotion or rollback names: it is in the stack's state (URN fixtures)", async () => {
        for (const stack of ["prod", "prod-eu"]) {
            const io = fakeIo({ [stack]: join(PROJECT_DIR, `Pulumi.${stack}.yaml`) });
            expect(await appInfo([stack, "hello", "--field", "urn"], io)).toBe(0);
            const fixture = readFileSync(join(PROJECT_DIR, "test", "fixtures", "urns", `${stack}.txt`), "utf8").split("\n");
            expect(fixture).toContain(io.stdout[0]);
            // Its children are below it: the ones `--target-dependents` takes along.
            expect(fixture.filter((u) => u.endsWith(`::${stack}-app-hello-deployment`))).toEqual([
                expect.stringContaining("$platform:apps:ContainerApp$kubernetes:apps/v1:Deployment::"),
            ]);
        }
    });

    it("lists the apps a diff touches, or all of them without a base commit", async () => {
        const io = fakeIo({}, () => ({ code: 0, stdout: "apps/hello/src/server.js\nREADME.md\napps/ghost/x\n" }));
        for (const app of ["hello", "world"]) {
            mkdirSync(join(io.cwd, "apps", app), { recursive: true });
            writeFileSync(join(io.cwd, "apps", app, "Dockerfile"), "FROM scratch\n");
            writeFileSync(join(io.cwd, "apps", app, "package.json"), "{}\n");
        }
        mkdirSync(join(io.cwd, "apps", "notes"));
        const [a, b] = ["a".repeat(40), "b".repeat(40)];
        expect(await changedApps([a, b], io)).toBe(0);
        expect(await changedApps(["0".repeat(40), b], io)).toBe(0);
        expect(io.stdout).toEqual(['["hello"]', '["hello","world"]']);
        expect(io.calls).toEqual([`git diff --name-only ${a} ${b}`]);
    });
});
