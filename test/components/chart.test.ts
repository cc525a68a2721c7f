import { installChart } from "../../components/lib/chart";
import { byName, mockedComponents } from "../harness";

// docs/adr/0004: every chart goes through installChart as an atomic helm.v3.Release into a namespace
// the component created, with bounded history and a timeout long enough for a first install.
describe("installChart (the one chart install method)", () => {
    const mocks = mockedComponents();
    const chart = { chart: "demo", version: "1.2.3", repo: "https://charts.example.com", keys: "demo" };

    it("installs atomically, cleans up a failed upgrade, waits for Jobs, keeps 5 revisions and creates no namespace", async () => {
        installChart("plain", { chart, namespace: "demo-ns", values: { a: 1 } }, {});
        await mocks.settle();
        expect(byName(mocks.collector.resources, "plain").inputs).toMatchObject({
            name: "demo",
            chart: "demo",
            version: "1.2.3",
            repositoryOpts: { repo: "https://charts.example.com" },
            namespace: "demo-ns",
            createNamespace: false,
            atomic: true,
            cleanupOnFail: true,
            waitForJobs: true,
            maxHistory: 5,
            timeout: 600,
            values: { a: 1 },
        });
    });

    it("takes the release name and a longer timeout from the component", async () => {
        installChart("slow", { chart, namespace: "demo-ns", values: {}, releaseName: "mine", timeoutSeconds: 900 }, {});
        await mocks.settle();
        expect(byName(mocks.collector.resources, "slow").inputs).toMatchObject({ name: "mine", timeout: 900, atomic: true });
    });
});
