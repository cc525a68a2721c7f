import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { CHARTS } from "../../charts/versions";
import type { Registries } from "../lib/hostRequirements";
import { installChart } from "../lib/chart";
import { IngressTlsContext, ingressTls } from "../lib/ingress";
import type { ScrapeTarget } from "../lib/metrics";
import { platformNamespace, type NamespacePolicyArgs } from "../lib/namespace";
import type { Flow, NetworkNeeds, Route, OwnedNamespace } from "../lib/flows";
import { harborFlows } from "./harborFlows";
import { endpointFor } from "./harborApi";
import { HarborObject } from "./harborProvider";
import type { RobotSpec } from "./harborRobots";
import { harborInternalTls } from "./harborInternalTls";
import {
    HARBOR_INGRESS_COMPONENTS,
    HARBOR_NAMESPACE,
    HARBOR_RELEASE,
    HARBOR_SECRETS,
    HARBOR_TLS_CONTAINER_PORT,
    harborPodLabels,
    harborScrapeTarget,
    type HarborSettings,
    harborValues,
    REGISTRY_USER,
} from "./harborValues";

export interface HarborArgs extends NamespacePolicyArgs {
    /** Host, storage, database, projects, proxy caches and robot. */
    readonly config: HarborSettings;
    /** IngressClass + issuer from the platform (TLS on the registry host). */
    readonly ingress: IngressTlsContext;
    readonly replicas: number;
    readonly highAvailability: boolean;
    /** `protect` the release (its PVCs) and the secrets bound to its database (prod). */
    readonly protect: boolean;
    /** @default "harbor" */
    readonly namespace?: string;
    /**
     * Resources the release must wait for (the ClusterIssuer, the StorageClass provider). A
     * component's own `dependsOn` does not reach its children, so they are passed in here.
     * @default []
     */
    readonly after?: pulumi.Resource[];
    /** Accept Harbor's certificate without verifying it (self-signed platform CA). @default false */
    readonly insecureApi?: boolean;
}

/**
 * Harbor on the platform ingress with TLS, every chart-generated secret created once here (random
 * values, a TLS key pair for the token service) and handed over as existing Secrets, so a second
 * `up` changes nothing.
 */
export class Harbor extends pulumi.ComponentResource implements NetworkNeeds {
    /** `https://registry.<domain>`. */
    public readonly url: string;
    public readonly host: string;
    /** Admin password (secret) for the configuration-as-code provider and the first login. */
    public readonly adminPassword: pulumi.Output<string>;
    /** The chart release; anything talking to Harbor's API waits for it. */
    public readonly release: k8s.helm.v3.Release;
    /** Proxy-cache projects, one per upstream registry; node mirrors wait for them. */
    public readonly proxyProjects: HarborObject[];
    /** Configured (non-proxy) projects by name; robots that use one wait for it. */
    public readonly projects: ReadonlyMap<string, HarborObject>;
    /** Harbor's metrics endpoints, for the monitoring stack. */
    public readonly scrapeTargets: readonly ScrapeTarget[];
    public readonly flows: readonly Flow[];
    /** registry.<domain>: the chart's Ingress routes to core and portal. */
    public readonly routes: readonly Route[];
    public readonly ownedNamespaces: readonly OwnedNamespace[];
    /** The CI robot, one per project: registry username, secret (secret) and when it expires. */
    public readonly robots: Readonly<Record<string, RobotCredentials>>;
    /** Pull-only robots by name, one per project each (promotion sources). */
    public readonly pullRobots: Readonly<Record<string, Readonly<Record<string, RobotCredentials>>>>;

    constructor(name: string, args: HarborArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:registry:Harbor", name, {}, opts);
        const { config } = args;
        const namespaceName = args.namespace ?? HARBOR_NAMESPACE;
        const ns = platformNamespace(
            `${name}-ns`,
            {
                name: namespaceName,
                podSecurityVersion: args.podSecurityVersion,
            },
            { parent: this },
        );
        // Every secret the chart would generate is made here once, so a second `up` changes nothing.
        const { admin, secrets } = chartSecrets(this, name, ns, namespaceName, config, args.protect);
        this.release = installHarbor(this, name, ns, args, secrets);
        this.scrapeTargets = [harborScrapeTarget(namespaceName)];
        this.routes = HARBOR_INGRESS_COMPONENTS.map((component) => ({
            host: config.host,
            backend: { namespace: namespaceName, pods: harborPodLabels(component) },
            port: HARBOR_TLS_CONTAINER_PORT,
        }));
        this.flows = harborFlows(namespaceName, config);
        this.ownedNamespaces = [{ name: namespaceName, object: ns }];
        this.host = config.host;
        this.url = `https://${config.host}`;
        this.adminPassword = admin.result;

        // Configuration as code over Harbor's API, once the release is up.
        const connection = { url: this.url, username: "admin", password: pulumi.secret(admin.result), insecure: args.insecureApi ?? false };
        const api = { parent: this, dependsOn: [this.release] };
        this.proxyProjects = proxyCacheProjects(name, connection, config.proxyCache, api);
        const projects = configuredProjects(name, connection, config.projects, api);
        this.projects = new Map(config.projects.map((p, i) => [p.name, projects[i]]));
        this.connection = connection;
        this.expiryDays = config.robotExpiryDays;
        const robots = projectRobots(this, name, connection, config, projects);
        this.robots = robots.ci;
        this.pullRobots = robots.pull;
        this.registerOutputs({ url: this.url });
    }

    private readonly connection: AdminConnection;
    private readonly expiryDays: number;

    /**
     * A pull-only robot on one configured project, for a workload's image pull secret. Made through
     * the configuration-as-code provider with Harbor's admin credentials, which never leave this
     * component. `robotName` must be unique within the project (Harbor names it `robot$<project>+<name>`).
     */
    public pullRobot(
        resourceName: string,
        robotName: string,
        project: string,
        opts: pulumi.CustomResourceOptions,
    ): { username: pulumi.Output<string>; password: pulumi.Output<string> } {
        const projectObject = this.projects.get(project);
        if (projectObject === undefined) {
            throw new Error(`Harbor has no configured project '${project}' (platform:harbor.projects)`);
        }
        const spec: RobotSpec = { name: robotName, project, access: "pull", expiresInDays: this.expiryDays };
        const robot = new HarborObject(resourceName, { connection: this.connection, object: { kind: "robot", spec } }, { ...opts, dependsOn: [projectObject] });
        const made = credentials(robot, spec);
        return { username: made.username, password: pulumi.secret(made.secret.apply((s) => s ?? "")) };
    }
}

/**
 * k3s `registries.yaml` content sending each upstream registry to its Harbor proxy-cache project
 * (containerd falls back to the upstream when Harbor cannot serve). With the self-signed platform
 * CA the nodes do not trust Harbor's certificate, so TLS verification is skipped for that host only.
 */
export function harborMirrors(config: Pick<HarborSettings, "host" | "proxyCache">, trustsCertificate: boolean): Registries {
    const endpoint = `https://${config.host}`;
    return {
        mirrors: Object.fromEntries(config.proxyCache.map((p) => [p.upstream, { endpoints: [endpoint], rewrite: { "^(.*)$": `${p.project}/$1` } }])),
        ...(trustsCertificate ? {} : { configs: { [config.host]: { insecureSkipVerify: true } } }),
    };
}

/** What a robot gives its users: the registry username, the secret (secret), and when Harbor stops taking it (Unix seconds, -1 never). */
export interface RobotCredentials {
    readonly username: pulumi.Output<string>;
    readonly secret: pulumi.Output<string | undefined>;
    readonly expiresAt: pulumi.Output<number | undefined>;
}

function credentials(robot: HarborObject, spec: RobotSpec): RobotCredentials {
    return {
        username: robot.state.apply((s) => String(s?.fullName ?? `robot$${spec.project}+${spec.name}`)),
        secret: pulumi.secret(robot.secret),
        expiresAt: robot.state.apply((s) => (typeof s?.expiresAt === "number" ? s.expiresAt : undefined)),
    };
}

/** Harbor's admin credentials for the configuration-as-code provider; they never leave this component. */
interface AdminConnection {
    url: string;
    username: string;
    password: pulumi.Output<string>;
    insecure: boolean;
}

/**
 * Every Secret the chart would otherwise generate (random values, the token service's key pair,
 * internal TLS), handed to it as existing Secrets; returns them with the admin password.
 */
function chartSecrets(
    parent: pulumi.Resource,
    name: string,
    ns: k8s.core.v1.Namespace,
    namespaceName: string,
    config: HarborSettings,
    protect: boolean,
): { admin: random.RandomPassword; secrets: pulumi.Resource[] } {
    // Protected: values bound to Harbor's database (the admin password it stored at first start,
    // the key it encrypts stored credentials with, its PostgreSQL password). The rest (service
    // secrets, token and internal TLS keys) are only shared between Harbor's pods: a new one
    // rolls them, so protecting them would only block a renewal or a teardown.
    const keep = { parent, protect };
    const regenerable = { parent };
    const password = (role: string, length: number, opts: pulumi.CustomResourceOptions = regenerable) => harborPassword(name, role, length, opts);
    const admin = password("admin-password", 24, keep);
    const registryPassword = password("registry-password", 24);
    const tokenKey = new tls.PrivateKey(`${name}-token-key`, { algorithm: "RSA", rsaBits: 4096 }, regenerable);
    const tokenCert = new tls.SelfSignedCert(
        `${name}-token-cert`,
        {
            privateKeyPem: tokenKey.privateKeyPem,
            subject: { commonName: "harbor-token-ca" },
            validityPeriodHours: 24 * 365 * 10,
            allowedUses: ["digital_signature", "key_encipherment", "cert_signing"],
            isCaCertificate: true,
        },
        regenerable,
    );
    const data: Record<keyof typeof HARBOR_SECRETS, Record<string, pulumi.Input<string>> | undefined> = {
        admin: { HARBOR_ADMIN_PASSWORD: admin.result },
        // Harbor requires exactly 16 characters for these and 32 for the XSRF key.
        secretKey: { secretKey: password("secret-key", 16, keep).result },
        core: { secret: password("core-secret", 16).result },
        coreToken: { "tls.crt": tokenCert.certPem, "tls.key": tokenKey.privateKeyPem },
        xsrf: { CSRF_KEY: password("xsrf-key", 32).result },
        jobservice: { JOBSERVICE_SECRET: password("jobservice-secret", 16).result },
        registry: { REGISTRY_HTTP_SECRET: password("registry-secret", 16).result },
        registryCredentials: {
            REGISTRY_PASSWD: registryPassword.result,
            REGISTRY_HTPASSWD: pulumi.interpolate`${REGISTRY_USER}:${registryPassword.bcryptHash}`,
        },
        database: config.database.external && { password: config.database.external.password },
        s3: config.storage.s3 && {
            REGISTRY_STORAGE_S3_ACCESSKEY: config.storage.s3.accessKey,
            REGISTRY_STORAGE_S3_SECRETKEY: config.storage.s3.secretKey,
        },
    };
    const secrets: pulumi.Resource[] = Object.entries(data)
        .filter((entry): entry is [keyof typeof HARBOR_SECRETS, Record<string, pulumi.Input<string>>] => entry[1] !== undefined)
        .map(
            ([key, stringData]) =>
                new k8s.core.v1.Secret(
                    `${name}-secret-${HARBOR_SECRETS[key].name}`,
                    {
                        metadata: { name: HARBOR_SECRETS[key].name, namespace: ns.metadata.name },
                        type: "Opaque",
                        stringData: pulumi.secret(stringData),
                    },
                    { parent },
                ),
        );
    secrets.push(...harborInternalTls(name, ns.metadata.name, namespaceName, regenerable));
    return { admin, secrets };
}

/** A random letters-and-digits value for one of Harbor's secrets. */
function harborPassword(name: string, role: string, length: number, opts: pulumi.CustomResourceOptions): random.RandomPassword {
    return new random.RandomPassword(`${name}-${role}`, { length, special: false, minUpper: 1, minLower: 1, minNumeric: 1 }, opts);
}

/** The chart release on the platform ingress, after its Secrets and what the platform passes in `after`. */
function installHarbor(parent: pulumi.Resource, name: string, ns: k8s.core.v1.Namespace, args: HarborArgs, secrets: pulumi.Resource[]): k8s.helm.v3.Release {
    const { config } = args;
    // Protected like the other values bound to Harbor's database (chartSecrets).
    const password = (role: string, length: number) => harborPassword(name, role, length, { parent, protect: args.protect });
    const ingress = ingressTls(args.ingress, config.host, "harbor", {
        // Image layers are large: no request body limit on the registry host.
        "nginx.org/client-max-body-size": "0",
    });
    return installChart(
        `${name}-release`,
        {
            chart: CHARTS.harbor,
            // The ingress annotation names the chart's Services, which derive from this name.
            releaseName: HARBOR_RELEASE,
            namespace: ns.metadata.name,
            values: harborValues({
                config,
                // The chart would otherwise start its PostgreSQL with the default "changeit". The chart
                // has no existing-secret key for the internal database, so the password goes in as a
                // nested secret value (docs/adr/0014); the chart puts it in Secrets only.
                internalDatabasePassword: config.database.external ? undefined : pulumi.secret(password("database-password", 32).result),
                tls: ingress,
                highAvailability: args.highAvailability,
                replicas: args.replicas,
            }),
            timeoutSeconds: 900,
        },
        { parent, dependsOn: [...secrets, ...(args.after ?? [])], protect: args.protect },
    );
}

/** One registry endpoint and one public proxy-cache project per upstream registry. */
function proxyCacheProjects(
    name: string,
    connection: AdminConnection,
    proxyCache: HarborSettings["proxyCache"],
    api: pulumi.CustomResourceOptions,
): HarborObject[] {
    return proxyCache.map((cache) => {
        const endpoint = new HarborObject(
            `${name}-endpoint-${cache.project}`,
            { connection, object: { kind: "registry", spec: { name: cache.upstream, ...endpointFor(cache.upstream) } } },
            api,
        );
        return new HarborObject(
            `${name}-project-${cache.project}`,
            {
                connection,
                // Public: nodes pull through the cache anonymously.
                object: endpoint.id.apply((id) => ({ kind: "project" as const, spec: { name: cache.project, public: true, registryId: Number(id) } })),
            },
            api,
        );
    });
}

/** The configured (non-proxy) projects, in config order. */
function configuredProjects(
    name: string,
    connection: AdminConnection,
    projects: HarborSettings["projects"],
    api: pulumi.CustomResourceOptions,
): HarborObject[] {
    return projects.map(
        (p) =>
            new HarborObject(
                `${name}-project-${p.name}`,
                {
                    connection,
                    object: {
                        kind: "project",
                        spec: {
                            name: p.name,
                            public: p.public,
                            scanOnPush: p.scanOnPush,
                            requireSignature: p.requireSignature,
                            // Always sent, so removing preventVulnerable from config turns the policy off.
                            preventVulnerableSeverity: p.preventVulnerable?.severity ?? "none",
                        },
                    },
                },
                api,
            ),
    );
}

/** The CI robot and the pull-only robots, each after every configured project. */
function projectRobots(
    parent: pulumi.Resource,
    name: string,
    connection: AdminConnection,
    config: HarborSettings,
    projects: HarborObject[],
): { ci: Record<string, RobotCredentials>; pull: Record<string, Record<string, RobotCredentials>> } {
    // Project-level robots (never system-level), one per project: a leaked secret reaches one project.
    const robot = (resource: string, spec: RobotSpec) => {
        const made = new HarborObject(resource, { connection, object: { kind: "robot", spec } }, { parent, dependsOn: [...projects] });
        return credentials(made, spec);
    };
    const expiresInDays = config.robotExpiryDays;
    const ci = config.robot;
    return {
        ci: ci
            ? Object.fromEntries(
                  ci.projects.map((project) => [project, robot(`${name}-robot-${ci.name}-${project}`, { name: ci.name, project, expiresInDays })]),
              )
            : {},
        pull: Object.fromEntries(
            config.pullRobots.map((r) => [
                r.name,
                Object.fromEntries(
                    r.projects.map((project) => [
                        project,
                        robot(`${name}-pull-robot-${r.name}-${project}`, { name: r.name, project, access: "pull", expiresInDays }),
                    ]),
                ),
            ]),
        ),
    };
}
