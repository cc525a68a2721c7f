/**
 * `npm run verify` against a fake platform on loopback (verifyRun.ts): what some checks tell apart
 * beyond pass and fail (DNS, Route53 hints, which CA Harbor is trusted with, tolerated targets).
 */
import type { FakeCluster } from "./fakeCluster";
import { type Report, useFakePlatform } from "./verifyRun";

const { fake, verify, check } = useFakePlatform();

describe("verify: each check passes on a healthy platform and fails on the fault it exists for", () => {
    it("edge.ingresses fails when DNS points a host elsewhere (prod has DNS on)", async () => {
        const row = await check("edge.ingresses", [], { resolveHost: async (h) => (h === "grafana.example.com" ? ["127.0.0.9"] : ["127.0.0.1"]) });
        expect(row).toMatchObject({ result: "fail", detail: expect.stringMatching(/grafana.example.com resolves to 127.0.0.9, the Ingress has 127.0.0.1/) });
    });

    describe("tls.certificates names the IAM permission when a DNS-01 challenge is stuck on Route53", () => {
        // Challenge.status.reason as cert-manager v1.21.1 writes it: pkg/controller/acmechallenges/sync.go
        // Sync sets `ch.Status.Reason = stabilizeSolverErrorMessage(err)` when Present fails. The GetChange
        // poll error passes through util.WaitFor (pkg/issuer/acme/dns/util/wait.go), which keeps only its
        // string, so AWS's AccessDenied text survives; route53.go wraps the other calls' errors with %w, so
        // stabilizeSolverErrorMessage replaces the AWS part and only smithy-go's OperationError prefix
        // (`operation error <service>: <operation>, `, aws/smithy-go@v1.27.3 errors.go) remains.
        const GET_CHANGE_DENIED =
            "Time limit exceeded. Last error: failed to query Route 53 change status: operation error Route 53: GetChange, https response error StatusCode: 403, " +
            "RequestID: 0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9, api error AccessDenied: User: arn:aws:iam::123456789012:user/platform-dns is not authorized to perform: " +
            "route53:GetChange on resource: arn:aws:route53:::change/C0123456789ABCDEFGHIJ because no identity-based policy allows the route53:GetChange action";
        const CHANGE_REDACTED =
            "failed to change Route 53 record set: operation error Route 53: ChangeResourceRecordSets, <redacted AWS SDK error: http.ResponseError: see events and logs for details>";
        const stuck = (s: FakeCluster["state"], reason: string) => {
            (s.certificates![0].status as Record<string, unknown>).conditions = [
                { type: "Ready", status: "False", reason: "DoesNotExist", message: "Issuing certificate as Secret does not exist" },
            ];
            s.challenges = [
                {
                    metadata: { name: "harbor-tls-1-3344556677-1122334455", namespace: "harbor" },
                    spec: { dnsName: "registry.example.com", type: "DNS-01" },
                    status: { processing: true, presented: false, state: "pending", reason },
                },
            ];
        };

        it("route53:GetChange denied: names the action, its resource and the docs section", async () => {
            stuck(fake.state, GET_CHANGE_DENIED);
            const row = await check("tls.certificates");
            expect(row).toMatchObject({
                result: "fail",
                detail: expect.stringMatching(
                    /harbor\/harbor-tls not Ready.*challenge harbor\/harbor-tls-1-3344556677-1122334455 \(registry.example.com, pending\): Time limit exceeded/,
                ),
            });
            expect(row.hint).toBe(
                "Route53 denied cert-manager route53:GetChange: the DNS credential's IAM policy must allow route53:GetChange on arn:aws:route53:::change/* (docs/security.md#route53-iam-policy)",
            );
        });

        it("a redacted Route53 error: names the operation and where AWS's message is", async () => {
            stuck(fake.state, CHANGE_REDACTED);
            const row = await check("tls.certificates");
            expect(row.hint).toMatch(
                /^Route53 refused cert-manager's ChangeResourceRecordSets call .*describe challenge.*route53:ChangeResourceRecordSets on arn:aws:route53:::hostedzone\/<zone id> \(docs\/security.md#route53-iam-policy\)$/,
            );
        });

        it("a challenge stuck for another reason keeps the general hint", async () => {
            // pkg/controller/acmechallenges/readiness.go ("Waiting for %s challenge propagation: %s") and
            // pkg/issuer/acme/dns/dns.go Check ("DNS record for %q not yet propagated"), v1.21.1.
            stuck(fake.state, 'Waiting for DNS-01 challenge propagation: DNS record for "registry.example.com" not yet propagated');
            const row = await check("tls.certificates");
            expect(row).toMatchObject({ result: "fail", detail: expect.stringContaining("not yet propagated") });
            expect(row.hint).toMatch(/^kubectl -n <ns> describe certificate/);
        });
    });

    it("harbor.health fails when the certificate is not trusted (no --ca-file, public CA issuer)", async () => {
        const res = await verify(["prod", "--json", "--only", "harbor.health", "--kubeconfig", fake.kubeconfig()]);
        const row = (JSON.parse(res.stdout) as Report).checks[0];
        expect(row).toMatchObject({ result: "fail", detail: expect.stringMatching(/cannot reach https:\/\/registry.example.com.*certificate/i) });
        expect(row.hint).toMatch(/--ca-file/);
    });

    it("harbor.health trusts the platform CA from the cluster on a selfSigned stack", async () => {
        const res = await verify(["dev", "--json", "--only", "harbor.health", "--kubeconfig", fake.kubeconfig()]);
        expect((JSON.parse(res.stdout) as Report).checks[0]).toMatchObject({ result: "pass", detail: expect.stringContaining("registry.dev.example.com") });
    });

    it("prometheus.targets tolerates a job named by --allow-down", async () => {
        fake.state.services["monitoring/kps-kube-prometheus-stack-prometheus:9090"] = () => ({
            status: 200,
            body: {
                data: {
                    activeTargets: [
                        { labels: { job: "kube-proxy" }, health: "down" },
                        { labels: { job: "kubelet" }, health: "up" },
                    ],
                },
            },
        });
        expect(await check("prometheus.targets", ["--allow-down", "kube-proxy"])).toMatchObject({ result: "pass" });
    });

    it("longhorn.volumes lists detached volumes without failing", async () => {
        fake.state.services["longhorn-system/longhorn-backend:9500"] = () => ({
            status: 200,
            body: { data: [{ name: "pvc-2", state: "detached", robustness: "unknown" }] },
        });
        expect(await check("longhorn.volumes")).toMatchObject({ result: "pass", detail: "1 volume(s), attached ones healthy, 1 detached" });
    });
});
