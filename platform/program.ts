/**
 * The program `pulumi up` runs (index.ts exports this function; Pulumi's Node.js runtime calls an
 * exported function and turns the object it returns into the stack outputs) and `npm run render`
 * evaluates under mocks: read the `platform:` config once (invalid config stops here, before any
 * resource), build the platform, return its outputs (secrets stay secret). A function, not module
 * top-level code, so one process can evaluate it once per stack without loading its modules again.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "../config/config";
import { Platform } from "./platform";

/**
 * @param observe called with the built Platform (the offline render reads its network flows for
 * `reachability.txt`); Pulumi's runtime calls the program with no argument.
 */
export function platformProgram(observe?: (platform: Platform) => void) {
    const { config, warnings } = loadPlatformConfig();
    warnings.forEach((warning) => void pulumi.log.warn(warning)); // old key forms: each names its new key
    const platform = new Platform(pulumi.getStack(), config);
    observe?.(platform);
    const out = platform.outputs;
    return {
        /** Admin kubeconfig (secret): `pulumi stack output kubeconfig --show-secrets > kubeconfig`. */
        kubeconfig: out.kubeconfig,
        /** Kubernetes API URL, and the nodes installed in k3s mode (name, SSH host, role). */
        apiEndpoint: out.apiEndpoint,
        nodes: out.nodes,
        /** Namespaces the platform created; IngressClass and ClusterIssuer for your own Ingresses. */
        namespaces: out.namespaces,
        ingressClass: out.ingressClass,
        clusterIssuer: out.clusterIssuer,
        /**
         * Harbor: URL, the CI robot per project and the pull-only robots by name and project (username,
         * secret, expiresAt; secrets hidden), the admin password (secret), when enabled.
         */
        registryUrl: out.registryUrl ?? null,
        registryRobots: out.registryRobots ?? null,
        registryPullRobots: out.registryPullRobots ?? null,
        registryAdminPassword: out.registryAdminPassword ?? null,
        /** Longhorn UI and Grafana, with their admin passwords (secrets). */
        storageUi: out.storageUi ?? null,
        grafana: out.grafana ?? null,
        /** Per app: URL, image, digest, previous digest (rollback), canary. */
        apps: out.apps,
        /** The profile, and whether data is protected (`platform:protect`). */
        profile: config.profile,
        protect: config.defaults.protectStateful,
    };
}
