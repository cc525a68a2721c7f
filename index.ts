// The program `pulumi up` runs and `npm run render` evaluates under mocks: read the stack's
// `platform:` config once (invalid config stops here, before any resource), build the platform,
// export its outputs (secrets stay secret). Everything else lives in config/ (read + resolve), platform/ (composition) and components/.
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./config/config";
import { Platform } from "./platform/platform";

const { config, warnings } = loadPlatformConfig();
// Old key forms still accepted (one minor release): each warning names the key that replaces it.
// `pulumi up`/`preview` show them as warnings; the offline render prints them on stderr.
for (const warning of warnings) {
    void pulumi.log.warn(warning);
}
const platform = new Platform(pulumi.getStack(), config);
const out = platform.outputs;

/** Admin kubeconfig (secret): `pulumi stack output kubeconfig --show-secrets > kubeconfig`. */
export const kubeconfig = out.kubeconfig;
/** Kubernetes API URL, and the nodes installed in k3s mode (name, SSH host, role). */
export const apiEndpoint = out.apiEndpoint;
export const nodes = out.nodes;
/** Namespaces the platform created; IngressClass and ClusterIssuer for your own Ingresses. */
export const namespaces = out.namespaces;
export const ingressClass = out.ingressClass;
export const clusterIssuer = out.clusterIssuer;
/** Harbor: URL, CI robot (secret) and admin password (secret), when enabled. */
export const registryUrl = out.registryUrl ?? null;
export const registryRobot = out.registryRobot ?? null;
export const registryAdminPassword = out.registryAdminPassword ?? null;
/** Longhorn UI and Grafana, with their admin passwords (secrets). */
export const storageUi = out.storageUi ?? null;
export const grafana = out.grafana ?? null;
/** Per app: URL, image, digest, previous digest (rollback), canary; and the stack's profile. */
export const apps = out.apps;
export const profile = config.profile;
/** Whether data is protected from deletion (`platform:protect`, default by profile). */
export const protect = config.defaults.protectStateful;
