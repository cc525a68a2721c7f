/**
 * Contract: Harbor v2.15.1 robot accounts (goharbor/harbor tag v2.15.1), as the platform makes them.
 * - src/server/v2.0/handler/robot.go `validate`: `duration` is -1 (never) or a positive number of
 *   days; `level` is "system" or "project"; a project robot has exactly one permission ("to create
 *   a project robot, the permission must be only one project scope"); each access pair must be in
 *   the project scope's policies (src/common/rbac/const.go PoliciesMap[ScopeProject]).
 * - src/controller/robot/controller.go `Create`: a project robot is stored as `<project>+<name>` and
 *   returned with the `robot$` prefix; `expires_at` is creation + duration days.
 * - handler `updateV2Robot`: a PUT may change permissions and duration, never name or level.
 * A system robot may hold permissions on every project (and system resources): the platform makes none.
 */
import { robotPermissions } from "../../components/registry/harborRobots";
import { evaluateStack } from "../harness";

/** Project-scope pairs the robots use, each in PoliciesMap[ScopeProject] at v2.15.1 (const.go lines 253-275). */
const PROJECT_SCOPE = ["repository:pull", "repository:push", "artifact:read", "tag:create", "artifact-addition:read"];

type RobotInputs = { kind: string; spec: { name: string; project?: string; projects?: unknown; access?: string; expiresInDays?: number } };

describe("Harbor 2.15.1 project robots, one per project, expiring, pull-only where pull suffices", () => {
    it("asks for one project-scope permission, with pairs the project scope allows", () => {
        for (const access of ["push", "pull"] as const) {
            const permissions = robotPermissions("apps", access) as { kind: string; namespace: string; access: { resource: string; action: string }[] }[];
            expect(permissions).toHaveLength(1);
            expect(permissions[0]).toMatchObject({ kind: "project", namespace: "apps" });
            for (const a of permissions[0].access) expect(PROJECT_SCOPE).toContain(`${a.resource}:${a.action}`);
        }
        const pull = (robotPermissions("apps", "pull")[0] as { access: { action: string }[] }).access.map((a) => a.action);
        expect(pull).not.toContain("push");
        expect(pull).not.toContain("create");
    });

    it.each(["dev", "prod", "prod-eu"])(
        "%s: every robot is a project robot on one project, with a finite duration; pull-only robots and app pull secrets cannot push",
        async (stack) => {
            const robots = (await evaluateStack(stack)).resources.filter(
                (r) => r.type === "pulumi-nodejs:dynamic/platform:HarborObject" && (r.inputs as RobotInputs).kind === "robot",
            );
            expect(robots.length).toBeGreaterThan(1);
            for (const r of robots) {
                const { spec } = r.inputs as RobotInputs;
                expect([r.name, typeof spec.project, spec.projects]).toEqual([r.name, "string", undefined]);
                expect([r.name, spec.expiresInDays! > 0]).toEqual([r.name, true]);
                if (r.name.includes("pull-robot")) expect([r.name, spec.access]).toEqual([r.name, "pull"]);
            }
        },
    );
});
