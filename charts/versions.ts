/**
 * Every upstream chart the platform installs, pinned: the one place a version changes (and what
 * Renovate bumps). `keys` names the committed key list (charts/keys/<keys>.json) derived from that
 * exact version's values.yaml, which the values-key tests check every values object against.
 */
export interface ChartRef {
    /** Chart name in its repository. */
    readonly chart: string;
    /** Exact chart version (never a range). */
    readonly version: string;
    /** Helm repository URL. */
    readonly repo: string;
    /** Key list file under charts/keys (without .json). */
    readonly keys: string;
    /** Subchart values prefix -> that subchart's key list (checked against both). */
    readonly subcharts?: Readonly<Record<string, string>>;
}

// biome-ignore format: one line per chart, as Renovate's regex manager (renovate.json) reads them
export const CHARTS = {
    /** F5 NGINX Ingress Controller (app 5.5.4); see docs/adr/0005. */
    nginxIngress: { chart: "nginx-ingress", version: "2.6.4", repo: "https://helm.nginx.com/stable", keys: "nginx-ingress" },
    /** cert-manager (app v1.21.1); chart versions carry a leading v. */
    certManager: { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io", keys: "cert-manager" },
    /** external-dns (app 0.21.0). */
    externalDns: { chart: "external-dns", version: "1.21.1", repo: "https://kubernetes-sigs.github.io/external-dns/", keys: "external-dns" },
    /** Harbor (app 2.15.1). */
    harbor: { chart: "harbor", version: "1.19.1", repo: "https://helm.goharbor.io", keys: "harbor" },
    /** Longhorn distributed block storage (app v1.12.1). */
    longhorn: { chart: "longhorn", version: "1.12.1", repo: "https://charts.longhorn.io", keys: "longhorn" },
    /** kube-prometheus-stack (operator v0.93.1). */
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repo: "https://prometheus-community.github.io/helm-charts", keys: "kube-prometheus-stack", subcharts: { grafana: "grafana" } },
    /** Loki (app 3.7.6), the OSS chart now in grafana-community. */
    loki: { chart: "loki", version: "18.11.0", repo: "https://grafana-community.github.io/helm-charts", keys: "loki" },
    /** Grafana Alloy (app v1.18.1): log shipping. */
    alloy: { chart: "alloy", version: "1.11.1", repo: "https://grafana.github.io/helm-charts", keys: "alloy" },
    /** Altinity clickhouse-operator (app 0.25.6). */
    clickhouseOperator: { chart: "altinity-clickhouse-operator", version: "0.25.6", repo: "https://helm.altinity.com", keys: "altinity-clickhouse-operator" },
    /** DeepFlow server, app and agent (app 7.1). */
    deepflow: { chart: "deepflow", version: "7.1.002", repo: "https://deepflowio.github.io/deepflow", keys: "deepflow", subcharts: { "deepflow-agent": "deepflow-agent" } },
    /** Sigstore policy-controller (app v0.13.1): signature admission in app namespaces; see docs/adr/0022. */
    policyController: { chart: "policy-controller", version: "0.10.6", repo: "https://sigstore.github.io/helm-charts", keys: "policy-controller" },
} as const satisfies Record<string, ChartRef>;

export type ChartName = keyof typeof CHARTS;
