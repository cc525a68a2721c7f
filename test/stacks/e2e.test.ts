import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SharedEvaluation as Evaluation } from "../shared";
import { rawManifests } from "../../offline/manifests";
import { byName, evaluateStack, ofType, PROJECT_DIR } from "../harness";

let e2e: Evaluation;
beforeAll(async () => {
    e2e = await evaluateStack("e2e");
});

describe("e2e stack (Pulumi.e2e.yaml, run by .github/workflows/e2e.yml)", () => {
    it("uses an existing cluster (k3d): no SSH commands, the kubeconfig stays a secret", () => {
        expect(ofType(e2e.resources, "command:remote:Command")).toEqual([]);
        expect(String(ofType(e2e.resources, "pulumi:providers:kubernetes")[0].inputs.kubeconfig)).toBe("[secret]");
    });

    it("issues through the ACME code path against Pebble, HTTP-01 through the ingress class, never skipping TLS verification", () => {
        const issuer = rawManifests(e2e.resources).find((m) => m.kind === "ClusterIssuer") as { spec: { acme: Record<string, unknown> } };
        expect(issuer.spec.acme).toMatchObject({
            server: "https://pebble.pebble.svc.cluster.local:14000/dir",
            // The catch-all solver, and the one for F5 NIC master/minion hosts (none on e2e: no Longhorn UI).
            solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }, { selector: { matchLabels: { "platform/http01-solver": "nginx-minion" } } }],
        });
        expect(issuer.spec.acme).not.toHaveProperty("skipTLSVerify");
    });

    it("deploys Harbor, monitoring, logs and ClickHouse, but not the parts a hosted runner cannot run (Longhorn, DeepFlow)", () => {
        for (const release of [
            "e2e-ingress-release",
            "e2e-harbor-release",
            "e2e-monitoring-release",
            "e2e-monitoring-logs-loki",
            "e2e-monitoring-clickhouse-operator",
        ]) {
            expect(byName(e2e.resources, release)).toBeDefined();
        }
        const releases = ofType(e2e.resources, "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart);
        expect(releases).not.toContain("longhorn");
        expect(releases).not.toContain("deepflow");
    });

    it("says why each part it turns off is off", () => {
        const text = readFileSync(join(PROJECT_DIR, "Pulumi.e2e.yaml"), "utf8");
        expect(text).toMatch(/# Off: Longhorn needs open-iscsi[^\n]*\n[^\n]*\n\s*class: local-path/);
        expect(text).toMatch(/# Off: its agent loads eBPF[^\n]*\n[^\n]*\n\s*enabled: false/);
    });
});
