import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../charts/versions";
import { installChart } from "../lib/chart";
import type { ScrapeTarget } from "../lib/metrics";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import { API_SERVER_ONLY, egressTo, INGRESS_NAMESPACE } from "../lib/networkPolicy";
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
     * solver Ingress for a host owned by a VirtualServer (app canaries). @default false
     */
    readonly virtualServerChallenges?: boolean;
}

/**
 * The platform's ingress controller: the maintained F5 NGINX Ingress Controller (docs/adr/0005),
 * default IngressClass, client IPs preserved, metrics on. The namespace is `restricted` unless
 * hostPorts are used, which Pod Security only allows at `privileged`.
 */
/** Helm release name of the controller (its pods carry `app.kubernetes.io/instance: ingress`). */
const INGRESS_RELEASE = "ingress";

export class IngressNginx extends pulumi.ComponentResource {
    /** IngressClass every platform Ingress uses. */
    public readonly className: string;
    public readonly namespace: pulumi.Output<string>;
    /** The controller's metrics Service (9113), for the monitoring stack installed after it. */
    public readonly scrapeTargets: readonly ScrapeTarget[];

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
                // Clients reach the controller from anywhere; Prometheus scrapes 9113.
                networkPolicy: args.networkPolicies ? { allow: [{ anywhere: true, ports: [80, 443] }], metricsPorts: [9113], egress: egressTo(args.clusterCidrs, { to: "all", outside: API_SERVER_ONLY }) } : undefined,
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
            { parent: this },
        );
        this.scrapeTargets = [
            {
                name: "nginx-ingress",
                namespace: namespaceName,
                selector: { "app.kubernetes.io/name": "nginx-ingress", "app.kubernetes.io/instance": releaseName, service: "nginx-ingress-prometheus-service" },
                port: "prometheus",
                jobLabel: "app.kubernetes.io/name",
            },
        ];
        this.className = args.config.className;
        this.namespace = ns.metadata.name;
        this.registerOutputs({ className: this.className, namespace: this.namespace });
    }
}
