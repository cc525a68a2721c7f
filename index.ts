// The program `pulumi up` runs and `npm run render` evaluates under mocks: read the stack's
// `platform:` config once (invalid config stops here, before any resource), build the platform,
// export its outputs. Everything else lives in stacks/ and components/.
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./stacks/config";
import { Platform } from "./stacks/platform";

const config = loadPlatformConfig();
const platform = new Platform(pulumi.getStack(), config);

/** Admin kubeconfig (secret): `pulumi stack output kubeconfig --show-secrets > kubeconfig`. */
export const kubeconfig = platform.outputs.kubeconfig;
/** Kubernetes API URL. */
export const apiEndpoint = platform.outputs.apiEndpoint;
/** Nodes installed in k3s mode (name, SSH host, role). */
export const nodes = platform.outputs.nodes;
/** Namespaces the platform created. */
export const namespaces = platform.outputs.namespaces;
/** IngressClass and ClusterIssuer for your own Ingresses. */
export const ingressClass = platform.outputs.ingressClass;
export const clusterIssuer = platform.outputs.clusterIssuer;
/** Harbor registry URL (when enabled). */
export const registryUrl = platform.outputs.registryUrl ?? null;
/** CI robot account for pushes (its secret is a secret). */
export const registryRobot = platform.outputs.registryRobot ?? null;
export const registryAdminPassword = platform.outputs.registryAdminPassword ?? null;
/** Longhorn UI (basic auth; password secret). */
export const storageUi = platform.outputs.storageUi ?? null;
/** The profile the stack runs with. */
export const profile = config.profile;
