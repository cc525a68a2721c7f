/**
 * scripts/test-tools.sh: what `npm test` (the README's test command) and .ci/run run first, so a fresh
 * machine gets promtool for the alert-rule tests (issue 27, item 4). Run against stub commands on an
 * otherwise empty PATH: no package is downloaded or installed here.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_DIR } from "../harness";

/** A project folder with the script, and a PATH of real basics plus the given stubs (each logs its argv). */
function sandbox(stubsFor: (lists: string) => Record<string, string>) {
    const root = mkdtempSync(join(tmpdir(), "test-tools-"));
    const lists = join(root, "lists");
    const stubs = stubsFor(lists);
    const project = join(root, "project");
    const bin = join(root, "bin");
    mkdirSync(join(project, "scripts"), { recursive: true });
    mkdirSync(bin);
    copyFileSync(join(PROJECT_DIR, "scripts", "test-tools.sh"), join(project, "scripts", "test-tools.sh"));
    for (const tool of ["sh", "dirname", "mktemp", "rm", "mkdir", "cp", "chmod", "cat"]) {
        const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
        symlinkSync(found, join(bin, tool));
    }
    const log = join(root, "calls.log");
    for (const [name, body] of Object.entries(stubs)) {
        writeFileSync(join(bin, name), `#!${join(bin, "sh")}\necho "${name} $*" >> ${log}\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
    }
    const run = () =>
        spawnSync(join(bin, "sh"), [join(project, "scripts", "test-tools.sh")], {
            env: { PATH: bin, HOME: root },
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
    // What it ran, `id -u` (asked to decide on sudo) left out.
    const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []).filter((c) => c !== "id -u");
    return { project, run, calls, dest: join(project, ".cache", "tools", "promtool") };
}

/** apt-get whose `download` fails until `update` ran (a fresh container has no package lists). */
const aptGet = (lists: string) => `case "$1" in
  update) : > ${lists} ;;
  download) [ -e ${lists} ] || exit 100; : > prometheus_2.42.0+ds-5_amd64.deb ;;
  *) exit 1 ;;
esac`;
/** dpkg-deb -x <deb> <dir>: unpacks a promtool that answers --version. */
const DPKG_DEB = `mkdir -p "$3/usr/bin" && printf '#!/bin/sh\\necho "promtool, version 2.42.0+ds"\\n' > "$3/usr/bin/promtool" && chmod 755 "$3/usr/bin/promtool"`;
const SUDO = `[ "$1" = "-n" ] && shift; "$@"`;

describe("scripts/test-tools.sh (promtool for the alert-rule tests)", () => {
    it("takes promtool from Debian's prometheus package without installing it, refreshing apt's lists through sudo -n when not root", () => {
        const box = sandbox((lists) => ({ id: "echo 1000", sudo: SUDO, "dpkg-deb": DPKG_DEB, "apt-get": aptGet(lists) }));
        const result = box.run();
        expect({ status: result.status, stderr: result.stderr }).toMatchObject({
            status: 0,
            stderr: expect.stringContaining("taking it from Debian's prometheus package"),
        });
        expect(box.calls()).toEqual([
            "apt-get download prometheus",
            "sudo -n apt-get update -qq",
            "apt-get update -qq",
            "apt-get download prometheus",
            expect.stringMatching(/^dpkg-deb -x .*prometheus_2\.42\.0\+ds-5_amd64\.deb /),
        ]);
        expect(spawnSync(box.dest, ["--version"], { encoding: "utf8" }).stdout).toContain("promtool, version");
        // Never `apt-get install`: the package would also enable a Prometheus server.
        expect(box.calls().some((c) => c.includes("install"))).toBe(false);
    });

    it("runs apt-get update without sudo as root, and not at all when apt's lists exist", () => {
        const root = sandbox((lists) => ({ id: "echo 0", sudo: "exit 99", "dpkg-deb": DPKG_DEB, "apt-get": aptGet(lists) }));
        expect(root.run().status).toBe(0);
        expect(root.calls().filter((c) => !c.startsWith("dpkg-deb"))).toEqual([
            "apt-get download prometheus",
            "apt-get update -qq",
            "apt-get download prometheus",
        ]);
        // Second run: promtool is there, nothing is fetched again.
        expect(root.run().status).toBe(0);
        expect(root.calls()).toHaveLength(4);
    });

    it("does nothing when promtool is on PATH, and says where to get it where there is no apt", () => {
        const present = sandbox(() => ({ promtool: "exit 0", "apt-get": "exit 1" }));
        expect(present.run().status).toBe(0);
        expect(present.calls()).toEqual([]);
        const elsewhere = sandbox(() => ({ id: "echo 1000" }));
        const result = elsewhere.run();
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("test-tools: promtool not found. The alert-rule tests need it");
        expect(result.stderr).toContain("brew install prometheus");
    });

    it("is what the README's test command and .ci/run run first", () => {
        const pkg = JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: Record<string, string> };
        expect(pkg.scripts.test).toMatch(/^sh scripts\/test-tools\.sh && /);
        expect(readFileSync(join(PROJECT_DIR, ".ci", "run"), "utf8")).toMatch(/^sh scripts\/test-tools\.sh$/m);
        expect(readFileSync(join(PROJECT_DIR, "README.md"), "utf8")).toContain("scripts/test-tools.sh");
        expect(readFileSync(join(PROJECT_DIR, ".gitignore"), "utf8")).toMatch(/^\.cache\/$/m);
    });
});
