// The program `pulumi up` runs and `npm run render` evaluates under mocks: read the `platform:` config once (invalid config
// stops here), build the platform, export its outputs (secrets stay secret). The rest: config/, platform/, components/.
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./config/config";
import { Platform } from "./platform/platform";

const { config, warnings } = loadPlatformConfig();
warnings.forEach((warning) => void pulumi.log.warn(warning)); // old key forms: each names its new key
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
export const storageUi = out.storageUi ?? null; // Longhorn UI and Grafana, with their admin passwords (secrets)
export const grafana = out.grafana ?? null;
/** Per app: URL, image, digest, previous digest (rollback), canary; the profile; whether data is protected (`platform:protect`). */
export const apps = out.apps;
export const profile = config.profile;
export const protect = config.defaults.protectStateful;
