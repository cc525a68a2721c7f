/**
 * Contracts with the npm registry and the Pulumi packages the program runs on.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { minVersion, satisfies } from "semver";

const ROOT = join(__dirname, "..", "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

describe("npm records a registry deprecation in the lockfile (package-lock v3 `deprecated` field)", () => {
    // `npm install` copies the registry's deprecation message into the lock entry; @pulumi/command
    // 4.5.0 carried "npm marks this version deprecated." there.
    for (const lockfile of ["package-lock.json", "policy/package-lock.json"]) {
        it(`locks no deprecated package in ${lockfile}`, () => {
            const lock = JSON.parse(read(lockfile)) as { packages: Record<string, { version?: string; deprecated?: string }> };
            const deprecated = Object.entries(lock.packages)
                .filter(([, p]) => p.deprecated !== undefined)
                .map(([path, p]) => `${path.replace(/^node_modules\//, "")}@${p.version}: ${p.deprecated}`);
            expect(deprecated).toEqual([]);
        });
    }
});

describe("every locked package runs on the oldest Node the project supports (package.json engines)", () => {
    // npm only warns (EBADENGINE) when a dependency's `engines.node` excludes the running Node; a
    // dev tool pinned for Node 22+ once slipped in that way. The lock entry carries `engines`.
    const oldest = String(minVersion((JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node));
    for (const lockfile of ["package-lock.json", "policy/package-lock.json"]) {
        it(`locks only packages whose engines admit Node ${oldest} in ${lockfile}`, () => {
            const lock = JSON.parse(read(lockfile)) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };
            const refused = Object.entries(lock.packages)
                .filter(([, p]) => p.engines !== undefined && !Array.isArray(p.engines) && p.engines.node !== undefined && !satisfies(oldest, p.engines.node))
                .map(([path, p]) => `${path.replace(/^node_modules\//, "")}@${p.version}: node ${(p.engines as { node: string }).node}`);
            expect(refused).toEqual([]);
        });
    }
});

describe("@pulumi/command: the provider line users get is 1.x, with connection.hostKey and logging", () => {
    // pulumi/pulumi-command v1.2.1 provider/pkg/provider/remote/connection.go (HostKey parsed with
    // ssh.ParseAuthorizedKey, FixedHostKey callback) and logging.go (stdout/stderr/none).
    const pkg = JSON.parse(read("node_modules/@pulumi/command/package.json")) as { version: string; pulumi: { version: string } };

    it("installs the plugin of the same 1.x version the SDK is", () => {
        expect(pkg.version).toMatch(/^1\.\d+\.\d+$/);
        expect(pkg.pulumi.version).toBe(pkg.version);
    });

    it("has the hostKey connection field and the Logging enum the cluster code uses", () => {
        expect(read("node_modules/@pulumi/command/types/input.d.ts")).toMatch(/hostKey\?: pulumi\.Input<string>/);
        expect(read("node_modules/@pulumi/command/types/enums/remote/index.d.ts")).toContain('readonly None: "none"');
    });
});
