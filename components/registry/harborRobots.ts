/**
 * Harbor robot accounts over API v2.0 (goharbor/harbor@v2.15.1 src/server/v2.0/handler/robot.go,
 * src/controller/robot/controller.go): project-level robots only, one per project. A project robot
 * has exactly one permission (its own project), Harbor names it `robot$<project>+<name>`, and its
 * `duration` is days until `expires_at` (-1: never); a PUT may change permissions and duration,
 * never name or level. Node built-ins only: part of the dynamic provider's shipped text
 * (components/registry/harborProvider.ts, docs/adr/0017).
 */
import { call, errorText, expect, harborApiError, type HarborConnection } from "./harborApi";

export interface RobotSpec {
    readonly name: string;
    /** The one project it acts in. */
    readonly project: string;
    /** `push`: push and pull (CI); `pull`: pull only (a workload's pull secret, a promotion source). @default "push" */
    readonly access?: "push" | "pull";
    /** Days from creation until Harbor refuses its secret (Harbor `duration`); -1: never. @default -1 */
    readonly expiresInDays?: number;
}

export interface RobotState extends RobotSpec {
    readonly id: number;
    /** Full name Harbor gives it (`robot$apps+ci`), used as the registry username. */
    readonly fullName: string;
    /** Unix seconds when its secret stops working (Harbor `expires_at`); -1: never. */
    readonly expiresAt?: number;
}

/**
 * Push + pull for CI, plus reading the vulnerability report (`artifact-addition` read) the scan
 * gate waits for and creating the tag promotion copies under; or pull only, for a cluster that runs
 * the images or the next region pulling a promotion (a leaked pull secret cannot overwrite an image).
 */
export function robotPermissions(project: string, access: "push" | "pull" = "push"): unknown[] {
    const pull = [
        { resource: "repository", action: "pull" },
        { resource: "artifact", action: "read" },
    ];
    const push = [
        { resource: "repository", action: "push" },
        ...pull,
        { resource: "artifact-addition", action: "read" },
        { resource: "tag", action: "create" },
    ];
    return [{ kind: "project", namespace: project, access: access === "pull" ? pull : push }];
}

interface ApiRobot {
    id: number;
    name: string;
    secret?: string;
    duration?: number;
    expires_at?: number;
    permissions?: { namespace: string; access?: { resource: string; action: string }[] }[];
}

const body = (spec: RobotSpec, name: string) => ({
    name,
    level: "project",
    duration: spec.expiresInDays ?? -1,
    disable: false,
    permissions: robotPermissions(spec.project, spec.access),
});

const stateOf = (spec: RobotSpec, id: number, fullName: string, expiresAt?: number): RobotState => ({
    id,
    name: spec.name,
    project: spec.project,
    fullName,
    ...(spec.access ? { access: spec.access } : {}),
    ...(spec.expiresInDays !== undefined ? { expiresInDays: spec.expiresInDays } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
});

/** Creates the robot; the secret is returned only here, by Harbor's design. */
export async function createRobot(conn: HarborConnection, spec: RobotSpec): Promise<RobotState & { secret: string }> {
    const res = await call(conn, "POST", "/robots", body(spec, spec.name));
    if (res.status === 409) {
        // The secret of an existing robot cannot be read back: refuse rather than lose it.
        throw harborApiError(
            409,
            "POST /robots",
            `${errorText(res.body)}; delete robot ${spec.project}+${spec.name} in Harbor or import it, then run up again`,
        );
    }
    if (res.status !== 201) {
        throw harborApiError(res.status, "POST /robots", errorText(res.body));
    }
    const robot = res.body as ApiRobot;
    if (!robot.secret) {
        throw new Error(`Harbor created robot ${spec.project}+${spec.name} without returning its secret`);
    }
    return { ...stateOf(spec, robot.id, robot.name, robot.expires_at), secret: robot.secret };
}

export async function readRobot(conn: HarborConnection, id: number): Promise<RobotState | undefined> {
    const res = await expect(conn, [200, 404], "GET", `/robots/${id}`);
    if (res.status === 404) {
        return undefined;
    }
    const robot = res.body as ApiRobot;
    const permissions = robot.permissions ?? [];
    const pushes = permissions.some((p) => (p.access ?? []).some((a) => a.action === "push"));
    const spec: RobotSpec = {
        name: robot.name.replace(/^robot\$(?:[^+]*\+)?/, ""),
        project: permissions[0]?.namespace ?? "",
        ...(permissions.length > 0 && !pushes ? { access: "pull" as const } : {}),
        ...(robot.duration !== undefined ? { expiresInDays: robot.duration } : {}),
    };
    return stateOf(spec, robot.id, robot.name, robot.expires_at);
}

export async function updateRobot(conn: HarborConnection, id: number, spec: RobotSpec, fullName: string): Promise<RobotState> {
    await expect(conn, [200], "PUT", `/robots/${id}`, body(spec, fullName));
    const read = await readRobot(conn, id);
    return stateOf(spec, id, fullName, read?.expiresAt);
}

export async function deleteRobot(conn: HarborConnection, id: number): Promise<void> {
    await expect(conn, [200, 404], "DELETE", `/robots/${id}`);
}

/** Days before `expiresAt` from which `pulumi up` replaces a robot (a new secret) instead of letting it lapse. */
const RENEW_BEFORE_DAYS = 30;

/** Whether a robot's secret expires within RENEW_BEFORE_DAYS of `nowSeconds`. */
export function robotDueForRenewal(expiresAt: number | undefined, nowSeconds: number): boolean {
    return expiresAt !== undefined && expiresAt !== -1 && expiresAt - nowSeconds < RENEW_BEFORE_DAYS * 86_400;
}
