import { spawnSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { evaluate, EvaluationError } from "../../offline/evaluate";
import { UNKNOWN } from "../../offline/mocks";
import { loadProgram } from "../../offline/render";
import { readStackFile } from "../../offline/stackfile";
import { byName, PROJECT_DIR } from "../harness";

const noConfig = { values: {}, secretKeys: new Set<string>() };

async function failureOf(load: () => unknown): Promise<EvaluationError> {
    const error = await evaluate({ project: "platform", stack: "strict", config: noConfig, load }).then(
        () => undefined,
        (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(EvaluationError);
    return error as EvaluationError;
}

describe("mock harness (strict)", () => {
    it("fails the evaluation when the program calls a provider function nobody mocked", async () => {
        const error = await failureOf(() => {
            pulumi.runtime.invoke("aws:index/getRegion:getRegion", {}).catch(() => undefined);
            return {};
        });
        expect(error.message).toContain("call aws:index/getRegion:getRegion: unmocked provider function call");
    });

    it("fails the evaluation when the program creates a resource of a package nobody mocked", () => {
        // In a child process: the refused registration also rejects promises inside the Pulumi SDK
        // that nobody awaits, which would take the jest worker down with it.
        const script = [
            'const pulumi = require("@pulumi/pulumi");',
            'const { evaluate } = require("./offline/evaluate");',
            'process.on("unhandledRejection", () => undefined);',
            'evaluate({ project: "platform", stack: "strict", config: { values: {}, secretKeys: new Set() },',
            '  load: () => { new pulumi.CustomResource("aws:s3/bucket:Bucket", "unmocked", {}); return {}; } })',
            "  .then(() => process.exit(0), (err) => { console.error(err.message); process.exit(3); });",
        ].join("\n");
        const result = spawnSync(process.execPath, ["-r", "./scripts/register.js", "-e", script], {
            cwd: PROJECT_DIR,
            encoding: "utf8",
            timeout: 60_000,
        });
        expect(result.stderr).toContain("aws:s3/bucket:Bucket unmocked: no mock for resource type aws:s3/bucket:Bucket");
        expect(result.status).toBe(3);
    });

    // A throwing apply in a resource's inputs fails that registration; what waits on the resource's
    // outputs never registers, so the evaluation has to stop on the failure, not wait for everything.
    const THROWING_PROGRAM = [
        'const pulumi = require("@pulumi/pulumi");',
        'const k8s = require("@pulumi/kubernetes");',
        "const program = () => {",
        '  const broken = new k8s.core.v1.ConfigMap("broken-settings", { data: pulumi.output("x").apply(() => { throw new Error("boom in apply"); }) });',
        '  new k8s.core.v1.ConfigMap("waits-on-it", { data: { name: broken.metadata.name } });',
        "  return {};",
        "};",
    ];
    const inChild = (lines: string[]) =>
        spawnSync(process.execPath, ["-r", "./scripts/register.js", "-e", [...THROWING_PROGRAM, ...lines].join("\n")], {
            cwd: PROJECT_DIR,
            encoding: "utf8",
            timeout: 60_000,
        });

    it("fails the evaluation naming the resource when an apply in its inputs throws", () => {
        const result = inChild([
            'const { evaluate } = require("./offline/evaluate");',
            'process.on("unhandledRejection", () => undefined);',
            'evaluate({ project: "platform", stack: "strict", config: { values: {}, secretKeys: new Set() }, load: () => program })',
            "  .then(() => process.exit(0), (err) => { console.error(err.message); process.exit(3); });",
        ]);
        expect({ status: result.status, stderr: result.stderr }).toEqual({
            status: 3,
            stderr: expect.stringContaining('resource broken-settings (kubernetes:core/v1:ConfigMap): error serializing property "data": boom in apply'),
        });
    });

    it("fails the global setup's evaluations naming the stack file and the resource, and stops there", () => {
        // test/tools/evaluateStacks.ts as the global setup runs it, with this program for stack "one".
        const result = inChild([
            'const { evaluate } = require("./offline/evaluate");',
            'const { evaluateStacks } = require("./test/tools/evaluateStacks");',
            'const dir = require("node:fs").mkdtempSync(require("node:path").join(require("node:os").tmpdir(), "evaluations-"));',
            'evaluateStacks(dir, ["one", "two"], (stack) => evaluate({ project: "platform", stack, config: { values: {}, secretKeys: new Set() }, load: () => program }).then((e) => ({ ...e, stackConfig: {} })))',
            '  .then((failures) => { console.error(failures.join("\\n")); process.exit(failures.length > 0 ? 3 : 0); });',
        ]);
        expect(result.status).toBe(3);
        expect(result.stderr.trim().split("\n")).toEqual([
            'Pulumi.one.yaml: resource broken-settings (kubernetes:core/v1:ConfigMap): error serializing property "data": boom in apply',
            "(the stack files after it were not evaluated)",
        ]);
    });
});

describe("first preview of a brand-new k3s stack", () => {
    it("evaluates with the kubeconfig unknown: the provider and namespaces are still planned", async () => {
        const file = readStackFile(PROJECT_DIR, "prod");
        const { resources } = await evaluate({
            project: file.project,
            stack: "prod",
            config: file.config,
            preview: true,
            load: loadProgram,
        });
        const provider = byName(resources, "prod-cluster-provider");
        expect(provider.inputs.kubeconfig).toBe(UNKNOWN);
        expect(byName(resources, "prod-ns-apps").options.provider).toBe("prod-cluster-provider");
    });
});
