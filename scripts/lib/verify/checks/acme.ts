/**
 * Why an ACME certificate is stuck: the cert-manager Challenges that have not succeeded, and, when a
 * Challenge's reason is a Route53 refusal, the IAM permission the DNS credential lacks.
 *
 * cert-manager v1.21.1 writes the DNS-01 solver's error to `Challenge.status.reason`
 * (pkg/controller/acmechallenges/sync.go Sync: `stabilizeSolverErrorMessage(err)` after Present
 * fails). Orders only carry ACME server errors (pkg/controller/acmeorders/sync.go), so the
 * Challenge is where a Route53 error shows. Two shapes reach the reason:
 * - wrapped AWS errors are redacted to `operation error Route 53: <Operation>, <redacted AWS SDK
 *   error: ...>` (the smithy-go OperationError prefix survives, the AWS message does not);
 * - the `GetChange` poll error is flattened to a string by util.WaitFor
 *   (pkg/issuer/acme/dns/util/wait.go), so the redaction misses it and the AWS message stays:
 *   `... api error AccessDenied: User: ... is not authorized to perform: route53:GetChange on resource: ...`.
 */
import { CERT_MANAGER_NAMESPACE } from "../../../../components/edge/CertManager";
import { CERT_MANAGER_CONTROLLER_SA, DNS01_SERVICE_ACCOUNT } from "../../../../components/edge/certManagerValues";
import type { KubeApi } from "../kube";

/** Where the docs give the IAM policy the shared Route53 credential needs. */
export const ROUTE53_POLICY_DOC = "docs/security.md#route53-iam-policy";

/** The resource each Route53 action the platform uses is granted on (the policy in ROUTE53_POLICY_DOC). */
const ROUTE53_RESOURCE: Readonly<Record<string, string>> = {
    GetChange: "arn:aws:route53:::change/*",
    ChangeResourceRecordSets: "arn:aws:route53:::hostedzone/<zone id>",
    ListResourceRecordSets: "arn:aws:route53:::hostedzone/<zone id>",
    ListHostedZonesByName: "*",
    ListHostedZones: "*",
};

interface Challenge {
    metadata: { name: string; namespace: string };
    spec?: { dnsName?: string; type?: string };
    status?: { state?: string; reason?: string };
}

/** A Challenge that has not succeeded (yet), with cert-manager's reason. */
export interface StuckChallenge {
    readonly id: string;
    readonly dnsName: string;
    readonly state: string;
    readonly reason: string;
}

/** Challenges in the given namespaces that are not `valid`; empty when the ACME CRDs are absent. */
export async function stuckChallenges(kube: KubeApi, namespaces: ReadonlySet<string>): Promise<StuckChallenge[]> {
    const all = await kube.getIfExists<{ items: Challenge[] }>("/apis/acme.cert-manager.io/v1/challenges");
    return (all?.items ?? [])
        .filter((c) => namespaces.has(c.metadata.namespace) && c.status?.state !== "valid")
        .map((c) => ({
            id: `${c.metadata.namespace}/${c.metadata.name}`,
            dnsName: c.spec?.dnsName ?? "?",
            state: c.status?.state || "pending",
            reason: c.status?.reason ?? "",
        }));
}

/**
 * A hint for a Challenge reason that names a Route53 or STS refusal, or undefined. Names the
 * missing permission and where the policy is documented.
 */
export function route53Hint(reason: string): string | undefined {
    const denied = /not authorized to perform: route53:(\w+)/.exec(reason)?.[1];
    if (denied !== undefined) {
        return `Route53 denied cert-manager route53:${denied}: the DNS credential's IAM policy must allow route53:${denied} on ${ROUTE53_RESOURCE[denied] ?? "its resource"} (${ROUTE53_POLICY_DOC})`;
    }
    const operation = /operation error Route 53: (\w+)/.exec(reason)?.[1];
    if (operation !== undefined) {
        return (
            `Route53 refused cert-manager's ${operation} call (cert-manager hides AWS's message: kubectl -n <ns> describe challenge <name> shows it in the events); ` +
            `if it is AccessDenied, the DNS credential's IAM policy must allow route53:${operation} on ${ROUTE53_RESOURCE[operation] ?? "its resource"} (${ROUTE53_POLICY_DOC})`
        );
    }
    if (/operation error STS: AssumeRoleWithWebIdentity/.test(reason)) {
        const subject = `system:serviceaccount:${CERT_MANAGER_NAMESPACE}:${DNS01_SERVICE_ACCOUNT}`;
        return `STS refused the Route53 role for cert-manager's ServiceAccount token: the role's trust policy must admit ${subject} from the cluster's OIDC provider (${ROUTE53_POLICY_DOC})`;
    }
    if (/cannot create resource "serviceaccounts\/token"/.test(reason)) {
        return (
            `cert-manager may not request the ${DNS01_SERVICE_ACCOUNT} ServiceAccount's token: the platform grants that to the ServiceAccount ` +
            `${CERT_MANAGER_CONTROLLER_SA} in ${CERT_MANAGER_NAMESPACE}; a cert-manager installed by other means may run as another (kubectl -n ${CERT_MANAGER_NAMESPACE} get rolebinding)`
        );
    }
    return undefined;
}
