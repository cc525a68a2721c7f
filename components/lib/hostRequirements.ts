/**
 * What components ask of the cluster's hosts, in terms ClusterK3s understands: OS packages (e.g.
 * Longhorn's iSCSI/NFS) and registry mirrors (Harbor's proxy caches). Shared types only, so
 * components never import each other.
 */

/** OS packages and services a node needs for a platform feature, per package family. */
export interface HostRequirements {
    /** apt (Debian, Ubuntu) package names. */
    readonly apt: readonly string[];
    /** dnf/yum (RHEL, Rocky, Alma, Fedora) package names. */
    readonly dnf: readonly string[];
    /** zypper (SUSE) package names. */
    readonly zypper: readonly string[];
    /** systemd units to enable and start. */
    readonly services: readonly string[];
}

/** Registry mirror for one upstream registry, in k3s `registries.yaml` terms. */
export interface RegistryMirror {
    /** Mirror endpoints tried in order (`https://registry.example.com`); upstream is the fallback. */
    readonly endpoints: readonly string[];
    /** Rewrites of the repository path, e.g. `{"^(.*)$": "dockerhub/$1"}` for a Harbor proxy project. */
    readonly rewrite?: Readonly<Record<string, string>>;
}

/** Credentials/TLS for one mirror host (`configs:` section). */
export interface RegistryHostConfig {
    readonly username?: string;
    readonly password?: string;
    readonly insecureSkipVerify?: boolean;
}

export interface Registries {
    /** Upstream registry (`docker.io`, `ghcr.io`...) -> mirror. */
    readonly mirrors: Readonly<Record<string, RegistryMirror>>;
    /** Mirror host (`registry.example.com`) -> auth/TLS settings. */
    readonly configs?: Readonly<Record<string, RegistryHostConfig>>;
}
