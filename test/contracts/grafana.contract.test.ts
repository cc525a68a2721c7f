/**
 * Contracts with the grafana chart 12.11.1 (the kube-prometheus-stack 88.5.3 subchart;
 * grafana-community/helm-charts tag grafana-12.11.1, 864f7794) and Grafana's plugin installer.
 * Chart templates read with `git show grafana-12.11.1:charts/grafana/templates/<file>`.
 */
import { MonitoringStack } from "../../components/monitoring/MonitoringStack";
import { parsePlatformConfig } from "../../config/config";
import { rawManifests } from "../../offline/manifests";
import { evaluateStack, k3sStackConfig, mockedComponents, rawConfig } from "../harness";

type Values = Record<string, unknown>;
const at = (v: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), v);
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

/**
 * The RBAC objects the grafana chart renders for its ServiceAccount (chart defaults where unset:
 * rbac.create true, namespaced false, namespaces [], extraClusterRoleRules []):
 * - clusterrole.yaml / clusterrolebinding.yaml: when create and (not namespaced or extraClusterRoleRules);
 *   the ClusterRole grants configmaps *and secrets* get/watch/list whenever a sidecar is enabled;
 * - role.yaml: when create, namespaced and no useExistingRole; the same configmaps+secrets rule;
 * - rolebinding.yaml: when create and namespaced, in rbac.namespaces plus the release namespace, to
 *   useExistingRole if set, else the chart's Role.
 */
function chartRbac(grafana: Values, releaseNamespace: string) {
    const create = at(grafana, "rbac", "create") !== false;
    const namespaced = at(grafana, "rbac", "namespaced") === true;
    const extraCluster = (at(grafana, "rbac", "extraClusterRoleRules") as unknown[] | undefined) ?? [];
    const existingRole = at(grafana, "rbac", "useExistingRole") as string | undefined;
    const namespaces = [...((at(grafana, "rbac", "namespaces") as string[] | undefined) ?? []), releaseNamespace];
    const secretsRule: Rule = { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "watch", "list"] };
    return {
        clusterRole: create && (!namespaced || extraCluster.length > 0) ? [secretsRule] : undefined,
        chartRole: create && namespaced && !existingRole ? [secretsRule] : undefined,
        roleBindings: create && namespaced ? namespaces.map((namespace) => ({ namespace, role: existingRole ?? "chart" })) : [],
    };
}

describe("Grafana's ServiceAccount and sidecars", () => {
    const mocks = mockedComponents();
    let grafana: Values;
    let resources: typeof mocks.collector.resources;

    beforeAll(async () => {
        const monitoring = parsePlatformConfig(rawConfig(k3sStackConfig())).monitoring;
        new MonitoringStack("gc", {
            config: monitoring,
            k3s: { servers: ["10.0.0.1"], nodes: ["10.0.0.1"] },
            highAvailability: false,
            protect: false,
            podSecurityVersion: "v1.36",
            ingress: { className: "nginx", issuer: "platform-ca" },
        });
        await mocks.settle();
        resources = mocks.collector.resources.filter((r) => r.name.startsWith("gc-"));
        grafana = (resources.find((r) => r.name === "gc-release")!.inputs.values as { grafana: Values }).grafana;
    });

    it("the grafana chart's ClusterRole and Role grant every Secret once a sidecar is on, so Grafana is bound only to a ConfigMap-only Role in the monitoring namespace", () => {
        const rbac = chartRbac(grafana, "monitoring");
        expect(rbac.clusterRole).toBeUndefined();
        expect(rbac.chartRole).toBeUndefined();
        expect(rbac.roleBindings).toEqual([{ namespace: "monitoring", role: expect.any(String) }]);
        const role = resources.find(
            (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:Role" && (r.inputs.metadata as { name: string }).name === rbac.roleBindings[0].role,
        );
        expect(role).toBeDefined();
        expect((role!.inputs.metadata as { namespace: string }).namespace).toBe("monitoring");
        const rules = role!.inputs.rules as Rule[];
        expect(rules).toEqual([{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }]);
        expect(JSON.stringify(rules)).not.toMatch(/secrets|\*/);
    });

    // templates/_pod.tpl@grafana-12.11.1: the sidecars get RESOURCE (chart default `both`: configmaps and
    // secrets) and NAMESPACE (searchNamespace joined; unset = the pod's own namespace, `ALL` = cluster-wide,
    // kube-prometheus-stack 88.5.3 sets ALL for dashboards).
    it("the sidecars watch only what the Role allows: ConfigMaps, in the namespaces it is bound in, where every platform dashboard lives", () => {
        const bound = chartRbac(grafana, "monitoring").roleBindings.map((b) => b.namespace);
        for (const sidecar of ["dashboards", "datasources"]) {
            expect(at(grafana, "sidecar", sidecar, "resource")).toBe("configmap");
            const search = at(grafana, "sidecar", sidecar, "searchNamespace");
            const namespaces = search === undefined ? ["monitoring"] : Array.isArray(search) ? (search as string[]) : String(search).split(",");
            expect(namespaces).not.toContain("ALL");
            expect(namespaces.every((n) => bound.includes(n))).toBe(true);
        }
        const dashboards = resources.filter(
            (r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs.metadata as { labels?: Record<string, string> }).labels?.grafana_dashboard === "1",
        );
        expect(dashboards.length).toBeGreaterThan(0);
        expect(dashboards.every((d) => bound.includes((d.inputs.metadata as { namespace: string }).namespace))).toBe(true);
    });

    // pkg/plugins/repo/service.go (grafana/grafana): GetPluginArchive downloads by id and version and passes
    // the catalogue's checksum for that version to Download; GetPluginArchiveByURL passes an empty checksum.
    // The chart turns `plugins` into GF_PLUGINS_PREINSTALL_SYNC (templates/_pod.tpl@grafana-12.11.1).
    it("Grafana checks a plugin archive against the catalogue checksum only when it installs by id@version, so every plugin is pinned that way, with no URL", () => {
        const plugins = (grafana.plugins as string[] | undefined) ?? [];
        expect(plugins.length).toBeGreaterThan(0);
        for (const p of plugins) expect(p).toMatch(/^[a-z0-9-]+@\d+\.\d+\.\d+$/);
    });

    it("unsigned plugins are allowed by id, only DeepFlow's, which come from DeepFlow's init image at the chart's tag", () => {
        const unsigned = String(at(grafana, "grafana.ini", "plugins", "allow_loading_unsigned_plugins") ?? "").split(",");
        expect(unsigned.every((id) => id.startsWith("deepflowio-"))).toBe(true);
        const catalogue = ((grafana.plugins as string[] | undefined) ?? []).map((p) => p.split("@")[0]);
        expect(unsigned.filter((id) => catalogue.includes(id))).toEqual([]);
        const init = (grafana.extraInitContainers as { image: string }[]).map((c) => c.image);
        expect(init).toHaveLength(1);
        // The tag chart deepflow 7.1.002 uses (values.yaml grafana.extraInitContainers init-custom-plugins).
        expect(init[0]).toMatch(/\/deepflowio-init-grafana:v7\.1$/);
    });
});

describe("Grafana dashboards across whole stacks", () => {
    // The sidecar only sees what its NAMESPACE and the Role allow: a labelled ConfigMap elsewhere
    // (e.g. next to an application) would silently never load.
    it.each(["dev", "prod"])(
        "every ConfigMap labelled for the dashboard sidecar in the %s stack sits in a namespace Grafana searches and may read",
        async (stack) => {
            const { resources } = await evaluateStack(stack);
            const manifests = rawManifests(resources);
            const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs.chart as string) === "kube-prometheus-stack")!;
            const grafana = (release.inputs.values as { grafana: Values }).grafana;
            const releaseNamespace = String(release.inputs.namespace);
            const readable = chartRbac(grafana, releaseNamespace).roleBindings.map((b) => b.namespace);
            const search = at(grafana, "sidecar", "dashboards", "searchNamespace") as string[];
            const label = String(at(grafana, "sidecar", "dashboards", "label"));
            const dashboards = manifests.filter(
                (m) => m.kind === "ConfigMap" && (m.metadata as { labels?: Record<string, string> }).labels?.[label] !== undefined,
            );
            expect(dashboards.length).toBeGreaterThan(0);
            const outside = dashboards
                .map((d) => d.metadata as { name: string; namespace: string })
                .filter((m) => !search.includes(m.namespace) || !readable.includes(m.namespace));
            expect(outside).toEqual([]);
        },
    );
});
