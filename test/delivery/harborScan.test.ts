import { run as scanGate } from "../../scripts/harbor-scan-gate";
import { blockingVulnerabilities } from "../../scripts/lib/harborScan";
import { FakeHarbor } from "../fakeHarbor";
import { digest, fakeIo } from "./fakeIo";

const harbor = new FakeHarbor();
let url: string;
beforeAll(async () => {
    url = await harbor.start();
});
afterAll(() => harbor.stop());

const env = () => ({ HARBOR_USERNAME: "admin", HARBOR_PASSWORD: harbor.password });
const critical = (id: string, fix: string) => ({ id, package: "openssl", version: "3.0.1", fix_version: fix, severity: "Critical" });

describe("Harbor scan gate (npm run app:scan-gate) against a fake Harbor", () => {
    it("waits for the scan on push, then passes an image without fixable criticals", async () => {
        harbor.artifacts.set(`apps/hello@${digest("a")}`, (poll) => (poll < 3 ? { status: poll === 1 ? undefined : "Running" } : { status: "Success", vulnerabilities: [critical("CVE-2026-1", "")] }));
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("a")}`, "--poll", "5"], io, env())).toBe(0);
        expect(io.slept).toEqual([5000, 5000]);
        expect(io.stdout).toEqual([`apps/hello@${digest("a")}: 1 Critical without a fix yet: allowed`]);
    });

    it("fails on a critical vulnerability that has a fix, naming it", async () => {
        harbor.artifacts.set(`apps/hello@${digest("b")}`, {
            status: "Success",
            vulnerabilities: [critical("CVE-2026-2", "3.0.9"), { id: "CVE-2026-3", package: "zlib", version: "1.2", fix_version: "1.3", severity: "High" }],
        });
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("b")}`], io, env())).toBe(1);
        expect(io.stderr).toEqual([`apps/hello@${digest("b")}: 1 critical or worse vulnerabilities with a fix available: CVE-2026-2 (Critical) in openssl 3.0.1, fixed in 3.0.9`]);
        // A stricter severity from the command line also blocks the fixable High.
        const strict = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("b")}`, "--severity", "high"], strict, env())).toBe(1);
        expect(strict.stderr[0]).toContain("2 high or worse vulnerabilities");
    });

    it("passes a clean scan without reading the vulnerability list", async () => {
        harbor.artifacts.set(`apps/hello@${digest("c")}`, { status: "Success", vulnerabilities: [{ id: "CVE-2026-4", package: "x", version: "1", fix_version: "2", severity: "Low" }] });
        const before = harbor.requests.length;
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("c")}`], io, env())).toBe(0);
        expect(harbor.requests.slice(before)).toEqual([`GET /projects/apps/repositories/hello/artifacts/${digest("c")}`]);
    });

    it("times out when no scan comes, and says what to check", async () => {
        harbor.artifacts.set(`apps/hello@${digest("d")}`, { status: undefined });
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("d")}`, "--timeout", "30", "--poll", "10"], io, env())).toBe(1);
        expect(io.slept).toEqual([10_000, 10_000, 10_000]);
        expect(io.stderr[0]).toMatch(/timed out after 30s waiting for Harbor's scan \(no scan yet\); is scanOnPush on for platform:harbor\.projects\[apps\]/);
    });

    it("addresses a repository with a slash the way Harbor wants it (encoded twice)", async () => {
        harbor.artifacts.set(`apps/team/hello@${digest("9")}`, { status: "Success", vulnerabilities: [] });
        const before = harbor.requests.length;
        const io = fakeIo({});
        expect(await scanGate([url, `apps/team/hello@${digest("9")}`], io, env())).toBe(0);
        expect(harbor.requests.slice(before)).toEqual([`GET /projects/apps/repositories/team%252Fhello/artifacts/${digest("9")}`]);
    });

    it("fails when the scan itself failed", async () => {
        harbor.artifacts.set(`apps/hello@${digest("e")}`, { status: "Error" });
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("e")}`], io, env())).toBe(1);
        expect(io.stderr[0]).toContain("Harbor's scan ended with status Error");
    });

    it("reports Harbor's refusal (unknown artifact, wrong robot secret)", async () => {
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("f")}`], io, env())).toBe(1);
        expect(io.stderr[0]).toContain("HTTP 404");
        expect(await scanGate([url, `apps/hello@${digest("a")}`], io, { HARBOR_USERNAME: "admin", HARBOR_PASSWORD: "wrong" })).toBe(1);
        expect(io.stderr[1]).toContain("HTTP 401");
    });

    it("takes credentials only from the environment and checks its arguments", async () => {
        const io = fakeIo({});
        expect(await scanGate([url, `apps/hello@${digest("a")}`], io, {})).toBe(2);
        expect(io.stderr[0]).toContain("HARBOR_USERNAME and HARBOR_PASSWORD must be set");
        expect(await scanGate([url, "apps/hello:latest"], io, env())).toBe(2);
        expect(io.stderr[1]).toContain('image: expected <project>/<repository>@sha256:<64 hex>, got "apps/hello:latest"');
    });

    it("counts only fixable vulnerabilities at or above the severity", () => {
        const vulns = [critical("a", "1"), critical("b", " "), { id: "c", package: "p", version: "1", fix_version: "2", severity: "Medium" }];
        expect(blockingVulnerabilities(vulns, "critical").map((v) => v.id)).toEqual(["a"]);
        expect(blockingVulnerabilities(vulns, "medium").map((v) => v.id)).toEqual(["a", "c"]);
    });
});
