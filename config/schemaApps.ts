/**
 * Config for applications: `platform:apps`, one entry per container app (components/apps/ContainerApp).
 * Cross-key rules (namespace, Harbor project, domain, profile) run in `appsRules`, called from the
 * platform schema, because they need the rest of the config.
 */
import { z } from "zod";
import { secretString } from "./schemaParts";
import { isDnsName } from "./validators";

/** DNS-1123 label (Service and Deployment names). */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** The longest app name: `<name>-canary` must still be a 63-character label. */
const MAX_APP_NAME = 40;

/** The most requests per second the canary load step sends: enough for any analysis, never a load test. */
export const MAX_CANARY_LOAD_RPS = 50;
/** Canary load by profile: dev apps have no users, prod apps have real traffic (docs/app-delivery.md). */
const CANARY_LOAD_DEFAULT_RPS = { dev: 2, prod: 0 } as const;

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, "expected an image digest 'sha256:' followed by 64 lower-case hex characters");
const port = z.int("expected an integer port").min(1, "expected a port 1-65535").max(65535, "expected a port 1-65535");
const cpu = z.string().regex(/^(\d+m|\d+(\.\d+)?)$/, "expected a CPU quantity such as 50m or 0.5");
const memory = z.string().regex(/^\d+(Ki|Mi|Gi)$/, "expected a memory quantity such as 64Mi");
const percent = z.int("expected a whole percentage").min(1, "expected 1-100").max(100, "expected 1-100");
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name (letters, digits, '_')");

const probe = z.strictObject({
    path: z.string().startsWith("/", "expected an HTTP path starting with '/'").meta({ description: "HTTP GET path." }),
    port: port.optional().meta({ description: "Port; default: the app port." }),
    periodSeconds: z.int().min(1).max(300).optional().meta({ description: "Seconds between probes." }),
    failureThreshold: z.int().min(1).max(100).optional().meta({ description: "Failures before the probe counts as failed." }),
    initialDelaySeconds: z.int().min(0).max(600).optional().meta({ description: "Seconds before the first probe." }),
});

const appSchema = z
    .strictObject({
        name: z
            .string()
            .regex(LABEL, "expected an app name (DNS-1123 label: lower-case letters, digits, '-')")
            .max(MAX_APP_NAME, `expected at most ${MAX_APP_NAME} characters (the canary adds '-canary')`)
            .meta({ description: "App name: names the Deployment, Service, host and Harbor robot. Unique." }),
        namespace: z
            .string()
            .regex(LABEL, "expected a namespace name")
            .meta({ description: "Namespace; must be one of platform:namespaces (restricted Pod Security)." }),
        image: z
            .strictObject({
                project: z.string().min(1).meta({ description: "Harbor project; must be in platform:harbor.projects." }),
                repository: z
                    .string()
                    .regex(/^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/, "expected a repository path (lower case, digits, '.', '_', '-', '/')")
                    .meta({ description: "Repository inside the project." }),
                digest: digest.optional().meta({ description: "Image digest (sha256:...); the only form the prod profile accepts." }),
                tag: z
                    .string()
                    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "expected an image tag")
                    .refine((t) => t !== "latest", "expected a tag other than 'latest'")
                    .optional()
                    .meta({ description: "Image tag; dev profile only. Exactly one of digest and tag." }),
                previousDigest: digest.optional().meta({ description: "Digest that ran before (written by the promotion workflow); exported for rollback." }),
            })
            .superRefine((image, ctx) => {
                if ((image.digest === undefined) === (image.tag === undefined)) {
                    ctx.addIssue({ code: "custom", path: ["digest"], message: "expected exactly one of digest and tag" });
                }
            })
            .meta({ description: "Image in the platform's Harbor: <registry>/<project>/<repository>@<digest>." }),
        port: port.default(8080).meta({ description: "Container port serving HTTP (the Service's `http` port)." }),
        ports: z
            .array(
                z.strictObject({
                    name: z
                        .string()
                        .regex(/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/, "expected a port name (IANA_SVC_NAME, at most 15 characters)")
                        .meta({ description: "Port name on the container and the Service." }),
                    port: port.meta({ description: "Container and Service port." }),
                }),
            )
            .default([])
            .meta({ description: "Extra container ports, exposed on the Service (not through the ingress)." }),
        host: z
            .string()
            .refine(isDnsName, "expected a DNS hostname")
            .optional()
            .meta({ description: "Public host; default <name>.<platform:domain>; must be inside the domain." }),
        paths: z
            .array(z.string().startsWith("/", "expected a path starting with '/'"))
            .min(1, "expected at least one path")
            .default(["/"])
            .meta({ description: "Path prefixes routed to the app." }),
        replicas: z
            .int("expected a whole number")
            .min(1, "expected at least 1 replica")
            .optional()
            .meta({ description: "Fixed replicas; default by profile (dev 1, prod 2). Not with autoscaling." }),
        autoscaling: z
            .strictObject({
                min: z.int().min(1, "expected at least 1").meta({ description: "Fewest replicas." }),
                max: z.int().min(1, "expected at least 1").meta({ description: "Most replicas." }),
                cpu: percent.optional().meta({ description: "Target average CPU utilisation (% of requests)." }),
                memory: percent.optional().meta({ description: "Target average memory utilisation (% of requests)." }),
            })
            .superRefine((a, ctx) => {
                if (a.max < a.min) ctx.addIssue({ code: "custom", path: ["max"], message: `expected max >= min (${a.min}), got ${a.max}` });
                if (a.cpu === undefined && a.memory === undefined)
                    ctx.addIssue({ code: "custom", path: ["cpu"], message: "expected a cpu and/or memory target" });
            })
            .optional()
            .meta({ description: "HorizontalPodAutoscaler (autoscaling/v2). Not with replicas." }),
        resources: z
            .strictObject({
                requests: z
                    .strictObject({ cpu: cpu.meta({ description: "CPU request." }), memory: memory.meta({ description: "Memory request." }) })
                    .meta({ description: "Requests (required)." }),
                limits: z
                    .strictObject({
                        cpu: cpu.optional().meta({ description: "CPU limit; none by default." }),
                        memory: memory.optional().meta({ description: "Memory limit." }),
                    })
                    .default({})
                    .meta({ description: "Limits; memory defaults by profile: dev 2x the request, prod equal to the request." }),
            })
            .meta({ description: "Container resources." }),
        env: z.record(envName, z.string()).default({}).meta({ description: "Plain environment variables." }),
        config: z
            .record(z.string().regex(/^[-._a-zA-Z0-9]+$/, "expected a file name (letters, digits, '-', '_', '.')"), z.string())
            .default({})
            .meta({ description: "Files in a ConfigMap mounted read-only at /etc/<name>." }),
        secrets: z
            .record(envName, secretString("apps", "Secret value, exposed as an environment variable."))
            .default({})
            .meta({ description: "Secret environment variables (Pulumi secrets, `secure:`) in a Secret, read via secretKeyRef." }),
        probes: z
            .strictObject({
                readiness: probe.optional().meta({ description: "Readiness probe; default GET /readyz." }),
                liveness: probe.optional().meta({ description: "Liveness probe; default GET /healthz." }),
                startup: probe.optional().meta({ description: "Startup probe; default GET /healthz, up to 60s." }),
            })
            .default({})
            .meta({ description: "HTTP probes on the app port." }),
        volume: z
            .strictObject({
                size: z
                    .string()
                    .regex(/^\d+(Mi|Gi|Ti)$/, "expected a size such as 1Gi")
                    .meta({ description: "PVC size." }),
                mountPath: z.string().startsWith("/", "expected an absolute path").meta({ description: "Where the volume is mounted." }),
            })
            .optional()
            .meta({ description: "A PersistentVolumeClaim on the platform StorageClass (ReadWriteOnce: one replica)." }),
        metrics: z
            .strictObject({
                port: port.optional().meta({ description: "Metrics port; default the app port." }),
                path: z.string().startsWith("/", "expected a path starting with '/'").default("/metrics").meta({ description: "Metrics path." }),
            })
            .optional()
            .meta({ description: "Prometheus endpoint: adds a ServiceMonitor and allows the scrape." }),
        calls: z
            .array(z.string().min(1))
            .default([])
            .meta({ description: "Other apps (by name) or platform services (harbor, grafana, prometheus, loki, internet) this app may connect to." }),
        canaryLoad: z
            .strictObject({
                requestsPerSecond: z
                    .number()
                    .min(0, "expected 0 (off) to 50")
                    .max(MAX_CANARY_LOAD_RPS, `expected 0 (off) to ${MAX_CANARY_LOAD_RPS}`)
                    .optional()
                    .meta({
                        description: `Requests per second the promotion sends to the app's host during each canary step; 0 turns the load off. Default by profile: dev ${CANARY_LOAD_DEFAULT_RPS.dev}, prod ${CANARY_LOAD_DEFAULT_RPS.prod} (prod apps have real traffic).`,
                    }),
                path: z
                    .string()
                    .startsWith("/", "expected a path starting with '/'")
                    .optional()
                    .meta({ description: "Path the load requests (GET); default the first of paths." }),
            })
            .prefault({})
            .meta({ description: "Synthetic load during a canary, so the analysis has requests to judge (`npm run app:canary`)." }),
        canary: z
            .strictObject({
                digest: digest.meta({ description: "Canary image digest." }),
                weight: z
                    .int("expected a whole percentage")
                    .min(0, "expected 0-100")
                    .max(100, "expected 0-100")
                    .meta({ description: "Share of requests (%) sent to the canary." }),
                analysis: z
                    .strictObject({
                        maxErrorRatio: z.number().min(0).max(1).default(0.01).meta({ description: "Highest canary 5xx ratio the promotion accepts." }),
                        maxLatencyP95Ms: z.int().min(1).default(500).meta({ description: "Highest canary p95 latency (ms) the promotion accepts." }),
                    })
                    .prefault({})
                    .meta({ description: "Thresholds the promotion workflow checks between weight steps." }),
            })
            .optional()
            .meta({ description: "Canary: a second Deployment and an NGINX VirtualServer splitting traffic by weight." }),
    })
    .superRefine((app, ctx) => {
        if (app.replicas !== undefined && app.autoscaling !== undefined) {
            ctx.addIssue({ code: "custom", path: ["autoscaling"], message: "replicas and autoscaling are mutually exclusive" });
        }
        const seen = new Map<number, string>([[app.port, "the app port"]]);
        if (app.metrics?.port !== undefined && app.metrics.port !== app.port && !app.ports.some((p) => p.port === app.metrics!.port)) {
            ctx.addIssue({
                code: "custom",
                path: ["metrics", "port"],
                message: `expected the app port (${app.port}) or one of ports[], got ${app.metrics.port}`,
            });
        }
        const names = new Set(["http"]);
        app.ports.forEach((p, i) => {
            const clash = seen.get(p.port);
            if (clash !== undefined) ctx.addIssue({ code: "custom", path: ["ports", i, "port"], message: `port ${p.port} is already used by ${clash}` });
            if (names.has(p.name)) ctx.addIssue({ code: "custom", path: ["ports", i, "name"], message: `duplicate port name '${p.name}'` });
            seen.set(p.port, `ports[${i}]`);
            names.add(p.name);
        });
        const clashes = Object.keys(app.env).filter((k) => k in app.secrets);
        for (const key of clashes) ctx.addIssue({ code: "custom", path: ["secrets", key], message: `'${key}' is also set in env` });
        const replicas = app.autoscaling?.max ?? app.replicas ?? 1;
        if (app.volume !== undefined && (replicas > 1 || app.canary !== undefined)) {
            ctx.addIssue({
                code: "custom",
                path: ["volume"],
                message: "a ReadWriteOnce volume needs exactly one pod: set replicas 1, no autoscaling and no canary",
            });
        }
        if (app.canary !== undefined && app.image.digest === app.canary.digest) {
            ctx.addIssue({
                code: "custom",
                path: ["canary", "digest"],
                message: "the canary digest is the stable digest; promote it by moving it to image.digest",
            });
        }
    });

export type AppSpec = z.output<typeof appSchema>;

export const appsSchema = z
    .array(appSchema)
    .default([])
    .superRefine((apps, ctx) => {
        const names = new Set<string>();
        apps.forEach((app, i) => {
            if (names.has(app.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate app '${app.name}'` });
            names.add(app.name);
        });
    })
    .meta({
        description:
            "Container applications, each a ContainerApp: Deployment, Service, TLS Ingress, HPA, PDB, NetworkPolicies, pull secret, metrics, alerts, dashboard.",
    });

/** The effective canary load of an app: its own settings, else the profile's rate and its first path. */
export function canaryLoadFor(
    profile: "dev" | "prod",
    load: { readonly requestsPerSecond?: number; readonly path?: string } | undefined,
    paths: readonly string[],
): { requestsPerSecond: number; path: string } {
    return { requestsPerSecond: load?.requestsPerSecond ?? CANARY_LOAD_DEFAULT_RPS[profile], path: load?.path ?? paths[0] ?? "/" };
}

/** Platform services an app may name in `calls` (besides other apps and `internet`). */
const PLATFORM_CALL_TARGETS = ["harbor", "grafana", "prometheus", "loki", "internet"] as const;

/** A name the platform publishes itself, and the config key that sets it. */
export interface PlatformHost {
    readonly key: string;
    readonly host: string;
}

/** What the cross-key rules need from the rest of the config. */
export interface AppsContext {
    readonly profile: "dev" | "prod";
    readonly domain: string;
    readonly namespaces: readonly string[];
    readonly harborEnabled: boolean;
    readonly harborProjects: readonly string[];
    readonly ingressEnabled: boolean;
    /** Platform services an app may call that this stack does not install, each with the key that turns it off. */
    readonly servicesOff: Readonly<Partial<Record<(typeof PLATFORM_CALL_TARGETS)[number], string>>>;
    /** Hosts the platform publishes (Harbor, Grafana, Longhorn's UI, the API endpoint, static records). */
    readonly platformHosts: readonly PlatformHost[];
}

/** Rules that look beyond one app entry; paths are relative to `platform:apps`. */
export function appsRules(apps: readonly AppSpec[], cfg: AppsContext, issue: (path: (string | number)[], message: string) => void): void {
    const appNames = apps.map((a) => a.name);
    checkHosts(apps, cfg, issue);
    apps.forEach((app, i) => {
        if (!cfg.namespaces.includes(app.namespace)) {
            issue([i, "namespace"], `expected one of platform:namespaces (${cfg.namespaces.join(", ") || "none configured"}), got "${app.namespace}"`);
        }
        if (!cfg.harborEnabled) {
            issue([i, "image", "project"], "apps pull from the platform's Harbor, which is disabled (platform:harbor.enabled)");
        } else if (!cfg.harborProjects.includes(app.image.project)) {
            issue(
                [i, "image", "project"],
                `expected one of platform:harbor.projects (${cfg.harborProjects.join(", ") || "none configured"}), got "${app.image.project}"`,
            );
        }
        if (!cfg.ingressEnabled) {
            issue([i, "host"], "apps are published through the platform ingress, which is disabled (platform:ingress.enabled)");
        }
        if (app.host !== undefined && !app.host.endsWith(`.${cfg.domain}`)) {
            issue([i, "host"], `expected a host inside ${cfg.domain} (certificates and DNS cover the platform domain), got "${app.host}"`);
        }
        if (cfg.profile === "prod") {
            if (app.image.tag !== undefined) {
                issue([i, "image", "tag"], "the prod profile takes images by digest only: set image.digest (sha256:...) instead of a tag");
            }
            const least = app.autoscaling?.min ?? app.replicas ?? 2;
            if (least < 2 && app.volume === undefined) {
                issue(
                    [i, app.autoscaling ? "autoscaling" : "replicas"],
                    `the prod profile runs at least 2 replicas (a PodDisruptionBudget keeps one up during node drains), got ${least}`,
                );
            }
        }
        app.calls.forEach((target, j) => {
            const offBy = appNames.includes(target) ? undefined : cfg.servicesOff[target as keyof AppsContext["servicesOff"]];
            if (target === app.name) {
                issue([i, "calls", j], "an app does not need to list itself");
            } else if (offBy !== undefined) {
                // A flow to pods that do not exist admits nothing useful, and the app would fail at run time.
                issue([i, "calls", j], `"${target}" is not installed on this stack (${offBy} is false)`);
            } else if (!appNames.includes(target) && !(PLATFORM_CALL_TARGETS as readonly string[]).includes(target)) {
                issue(
                    [i, "calls", j],
                    `expected another app (${appNames.filter((n) => n !== app.name).join(", ") || "none"}) or a platform service (${PLATFORM_CALL_TARGETS.join(", ")}), got "${target}"`,
                );
            }
        });
    });
}

/**
 * One owner per host: F5 NIC serves a host from one object only (the oldest, nginx/kubernetes-ingress@v5.5.4
 * internal/k8s/configuration.go), and external-dns keeps one record set per name. An app on a
 * platform host or another app's host would take it over or lose it, depending on creation times.
 */
function checkHosts(apps: readonly AppSpec[], cfg: AppsContext, issue: (path: (string | number)[], message: string) => void): void {
    const owners = new Map(cfg.platformHosts.map((h) => [h.host, h.key]));
    apps.forEach((app, i) => {
        if (apps.findIndex((a) => a.name === app.name) !== i) return; // a duplicate app, reported as such
        const host = app.host ?? `${app.name}.${cfg.domain}`;
        const key = app.host === undefined ? `platform:apps[${i}].name (default host <name>.<platform:domain>)` : `platform:apps[${i}].host`;
        const owner = owners.get(host);
        if (owner !== undefined) {
            issue([i, app.host === undefined ? "name" : "host"], `host "${host}" is also ${owner}: one host has one route; give ${key} another host`);
        } else {
            owners.set(host, key);
        }
    });
}
