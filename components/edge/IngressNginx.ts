import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../charts/versions";
import { installChart } from "../lib/chart";
import type { ScrapeTarget } from "../lib/metrics";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import { apiServerFlow, INGRESS_CONTROLLER, type Flow, type NetworkNeeds, type OwnedNamespace, type Route } from "../lib/flows";
import { INGRESS_NAMESPACE } from "../lib/networkPolicy";
import { type IngressSettings, ingressValues } from "./ingressValues";

export interface IngressNginxArgs extends NamespacePolicyArgs {
    /** Class, workload kind, replicas and exposure. */
    readonly config: IngressSettings;
    /** PDB and spread across nodes/zones (prod). */
    readonly highAvailability: boolean;
    /** Namespace to create and install into. @default "ingress-nginx" */
    readonly namespace?: string;
    /**
     * Turn on the controller's cert-manager integration, which routes cert-manager's HTTP-01
     * solver Ingress for a host owned by a VirtualServer (every published app). A platform decision
     * (the issuer answers HTTP-01), never an app's: flipping it restarts the controller. @default false
     */
    readonly virtualServerChallenges?: boolean;
    /**
     * What installs cert-manager's CRDs (its release). With `virtualServerChallenges` the controller
     * watches Certificates and its cert-manager loop waits until that informer syncs
     * (nginx/kubernetes-ingress@v5.5.4 internal/certmanager/cm_controller.go Run): the release waits
     * for the CRDs. @default [] (cert-manager installed elsewhere, CRDs already there)
     */
    readonly certManagerCrds?: pulumi.Resource[];
}

/** Helm release name of the controller (its pods carry `app.kubernetes.io/instance: ingress`). */
const INGRESS_RELEASE = "ingress";

/**
 * The platform's ingress controller: the maintained F5 NGINX Ingress Controller (docs/adr/0005),
 * default IngressClass, metrics on (client addresses survive with hostPort exposure or a load balancer that keeps them, not behind k3s ServiceLB). The namespace is `restricted` unless
 * hostPorts are used, which Pod Security only allows at `privileged`.
 */
export class IngressNginx extends pulumi.ComponentResource implements NetworkNeeds {
    /** IngressClass every platform Ingress uses. */
    public readonly className: string;
    public readonly namespace: pulumi.Output<string>;
    /** The controller's metrics Service (9113), for the monitoring stack installed after it. */
    public readonly scrapeTargets: readonly ScrapeTarget[];
    /** Clients to the controller and the controller to the API; its backends come from the routes (Platform). */
    public readonly flows: readonly Flow[];
    public readonly routes: readonly Route[] = [];
    public readonly ownedNamespaces: readonly OwnedNamespace[];

    constructor(name: string, args: IngressNginxArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:IngressNginx", name, {}, opts);
        const namespaceName = args.namespace ?? INGRESS_NAMESPACE;
        const hostPort = args.config.exposure === "hostPort";
        const ns = platformNamespace(
            `${name}-ns`,
            {
                name: namespaceName,
                podSecurity: hostPort ? "privileged" : "restricted",
                reason: hostPort ? "the controller binds hostPorts 80/443, which Pod Security allows only at privileged" : undefined,
                podSecurityVersion: args.podSecurityVersion,
            },
            { parent: this },
        );
        const releaseName = INGRESS_RELEASE;
        installChart(
            `${name}-release`,
            {
                chart: CHARTS.nginxIngress,
                releaseName,
                namespace: ns.metadata.name,
                values: ingressValues({
                    config: args.config,
                    highAvailability: args.highAvailability,
                    releaseName,
                    virtualServerChallenges: args.virtualServerChallenges ?? false,
                }),
            },
            { parent: this, dependsOn: args.virtualServerChallenges ? (args.certManagerCrds ?? []) : [] },
        );
        this.scrapeTargets = [
            {
                name: "nginx-ingress",
                namespace: namespaceName,
                selector: { "app.kubernetes.io/name": "nginx-ingress", "app.kubernetes.io/instance": releaseName, service: "nginx-ingress-prometheus-service" },
                port: "prometheus",
                pods: { "app.kubernetes.io/name": "nginx-ingress" },
                podPort: 9113,
                jobLabel: "app.kubernetes.io/name",
                // The upstream latency histogram carries its own `service` label, the Kubernetes Service of
                // each upstream (nginx/kubernetes-ingress@v5.5.4 cmd/nginx-ingress/main.go
                // upstreamServerVariableLabels), which every app alert, dashboard and canary analysis
                // selects on. The operator always sets the target label `service` to the metrics
                // Service's name (prometheus-operator@v0.93.0 pkg/prometheus/promcfg.go), and without
                // honor_labels Prometheus keeps the target's and renames the controller's to
                // `exported_service` (prometheus@v3.14.0 scrape/scrape.go mutateSampleLabels). No
                // controller metric sets namespace, pod, container, endpoint, job or instance, so
                // honoring its labels overrides nothing else (test/contracts/prometheus-target-labels).
                honorLabels: true,
            },
        ];
        const controller = { namespace: namespaceName, pods: INGRESS_CONTROLLER.pods };
        this.flows = [
            {
                name: "clients -> ingress controller",
                from: "anywhere",
                to: controller,
                ports: [80, 443],
                why: "every platform and application host, redirects and ACME HTTP-01",
            },
            apiServerFlow(controller, "ingress controller", "reads Ingresses, VirtualServers, Services, EndpointSlices and Secrets"),
        ];
        this.ownedNamespaces = [{ name: namespaceName, object: ns }];
        this.className = args.config.className;
        this.namespace = ns.metadata.name;
        this.registerOutputs({ className: this.className, namespace: this.namespace });
    }
}
