import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../charts/versions";
import { installChart } from "../lib/chart";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import type { ScrapeTarget } from "../lib/metrics";
import { apiServerFlow, type Flow, INGRESS_CONTROLLER, type NetworkNeeds, type PodEnd, type Route, type OwnedNamespace } from "../lib/flows";
import { endpointPort } from "../lib/networkPolicy";
import {
    CERT_MANAGER_CONTROLLER_SA,
    certManagerValues,
    clusterIssuers,
    DNS01_SECRET,
    DNS01_SERVICE_ACCOUNT,
    issuerName,
    type TlsSettings,
} from "./certManagerValues";
import { NAMESPACES } from "../../charts/namespaces";

export interface CertManagerArgs extends NamespacePolicyArgs {
    /** Install cert-manager or not, and the issuer. */
    readonly config: TlsSettings;
    /** IngressClass HTTP-01 challenges are answered through. */
    readonly ingressClass: string;
    readonly replicas: number;
    readonly highAvailability: boolean;
    /** Namespace cert-manager runs in (its cluster resource namespace). @default "cert-manager" */
    readonly namespace?: string;
}

/** Default namespace and Helm release name of cert-manager. */
export const CERT_MANAGER_NAMESPACE = NAMESPACES.certManager;

/**
 * cert-manager with its CRDs, and the ClusterIssuer every platform Ingress gets its certificate
 * from: a self-signed platform CA (dev) or Let's Encrypt staging/production over HTTP-01 or DNS-01.
 */
export class CertManager extends pulumi.ComponentResource implements NetworkNeeds {
    /** ClusterIssuer name for `cert-manager.io/cluster-issuer` annotations. */
    public readonly issuerName: string;
    /** Resolves once the issuer exists; Ingresses depend on it. */
    public readonly ready: pulumi.Resource[];
    /** What installs cert-manager's CRDs (its release); empty when cert-manager is installed elsewhere. */
    public readonly crds: pulumi.Resource[];
    /** The controller's metrics (9402), for the monitoring stack installed after it. */
    public readonly scrapeTargets: readonly ScrapeTarget[];
    public readonly flows: readonly Flow[];
    public readonly routes: readonly Route[] = [];
    public readonly ownedNamespaces: readonly OwnedNamespace[];

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:CertManager", name, {}, opts);
        const namespace = args.namespace ?? CERT_MANAGER_NAMESPACE;
        const dependsOn: pulumi.Resource[] = [];
        const crds: pulumi.Resource[] = [];
        let namespaceName: pulumi.Input<string> = namespace;
        if (args.config.installCertManager) {
            const ns = platformNamespace(
                `${name}-ns`,
                {
                    name: namespace,
                    podSecurityVersion: args.podSecurityVersion,
                },
                { parent: this },
            );
            namespaceName = ns.metadata.name;
            this.ownedNamespaces = [{ name: namespace, object: ns }];
            const release = installChart(
                `${name}-release`,
                {
                    chart: CHARTS.certManager,
                    namespace: ns.metadata.name,
                    values: certManagerValues({
                        replicas: args.replicas,
                        highAvailability: args.highAvailability,
                        namespace,
                    }),
                },
                { parent: this },
            );
            crds.push(release);
            dependsOn.push(release);
        }
        const secretValue = dns01Secret(args.config);
        if (secretValue !== undefined) {
            dependsOn.push(
                new k8s.core.v1.Secret(
                    `${name}-dns01`,
                    { metadata: { name: DNS01_SECRET.name, namespace: namespaceName }, type: "Opaque", stringData: { [DNS01_SECRET.key]: secretValue } },
                    { parent: this },
                ),
            );
        }
        if (dns01RoleArn(args.config) !== undefined) {
            dependsOn.push(...dns01TokenGrant(name, namespaceName, this));
        }
        // The issuer kinds only exist once the chart's CRDs are installed: wait for the release.
        const issuers = clusterIssuers(args.config, { namespace, ingressClass: args.ingressClass }).map(
            (manifest) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${manifest.kind.toLowerCase()}-${manifest.metadata.name}`,
                    manifest as k8s.apiextensions.CustomResourceArgs,
                    { parent: this, dependsOn },
                ),
        );
        // The Service's port name changed between cert-manager releases: select the container port.
        this.scrapeTargets = [
            {
                name: "cert-manager",
                namespace,
                selector: {
                    "app.kubernetes.io/name": "cert-manager",
                    "app.kubernetes.io/instance": "cert-manager",
                    "app.kubernetes.io/component": "controller",
                },
                port: 9402,
                pods: { "app.kubernetes.io/component": "controller" },
                podPort: 9402,
                jobLabel: "app.kubernetes.io/name",
            },
        ];
        this.ownedNamespaces ??= [];
        this.flows = args.config.installCertManager ? certManagerFlows(namespace, args.config) : [];
        this.issuerName = issuerName(args.config.issuer);
        this.ready = issuers;
        this.crds = crds;
        this.registerOutputs({ issuerName: this.issuerName });
    }
}

/** The Route53 role DNS-01 takes with a ServiceAccount token, if the config names one. */
function dns01RoleArn(tls: TlsSettings): string | undefined {
    if (tls.issuer === "selfSigned" || tls.acme.solver !== "dns01" || tls.acme.dns01.provider !== "route53") {
        return undefined;
    }
    return tls.acme.dns01.route53.roleArn;
}

/**
 * The ServiceAccount the ClusterIssuer's `serviceAccountRef` names, and the grant that lets
 * cert-manager's controller request its tokens: the chart's RBAC has no `serviceaccounts/token`
 * (cert-manager@v1.21.1 deploy/charts/cert-manager/templates), and cert-manager calls the
 * TokenRequest API with its own identity (pkg/issuer/acme/dns/dns.go createToken).
 * No eks.amazonaws.com/role-arn annotation: no pod runs as this account, cert-manager only asks for
 * its tokens (audience sts.amazonaws.com) and hands them to STS itself.
 */
function dns01TokenGrant(name: string, namespace: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Resource[] {
    const account = new k8s.core.v1.ServiceAccount(
        `${name}-dns01-sa`,
        { metadata: { name: DNS01_SERVICE_ACCOUNT, namespace }, automountServiceAccountToken: false },
        { parent },
    );
    const role = new k8s.rbac.v1.Role(
        `${name}-dns01-token`,
        {
            metadata: { name: `${DNS01_SERVICE_ACCOUNT}-tokenrequest`, namespace },
            rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [DNS01_SERVICE_ACCOUNT], verbs: ["create"] }],
        },
        { parent },
    );
    const binding = new k8s.rbac.v1.RoleBinding(
        `${name}-dns01-token`,
        {
            metadata: { name: `${CERT_MANAGER_CONTROLLER_SA}-${DNS01_SERVICE_ACCOUNT}-tokenrequest`, namespace },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: CERT_MANAGER_CONTROLLER_SA, namespace }],
        },
        { parent },
    );
    return [account, role, binding];
}

/** The DNS-01 credential the solver Secret carries, if the config uses one. */
function dns01Secret(tls: TlsSettings): pulumi.Input<string> | undefined {
    if (tls.issuer === "selfSigned" || tls.acme.solver !== "dns01") {
        return undefined;
    }
    const { dns01 } = tls.acme;
    return dns01.provider === "cloudflare" ? dns01.cloudflare.apiToken : dns01.route53.secretAccessKey;
}

/**
 * What cert-manager's pods need: the API server calls its webhook (fail closed) from the nodes; the
 * controller reaches the ACME server, the DNS-01 provider's API and the zone's authoritative servers
 * (propagation check on 53), and checks an HTTP-01 challenge through the host's public address,
 * which lands on the ingress controller (kube-proxy rewrites a ServiceLB address to its pod) or on
 * an outside load balancer.
 */
function certManagerFlows(namespace: string, tls: TlsSettings): Flow[] {
    const controller: PodEnd = { namespace, pods: { "app.kubernetes.io/component": "controller" } };
    const flows: Flow[] = [
        {
            name: "API server -> cert-manager webhook",
            from: "nodes",
            to: { namespace, pods: { "app.kubernetes.io/component": "webhook" } },
            ports: [10250],
            why: "every Certificate and Issuer is validated by the webhook, which fails closed",
        },
        apiServerFlow({ namespace }, "cert-manager (controller, webhook, cainjector, startup check)"),
    ];
    if (tls.issuer === "selfSigned") {
        return flows;
    }
    const acme = acmeEndpoint(tls.acme.server);
    flows.push(
        acme.inCluster
            ? {
                  name: "cert-manager -> ACME server (in cluster)",
                  from: controller,
                  to: { namespace: acme.inCluster },
                  ports: [acme.port],
                  why: "orders and challenges",
              }
            : {
                  name: "cert-manager -> ACME server",
                  from: controller,
                  to: acme.port === 443 && tls.acme.server === undefined ? "internet" : "outside",
                  ports: [acme.port],
                  why: "ACME account, orders and challenges",
              },
    );
    if (tls.acme.solver === "http01") {
        flows.push(
            {
                name: "cert-manager -> ingress controller (HTTP-01 self-check)",
                from: controller,
                to: INGRESS_CONTROLLER,
                ports: [80],
                why: "no certificate is ordered until the self-check of the challenge URL passes",
            },
            {
                name: "cert-manager -> outside load balancer (HTTP-01 self-check)",
                from: controller,
                to: "outside",
                ports: [80],
                why: "the self-check through a load balancer outside the cluster",
            },
            {
                name: "cert-manager -> k3s ServiceLB (HTTP-01 self-check)",
                from: controller,
                // A host resolving to the controller's own node lands on the svclb pod's hostPort, rewritten to
                // its pod address before the policy applies (k3s pkg/cloudprovider/servicelb.go labels).
                to: { namespace: "kube-system", pods: { "svccontroller.k3s.cattle.io/svcnamespace": INGRESS_CONTROLLER.namespace } },
                ports: [80],
                why: "the self-check of a host whose address is the cert-manager pod's own node",
                cite: "k3s-io/k3s@v1.36.4+k3s1:pkg/cloudprovider/servicelb.go",
            },
        );
    } else {
        flows.push(
            { name: "cert-manager -> DNS provider API", from: controller, to: "internet", ports: [443], why: "writes the DNS-01 TXT record" },
            {
                name: "cert-manager -> authoritative DNS (TCP)",
                from: controller,
                to: "outside",
                ports: [53],
                why: "the DNS-01 propagation check asks the zone's servers directly",
            },
            {
                name: "cert-manager -> authoritative DNS (UDP)",
                from: controller,
                to: "outside",
                ports: [53],
                protocol: "UDP",
                why: "the DNS-01 propagation check asks the zone's servers directly",
            },
        );
    }
    return flows;
}

/** Where the ACME server is: in-cluster (`<svc>.<namespace>.svc...`) or outside, and its port. */
function acmeEndpoint(server: string | undefined): { inCluster?: string; port: number } {
    if (server === undefined) {
        return { port: 443 };
    }
    const host = new URL(server).hostname;
    const match = /^[^.]+\.([^.]+)\.svc(\.|$)/.exec(host);
    return { inCluster: match?.[1], port: endpointPort(server) ?? 443 };
}
