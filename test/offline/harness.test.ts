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

    describe("registrations that fail", () => {
        // Evaluations whose registrations fail run in one child process, one after the other: a refused
        // registration also rejects promises inside the Pulumi SDK that nobody awaits, which would take the
        // jest worker down with it. Each scenario reports how its evaluation ended; none depends on another.
        const SCENARIOS = [
            'const pulumi = require("@pulumi/pulumi");',
            'const k8s = require("@pulumi/kubernetes");',
            'const { evaluate } = require("./offline/evaluate");',
            'const { evaluateStacks } = require("./test/tools/evaluateStacks");',
            'process.on("unhandledRejection", () => undefined);',
            "const noConfig = { values: {}, secretKeys: new Set() };",
            "const ended = (promise) => promise.then(() => ({ rejected: false }), (err) => ({ rejected: true, message: err.message }));",
            // A throwing apply in a resource's inputs fails that registration; what waits on the resource's
            // outputs never registers, so the evaluation has to stop on the failure, not wait for everything.
            "const throwing = () => {",
            '  const broken = new k8s.core.v1.ConfigMap("broken-settings", { data: pulumi.output("x").apply(() => { throw new Error("boom in apply"); }) });',
            '  new k8s.core.v1.ConfigMap("waits-on-it", { data: { name: broken.metadata.name } });',
            "  return {};",
            "};",
            "(async () => {",
            "  const results = {};",
            '  results.unmocked = await ended(evaluate({ project: "platform", stack: "strict", config: noConfig,',
            '    load: () => { new pulumi.CustomResource("aws:s3/bucket:Bucket", "unmocked", {}); return {}; } }));',
            '  results.apply = await ended(evaluate({ project: "platform", stack: "strict", config: noConfig, load: () => throwing }));',
            // test/tools/evaluateStacks.ts as the global setup runs it, with this program for stack "one".
            '  const dir = require("node:fs").mkdtempSync(require("node:path").join(require("node:os").tmpdir(), "evaluations-"));',
            '  results.setup = await evaluateStacks(dir, ["one", "two"], (stack) =>',
            '    evaluate({ project: "platform", stack, config: noConfig, load: () => throwing }).then((e) => ({ ...e, stackConfig: {} })));',
            "  console.log(JSON.stringify(results));",
            "  process.exit(0);",
            "})();",
        ].join("\n");
        let results: { unmocked: { rejected: boolean; message?: string }; apply: { rejected: boolean; message?: string }; setup: string[] };
        beforeAll(() => {
            const child = spawnSync(process.execPath, ["-r", "./scripts/register.js", "-e", SCENARIOS], {
                cwd: PROJECT_DIR,
                encoding: "utf8",
                timeout: 60_000,
            });
            // Pulumi's exit hook reports the promises the refused registrations left pending (exit 1): the
            // results line is what counts.
            const line = child.stdout.trim().split("\n").pop() ?? "";
            if (!line.startsWith("{")) throw new Error(`the scenarios did not report (exit ${child.status}):\n${child.stderr}`);
            results = JSON.parse(line) as typeof results;
        });

        it("fails the evaluation when the program creates a resource of a package nobody mocked", () => {
            expect(results.unmocked).toEqual({
                rejected: true,
                message: expect.stringContaining("aws:s3/bucket:Bucket unmocked: no mock for resource type aws:s3/bucket:Bucket"),
            });
        });

        it("fails the evaluation naming the resource when an apply in its inputs throws", () => {
            expect(results.apply).toEqual({
                rejected: true,
                message: expect.stringContaining('resource broken-settings (kubernetes:core/v1:ConfigMap): error serializing property "data": boom in apply'),
            });
        });

        it("fails the global setup's evaluations naming the stack file and the resource, and stops there", () => {
            expect(results.setup).toEqual([
                'Pulumi.one.yaml: resource broken-settings (kubernetes:core/v1:ConfigMap): error serializing property "data": boom in apply',
                "(the stack files after it were not evaluated)",
            ]);
        });
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
