/**
 * `platform:apps` -> ContainerApp components: maps each resolved app spec to the component's Args
 * with the platform's outputs (registry host, IngressClass and issuer, Harbor pull robots,
 * monitoring, network-policy decisions). The mapping (`appArgs`) is pure and tested on its own.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ServicePeer } from "../components/apps/appNetwork";
import { ContainerApp, type ContainerAppArgs, type PullCredentials } from "../components/apps/ContainerApp";
import type { IngressTlsContext } from "../components/lib/ingress";
import { MONITORING_NAMESPACE } from "../components/lib/networkPolicy";
import { LOGS_NAMESPACE, LOKI_PORT } from "../components/monitoring/logsValues";
import { GRAFANA_PORT } from "../components/monitoring/monitoringFlows";
import { HARBOR_NAMESPACE, HARBOR_TLS_CONTAINER_PORT, harborPodLabels } from "../components/registry/harborValues";
import type { AppConfig } from "../config/config";

/**
 * Platform services by the name an app spec uses in `calls`, taken from the components' own names
 * and ports. Ports are the pods' (NetworkPolicy matches after Service translation).
 */
const PLATFORM_SERVICES: Readonly<Record<string, ServicePeer>> = {
    harbor: { name: "harbor", namespace: HARBOR_NAMESPACE, podLabels: harborPodLabels("core"), ports: [HARBOR_TLS_CONTAINER_PORT] },
    grafana: { name: "grafana", namespace: MONITORING_NAMESPACE, podLabels: { "app.kubernetes.io/name": "grafana" }, ports: [GRAFANA_PORT] },
    prometheus: { name: "prometheus", namespace: MONITORING_NAMESPACE, podLabels: { "app.kubernetes.io/name": "prometheus" }, ports: [9090] },
    loki: { name: "loki", namespace: LOGS_NAMESPACE, podLabels: { "app.kubernetes.io/name": "loki" }, ports: [LOKI_PORT] },
};

/** The app's component name (the Platform is named after the stack): `<stack>-app-<app>`, the last part of its URN. */
export function appComponentName(platformName: string, app: string): string {
    return `${platformName}-app-${app}`;
}

/** What every app takes from the rest of the platform. */
export interface AppPlatformContext {
    readonly registryHost: string;
    readonly ingress: IngressTlsContext;
    /** A host already published by external-dns on the platform's ingress (the apps' DNS CNAMEs); none without external-dns. */
    readonly dnsTarget?: string;
    readonly monitoring?: { readonly dashboard: boolean; readonly logs: boolean; readonly after: pulumi.Resource[] };
    readonly storageClass: string;
}

/** The stack output per app: what runs, where, and the digest a rollback goes back to. */
export interface AppOutput {
    readonly url: string;
    readonly image: string;
    readonly digest: string | null;
    readonly previousDigest: string | null;
    readonly canary: {
        readonly image: string;
        readonly digest: string;
        readonly weight: number;
        readonly maxErrorRatio: number;
        readonly maxLatencyP95Ms: number;
    } | null;
}

function imagePath(app: AppConfig): string {
    return `${app.image.project}/${app.image.repository}`;
}

/** The Harbor robot that pulls one app's images (robot names are global in Harbor). */
export function pullRobotName(app: AppConfig): string {
    return `pull-${app.namespace}-${app.name}`;
}

/** ContainerApp Args for one app; `pull` are the app's pull-robot credentials. */
export function appArgs(app: AppConfig, all: readonly AppConfig[], ctx: AppPlatformContext, pull?: PullCredentials): ContainerAppArgs {
    const byName = new Map(all.map((a) => [a.name, a]));
    const peer = (a: AppConfig) => ({ namespace: a.namespace, name: a.name, ports: [a.port, ...a.ports.map((p) => p.port)] });
    const services: ServicePeer[] = app.calls.filter((c) => c in PLATFORM_SERVICES).map((c) => PLATFORM_SERVICES[c]);
    return {
        appName: app.name,
        namespace: app.namespace,
        image: { registry: ctx.registryHost, path: imagePath(app), digest: app.image.digest, tag: app.image.tag },
        pullCredentials: pull,
        port: app.port,
        ports: app.ports,
        // One VirtualServer for the app's whole life (docs/adr/0020), so a canary never changes the kind.
        publish: { host: app.host, paths: app.paths, ingress: ctx.ingress, routing: "virtualServer", dnsTarget: ctx.dnsTarget },
        replicas: app.autoscaling ? undefined : app.replicas,
        autoscaling: app.autoscaling,
        resources: app.resources,
        env: app.env,
        config: app.config,
        secrets: app.secrets,
        probes: app.probes,
        volume: app.volume && { ...app.volume, storageClass: ctx.storageClass },
        // The app's metrics flow admits the platform's Prometheus: without the monitoring stack nobody scrapes it.
        metrics: ctx.monitoring ? app.metrics : undefined,
        monitoring: ctx.monitoring && {
            prometheus: true,
            dashboardNamespace: ctx.monitoring.dashboard ? MONITORING_NAMESPACE : undefined,
            logs: ctx.monitoring.logs,
            latencyMs: app.canary?.analysis.maxLatencyP95Ms ?? 500,
            after: ctx.monitoring.after,
        },
        calls: {
            apps: app.calls.filter((c) => byName.has(c)).map((c) => peer(byName.get(c)!)),
            services,
            internet: app.calls.includes("internet") ? {} : undefined,
        },
        canary: app.canary && { digest: app.canary.digest, weight: app.canary.weight },
    };
}

/** The stack output of one app. */
export function appOutput(app: AppConfig, component: ContainerApp, registryHost: string): AppOutput {
    return {
        url: component.url ?? `https://${app.host}`,
        image: component.image,
        digest: app.image.digest ?? null,
        previousDigest: app.image.previousDigest ?? null,
        canary: app.canary
            ? {
                  image: `${registryHost}/${imagePath(app)}@${app.canary.digest}`,
                  digest: app.canary.digest,
                  weight: app.canary.weight,
                  maxErrorRatio: app.canary.analysis.maxErrorRatio,
                  maxLatencyP95Ms: app.canary.analysis.maxLatencyP95Ms,
              }
            : null,
    };
}
