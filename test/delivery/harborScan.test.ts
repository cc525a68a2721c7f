import { readFileSync } from "node:fs";
import { run as scanGate } from "../../scripts/harbor-scan-gate";
import { blockingVulnerabilities } from "../../scripts/lib/harborScan";
import { FakeHarbor } from "../fakeHarbor";
import { digest, FIXTURE, fakeIo, writeStack } from "./fakeIo";

const harbor = new FakeHarbor();
let url: string;
beforeAll(async () => {
    url = await harbor.start();
});
afterAll(() => harbor.stop());

const env = () => ({ HARBOR_USERNAME: "admin", HARBOR_PASSWORD: harbor.password });
const critical = (id: string, fix: string) => ({ id, package: "openssl", version: "3.0.1", fix_version: fix, severity: "Critical" });

/** A stack file whose project `apps` blocks pulls at `severity` (Harbor's prevent_vul), or blocks nothing. */
const stackBlocking = (severity?: string) =>
    readFileSync(FIXTURE, "utf8").replace(
        "        scanOnPush: true # keep",
        `        scanOnPush: true # keep${severity ? `\n        preventVulnerable: { severity: ${severity} }` : ""}`,
    );

describe("Harbor scan gate (npm run app:scan-gate) against a fake Harbor", () => {
    it("waits for the scan on push, then passes an image with nothing at or above the project's prevent_vul severity", async () => {
        harbor.artifacts.set(`apps/hello@${digest("a")}`, (poll) =>
            poll < 3
                ? { status: poll === 1 ? undefined : "Running" }
                : { status: "Success", vulnerabilities: [{ ...critical("CVE-2026-1", ""), severity: "High" }] },
        );
        const io = fakeIo({});
        writeStack(io, "prod", stackBlocking("critical"));
        expect(await scanGate([url, `apps/hello@${digest("a")}`, "--policy-of", "prod", "--poll", "5"], io, env())).toBe(0);
        expect(io.slept).toEqual([5000, 5000]);
        expect(io.stdout).toEqual([
            `apps/hello@${digest("a")}: gating at critical: Pulumi.prod.yaml platform:harbor.projects[apps].preventVulnerable.severity`,
            `apps/hello@${digest("a")}: scanned (1 High), none critical or worse`,
        ]);
    });

    it("fails on a vulnerability at the project's severity even without a fix: Harbor would refuse to serve it", async () => {
        harbor.artifacts.set(`apps/hello@${digest("b")}`, {
            status: "Success",
            vulnerabilities: [critical("CVE-2026-2", ""), { id: "CVE-2026-3", package: "zlib", version: "1.2", fix_version: "1.3", severity: "High" }],
        });
        const io = fakeIo({});
        writeStack(io, "prod", stackBlocking("critical"));
        expect(await scanGate([url, `apps/hello@${digest("b")}`, "--policy-of", "prod"], io, env())).toBe(1);
        expect(io.stderr).toEqual([
            `apps/hello@${digest("b")}: 1 critical or worse vulnerabilities, which Harbor refuses to serve from project apps (preventVulnerable.severity critical): CVE-2026-2 (Critical) in openssl 3.0.1, no fix yet`,
        ]);
        // A stack blocking at high also refuses the High one.
        const strict = fakeIo({});
        writeStack(strict, "prod", stackBlocking("high"));
        expect(await scanGate([url, `apps/hello@${digest("b")}`, "--policy-of", "prod"], strict, env())).toBe(1);
        expect(strict.stderr[0]).toContain("2 high or worse vulnerabilities");
    });

    it("gates CI at the strictest severity of the stacks that run the app, and only waits when none blocks", async () => {
        harbor.artifacts.set(`apps/hello@${digest("8")}`, {
            status: "Success",
            vulnerabilities: [{ id: "CVE-2026-8", package: "x", version: "1", fix_version: "", severity: "High" }],
        });
        const io = fakeIo({});
        writeStack(io, "dev", stackBlocking());
        writeStack(io, "prod", stackBlocking("critical"));
        writeStack(io, "prod-eu", stackBlocking("high"));
        expect(await scanGate([url, `apps/hello@${digest("8")}`, "--policy-for-app", "hello"], io, env())).toBe(1);
        expect(io.stdout[0]).toBe(
            `apps/hello@${digest("8")}: gating at high: the strictest preventVulnerable.severity of the stacks that run hello (Pulumi.prod-eu.yaml)`,
        );
        const lax = fakeIo({});
        writeStack(lax, "dev", stackBlocking());
        expect(await scanGate([url, `apps/hello@${digest("8")}`, "--policy-for-app", "hello"], lax, env())).toBe(0);
        expect(lax.stdout).toEqual([
            `apps/hello@${digest("8")}: no stack that runs hello blocks vulnerable images: waiting for the scan only`,
            `apps/hello@${digest("8")}: scanned (1 High); no stack blocks vulnerable images of project apps`,
        ]);
    });

    it("passes a clean scan without reading the vulnerability list", async () => {
        harbor.artifacts.set(`apps/hello@${digest("c")}`, {
            status: "Success",
            vulnerabilities: [{ id: "CVE-2026-4", package: "x", version: "1", fix_version: "2", severity: "Low" }],
        });
        const before = harbor.requests.length;
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("c")}`, "--severity", "critical"], io, env())).toBe(0);
        expect(harbor.requests.slice(before)).toEqual([`GET /projects/apps/repositories/hello/artifacts/${digest("c")}`]);
    });

    it("times out when no scan comes, and says what to check", async () => {
        harbor.artifacts.set(`apps/hello@${digest("d")}`, { status: undefined });
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("d")}`, "--severity", "critical", "--timeout", "30", "--poll", "10"], io, env())).toBe(1);
        expect(io.slept).toEqual([10_000, 10_000, 10_000]);
        expect(io.stderr[0]).toMatch(/timed out after 30s waiting for Harbor's scan \(no scan yet\); is scanOnPush on for platform:harbor\.projects\[apps\]/);
    });

    it("addresses a repository with a slash the way Harbor wants it (encoded twice)", async () => {
        harbor.artifacts.set(`apps/team/hello@${digest("9")}`, { status: "Success", vulnerabilities: [] });
        const before = harbor.requests.length;
        const io = fakeIo({});
        expect(await scanGate([url, `apps/team/hello@${digest("9")}`, "--severity", "critical"], io, env())).toBe(0);
        expect(harbor.requests.slice(before)).toEqual([`GET /projects/apps/repositories/team%252Fhello/artifacts/${digest("9")}`]);
    });

    it("fails when the scan itself failed", async () => {
        harbor.artifacts.set(`apps/hello@${digest("e")}`, { status: "Error" });
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("e")}`, "--severity", "critical"], io, env())).toBe(1);
        expect(io.stderr[0]).toContain("Harbor's scan ended with status Error");
    });

    it("reports Harbor's refusal (unknown artifact, wrong robot secret)", async () => {
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("f")}`, "--severity", "critical"], io, env())).toBe(1);
        expect(io.stderr[0]).toContain("HTTP 404");
        expect(await scanGate([url, `apps/hello@${digest("a")}`, "--severity", "critical"], io, { HARBOR_USERNAME: "admin", HARBOR_PASSWORD: "wrong" })).toBe(
            1,
        );
        expect(io.stderr[1]).toContain("HTTP 401");
    });

    it("takes credentials only from the environment and checks its arguments", async () => {
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("a")}`, "--severity", "critical"], io, {})).toBe(2);
        expect(io.stderr[0]).toContain("HARBOR_USERNAME and HARBOR_PASSWORD must be set");
        expect(await scanGate([url, "apps/hello:latest", "--severity", "critical"], io, env())).toBe(2);
        expect(io.stderr[1]).toContain('image: expected <project>/<repository>@sha256:<64 hex>, got "apps/hello:latest"');
        // Where the severity comes from must be said, once.
        expect(await scanGate([url, `apps/hello@${digest("a")}`], io, env())).toBe(2);
        expect(io.stderr[2]).toContain("give exactly one of --policy-of <stack>, --policy-for-app <app> and --severity <s>");
    });

    it("counts every vulnerability at or above the severity, fixed or not, as Harbor's prevent_vul does", () => {
        const vulns = [critical("a", "1"), critical("b", " "), { id: "c", package: "p", version: "1", fix_version: "2", severity: "Medium" }];
        expect(blockingVulnerabilities(vulns, "critical").map((v) => v.id)).toEqual(["a", "b"]);
        expect(blockingVulnerabilities(vulns, "medium").map((v) => v.id)).toEqual(["a", "b", "c"]);
    });
});
