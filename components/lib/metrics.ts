/**
 * How a platform component tells the monitoring stack what to scrape: it declares its metrics
 * endpoint(s) as `scrapeTargets`, the Platform hands them all to MonitoringStack, and that scrapes
 * them through kube-prometheus-stack's additionalServiceMonitors. No component's chart ships its own
 * ServiceMonitor: its CRD comes with kube-prometheus-stack, and components installed before it
 * (cert-manager, the ingress controller, Longhorn: Prometheus's webhook certificates and PVC need
 * them) could not; one way for all means nothing else waits for the monitoring stack either.
 * (Applications are the users' own: ContainerApp ships its ServiceMonitor in its namespace.)
 */

/** One metrics Service a component exposes. */
export interface ScrapeTarget {
    /** Job name (the ServiceMonitor's name). */
    readonly name: string;
    readonly namespace: string;
    /** Labels of the metrics Service, as the component's chart sets them. */
    readonly selector: Readonly<Record<string, string>>;
    /** The Service's port name, or the container port when the name differs between releases. */
    readonly port: string | number;
    /** Service label whose value becomes the `job` label. */
    readonly jobLabel: string;
    /** Labels of the pods behind the Service (the flow Prometheus -> pods the NetworkPolicies admit). @default every pod of the namespace */
    readonly pods?: Readonly<Record<string, string>>;
    /** The container port the metrics are served on (what the NetworkPolicy sees). */
    readonly podPort: number;
    /** Keep the labels the endpoint sets on its series where they clash with the target's. @default false */
    readonly honorLabels?: boolean;
}

/** The additionalServiceMonitors entry for one target (kube-prometheus-stack values). */
export function serviceMonitorFor(target: ScrapeTarget): Record<string, unknown> {
    return {
        name: target.name,
        jobLabel: target.jobLabel,
        selector: { matchLabels: { ...target.selector } },
        namespaceSelector: { matchNames: [target.namespace] },
        endpoints: [
            {
                ...(typeof target.port === "number" ? { targetPort: target.port } : { port: target.port }),
                path: "/metrics",
                interval: "30s",
                ...(target.honorLabels ? { honorLabels: true } : {}),
            },
        ],
    };
}
