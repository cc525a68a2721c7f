/** Where k3s keeps its files on a host, and the node roles. */
export const K3S_DIR = "/etc/rancher/k3s";
export const CONFIG_PATH = `${K3S_DIR}/config.yaml`;
/** Drop-in k3s merges after config.yaml; holds the token and S3 secret key, mode 0600. */
export const SECRETS_PATH = `${K3S_DIR}/config.yaml.d/90-platform-secrets.yaml`;
export const REGISTRIES_PATH = `${K3S_DIR}/registries.yaml`;
export const KUBECONFIG_PATH = `${K3S_DIR}/k3s.yaml`;
export const API_PORT = 6443;

export type NodeRole = "server" | "agent";
