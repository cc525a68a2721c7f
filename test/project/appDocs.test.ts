/**
 * Shipping an app from the docs alone (issue 27, item 3): docs/app-delivery.md's checklist names every
 * environment and secret the delivery workflows read, the runners' paths and every workflow's failure;
 * docs/applications.md starts from a checklist too. Checked against the workflow files and the stack
 * convention, so a secret added to a workflow without a line in the checklist fails here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ciStacks } from "../../scripts/lib/ciStacks";
import { PROJECT_DIR } from "../harness";

const read = (file: string) => readFileSync(join(PROJECT_DIR, file), "utf8");
/** The text of a `## heading` section of a Markdown file, up to the next `## `. */
function section(file: string, heading: string): string {
    const text = read(file);
    const at = text.indexOf(`\n## ${heading}\n`);
    expect({ file, heading, found: at >= 0 }).toEqual({ file, heading, found: true });
    const next = text.indexOf("\n## ", at + 1);
    return text.slice(at, next < 0 ? undefined : next);
}

const DELIVERY = ["app.yml", "up.yml", "preview.yml", "promote.yml", "rollback.yml"];
const workflow = (file: string) => parse(read(join(".github", "workflows", file))) as { jobs: Record<string, { environment?: string; "runs-on"?: string }> };

describe("docs/app-delivery.md: the checklist a user follows to ship an app", () => {
    let checklist = "";
    beforeEach(() => (checklist = section("docs/app-delivery.md", "Checklist: ship an app")));

    it("names every secret the delivery workflows read, and every environment, with who may deploy", () => {
        const named = new Set(DELIVERY.flatMap((f) => [...read(join(".github", "workflows", f)).matchAll(/secrets\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1])));
        named.delete("GITHUB_TOKEN");
        expect(named.size).toBeGreaterThanOrEqual(6);
        for (const secret of named) expect({ secret, inChecklist: checklist.includes(secret) }).toEqual({ secret, inChecklist: true });
        // The per-stack names come from the convention (secrets[matrix.passphrase]): the committed stacks' are in the
        // table, and it points at the convention for any other (a stack file added later needs no edit here).
        for (const stack of ciStacks(PROJECT_DIR).filter((s) => ["dev", "prod", "prod-eu"].includes(s.stack))) {
            expect({ stack: stack.stack, environment: checklist.includes(`\`${stack.environment}\``), secret: checklist.includes(stack.passphrase) }).toEqual({
                stack: stack.stack,
                environment: true,
                secret: true,
            });
        }
        expect(checklist).toContain("(delivery.md#stacks-environments-and-secrets)");
        expect(checklist).toContain("npm run -s ci:stacks");
        for (const fixed of DELIVERY.flatMap((f) => Object.values(workflow(f).jobs).map((j) => j.environment)).filter(
            (e): e is string => e !== undefined && !e.includes("${{"),
        )) {
            expect({ environment: fixed, inChecklist: checklist.includes(`\`${fixed}\``) }).toEqual({ environment: fixed, inChecklist: true });
        }
        expect(checklist).toMatch(/required reviewers/);
        expect(checklist).toMatch(/deployment refs `v\*` tags/);
    });

    it("says which robot projects the CI robot needs, where the source lives, how runners reach the cluster, and what app:doctor checks", () => {
        expect(checklist).toMatch(/`platform:harbor\.robot\.projects` listing that project/);
        expect(checklist).toContain("npm run app:doctor -- <app>");
        const source = section("docs/app-delivery.md", "Where the source lives");
        for (const part of ["`apps/<name>/`", "`Dockerfile`", "`package.json`", "**Another language.**", "**Another repository.**"])
            expect(source).toContain(part);
        const runners = section("docs/app-delivery.md", "Runners");
        for (const part of ["Harbor 443", "Kubernetes API 6443", "SSH 22", "self-hosted", "runs-on: [self-hosted, platform]"]) expect(runners).toContain(part);
    });

    it("says what each delivery workflow does when it fails", () => {
        const failures = section("docs/app-delivery.md", "When a workflow fails");
        for (const file of DELIVERY) expect({ file, covered: failures.includes(`| \`${file.replace(/\.yml$/, "")}\``) }).toEqual({ file, covered: true });
    });
});

describe("docs/applications.md", () => {
    it("starts from a checklist that points at app:doctor and the delivery checklist", () => {
        const checklist = section("docs/applications.md", "Checklist: add an app");
        expect(checklist).toContain("npm run app:doctor -- <app>");
        expect(checklist).toContain("(app-delivery.md#checklist-ship-an-app)");
        expect(checklist).toContain("`platform:harbor.robot.projects`");
    });
});
