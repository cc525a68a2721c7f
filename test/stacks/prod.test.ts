import type { Evaluation } from "../../scripts/lib/evaluate";
import { SECRET } from "../../scripts/lib/mocks";
import { byName, evaluateStack, ofType } from "../harness";
import { commonStackChecks, nodeConfigOf } from "./wholeStack";

let prod: Evaluation;
beforeAll(async () => {
    prod = await evaluateStack("prod");
});

describe("prod stack (Pulumi.prod.yaml)", () => {
    commonStackChecks(() => prod);

    it("runs an HA control plane: three servers, one cluster-init, all joined to the first", () => {
        const installs = ofType(prod.resources, "command:remote:Command").filter((r) => r.name.endsWith("-install"));
        const servers = installs.filter((r) => String(r.inputs.create).includes("INSTALL_K3S_EXEC='server'"));
        expect(servers).toHaveLength(3);
        const configs = servers.map((s) => nodeConfigOf(s.inputs.create));
        expect(configs.filter((c) => c["cluster-init"] === true)).toHaveLength(1);
        expect(configs.slice(1).map((c) => c.server)).toEqual(["https://10.0.0.11:6443", "https://10.0.0.11:6443"]);
        expect(installs.length - servers.length).toBe(3);
    });

    it("backs etcd up to S3 every 6 hours, keeping 28 snapshots, with the secret key off the command line", () => {
        const config = nodeConfigOf(byName(prod.resources, "prod-cluster-prod-server-1-install").inputs.create);
        expect(config).toMatchObject({
            "etcd-s3": true,
            "etcd-s3-bucket": "example-platform-etcd",
            "etcd-s3-folder": "prod",
            "etcd-snapshot-schedule-cron": "0 */6 * * *",
            "etcd-snapshot-retention": 28,
        });
        expect(config).not.toHaveProperty("etcd-s3-secret-key");
        expect(byName(prod.resources, "prod-cluster-prod-server-1-install").inputs.stdin).toBe(SECRET);
    });

    it("protects the cluster token and every server install", () => {
        const protectedNames = prod.resources.filter((r) => r.options.protect).map((r) => r.name);
        expect(protectedNames.sort()).toEqual([
            "prod-cluster-prod-server-1-install",
            "prod-cluster-prod-server-2-install",
            "prod-cluster-prod-server-3-install",
            "prod-cluster-token",
        ]);
    });

    it("checks ports before install and keeps ServiceLB for the ingress LoadBalancer", () => {
        expect(String(byName(prod.resources, "prod-cluster-prod-server-1-preflight").inputs.create)).toContain("for port in 6443 10250 2379 2380");
        const config = nodeConfigOf(byName(prod.resources, "prod-cluster-prod-server-2-install").inputs.create);
        expect(config.disable).toEqual(["traefik"]);
    });

    it("exports all six nodes", () => {
        expect((prod.outputs.nodes as { role: string }[]).map((n) => n.role)).toEqual(["server", "server", "server", "agent", "agent", "agent"]);
    });
});
