/** ClusterK3s when the config changes: a second up, node settings, servers added, k3s version bumps (system-upgrade-controller). */
import { ClusterK3s } from "../../components/cluster/ClusterK3s";
import { installScriptUrl } from "../../components/cluster/k3sFiles";
import { RecordedResource, SECRET } from "../../offline/mocks";
import { byName, TEST_HOST_KEY } from "../harness";
import { clusterK3sMocks, k3sCluster, value } from "./clusterK3sFixture";

const { mocks, build } = clusterK3sMocks();

describe("ClusterK3s re-evaluation", () => {
    it("produces identical inputs for an unchanged config (a second up changes nothing)", async () => {
        const config = () =>
            k3sCluster({
                version: "v1.36.4+k3s1",
                servers: [{ name: "n1", host: "192.0.2.10", hostKey: TEST_HOST_KEY }],
                agents: [{ name: "w1", host: "192.0.2.11", hostKey: TEST_HOST_KEY }],
            });
        const a = await build("again-a", config());
        const b = await build("again-b", config());
        const strip = (rs: RecordedResource[], prefix: string) =>
            JSON.stringify(
                rs.map((r) => ({ ...r, urn: "", name: r.name.replace(prefix, "") })),
                (_k, v) => (typeof v === "string" ? v.split(prefix).join("X") : v),
            );
        expect(strip(a.resources, "again-a")).toBe(strip(b.resources, "again-b"));
    });

    it("re-applies settings only on the node whose settings changed, and on every server when the server set changes", async () => {
        const k3s = (agentLabels: Record<string, string>, servers: { name: string; host: string }[]) =>
            k3sCluster({
                version: "v1.36.4+k3s1",
                servers,
                agents: [
                    { name: "w1", host: "192.0.2.11", hostKey: TEST_HOST_KEY, labels: agentLabels },
                    { name: "w2", host: "192.0.2.12", hostKey: TEST_HOST_KEY },
                ],
            });
        const one = [{ name: "n1", host: "192.0.2.10", hostKey: TEST_HOST_KEY }];
        const base = await build("chg-a", k3s({}, one));
        const labelled = await build("chg-b", k3s({ disk: "ssd" }, one));
        const creates = (b: { resources: RecordedResource[] }, prefix: string) =>
            new Map(b.resources.filter((r) => r.name.endsWith("-config")).map((r) => [r.name.replace(prefix, ""), String(r.inputs.create)]));
        const before = creates(base, "chg-a");
        const after = creates(labelled, "chg-b");
        const changed = [...before.keys()].filter((k) => before.get(k) !== after.get(k));
        expect(changed).toEqual(["-w1-config"]);

        const three = [...one, { name: "n2", host: "192.0.2.20", hostKey: TEST_HOST_KEY }, { name: "n3", host: "192.0.2.30", hostKey: TEST_HOST_KEY }];
        const grown = creates(await build("chg-c", k3s({}, three)), "chg-c");
        // tls-san lists every server, so adding servers re-applies (restarts) the existing one too.
        expect(grown.get("-n1-config")).not.toBe(before.get("-n1-config"));
        expect(grown.get("-w2-config")).toBe(before.get("-w2-config"));
    });
});

describe("ClusterK3s version changes (system-upgrade-controller)", () => {
    const nodes = {
        servers: [1, 2, 3].map((i) => ({ name: `s${i}`, host: `192.0.2.${i}`, hostKey: TEST_HOST_KEY })),
        agents: [{ name: "w1", host: "192.0.2.11", hostKey: TEST_HOST_KEY }],
    };
    const k3s = (version: string, agents = nodes.agents) => k3sCluster({ version, servers: nodes.servers, agents });
    const same = (r: RecordedResource, prefix: string, without: string[] = []) =>
        JSON.stringify(Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !without.includes(k))))
            .split(prefix)
            .join("X");
    let before: Awaited<ReturnType<typeof build>>;
    let after: Awaited<ReturnType<typeof build>>;
    beforeAll(async () => {
        before = await build("ver-a", k3s("v1.35.6+k3s1"));
        after = await build("ver-b", k3s("v1.36.4+k3s1"));
    });

    it("runs no installer on a version bump: only the install scripts' text and the Plans' version move", () => {
        const commands = before.resources.filter((r) => r.type === "command:remote:Command");
        // preflight, install and config per node, plus the CA hash and kubeconfig reads.
        expect(commands.length).toBe(4 * 3 + 2);
        for (const r of commands) {
            const twin = byName(after.resources, r.name.replace("ver-a", "ver-b"));
            // An install's changed `create` is an update, which runs its `update` script (the same).
            const without = r.name.endsWith("-install") ? ["create"] : [];
            expect({ name: r.name, inputs: same(twin, "ver-b", without) }).toEqual({ name: r.name, inputs: same(r, "ver-a", without) });
        }
        for (const plan of ["k3s-server", "k3s-agent"]) {
            expect((byName(before.resources, `ver-a-plan-${plan}`).inputs.spec as { version: string }).version).toBe("v1.35.6+k3s1");
            expect((byName(after.resources, `ver-b-plan-${plan}`).inputs.spec as { version: string }).version).toBe("v1.36.4+k3s1");
        }
    });

    it("installs each node once: an update runs no installer, only a new or replaced node gets one", () => {
        for (const r of before.resources.filter((x) => x.name.endsWith("-install"))) {
            expect(String(r.inputs.update)).not.toMatch(/INSTALL_K3S|install\.sh|curl/);
            // Not ignoreChanges: a replacement would then reuse the first install's script and version.
            expect(r.options.ignoreChanges).toBeUndefined();
            // Replacement (new host, name or role) is the only way the installer runs again.
            expect(r.inputs.triggers).toEqual([r.name.replace("ver-a-", "").replace("-install", ""), expect.any(String), expect.any(String)]);
        }
    });

    it("installs a node added later at the version configured then", async () => {
        const grown = await build("ver-c", k3s("v1.36.4+k3s1", [...nodes.agents, { name: "w2", host: "192.0.2.12", hostKey: TEST_HOST_KEY }]));
        const added = byName(grown.resources, "ver-c-w2-install");
        expect(added.inputs.create).toContain("INSTALL_K3S_VERSION='v1.36.4+k3s1' INSTALL_K3S_EXEC='agent'");
        expect(added.inputs.create).toContain(installScriptUrl("v1.36.4+k3s1"));
        // The Plans also wait for the new node, so it is installed before the controller looks at it.
        expect(byName(grown.resources, "ver-c-plan-k3s-agent").dependsOn).toContain("ver-c-w2-install");
    });

    it("applies settings one server at a time, then agents, and restarts only when files changed", () => {
        expect(byName(before.resources, "ver-a-s2-config").dependsOn).toEqual(expect.arrayContaining(["ver-a-s1-config", "ver-a-s2-install"]));
        expect(byName(before.resources, "ver-a-w1-config").dependsOn).toEqual(expect.arrayContaining(["ver-a-s3-config", "ver-a-w1-install"]));
        expect(byName(before.resources, "ver-a-w1-config").inputs.stdin).toBe(SECRET);
        expect(String(byName(before.resources, "ver-a-s1-config").inputs.create)).toContain('if [ "$changed" -eq 0 ]');
        expect(byName(before.resources, "ver-a-provider").dependsOn).toEqual(expect.arrayContaining(["ver-a-s1-config", "ver-a-w1-config"]));
    });

    it("runs the controller and its Plans on the cluster's provider, Plans after every node and the CRD", () => {
        const kube = before.resources.filter((r) => r.type.startsWith("kubernetes:"));
        expect(kube.length).toBeGreaterThan(10);
        for (const r of kube) {
            expect(r.options.provider).toBe("ver-a-provider");
            expect(r.parent).toBe("ver-a");
        }
        for (const plan of ["ver-a-plan-k3s-server", "ver-a-plan-k3s-agent"]) {
            expect(byName(before.resources, plan).dependsOn).toEqual(
                expect.arrayContaining([
                    "ver-a-system-upgrade-crd",
                    "ver-a-system-upgrade-controller",
                    "ver-a-s1-install",
                    "ver-a-s3-install",
                    "ver-a-w1-install",
                ]),
            );
        }
        const ns = byName(before.resources, "ver-a-system-upgrade-ns").inputs.metadata as {
            labels: Record<string, string>;
            annotations: Record<string, string>;
        };
        expect(ns.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/enforce-version": "v1.35" });
        expect(ns.annotations["platform/pod-security-reason"]).toMatch(/upgrade Jobs/);
    });

    it("passes feature kernel requirements to every host's preflight", async () => {
        const component = new ClusterK3s("kern", {
            cluster: k3s("v1.35.6+k3s1"),
            clusterName: "kern",
            kernelRequirements: [{ version: "4.14", reason: "DeepFlow's eBPF agent" }],
        });
        await value(component.kubeconfig);
        await mocks.settle();
        for (const n of ["s1", "s3", "w1"]) {
            const create = String(byName(mocks.collector.resources, `kern-${n}-preflight`).inputs.create);
            expect(create).toContain(`platform preflight failed on host ${n}:`);
            expect(create).toContain("is older than 4.14, which DeepFlow's eBPF agent needs");
        }
    });
});
