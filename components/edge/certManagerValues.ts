/**
 * cert-manager chart values (v1.21.1) and the ClusterIssuers built from `platform:tls`.
 * cert-manager's own values schema is closed, so a misspelt key would also fail `helm install`;
 * the key-list test catches it before that.
 */
import type * as pulumi from "@pulumi/pulumi";
import { HTTP01_MINION_SOLVER_LABEL, MERGEABLE_INGRESS_TYPE } from "../lib/ingress";
import { limited } from "../lib/resources";

/** Credentials cert-manager's DNS-01 solver uses (secret values as Outputs). */
export type Dns01Args =
    | { readonly provider: "cloudflare"; readonly cloudflare: { readonly apiToken: pulumi.Input<string> } }
    | {
          readonly provider: "route53";
          /**
           * Static keys (both or neither), or `roleArn` (cert-manager assumes it with a token of
           * DNS01_SERVICE_ACCOUNT), or neither: the controller pod's ambient credentials.
           */
          readonly route53: Route53Access;
      };

/** A Let's Encrypt (or private ACME) account and the challenge it answers. */
export type AcmeArgs = {
    readonly email: string;
    /** ACME directory URL; default: Let's Encrypt's for the issuer. */
    readonly server?: string;
    /** PEM CAs of a private ACME server. */
    readonly caBundle?: string;
} & ({ readonly solver: "http01" } | { readonly solver: "dns01"; readonly dns01: Dns01Args });

/** Which ClusterIssuer every platform Ingress uses. */
export type IssuerArgs = { readonly issuer: "selfSigned" } | { readonly issuer: "letsencrypt" | "letsencrypt-staging"; readonly acme: AcmeArgs };

/** cert-manager itself (or only the issuers, when the cluster already runs it) and the issuer. */
export type TlsSettings = IssuerArgs & {
    /** Install cert-manager; false when the cluster already runs it (issuers are still created). */
    readonly installCertManager: boolean;
};

export const ACME_SERVERS = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    letsencrypt: "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/** Name of the ClusterIssuer every platform Ingress uses, by issuer choice. */
export function issuerName(issuer: IssuerArgs["issuer"]): string {
    return issuer === "selfSigned" ? "platform-ca" : issuer;
}

export function certManagerValues(args: { replicas: number; highAvailability: boolean; namespace: string }): Record<string, unknown> {
    const small = (cpu: string, memory: string) => limited(cpu, memory, "256Mi");
    return {
        // CRDs as chart templates: Helm upgrades them with the chart; `keep` stops an uninstall
        // from deleting every Certificate in the cluster.
        crds: { enabled: true, keep: true },
        global: { leaderElection: { namespace: args.namespace } },
        replicaCount: args.replicas,
        podDisruptionBudget: { enabled: args.highAvailability },
        enableCertificateOwnerRef: true,
        resources: small("10m", "64Mi"),
        webhook: { replicaCount: args.replicas, podDisruptionBudget: { enabled: args.highAvailability }, resources: small("10m", "32Mi") },
        cainjector: { replicaCount: args.replicas, podDisruptionBudget: { enabled: args.highAvailability }, resources: small("10m", "64Mi") },
        startupapicheck: { resources: small("10m", "32Mi") },
        // Metrics on; the monitoring stack, installed later, scrapes them (CertManager.scrapeTargets).
        prometheus: { enabled: true, servicemonitor: { enabled: false } },
    };
}

/** A Kubernetes object as plain data. */
export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

/** Where the DNS-01 credentials Secret must be and what it holds (the value comes from config). */
export interface SolverSecret {
    readonly name: string;
    readonly key: string;
}

/**
 * The image of cert-manager's HTTP-01 solver pods, which it creates in the namespace of the Ingress
 * being solved (app namespaces too): chart v1.21.1 values.yaml `imageRegistry` (quay.io) +
 * `imageNamespace` (jetstack) + `acmesolver.image.name`, at the chart's appVersion. The platform
 * does not override it; signature admission exempts it (docs/adr/0022).
 */
export const ACME_SOLVER_IMAGE = "quay.io/jetstack/cert-manager-acmesolver";

export const DNS01_SECRET: SolverSecret = { name: "acme-dns01-credentials", key: "secret" };

/**
 * The ServiceAccount whose tokens cert-manager trades for the Route53 role (`roleArn`), in the
 * cluster resource namespace, where cert-manager v1.21.1 requests a ClusterIssuer's tokens
 * (pkg/issuer/acme/dns/dns.go solverForChallenge, pkg/controller/helper.go ResourceNamespaceRef).
 * The IAM role's trust policy names it: system:serviceaccount:<namespace>:acme-dns01.
 */
export const DNS01_SERVICE_ACCOUNT = "acme-dns01";

/**
 * cert-manager's controller ServiceAccount: the chart names it `cert-manager.fullname`, which is the
 * release name (installChart's default, the chart's name) with no name override
 * (cert-manager@v1.21.1 deploy/charts/cert-manager/templates/_helpers.tpl).
 */
export const CERT_MANAGER_CONTROLLER_SA = "cert-manager";

/**
 * The ClusterIssuers for `platform:tls`: a self-signed bootstrap issuer, the platform CA
 * certificate and its CA issuer (selfSigned), or the Let's Encrypt issuer with its solver.
 */
export function clusterIssuers(tls: IssuerArgs, args: { namespace: string; ingressClass: string }): Manifest[] {
    if (tls.issuer === "selfSigned") {
        return [
            { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "selfsigned-bootstrap" }, spec: { selfSigned: {} } },
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: "platform-root-ca", namespace: args.namespace },
                spec: {
                    isCA: true,
                    commonName: "platform root CA",
                    secretName: "platform-root-ca",
                    duration: "87600h",
                    privateKey: { algorithm: "ECDSA", size: 256 },
                    issuerRef: { name: "selfsigned-bootstrap", kind: "ClusterIssuer", group: "cert-manager.io" },
                },
            },
            {
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: { name: issuerName("selfSigned") },
                spec: { ca: { secretName: "platform-root-ca" } },
            },
        ];
    }
    const { acme } = tls;
    let solver: Record<string, unknown>;
    // Extra solvers, each picked by a selector before the catch-all `solver`.
    const selected: Record<string, unknown>[] = [];
    if (acme.solver === "http01") {
        // Edit-in-place Ingresses override this solver's Ingress name (certificate-shim/sync.go@v1.21.1).
        solver = { http01: { ingress: { ingressClassName: args.ingressClass } } };
        // Certificates labelled for it (a host served by an F5 NIC master, lib/ingress.ts mergeableTlsIngress)
        // get a solver Ingress created as a minion of that master: solverpicker.go@v1.21.1 prefers a solver
        // whose matchLabels match the Order over one without a selector, and issuer/acme/http/ingress.go
        // createIngress adds ingressTemplate.metadata.annotations to the Ingress it creates.
        selected.push({
            selector: { matchLabels: { [HTTP01_MINION_SOLVER_LABEL.key]: HTTP01_MINION_SOLVER_LABEL.value } },
            http01: {
                ingress: { ingressClassName: args.ingressClass, ingressTemplate: { metadata: { annotations: { [MERGEABLE_INGRESS_TYPE]: "minion" } } } },
            },
        });
    } else if (acme.dns01.provider === "cloudflare") {
        solver = { dns01: { cloudflare: { apiTokenSecretRef: { name: DNS01_SECRET.name, key: DNS01_SECRET.key } } } };
    } else {
        solver = { dns01: { route53: route53Solver(acme.dns01.route53) } };
    }
    return [
        {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: issuerName(tls.issuer) },
            spec: {
                acme: {
                    server: acme.server ?? ACME_SERVERS[tls.issuer],
                    // A private ACME server's CA (cert-manager wants it base64-encoded); never skipTLSVerify.
                    ...(acme.caBundle ? { caBundle: Buffer.from(acme.caBundle).toString("base64") } : {}),
                    email: acme.email,
                    privateKeySecretRef: { name: `${tls.issuer}-account-key` },
                    solvers: [solver, ...selected],
                },
            },
        },
    ];
}

/**
 * cert-manager v1.21.1's route53 solver (pkg/apis/acme/v1/types_issuer.go, pkg/issuer/acme/dns/route53/route53.go
 * GetSession). With `roleArn`: `role` plus `auth.kubernetes.serviceAccountRef`, so cert-manager calls
 * AssumeRoleWithWebIdentity with a token it requests for that ServiceAccount. `role` alone would
 * AssumeRole from the controller pod's ambient credentials (the node's, unless the pod itself is
 * annotated), which is not the role the stack names.
 */
function route53Solver(r53: Extract<Dns01Args, { provider: "route53" }>["route53"]): Record<string, unknown> {
    return {
        region: r53.region,
        ...(r53.hostedZoneId ? { hostedZoneID: r53.hostedZoneId } : {}),
        ...(r53.accessKeyId ? { accessKeyID: r53.accessKeyId, secretAccessKeySecretRef: { name: DNS01_SECRET.name, key: DNS01_SECRET.key } } : {}),
        ...(r53.roleArn ? { role: r53.roleArn, auth: { kubernetes: { serviceAccountRef: { name: DNS01_SERVICE_ACCOUNT } } } } : {}),
    };
}

/** How a Route53 client reaches the zone: the region, the zone, and static keys or a role to assume (external-dns and DNS-01 alike). */
export interface Route53Access {
    readonly region: string;
    readonly hostedZoneId?: string;
    /** Static keys (both or neither). */
    readonly accessKeyId?: string;
    readonly secretAccessKey?: pulumi.Input<string>;
    readonly roleArn?: string;
}
