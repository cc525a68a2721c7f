/**
 * Plausible one-line regressions `npm run mutate` applies one at a time (scripts/mutate.ts): each
 * must make at least one of the tests it names fail. Grow the list whenever a review finds a defect
 * the tests missed (docs/delivery.md, "Mutation check").
 *
 * `from` is the exact text in `file` (it must occur exactly once), `to` its replacement. `tests`
 * names the Jest groups (test/<group>.test.ts) and a `-t` filter (a regex on "<spec file> <describe>
 * <test>") to run: the tests that should notice, not the whole suite.
 */

/** The groups that need no stack evaluation run with jest.unit.config.js (no global setup). */
export const UNIT_GROUPS = ["components", "config", "policy", "verify", "delivery"] as const;
export type Group = (typeof UNIT_GROUPS)[number] | "stacks" | "contracts" | "offline" | "cli" | "project";

export interface Mutation {
    /** Short and unique: `npm run mutate -- --only <id>`. */
    readonly id: string;
    readonly kind: "upstream" | "security" | "chart";
    readonly file: string;
    readonly from: string;
    readonly to: string;
    /** Jest groups and `-t` filter of the tests that should fail. */
    readonly tests: { readonly groups: readonly Group[]; readonly filter: string };
    /** What would break for a user. */
    readonly why: string;
}

export const MUTATIONS: readonly Mutation[] = [
    // ---- upstream facts: ports, annotations, labels, API types ----
    {
        id: "f5-ssl-services",
        kind: "upstream",
        file: "components/registry/harborValues.ts",
        from: 'SSL_SERVICES_ANNOTATION = "nginx.org/ssl-services"',
        to: 'SSL_SERVICES_ANNOTATION = "nginx.ingress.kubernetes.io/ssl-services"',
        tests: { groups: ["components", "contracts"], filter: "Harbor|f5-nginx-ingress" },
        why: "F5 NIC reads only nginx.org/ssl-services: Harbor's HTTPS-only core and portal get plain HTTP (502)",
    },
    {
        id: "http01-edit-in-place",
        kind: "upstream",
        file: "components/lib/ingress.ts",
        from: 'HTTP01_EDIT_IN_PLACE = "acme.cert-manager.io/http01-edit-in-place"',
        to: 'HTTP01_EDIT_IN_PLACE = "cert-manager.io/http01-edit-in-place"',
        tests: { groups: ["components", "contracts"], filter: "ingressTls|f5-nginx-ingress|cert-manager" },
        why: "cert-manager ignores the key: a separate solver Ingress that F5 NIC never serves, no certificate",
    },
    {
        id: "grafana-port",
        kind: "upstream",
        file: "components/monitoring/monitoringFlows.ts",
        from: "GRAFANA_PORT = 3000",
        to: "GRAFANA_PORT = 80",
        tests: { groups: ["components", "contracts", "stacks"], filter: "MonitoringStack|grafana|prometheus-service-proxy|container-ports|prod" },
        why: "the route and the NetworkPolicies admit the Service port, not Grafana's container port 3000: Grafana unreachable",
    },
    {
        id: "operator-webhook-port",
        kind: "upstream",
        file: "components/monitoring/monitoringFlows.ts",
        from: "OPERATOR_WEBHOOK_PORT = 10250",
        to: "OPERATOR_WEBHOOK_PORT = 443",
        tests: { groups: ["components", "contracts", "stacks"], filter: "MonitoringStack|kube-prometheus-stack|container-ports|prod" },
        why: "the API server cannot reach the operator's admission webhook (container port 10250): PrometheusRule changes fail",
    },
    {
        id: "longhorn-ui-port",
        kind: "upstream",
        file: "components/storage/Longhorn.ts",
        from: "LONGHORN_UI_PORT = 8000",
        to: "LONGHORN_UI_PORT = 80",
        tests: { groups: ["components", "contracts", "stacks"], filter: "Longhorn|f5-nginx|container-ports|prod" },
        why: "the Longhorn UI's container listens on 8000: the ingress controller is denied and the UI answers 502",
    },
    {
        id: "solver-port",
        kind: "upstream",
        file: "components/lib/flows.ts",
        from: "HTTP01_SOLVER_PORT = 8089",
        to: "HTTP01_SOLVER_PORT = 8080",
        tests: { groups: ["components", "contracts", "stacks"], filter: "networkPolicy|CertManager|cert-manager|prod" },
        why: "cert-manager's acmesolver listens on 8089: HTTP-01 challenges time out, no certificate",
    },
    {
        id: "solver-label",
        kind: "upstream",
        file: "components/lib/flows.ts",
        from: '{ "acme.cert-manager.io/http01-solver": "true" }',
        to: '{ "app.kubernetes.io/name": "acmesolver" }',
        tests: { groups: ["components", "contracts", "stacks"], filter: "networkPolicy|CertManager|cert-manager|prod" },
        why: "the policy selects no solver pod: HTTP-01 challenges are dropped",
    },
    {
        id: "cert-manager-webhook-port",
        kind: "upstream",
        file: "components/edge/CertManager.ts",
        from: "ports: [10250],",
        to: "ports: [443],",
        tests: { groups: ["components", "contracts", "stacks"], filter: "CertManager|cert-manager|container-ports|prod" },
        why: "the webhook container listens on 10250 and fails closed: every Certificate and Issuer is refused",
    },
    {
        id: "etcd-metrics-port",
        kind: "upstream",
        file: "components/monitoring/monitoringFlows.ts",
        from: "NODE_SCRAPE_PORTS = [10250, 9100, 2381]",
        to: "NODE_SCRAPE_PORTS = [10250, 9100, 2379]",
        tests: { groups: ["components", "contracts", "stacks"], filter: "MonitoringStack|k3s-metrics|kube-prometheus-stack|container-ports|prod" },
        why: "k3s serves etcd metrics on 2381 (etcd-expose-metrics): the etcd alerts go blind",
    },
    {
        id: "harbor-quay-proxy-type",
        kind: "upstream",
        file: "components/registry/harborApi.ts",
        from: 'return { type: "docker-registry", url: `https://${upstream}` };',
        to: 'return { type: upstream === "quay.io" ? "quay" : "docker-registry", url: `https://${upstream}` };',
        tests: { groups: ["components", "contracts"], filter: "harborProvider|harbor-proxy-cache|dynamic-provider" },
        why: "harbor-helm 1.19.1 permits no `quay` proxy cache: Harbor answers 400 and the quay project is never created",
    },
    {
        id: "k3s-advertise-address",
        kind: "upstream",
        file: "components/cluster/k3sFiles.ts",
        from: 'config["advertise-address"] = privateAddress;',
        to: 'config["advertise-address"] = node.externalAddress;',
        tests: { groups: ["components", "contracts", "stacks"], filter: "k3sFiles|ClusterK3s|k3s|prod" },
        why: "the API server advertises its public address: control-plane traffic hairpins through the public IPs",
    },
    {
        id: "suc-nodes-list-watch",
        kind: "upstream",
        file: "components/cluster/systemUpgrade.ts",
        from: 'rule([""], ["nodes"], [...READ, "patch"]),',
        to: 'rule([""], ["nodes"], ["get", "patch"]),',
        tests: { groups: ["components", "contracts"], filter: "systemUpgrade|system-upgrade" },
        why: "k3s-upgrade's prepare step lists the control-plane nodes: agents' upgrades loop until the deadline",
    },
    {
        id: "kubectl-image",
        kind: "upstream",
        file: "charts/images.ts",
        from: '"1.36": { image: "registry.k8s.io/kubectl", tag: "v1.36.2" },',
        to: '"1.36": { image: "rancher/kubectl", tag: "v1.36.2" },',
        tests: { groups: ["components", "contracts"], filter: "systemUpgrade|system-upgrade|images" },
        why: "rancher/kubectl is deprecated upstream: the cordon and drain containers run an unmaintained image",
    },

    // ---- security options ----
    {
        id: "app-privilege-escalation",
        kind: "security",
        file: "components/apps/appWorkload.ts",
        from: "allowPrivilegeEscalation: false,",
        to: "allowPrivilegeEscalation: true,",
        tests: { groups: ["components", "policy", "stacks"], filter: "ContainerApp|rules|pack|apps" },
        why: "app containers may gain privileges (setuid binaries); Pod Security restricted refuses the pods",
    },
    {
        id: "ingress-capabilities",
        kind: "security",
        file: "components/edge/ingressValues.ts",
        from: 'capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },',
        to: 'capabilities: { add: ["NET_BIND_SERVICE"] },',
        tests: { groups: ["components", "policy", "contracts"], filter: "IngressNginx|rules|f5-nginx" },
        why: "the internet-facing controller keeps every default capability",
    },
    {
        id: "suc-read-only-root",
        kind: "security",
        file: "components/cluster/systemUpgrade.ts",
        from: "readOnlyRootFilesystem: true,",
        to: "readOnlyRootFilesystem: false,",
        tests: { groups: ["components", "contracts"], filter: "systemUpgrade|system-upgrade" },
        why: "the upgrade controller, which holds drain rights on every node, gets a writable root filesystem",
    },
    {
        id: "app-internet-all-ports",
        kind: "security",
        file: "components/apps/appNetwork.ts",
        from: "ports: [443, ...input.internet.ports]",
        to: 'ports: "all"',
        tests: { groups: ["components", "stacks"], filter: "ContainerApp|apps|prod" },
        why: "an app that may call the internet on HTTPS reaches any port (SSH, SMTP) of any public host",
    },
    {
        id: "grafana-internet-all-ports",
        kind: "security",
        file: "components/monitoring/monitoringFlows.ts",
        from: 'to: "internet", ports: [443], why: "plugin and dashboard downloads"',
        to: 'to: "internet", ports: "all", why: "plugin and dashboard downloads"',
        tests: { groups: ["components", "stacks"], filter: "MonitoringStack|prod" },
        why: "Grafana (internet-facing, runs plugins) reaches any port of any public host",
    },
    {
        id: "outside-link-local",
        kind: "security",
        file: "components/lib/networkPolicy.ts",
        from: "except: [...cluster, LINK_LOCAL_CIDR] } }];",
        to: "except: [...cluster] } }];",
        tests: { groups: ["components", "stacks"], filter: "networkPolicy|prod" },
        why: "pods allowed `outside` reach 169.254.169.254: the cloud's instance metadata and credentials",
    },
    {
        id: "internet-link-local",
        kind: "security",
        file: "components/lib/networkPolicy.ts",
        from: "const except = [...NON_PUBLIC_RANGES, LINK_LOCAL_CIDR, ",
        to: "const except = [...NON_PUBLIC_RANGES, ",
        tests: { groups: ["components", "stacks"], filter: "networkPolicy|prod" },
        why: "pods allowed `internet` reach the instance metadata service",
    },
    {
        id: "nodes-source-pod-cidr",
        kind: "security",
        file: "components/lib/networkPolicy.ts",
        from: 'direction === "from" ? hosts(nodeFlannelAddresses(network))',
        to: 'direction === "from" ? [{ ipBlock: { cidr: network.podCidr } }]',
        tests: { groups: ["components", "stacks"], filter: "networkPolicy|prod" },
        why: "a rule meant for the API server and kubelets admits every pod of the cluster (webhooks, kubelet-only ports)",
    },
    {
        id: "default-deny-egress",
        kind: "security",
        file: "components/lib/networkPolicy.ts",
        from: 'policyTypes: ["Ingress", "Egress"] } },',
        to: 'policyTypes: ["Ingress"] } },',
        tests: { groups: ["components", "stacks"], filter: "networkPolicy|prod|dev" },
        why: "pods with no egress policy of their own reach anything",
    },
    {
        id: "ssh-host-key-dropped",
        kind: "security",
        file: "components/cluster/k3sNodes.ts",
        from: "...(hostKey !== undefined ? { hostKey } : {})",
        to: "...(hostKey !== undefined ? {} : {})",
        tests: { groups: ["components", "stacks"], filter: "ClusterK3s|prod" },
        why: "the pinned host key is not passed to the SSH connection: the k3s token goes to whoever answers",
    },
    {
        id: "prod-skip-host-key",
        kind: "security",
        file: "config/reachability.ts",
        from: 'if (k3s && skip && cfg.profile === "prod") {',
        to: 'if (k3s && skip && cfg.profile === "production") {',
        tests: { groups: ["config"], filter: "pinned SSH host key" },
        why: "a prod stack may skip the host-key check",
    },
    {
        id: "restore-strict-host-key",
        kind: "security",
        file: "scripts/lib/restore.ts",
        from: '["-o", "StrictHostKeyChecking=yes", ',
        to: '["-o", "StrictHostKeyChecking=accept-new", ',
        tests: { groups: ["cli"], filter: "restore" },
        why: "the etcd restore would trust a host it has never seen although the key is pinned",
    },
    {
        id: "secure-leaf",
        kind: "security",
        file: "config/secretLeaves.ts",
        from: "if (fileSaysPlain || !opts.secretTopKeys.has(top)) {",
        to: "if (!opts.secretTopKeys.has(top)) {",
        tests: { groups: ["config"], filter: "secretLeaves|stackfile|secure" },
        why: "a plain-text password next to an encrypted leaf under the same key passes as secret",
    },

    // ---- chart options (docs/adr/0004) ----
    {
        id: "chart-atomic",
        kind: "chart",
        file: "components/lib/chart.ts",
        from: "atomic: true,",
        to: "atomic: false,",
        tests: { groups: ["components", "stacks"], filter: "installChart|installs every chart atomically" },
        why: "a failed upgrade leaves the release half-applied instead of rolling back",
    },
    {
        id: "chart-cleanup-on-fail",
        kind: "chart",
        file: "components/lib/chart.ts",
        from: "cleanupOnFail: true,",
        to: "cleanupOnFail: false,",
        tests: { groups: ["components", "stacks"], filter: "installChart|installs every chart atomically" },
        why: "objects a failed upgrade created stay behind",
    },
    {
        id: "chart-default-timeout",
        kind: "chart",
        file: "components/lib/chart.ts",
        from: "timeout: args.timeoutSeconds ?? 600,",
        to: "timeout: args.timeoutSeconds ?? 300,",
        tests: { groups: ["components", "stacks"], filter: "installChart|installs every chart atomically" },
        why: "Helm's default 5 minutes: first installs on a slow link time out and roll back",
    },
    {
        id: "chart-create-namespace",
        kind: "chart",
        file: "components/lib/chart.ts",
        from: "createNamespace: false,",
        to: "createNamespace: true,",
        tests: { groups: ["components", "stacks"], filter: "installChart|installs every chart atomically" },
        why: "Helm would create the namespace without Pod Security labels when the component's is late",
    },
    {
        id: "chart-wait-for-jobs",
        kind: "chart",
        file: "components/lib/chart.ts",
        from: "waitForJobs: true,",
        to: "waitForJobs: false,",
        tests: { groups: ["components", "stacks"], filter: "installChart|installs every chart atomically" },
        why: "the release is ready before the chart's Jobs (migrations, CRD setup) finish: dependants start too early",
    },
    {
        id: "harbor-timeout",
        kind: "chart",
        file: "components/registry/Harbor.ts",
        from: "timeoutSeconds: 900,",
        to: "",
        tests: { groups: ["components", "stacks"], filter: "Harbor|installs every chart atomically" },
        why: "Harbor falls back to the 600 s default: a first install pulling its many images on a slow link rolls back",
    },
    {
        id: "longhorn-timeout",
        kind: "chart",
        file: "components/storage/Longhorn.ts",
        from: "timeoutSeconds: 900,",
        to: "",
        tests: { groups: ["components", "stacks"], filter: "Longhorn|installs every chart atomically" },
        why: "Longhorn falls back to the 600 s default: its DaemonSets must be ready on every node first",
    },
    {
        id: "monitoring-timeout",
        kind: "chart",
        file: "components/monitoring/MonitoringStack.ts",
        from: "timeoutSeconds: 900,",
        to: "",
        tests: { groups: ["components", "stacks"], filter: "MonitoringStack|installs every chart atomically" },
        why: "kube-prometheus-stack falls back to the 600 s default although its admission hooks run before the release is ready",
    },
    {
        id: "deepflow-timeout",
        kind: "chart",
        file: "components/monitoring/DeepFlow.ts",
        from: "timeoutSeconds: 900,",
        to: "",
        tests: { groups: ["components", "stacks"], filter: "DeepFlow|installs every chart atomically" },
        why: "DeepFlow falls back to the 600 s default although its images come from a distant registry by default",
    },
];
