/**
 * Values for the F5 NGINX Ingress Controller chart (nginx-ingress 2.6.4, controller 5.5.4):
 * overrides only, every key checked against charts/keys/nginx-ingress.json by the tests.
 */
import { limited, type Resources } from "../lib/resources";

/** How the controller runs and is exposed. */
export interface IngressSettings {
    /** IngressClass name; made the cluster default. */
    readonly className: string;
    readonly kind: "deployment" | "daemonset";
    /** A LoadBalancer Service, or hostPorts 80/443. */
    readonly exposure: "loadBalancer" | "hostPort";
    /** Replicas of the deployment kind. */
    readonly replicas: number;
    /** Let the controller send F5 its product telemetry. */
    readonly telemetry: boolean;
    readonly serviceAnnotations?: Readonly<Record<string, string>>;
    readonly loadBalancerIP?: string;
    readonly loadBalancerSourceRanges?: readonly string[];
    /**
     * Size of the emptyDir nginx writes buffered request bodies to (Kubernetes quantity, e.g. `10Gi`),
     * also requested as ephemeral storage: at least the largest image layer pushed through the
     * controller times the pushes one pod takes at once.
     */
    readonly clientBodyTempSize: string;
}

/**
 * Where nginx writes request bodies larger than its buffer: the controller image installs nginx from
 * nginx.org's packages (nginx/kubernetes-ingress@v5.5.4 build/Dockerfile), built with
 * `--http-client-body-temp-path=/var/cache/nginx/client_temp` (nginx/pkg-oss debian/Makefile and
 * alpine/Makefile BASE_CONFIGURE_ARGS), and no controller template sets `client_body_temp_path`.
 */
const CLIENT_BODY_TEMP_PATH = "/var/cache/nginx/client_temp";
const CLIENT_BODY_TEMP_VOLUME = "client-body-temp";

/** Controller image, pinned to the chart's app version so the image policy can see the tag. */
export const NGINX_INGRESS_IMAGE = { repository: "nginx/nginx-ingress", tag: "5.5.4" } as const;

export interface IngressValuesArgs {
    readonly config: IngressSettings;
    /** Spread across nodes and keep a PodDisruptionBudget (prod). */
    readonly highAvailability: boolean;
    /** Helm release name; the chart's selector labels use it. */
    readonly releaseName: string;
    /**
     * `controller.enableCertManager`: the controller then turns cert-manager's HTTP-01 solver Ingress
     * for a VirtualServer's host into a route of that VirtualServer; without it the older VirtualServer
     * keeps the host and the challenge is never answered (internal/k8s/configuration.go@v5.5.4).
     * @default false
     */
    readonly virtualServerChallenges?: boolean;
}

export function ingressValues(args: IngressValuesArgs): Record<string, unknown> {
    const { config } = args;
    const hostPort = config.exposure === "hostPort";
    const deployment = config.kind === "deployment";
    const selector = { "app.kubernetes.io/name": "nginx-ingress", "app.kubernetes.io/instance": args.releaseName };
    const controller: Record<string, unknown> = {
        kind: config.kind,
        image: { ...NGINX_INGRESS_IMAGE },
        ingressClass: { name: config.className, create: true, setAsDefaultIngress: true },
        // Upstream response metrics by status code: the ingress error-rate alert needs them.
        enableLatencyMetrics: true,
        ...(args.virtualServerChallenges ? { enableCertManager: true } : {}),
        // Snippets let any Ingress author inject raw NGINX config; keep them off on a shared platform.
        enableSnippets: false,
        // The chart reports product telemetry to F5 by default (cmd/nginx-ingress/flags.go@v5.5.4
        // -enable-telemetry-reporting=true); the platform sends nothing unless the stack opts in.
        telemetryReporting: { enable: config.telemetry },
        config: {
            entries: {
                "server-tokens": "False",
                "ssl-protocols": "TLSv1.2 TLSv1.3",
                // Large image layers are allowed per Ingress (Harbor's sets client-max-body-size 0).
                "client-max-body-size": "16m",
            },
        },
        // Neither the controller's templates nor its ConfigMap keys or annotations set
        // proxy_request_buffering (nginx/kubernetes-ingress@v5.5.4 internal/configs), so nginx's default
        // applies: the whole body is written to CLIENT_BODY_TEMP_PATH before the upstream sees a byte.
        // A Harbor push sends each layer as one request. Without a volume those files land in the
        // container's writable layer, unrequested and unbounded; an emptyDir with a sizeLimit bounds
        // them (the kubelet evicts the pod above it) and the request reserves the disk on the node.
        resources: withEphemeralStorage(limited("100m", "128Mi", "512Mi"), config.clientBodyTempSize),
        volumes: [{ name: CLIENT_BODY_TEMP_VOLUME, emptyDir: { sizeLimit: config.clientBodyTempSize } }],
        volumeMounts: [{ name: CLIENT_BODY_TEMP_VOLUME, mountPath: CLIENT_BODY_TEMP_PATH }],
        securityContext: {
            allowPrivilegeEscalation: false,
            runAsNonRoot: true,
            runAsUser: 101,
            capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
        service: hostPort
            ? { create: true, type: "ClusterIP" }
            : {
                  create: true,
                  type: "LoadBalancer",
                  // Local: a node hands traffic only to a controller pod on itself (no second hop). The
                  // client's address survives only where the load balancer keeps it (cloud or MetalLB
                  // L2): k3s ServiceLB's svclb pods masquerade, so behind them the controller sees the
                  // svclb pod's address (use exposure hostPort to keep client addresses on k3s).
                  externalTrafficPolicy: "Local",
                  ...(config.serviceAnnotations ? { annotations: { ...config.serviceAnnotations } } : {}),
                  ...(config.loadBalancerIP ? { loadBalancerIP: config.loadBalancerIP } : {}),
                  ...(config.loadBalancerSourceRanges ? { loadBalancerSourceRanges: [...config.loadBalancerSourceRanges] } : {}),
              },
    };
    if (hostPort) {
        controller.hostPort = { enable: true, http: 80, https: 443 };
    }
    if (deployment) {
        controller.replicaCount = config.replicas;
    }
    if (args.highAvailability) {
        controller.podDisruptionBudget = { enabled: true, minAvailable: 1 };
    }
    if (args.highAvailability && deployment) {
        // A DaemonSet already runs one pod per node; a Deployment must be told to spread.
        controller.topologySpreadConstraints = [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: selector } },
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
        ];
    }
    return {
        controller,
        prometheus: {
            create: true,
            port: 9113,
            // The metrics Service always exists: kube-prometheus-stack scrapes it (installed after this chart).
            service: { create: true },
            // The monitoring stack, installed later, scrapes the Service (IngressNginx.scrapeTargets).
            serviceMonitor: { create: false },
        },
    };
}

function withEphemeralStorage(resources: Resources, size: string): Record<string, unknown> {
    return { ...resources, requests: { ...resources.requests, "ephemeral-storage": size } };
}
