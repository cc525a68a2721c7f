/** ContainerApp's pure builders: the VirtualServer spec, flows, dashboard and alert rules. The component itself: ContainerApp.test.ts. */
import { appFlows, virtualServerSpec } from "../../components/apps/appNetwork";
import { appDashboard, appRuleGroups } from "../../components/apps/appObservability";
import { validateManifest } from "../k8sSchema";

describe("ContainerApp builders", () => {
    it("route every path to the stable upstream without a canary, with one upstream only", () => {
        const spec = virtualServerSpec({ name: "a", host: "a.example.com", paths: ["/", "/api"], port: 80, tlsSecret: "a-tls" });
        expect(spec).toMatchObject({
            upstreams: [{ name: "stable", service: "a", port: 80 }],
            routes: [
                { path: "/", action: { pass: "stable" } },
                { path: "/api", action: { pass: "stable" } },
            ],
        });
        expect(() => validateManifest({ apiVersion: "k8s.nginx.org/v1", kind: "VirtualServer", metadata: { name: "a" }, spec })).not.toThrow();
    });

    it("keep the VirtualServer's shape at weights 0 and 100 (two splits adding up to 100)", () => {
        for (const w of [0, 100]) {
            const spec = virtualServerSpec({ name: "a", host: "a.example.com", paths: ["/", "/api"], port: 80, tlsSecret: "a-tls", canaryWeight: w }) as {
                routes: { splits: { weight: number }[] }[];
            };
            expect(spec.routes).toHaveLength(2);
            expect(spec.routes.every((r) => r.splits.length === 2 && r.splits[0].weight + r.splits[1].weight === 100)).toBe(true);
            expect(() => validateManifest({ apiVersion: "k8s.nginx.org/v1", kind: "VirtualServer", metadata: { name: "a" }, spec })).not.toThrow();
        }
    });

    it("open no internet egress unless asked", () => {
        const { flows } = appFlows({ name: "a", namespace: "apps", port: 80, callsApps: [], callsServices: [] });
        expect(flows.filter((f) => f.to === "internet" || f.to === "outside")).toEqual([]);
    });

    it("build a dashboard with unique panel ids whose every query names a datasource the platform Grafana provisions", () => {
        const dashboard = appDashboard("a", "n", true) as {
            uid: string;
            panels: { id: number; datasource: { type: string; uid: string }; targets: { datasource: { type: string; uid: string } }[] }[];
        };
        const ids = dashboard.panels.map((p) => p.id);
        expect(new Set(ids).size).toBe(ids.length);
        const provisioned: Record<string, string> = { prometheus: "prometheus", loki: "loki" };
        for (const panel of dashboard.panels) {
            for (const ref of [panel.datasource, ...panel.targets.map((t) => t.datasource)]) {
                expect(provisioned[ref.uid]).toBe(ref.type);
            }
        }
        expect(dashboard.uid).toBe("app-n-a");
    });

    it("leave the autoscaler alert out without an HPA, and query the app's own Services in the dashboard", () => {
        expect(appRuleGroups({ name: "a", namespace: "n", autoscaling: false, latencyMs: 500 })[0].rules.map((r) => r.alert)).not.toContain(
            "AppAutoscalerAtMax",
        );
        const text = JSON.stringify(appDashboard("a", "n", false));
        expect(text).toContain('resource_namespace=\\"n\\", service=~\\"a|a-canary\\"');
        expect(text).not.toContain('"type":"logs"');
    });
});
