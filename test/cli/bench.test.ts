import { parsePlatformConfig } from "../../config/config";
import { clusterConfig } from "../../scripts/bench";

describe("npm run bench", () => {
    // The in-process cases evaluate generated cluster configs; an invalid one stops the benchmark
    // after the cold-process figures (it did once, when host keys became required).
    it("generates cluster configs the program accepts, with every node it asks for", () => {
        const config = parsePlatformConfig(clusterConfig(5, 45));
        expect(config.cluster).toMatchObject({ mode: "k3s" });
        const k3s = config.cluster.mode === "k3s" ? config.cluster.k3s : undefined;
        expect([k3s?.servers.length, k3s?.agents.length]).toEqual([5, 45]);
    });
});
