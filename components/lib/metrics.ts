/**
 * How a component tells the monitoring stack what to scrape. Components installed before
 * kube-prometheus-stack (cert-manager, the ingress controller, Longhorn: Prometheus's own webhook
 * certificates and PVC need them) cannot ship ServiceMonitors, whose CRD comes with that chart;
 * each declares its metrics endpoint(s) as `scrapeTargets`, and the Platform hands them all to
 * MonitoringStack, which scrapes them through the chart's additionalServiceMonitors.
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
}

/** The additionalServiceMonitors entry for one target (kube-prometheus-stack values). */
export function serviceMonitorFor(target: ScrapeTarget): Record<string, unknown> {
    return {
        name: target.name,
        jobLabel: target.jobLabel,
        selector: { matchLabels: { ...target.selector } },
        namespaceSelector: { matchNames: [target.namespace] },
        endpoints: [{ ...(typeof target.port === "number" ? { targetPort: target.port } : { port: target.port }), path: "/metrics", interval: "30s" }],
    };
}
