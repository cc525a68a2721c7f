/**
 * Contracts with the ports the charts' containers listen on. A NetworkPolicy sees a connection after
 * kube-proxy has rewritten the Service port to the pod's, so a rule must name the container port: a
 * rule on the Service port (Grafana's 80, a webhook Service's 443) lets nothing through. Each port
 * below is read from the chart or program at its pinned version and written here as a literal; the
 * test finds it in the prod stack's rendered NetworkPolicies (from the pods the connection comes from,
 * to the pods the chart labels).
 */
import { sharedEvaluation } from "../shared";

type Labels = Readonly<Record<string, string>>;
interface Peer {
    readonly ipBlock?: { cidr: string };
    readonly namespaceSelector?: { matchLabels?: Labels };
    readonly podSelector?: { matchLabels?: Labels };
}
interface Rule {
    readonly from?: Peer[];
    readonly to?: Peer[];
    readonly ports?: { port?: number; protocol?: string }[];
}
interface Policy {
    readonly metadata: { name: string; namespace: string };
    readonly spec: { podSelector: { matchLabels?: Labels }; policyTypes: string[]; ingress?: Rule[]; egress?: Rule[] };
}
/** Pods of a namespace carrying these labels, or the nodes (the API server, kubelets: an ipBlock peer). */
type End = { readonly namespace: string; readonly pods: Labels } | "nodes";

/** The F5 NGINX Ingress Controller's pods (nginx/kubernetes-ingress charts/nginx-ingress/templates/_helpers.tpl selectorLabels: name = the chart's name). */
const INGRESS_CONTROLLER: End = { namespace: "ingress-nginx", pods: { "app.kubernetes.io/name": "nginx-ingress" } };
/** Prometheus's pods, as the platform selects them (the label is not what this file checks; the ports are). */
const PROMETHEUS: End = { namespace: "monitoring", pods: { "app.kubernetes.io/name": "prometheus" } };

const selects = (selector: Labels | undefined, labels: Labels) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
const peerIs = (peer: Peer, end: End) =>
    end === "nodes"
        ? peer.ipBlock !== undefined
        : peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === end.namespace && selects(peer.podSelector?.matchLabels, end.pods);
/** The TCP ports a rule opens ("all" when it names none). */
const rulePorts = (rule: Rule): (number | "all")[] =>
    rule.ports === undefined || rule.ports.length === 0 ? ["all"] : rule.ports.filter((p) => (p.protocol ?? "TCP") === "TCP").map((p) => p.port!);

/** The TCP ports the policies selecting `to`'s pods admit from `from` (ingress side). */
function admitted(policies: readonly Policy[], from: End, to: Exclude<End, "nodes">): (number | "all")[] {
    const selecting = policies.filter(
        (p) => p.metadata.namespace === to.namespace && p.spec.policyTypes.includes("Ingress") && selects(p.spec.podSelector.matchLabels, to.pods),
    );
    return selecting.flatMap((p) => (p.spec.ingress ?? []).filter((r) => (r.from ?? []).some((peer) => peerIs(peer, from))).flatMap(rulePorts));
}

/** The TCP ports the policies selecting `from`'s pods open towards `to` (egress side). */
function opened(policies: readonly Policy[], from: Exclude<End, "nodes">, to: End): (number | "all")[] {
    const selecting = policies.filter(
        (p) => p.metadata.namespace === from.namespace && p.spec.policyTypes.includes("Egress") && selects(p.spec.podSelector.matchLabels, from.pods),
    );
    return selecting.flatMap((p) => (p.spec.egress ?? []).filter((r) => (r.to ?? []).some((peer) => peerIs(peer, to))).flatMap(rulePorts));
}

const policies = () =>
    sharedEvaluation("prod")
        .resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        .map((r) => r.inputs as unknown as Policy);

describe("a NetworkPolicy admits a chart's pods on the port their container listens on, not the Service's", () => {
    const INTO_PODS: readonly { what: string; from: End; to: Exclude<End, "nodes">; port: number; cite: string }[] = [
        {
            what: "Grafana's web port, behind the grafana.<domain> route",
            from: INGRESS_CONTROLLER,
            to: { namespace: "monitoring", pods: { "app.kubernetes.io/name": "grafana" } },
            port: 3000,
            // Container port = .Values.service.targetPort; the Service listens on 80.
            cite: "grafana-community/helm-charts@grafana-12.11.1:charts/grafana/templates/_pod.tpl, values.yaml service.targetPort: 3000",
        },
        {
            what: "the Prometheus Operator's admission webhook, called by the API server",
            from: "nodes",
            to: {
                namespace: "monitoring",
                pods: { "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator", "app.kubernetes.io/component": "prometheus-operator" },
            },
            port: 10250,
            // Container port `https` = .Values.prometheusOperator.tls.internalPort; the webhook Service listens on 443.
            cite: "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack/templates/prometheus-operator/deployment.yaml, values.yaml prometheusOperator.tls.internalPort: 10250",
        },
        {
            what: "cert-manager's webhook, called by the API server for every Certificate and Issuer",
            from: "nodes",
            to: { namespace: "cert-manager", pods: { "app.kubernetes.io/name": "webhook", "app.kubernetes.io/component": "webhook" } },
            port: 10250,
            // Container port = .Values.webhook.securePort; the webhook Service listens on 443.
            cite: "cert-manager/cert-manager@v1.21.1:deploy/charts/cert-manager/templates/webhook-deployment.yaml, values.yaml webhook.securePort: 10250",
        },
        {
            what: "the Longhorn UI, behind the longhorn.<domain> route",
            from: INGRESS_CONTROLLER,
            to: { namespace: "longhorn-system", pods: { app: "longhorn-ui" } },
            port: 8000,
            // containerPort: 8000 (a literal in the template); the longhorn-frontend Service listens on 80.
            cite: "longhorn/longhorn@v1.12.1:chart/templates/deployment-ui.yaml",
        },
    ];

    it.each(INTO_PODS.map((f) => [f.what, f] as const))("%s", (_what, fact) => {
        const ports = admitted(policies(), fact.from, fact.to);
        expect(ports.length).toBeGreaterThan(0);
        expect({ cite: fact.cite, admitted: ports.includes(fact.port) || ports.includes("all") }).toEqual({ cite: fact.cite, admitted: true });
    });

    // Prometheus scrapes these on the nodes' own addresses (hostNetwork or the k3s process itself).
    const ON_NODES: readonly { what: string; port: number; cite: string }[] = [
        {
            what: "the kubelet (k3s's one metrics registry)",
            port: 10250,
            cite: "kubernetes KubeletConfiguration `port` default 10250 (k8s.io/kubelet config/v1beta1)",
        },
        {
            what: "node-exporter",
            port: 9100,
            cite: "prometheus-community/helm-charts@prometheus-node-exporter-4.56.1:charts/prometheus-node-exporter/values.yaml service.port: 9100, hostNetwork: true",
        },
        {
            what: "k3s's embedded etcd metrics (etcd-expose-metrics)",
            port: 2381,
            cite: "k3s-io/k3s pkg/etcd/etcd.go metricsURL: http://<node address>:2381 when exposed",
        },
    ];

    it.each(ON_NODES.map((f) => [f.what, f] as const))("Prometheus may scrape %s on the nodes", (_what, fact) => {
        const ports = opened(policies(), PROMETHEUS as Exclude<End, "nodes">, "nodes");
        expect(ports.length).toBeGreaterThan(0);
        expect({ cite: fact.cite, opened: ports.includes(fact.port) }).toEqual({ cite: fact.cite, opened: true });
    });
});
