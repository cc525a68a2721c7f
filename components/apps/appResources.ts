/**
 * Creates a ContainerApp's route and monitoring objects (pure builders in appNetwork.ts and
 * appObservability.ts) as Pulumi resources, children of the app (`parent`). `meta` gives an object's
 * metadata in the app's namespace with the app's labels.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { tlsIngress } from "../lib/ingress";
import { certificateSpec, dnsEndpointSpec, virtualServerSpec } from "./appNetwork";
import { appDashboard, appRuleGroups, dashboardLabels, serviceMonitorSpec } from "./appObservability";
import type { ContainerAppArgs } from "./ContainerApp";

/** An object's metadata in the app's namespace, with the app's labels. */
export type AppMeta = (objectName: string) => Record<string, unknown>;

/**
 * The app's one routing object for its whole life (docs/adr/0020): a VirtualServer with its one
 * Certificate and, with external-dns, a DNSEndpoint; or, with `routing: "ingress"`, a TLS Ingress
 * from the one helper (ingress-shim makes its Certificate). F5 NIC gives a host to its oldest
 * object (nginx/kubernetes-ingress@v5.5.4 internal/k8s/configuration.go chooseObjectMetaWinner),
 * so switching kinds when a canary starts or ends hands the host to the wrong one.
 * The VirtualServer waits for `backends` (the Deployments and Services, the canary's included).
 */
export function publishApp(
    parent: pulumi.Resource,
    name: string,
    appName: string,
    args: ContainerAppArgs,
    port: number,
    meta: AppMeta,
    backends: readonly pulumi.Resource[],
): void {
    const publish = args.publish!;
    // The VirtualServer, Certificate and DNSEndpoint kinds exist once their charts are installed.
    const child = { parent, dependsOn: args.after ?? [] };
    if ((publish.routing ?? "virtualServer") === "ingress") {
        tlsIngress(
            `${name}-ingress`,
            publish.ingress,
            { name: appName, namespace: args.namespace, host: publish.host, serviceName: appName, servicePort: "http", paths: publish.paths },
            child,
        );
        return;
    }
    const tlsSecret = `${appName}-tls`;
    const certificate = certificateSpec({
        host: publish.host,
        secretName: tlsSecret,
        issuer: publish.ingress.issuer,
        http01: publish.ingress.http01EditInPlace ?? false,
    });
    // Named after the app, not the Secret: ingress-shim named the Certificate of an app published by an
    // Ingress (before docs/adr/0020) after the Secret, and that one goes when its Ingress does.
    new k8s.apiextensions.CustomResource(
        `${name}-certificate`,
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { ...meta(appName), annotations: certificate.annotations },
            spec: certificate.spec,
        },
        child,
    );
    new k8s.apiextensions.CustomResource(
        `${name}-virtualserver`,
        {
            apiVersion: "k8s.nginx.org/v1",
            kind: "VirtualServer",
            metadata: meta(appName),
            spec: {
                ingressClassName: publish.ingress.className,
                ...virtualServerSpec({
                    name: appName,
                    host: publish.host,
                    paths: publish.paths ?? ["/"],
                    port,
                    tlsSecret,
                    canaryWeight: args.canary?.weight,
                }),
            },
        },
        { ...child, dependsOn: [...child.dependsOn, ...backends] },
    );
    if (publish.dnsTarget) {
        new k8s.apiextensions.CustomResource(
            `${name}-dns`,
            {
                apiVersion: "externaldns.k8s.io/v1alpha1",
                kind: "DNSEndpoint",
                metadata: meta(appName),
                spec: dnsEndpointSpec(publish.host, publish.dnsTarget),
            },
            child,
        );
    }
}

/** ServiceMonitor, PrometheusRule and dashboard, each when the platform's monitoring offers it. */
export function observeApp(
    parent: pulumi.Resource,
    name: string,
    appName: string,
    namespaceName: string,
    args: ContainerAppArgs,
    port: number,
    ports: readonly { name: string; port: number }[],
    metricsPort: number | undefined,
    meta: AppMeta,
): void {
    const mon = args.monitoring ?? {};
    const waitFor = { parent, dependsOn: mon.after ?? [] };
    if (mon.prometheus && args.metrics && metricsPort !== undefined) {
        const portName = metricsPort === port ? "http" : ports.find((p) => p.port === metricsPort)?.name;
        if (portName === undefined) {
            throw new Error(`ContainerApp ${name}: metrics port ${metricsPort} is neither the app port nor one of ports`);
        }
        new k8s.apiextensions.CustomResource(
            `${name}-servicemonitor`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: meta(appName),
                spec: serviceMonitorSpec(appName, portName, args.metrics.path ?? "/metrics"),
            },
            waitFor,
        );
    }
    if (mon.prometheus) {
        new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: meta(`${appName}-alerts`),
                spec: {
                    groups: appRuleGroups({
                        name: appName,
                        namespace: namespaceName,
                        autoscaling: args.autoscaling !== undefined,
                        latencyMs: mon.latencyMs ?? 500,
                    }),
                },
            },
            waitFor,
        );
    }
    if (mon.dashboardNamespace !== undefined) {
        new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                // Named after the app's namespace too: apps of one name in two namespaces share Grafana's.
                metadata: {
                    name: `app-${namespaceName}-${appName}-dashboard`.slice(0, 253),
                    namespace: mon.dashboardNamespace,
                    labels: dashboardLabels(appName),
                },
                data: { [`app-${namespaceName}-${appName}.json`]: JSON.stringify(appDashboard(appName, namespaceName, mon.logs ?? false), null, 2) },
            },
            { parent, dependsOn: mon.after ?? [] },
        );
    }
}
