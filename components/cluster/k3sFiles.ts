/**
 * Pure builders for what ClusterK3s writes to each host: `/etc/rancher/k3s/config.yaml`, the secret
 * drop-in, `registries.yaml`, and the shell scripts run over SSH. No Pulumi here, so every branch is
 * unit-tested on plain values and the render shows the exact text a host receives.
 */
import { stringify, parse } from "yaml";

export const K3S_DIR = "/etc/rancher/k3s";
export const CONFIG_PATH = `${K3S_DIR}/config.yaml`;
/** Drop-in k3s merges after config.yaml; holds the token and S3 secret key, mode 0600. */
export const SECRETS_PATH = `${K3S_DIR}/config.yaml.d/90-platform-secrets.yaml`;
export const REGISTRIES_PATH = `${K3S_DIR}/registries.yaml`;
export const KUBECONFIG_PATH = `${K3S_DIR}/k3s.yaml`;
export const API_PORT = 6443;

export type NodeRole = "server" | "agent";

/** A host as ClusterK3s sees it: config node plus its role and position. */
export interface K3sNode {
    readonly name: string;
    readonly host: string;
    /** Private address other nodes use; undefined means `host`. */
    readonly address?: string;
    readonly role: NodeRole;
    /** True only for servers[0], the node that runs `cluster-init`. */
    readonly init: boolean;
    readonly labels?: Readonly<Record<string, string>>;
    readonly taints?: readonly string[];
}

/** Cluster-wide settings every node's config.yaml is built from. */
export interface K3sSettings {
    /** URL joining nodes register with: `https://<first server address>:6443`. */
    readonly joinUrl: string;
    /** Names and IPs the API server certificate must cover (tls-san). */
    readonly tlsSans: readonly string[];
    /** Packaged components to disable; traefik is always included. */
    readonly disable: readonly string[];
    readonly secretsEncryption: boolean;
    readonly clusterCidr?: string;
    readonly serviceCidr?: string;
    readonly etcdSnapshots: {
        readonly schedule: string;
        readonly retention: number;
        readonly s3?: {
            readonly endpoint: string;
            readonly bucket: string;
            readonly region?: string;
            readonly folder?: string;
            readonly accessKey: string;
            readonly insecure: boolean;
        };
    };
}

/** The k3s config.yaml of one node, as an object (keys are k3s CLI flag names). */
export function nodeConfig(node: K3sNode, settings: K3sSettings): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    if (node.init) {
        config["cluster-init"] = true;
    } else {
        config.server = settings.joinUrl;
    }
    config["node-name"] = node.name;
    if (node.address !== undefined) {
        config["node-ip"] = node.address;
    }
    if (node.labels && Object.keys(node.labels).length > 0) {
        config["node-label"] = Object.entries(node.labels)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `${k}=${v}`);
    }
    if (node.taints && node.taints.length > 0) {
        config["node-taint"] = [...node.taints];
    }
    // Prometheus scrapes kube-proxy on every node; k3s binds it to 127.0.0.1 by default.
    config["kube-proxy-arg"] = ["metrics-bind-address=0.0.0.0:10249"];
    if (node.role === "agent") {
        return config;
    }

    config["tls-san"] = [...settings.tlsSans];
    config["write-kubeconfig-mode"] = "0600";
    config.disable = ["traefik", ...settings.disable.filter((d) => d !== "traefik")];
    if (settings.clusterCidr !== undefined) {
        config["cluster-cidr"] = settings.clusterCidr;
    }
    if (settings.serviceCidr !== undefined) {
        config["service-cidr"] = settings.serviceCidr;
    }
    if (settings.secretsEncryption) {
        config["secrets-encryption"] = true;
    }
    // controller-manager and scheduler bind their metrics to 127.0.0.1 unless told otherwise, and
    // etcd metrics are off: without these, kube-prometheus-stack's targets for them stay down.
    config["kube-controller-manager-arg"] = ["bind-address=0.0.0.0"];
    config["kube-scheduler-arg"] = ["bind-address=0.0.0.0"];
    config["etcd-expose-metrics"] = true;
    config["etcd-snapshot-schedule-cron"] = settings.etcdSnapshots.schedule;
    config["etcd-snapshot-retention"] = settings.etcdSnapshots.retention;
    const s3 = settings.etcdSnapshots.s3;
    if (s3) {
        config["etcd-s3"] = true;
        config["etcd-s3-endpoint"] = s3.endpoint;
        config["etcd-s3-bucket"] = s3.bucket;
        if (s3.region !== undefined) {
            config["etcd-s3-region"] = s3.region;
        }
        if (s3.folder !== undefined) {
            config["etcd-s3-folder"] = s3.folder;
        }
        config["etcd-s3-access-key"] = s3.accessKey;
        if (s3.insecure) {
            config["etcd-s3-insecure"] = true;
        }
    }
    return config;
}

/** YAML text of a k3s config object; stable key order so an unchanged config is byte-identical. */
export function toYaml(value: unknown): string {
    return stringify(value, { lineWidth: 0 });
}

/** The secret drop-in: cluster token, plus the S3 secret key on servers that upload snapshots. */
export function secretsYaml(token: string, s3SecretKey: string | undefined, role: NodeRole): string {
    const secrets: Record<string, string> = { token };
    if (role === "server" && s3SecretKey !== undefined) {
        secrets["etcd-s3-secret-key"] = s3SecretKey;
    }
    return toYaml(secrets);
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

/** `registries.yaml` text; upstream stays the fallback because containerd tries it after mirrors. */
export function registriesYaml(registries: Registries): string {
    const mirrors: Record<string, unknown> = {};
    for (const upstream of Object.keys(registries.mirrors).sort()) {
        const mirror = registries.mirrors[upstream];
        mirrors[upstream] = {
            endpoint: [...mirror.endpoints],
            ...(mirror.rewrite && Object.keys(mirror.rewrite).length > 0 ? { rewrite: { ...mirror.rewrite } } : {}),
        };
    }
    const configs: Record<string, unknown> = {};
    for (const host of Object.keys(registries.configs ?? {}).sort()) {
        const c = (registries.configs ?? {})[host];
        configs[host] = {
            ...(c.username !== undefined ? { auth: { username: c.username, password: c.password ?? "" } } : {}),
            ...(c.insecureSkipVerify ? { tls: { insecure_skip_verify: true } } : {}),
        };
    }
    return toYaml(Object.keys(configs).length > 0 ? { mirrors, configs } : { mirrors });
}

/** Shell prelude: fail fast, and use sudo only when not root (sudo must not prompt). */
const PRELUDE = ['set -eu', 'SUDO=""', 'if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi'];

/** Writes `text` to `path` through a quoted heredoc (no shell expansion of the content). */
function writeFile(path: string, text: string, mode: string): string[] {
    const marker = "PLATFORM_EOF";
    if (text.split("\n").includes(marker)) {
        throw new Error(`file content for ${path} contains the heredoc marker ${marker}`);
    }
    return [
        `$SUDO install -d -m 0755 ${path.slice(0, path.lastIndexOf("/"))}`,
        `$SUDO tee ${path} >/dev/null <<'${marker}'`,
        ...text.replace(/\n$/, "").split("\n"),
        marker,
        `$SUDO chmod ${mode} ${path}`,
    ];
}

/** Options for the host prerequisite check. */
export interface PreflightOptions {
    /** Oldest accepted kernel, `major.minor`. */
    readonly minKernel: string;
    /** Also fail when k3s ports are taken (skipped once k3s itself runs there). */
    readonly checkPorts: boolean;
    readonly role: NodeRole;
}

/**
 * Checks a host before k3s is installed; every failure names the host and what to fix.
 * Architectures are the ones k3s publishes binaries for.
 */
export function preflightScript(opts: PreflightOptions): string {
    const [major, minor] = opts.minKernel.split(".").map(Number);
    const lines = [
        ...PRELUDE,
        'fail() { echo "platform preflight failed on $(hostname): $*" >&2; exit 1; }',
        '[ "$(uname -s)" = "Linux" ] || fail "k3s needs Linux, found $(uname -s)"',
        'case "$(uname -m)" in',
        "  x86_64|amd64|aarch64|arm64|armv7l|s390x) ;;",
        '  *) fail "unsupported CPU architecture $(uname -m); k3s supports x86_64, aarch64, armv7l, s390x" ;;',
        "esac",
        'kernel="$(uname -r)"',
        'kmajor="${kernel%%.*}"; krest="${kernel#*.}"; kminor="${krest%%[!0-9]*}"',
        `if [ "$kmajor" -lt ${major} ] || { [ "$kmajor" -eq ${major} ] && [ "$kminor" -lt ${minor} ]; }; then`,
        `  fail "kernel $kernel is older than the required ${opts.minKernel}"`,
        "fi",
        'command -v systemctl >/dev/null 2>&1 || fail "systemd is required (systemctl not found)"',
        'command -v curl >/dev/null 2>&1 || fail "curl is required to download the k3s installer"',
        'if [ -n "$SUDO" ]; then sudo -n true 2>/dev/null || fail "user $(id -un) needs passwordless sudo (or connect as root)"; fi',
    ];
    if (opts.checkPorts) {
        const ports = opts.role === "server" ? [6443, 10250, 2379, 2380] : [10250];
        const service = opts.role === "server" ? "k3s" : "k3s-agent";
        lines.push(
            `if ! systemctl is-active --quiet ${service} 2>/dev/null; then`,
            `  for port in ${ports.join(" ")}; do`,
            '    if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then fail "TCP port $port is already in use"; fi',
            "  done",
            "fi",
        );
    }
    lines.push('echo "preflight ok: $(uname -sm) kernel $kernel"');
    return lines.join("\n");
}

export interface InstallOptions {
    readonly version: string;
    readonly role: NodeRole;
    /** config.yaml text (not secret). */
    readonly configYaml: string;
    readonly installScriptSha256?: string;
}

/** Where the pinned installer comes from: the install.sh of the release tag itself. */
export function installScriptUrl(version: string): string {
    return `https://raw.githubusercontent.com/k3s-io/k3s/${version}/install.sh`;
}

/**
 * Installs (or re-applies) k3s. The secret drop-in is read from stdin so the token never appears
 * on a command line or in this script; re-running with a changed config rewrites the files and the
 * installer restarts the service, which is how a config change takes effect.
 */
export function installScript(opts: InstallOptions): string {
    const service = opts.role === "server" ? "k3s" : "k3s-agent";
    const lines = [
        ...PRELUDE,
        `$SUDO install -d -m 0700 ${K3S_DIR}/config.yaml.d`,
        `$SUDO sh -c 'umask 077 && cat > ${SECRETS_PATH}'`,
        ...writeFile(CONFIG_PATH, opts.configYaml, "0600"),
        'installer="$(mktemp)"',
        'trap \'rm -f "$installer"\' EXIT',
        `curl -sfL --retry 5 --retry-delay 2 -o "$installer" ${installScriptUrl(opts.version)}`,
    ];
    if (opts.installScriptSha256 !== undefined) {
        lines.push(
            `echo "${opts.installScriptSha256}  $installer" | sha256sum -c --quiet - || { echo "install.sh checksum mismatch for ${opts.version}" >&2; exit 1; }`,
        );
    }
    lines.push(`$SUDO env INSTALL_K3S_VERSION='${opts.version}' INSTALL_K3S_EXEC='${opts.role}' sh "$installer"`);
    if (opts.role === "server") {
        lines.push(
            "i=0",
            `until $SUDO k3s kubectl get --raw=/readyz >/dev/null 2>&1; do`,
            "  i=$((i + 1))",
            `  if [ "$i" -ge 120 ]; then echo "k3s API on $(hostname) not ready after 10 minutes" >&2; $SUDO journalctl -u ${service} -n 50 --no-pager >&2 || true; exit 1; fi`,
            "  sleep 5",
            "done",
        );
    } else {
        lines.push(
            `$SUDO systemctl is-active --quiet ${service} || { echo "${service} is not running on $(hostname)" >&2; $SUDO journalctl -u ${service} -n 50 --no-pager >&2 || true; exit 1; }`,
        );
    }
    lines.push(`echo "k3s ${opts.version} ${opts.role} ready on $(hostname)"`);
    return lines.join("\n");
}

/** Removes k3s from a host (the uninstall scripts the installer left behind). */
export function uninstallScript(role: NodeRole): string {
    const script = role === "server" ? "/usr/local/bin/k3s-uninstall.sh" : "/usr/local/bin/k3s-agent-uninstall.sh";
    return [...PRELUDE, `if [ -x ${script} ]; then $SUDO ${script}; fi`].join("\n");
}

/** Reads the admin kubeconfig k3s wrote on the first server. */
export function readKubeconfigScript(): string {
    return [...PRELUDE, `$SUDO cat ${KUBECONFIG_PATH}`].join("\n");
}

/** Writes registries.yaml from stdin and restarts k3s so containerd picks the mirrors up. */
export function applyRegistriesScript(role: NodeRole): string {
    const service = role === "server" ? "k3s" : "k3s-agent";
    return [
        ...PRELUDE,
        `$SUDO sh -c 'umask 077 && cat > ${REGISTRIES_PATH}.new && mv ${REGISTRIES_PATH}.new ${REGISTRIES_PATH}'`,
        `$SUDO systemctl restart ${service}`,
    ].join("\n");
}

/** Removes registries.yaml (pulls go straight upstream again) and restarts k3s. */
export function removeRegistriesScript(role: NodeRole): string {
    const service = role === "server" ? "k3s" : "k3s-agent";
    return [...PRELUDE, `$SUDO rm -f ${REGISTRIES_PATH}`, `$SUDO systemctl restart ${service} || true`].join("\n");
}

/**
 * Points the k3s admin kubeconfig (server `https://127.0.0.1:6443`, names `default`) at the API
 * endpoint and names cluster, user and context after the stack, so it can be merged with others.
 */
export function rewriteKubeconfig(text: string, server: string, name: string): string {
    const doc = parse(text) as {
        clusters?: { name: string; cluster: { server?: string } }[];
        users?: { name: string }[];
        contexts?: { name: string; context: { cluster: string; user: string } }[];
        "current-context"?: string;
    } | null;
    if (!doc || !Array.isArray(doc.clusters) || doc.clusters.length === 0) {
        throw new Error(`${KUBECONFIG_PATH} on the first server is not a kubeconfig (no clusters)`);
    }
    for (const cluster of doc.clusters) {
        cluster.name = name;
        cluster.cluster.server = server;
    }
    for (const user of doc.users ?? []) {
        user.name = name;
    }
    for (const context of doc.contexts ?? []) {
        context.name = name;
        context.context.cluster = name;
        context.context.user = name;
    }
    doc["current-context"] = name;
    return toYaml(doc);
}

/** The API server URL a kubeconfig context points at, or undefined when it cannot be read. */
export function kubeconfigServer(text: string, context?: string): string | undefined {
    try {
        const doc = parse(text) as {
            clusters?: { name: string; cluster: { server?: string } }[];
            contexts?: { name: string; context: { cluster: string } }[];
            "current-context"?: string;
        } | null;
        const ctxName = context ?? doc?.["current-context"];
        const ctx = doc?.contexts?.find((c) => c.name === ctxName);
        return doc?.clusters?.find((c) => c.name === ctx?.context.cluster)?.cluster.server;
    } catch {
        return undefined;
    }
}

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

/** Installs the packages with whichever package manager the host has; idempotent. */
export function hostPackagesScript(req: HostRequirements): string {
    const list = (names: readonly string[]) => names.join(" ");
    return [
        ...PRELUDE,
        "if command -v apt-get >/dev/null 2>&1; then",
        `  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${list(req.apt)}`,
        "elif command -v dnf >/dev/null 2>&1; then",
        `  $SUDO dnf install -y -q ${list(req.dnf)}`,
        "elif command -v yum >/dev/null 2>&1; then",
        `  $SUDO yum install -y -q ${list(req.dnf)}`,
        "elif command -v zypper >/dev/null 2>&1; then",
        `  $SUDO zypper --non-interactive install ${list(req.zypper)}`,
        "else",
        '  echo "platform: no supported package manager (apt, dnf, yum, zypper) on $(hostname)" >&2; exit 1',
        "fi",
        ...req.services.map((svc) => `$SUDO systemctl enable --now ${svc}`),
    ].join("\n");
}
