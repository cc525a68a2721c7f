import type { SharedEvaluation as Evaluation } from "../shared";
import { byName, evaluateStack } from "../harness";

let prod: Evaluation;
let eu: Evaluation;
beforeAll(async () => {
    prod = await evaluateStack("prod");
    eu = await evaluateStack("prod-eu");
});

describe("second region (Pulumi.prod-eu.yaml)", () => {
    it("is the same platform as prod: a new region is only a new stack file", () => {
        // Same resources under the stack-name prefix; DNSEndpoint names come from each stack's own records.
        // Pull-only promotion robots are the promotion chain's, not the platform's: prod has one for
        // prod-eu to pull from it; prod-eu, the last region, has none.
        const shape = (e: Evaluation, stack: string) =>
            e.resources
                .filter((r) => !r.name.includes("-harbor-pull-robot-"))
                .map((r) => `${r.type} ${r.type.endsWith(":DNSEndpoint") ? "(record)" : r.name.split(stack).join("STACK")}`)
                .sort();
        expect(shape(eu, "prod-eu")).toEqual(shape(prod, "prod"));
    });

    it("serves apps.example.com as the failover secondary of prod's primary record", () => {
        const endpoint = (e: Evaluation, stack: string) =>
            (byName(e.resources, `${stack}-dns-a-apps-example-com`).inputs as { spec: { endpoints: Record<string, unknown>[] } }).spec.endpoints[0];
        expect(endpoint(prod, "prod")).toMatchObject({
            dnsName: "apps.example.com",
            setIdentifier: "prod",
            providerSpecific: expect.arrayContaining([{ name: "aws/failover", value: "PRIMARY" }]),
        });
        expect(endpoint(eu, "prod-eu")).toMatchObject({
            dnsName: "apps.example.com",
            setIdentifier: "prod-eu",
            providerSpecific: [{ name: "aws/failover", value: "SECONDARY" }],
        });
        // Each stack owns its own records in the shared zone.
        expect((byName(eu.resources, "prod-eu-dns-release").inputs.values as { txtOwnerId: string }).txtOwnerId).toBe("prod-eu");
    });

    it("keeps region-specific names apart: API endpoint, registry host and snapshot folder", () => {
        expect(eu.outputs.apiEndpoint).toBe("https://k3s.eu.example.com:6443");
        expect(eu.outputs.registryUrl).toBe("https://registry.eu.example.com");
        expect(String(byName(eu.resources, "prod-eu-cluster-prod-eu-server-1-install").inputs.create)).toContain("etcd-s3-folder: prod-eu");
    });
});
