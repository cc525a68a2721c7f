/**
 * The shell scripts ClusterK3s runs over SSH: host checks, install/uninstall, kubeconfig read-back,
 * registries.yaml and host packages. Pure string builders, tested on their own.
 */
import type { HostRequirements } from "../lib/hostRequirements";
import { CONFIG_PATH, K3S_DIR, KUBECONFIG_PATH, NodeRole, REGISTRIES_PATH, SECRETS_PATH } from "./k3sPaths";

/** Shell prelude: fail fast, and use sudo only when not root (sudo must not prompt). */
const PRELUDE = ["set -eu", 'SUDO=""', 'if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi'];

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

/** A kernel a platform feature needs, and which feature (for the failure message). */
export interface KernelRequirement {
    /** Oldest accepted kernel, `major.minor` (e.g. `4.14`). */
    readonly version: string;
    /** Who needs it, completing "kernel X is older than Y, which <reason> needs" (e.g. `DeepFlow's eBPF agent`). */
    readonly reason: string;
}

/** Options for the host prerequisite check. */
export interface PreflightOptions {
    /** Oldest accepted kernel for k3s itself, `major.minor`. */
    readonly minKernel: string;
    /** Also fail when k3s ports are taken (skipped once k3s itself runs there). */
    readonly checkPorts: boolean;
    readonly role: NodeRole;
    /** Node name as configured, used in failure messages. @default the host's own hostname */
    readonly node?: string;
    /** Newer kernels platform features need on every host. @default [] */
    readonly kernelRequirements?: readonly KernelRequirement[];
}

const KERNEL_VERSION = /^\d+\.\d+$/;

/**
 * Shell that sets `kernel_too_old` to 1 when `$kernel` (a `uname -r` string such as
 * `5.15.0-91-generic`) is older than `min` (`major.minor`), comparing numbers, not strings, so
 * 4.9 < 4.14. Needs only POSIX parameter expansion (no `sort -V` on minimal hosts).
 */
export function kernelCompareLines(min: string): string[] {
    if (!KERNEL_VERSION.test(min)) {
        throw new Error(`kernel version '${min}' is not major.minor (e.g. 4.14)`);
    }
    const [major, minor] = min.split(".");
    return [
        'kmajor="${kernel%%.*}"; krest="${kernel#*.}"; kminor="${krest%%[!0-9]*}"',
        'case "$kmajor" in ""|*[!0-9]*) kmajor=0 ;; esac',
        'case "$kminor" in ""|*[!0-9]*) kminor=0 ;; esac',
        "kernel_too_old=0",
        `if [ "$kmajor" -lt ${major} ] || { [ "$kmajor" -eq ${major} ] && [ "$kminor" -lt ${minor} ]; }; then kernel_too_old=1; fi`,
    ];
}

/**
 * Checks a host before k3s is installed; every failure names the host and what to fix.
 * Architectures are the ones k3s publishes binaries for.
 */
export function preflightScript(opts: PreflightOptions): string {
    const where = opts.node === undefined ? "$(hostname)" : `host ${opts.node}`;
    const kernelCheck = (min: string, message: string) => [...kernelCompareLines(min), `if [ "$kernel_too_old" -eq 1 ]; then fail "${message}"; fi`];
    const lines = [
        ...PRELUDE,
        `fail() { echo "platform preflight failed on ${where}: $*" >&2; exit 1; }`,
        '[ "$(uname -s)" = "Linux" ] || fail "k3s needs Linux, found $(uname -s)"',
        'case "$(uname -m)" in',
        "  x86_64|amd64|aarch64|arm64|armv7l|s390x) ;;",
        '  *) fail "unsupported CPU architecture $(uname -m); k3s supports x86_64, aarch64, armv7l, s390x" ;;',
        "esac",
        'kernel="$(uname -r)"',
        ...kernelCheck(opts.minKernel, `kernel $kernel is older than ${opts.minKernel}, which k3s needs`),
        ...(opts.kernelRequirements ?? []).flatMap((req) =>
            kernelCheck(req.version, `kernel $kernel is older than ${req.version}, which ${shellText(req.reason)} needs`),
        ),
        'command -v systemctl >/dev/null 2>&1 || fail "systemd is required (systemctl not found)"',
        'command -v curl >/dev/null 2>&1 || fail "curl is required to download the k3s installer"',
        'if [ -n "$SUDO" ]; then sudo -n true 2>/dev/null || fail "user $(id -un) needs passwordless sudo (or connect as root)"; fi',
    ];
    if (opts.checkPorts) {
        const ports = opts.role === "server" ? [6443, 10250, 2379, 2380] : [10250];
        const service = serviceName(opts.role);
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

/** Text safe inside a double-quoted shell string (no expansion, no quote breaking). */
function shellText(text: string): string {
    return text.replace(/[\\"$`]/g, (c) => `\\${c}`);
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

/** The kubelet's `healthzPort` default (KubeletConfiguration); k3s sets only its bind address, to loopback. */
const KUBELET_HEALTHZ_PORT = 10248;

/** The systemd unit k3s runs as on a node of this role (install.sh: `k3s`, else `k3s-<command>`). */
const serviceName = (role: NodeRole) => (role === "server" ? "k3s" : "k3s-agent");

/**
 * Shell lines that wait for a started node (10 minutes at most). Without a node name (install and
 * settings): a server's API answering /readyz, an agent's unit active. With it (a restart the next
 * node waits for): a server's API answering /readyz and its node Ready; an agent's kubelet answering
 * its health check, since the k3s-agent unit is `Type=exec` (install.sh) and counts as started at once.
 */
function waitUntilReady(role: NodeRole, node?: string): string[] {
    const service = serviceName(role);
    const logs = `$SUDO journalctl -u ${service} -n 50 --no-pager >&2 || true`;
    if (role === "agent" && node === undefined) {
        return [`$SUDO systemctl is-active --quiet ${service} || { echo "${service} is not running on $(hostname)" >&2; ${logs}; exit 1; }`];
    }
    const nodeReady = `[ "$($SUDO k3s kubectl get node '${node}' -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = "True" ]`;
    // The kubelet's health endpoint: k3s binds it to loopback, on the kubelet's default port.
    const ready =
        role === "agent"
            ? `systemctl is-active --quiet ${service} && curl -sf -o /dev/null http://localhost:${KUBELET_HEALTHZ_PORT}/healthz`
            : `$SUDO k3s kubectl get --raw=/readyz >/dev/null 2>&1${node === undefined ? "" : ` && ${nodeReady}`}`;
    const what = role === "agent" ? `kubelet of ${node}` : node === undefined ? "k3s API" : `k3s API or node ${node}`;
    return [
        "i=0",
        `until ${ready}; do`,
        "  i=$((i + 1))",
        `  if [ "$i" -ge 120 ]; then echo "${what} on $(hostname) not ready after 10 minutes" >&2; ${logs}; exit 1; fi`,
        "  sleep 5",
        "done",
    ];
}

/**
 * Installs k3s on a new node at `version`. The secret drop-in is read from stdin so the token never
 * appears on a command line or in this script. Runs once per node: later settings changes go
 * through `applyConfigScript`, version changes through system-upgrade-controller Plans.
 */
export function installScript(opts: InstallOptions): string {
    const lines = [
        ...PRELUDE,
        `$SUDO install -d -m 0700 ${K3S_DIR}/config.yaml.d`,
        `$SUDO sh -c 'umask 077 && cat > ${SECRETS_PATH}'`,
        ...writeFile(CONFIG_PATH, opts.configYaml, "0600"),
        'installer="$(mktemp)"',
        "trap 'rm -f \"$installer\"' EXIT",
        `curl -sfL --retry 5 --retry-delay 2 -o "$installer" ${installScriptUrl(opts.version)}`,
    ];
    if (opts.installScriptSha256 !== undefined) {
        lines.push(
            `echo "${opts.installScriptSha256}  $installer" | sha256sum -c --quiet - || { echo "install.sh checksum mismatch for ${opts.version}" >&2; exit 1; }`,
        );
    }
    lines.push(`$SUDO env INSTALL_K3S_VERSION='${opts.version}' INSTALL_K3S_EXEC='${opts.role}' sh "$installer"`);
    lines.push(...waitUntilReady(opts.role));
    lines.push(`echo "k3s ${opts.version} ${opts.role} ready on $(hostname)"`);
    return lines.join("\n");
}

/**
 * What an install Command runs when Pulumi updates it (e.g. a rotated SSH key): nothing. The
 * installer must never run again on an installed node, or it would put back the version it was
 * first installed with after the system-upgrade-controller moved the node on.
 */
export function installedScript(role: NodeRole): string {
    const service = serviceName(role);
    return [
        ...PRELUDE,
        `echo "k3s already installed on $(hostname); versions move through system-upgrade-controller Plans, settings through the node's config command"`,
        `systemctl is-active --quiet ${service} || echo "warning: ${service} is not running on $(hostname)" >&2`,
    ].join("\n");
}

/**
 * Brings an installed node's config.yaml (and the secret drop-in, from stdin) to the desired text
 * and restarts k3s only when either file changed, so creating this command right after the install
 * (same text) restarts nothing. Servers wait for their API before the next node goes.
 */
export function applyConfigScript(role: NodeRole, configYaml: string): string {
    const service = serviceName(role);
    const lines = [
        ...PRELUDE,
        `$SUDO install -d -m 0700 ${K3S_DIR}/config.yaml.d`,
        `$SUDO sh -c 'umask 077 && cat > ${SECRETS_PATH}.new'`,
        ...writeFile(`${CONFIG_PATH}.new`, configYaml, "0600"),
        "changed=0",
        `for f in ${CONFIG_PATH} ${SECRETS_PATH}; do`,
        '  if $SUDO cmp -s "$f.new" "$f"; then $SUDO rm -f "$f.new"; else $SUDO mv "$f.new" "$f"; changed=1; fi',
        "done",
        'if [ "$changed" -eq 0 ]; then echo "k3s settings unchanged on $(hostname)"; exit 0; fi',
        `$SUDO systemctl restart ${service}`,
    ];
    lines.push(...waitUntilReady(role));
    lines.push(`echo "k3s settings applied on $(hostname)"`);
    return lines.join("\n");
}

/** Removes k3s from a host (the uninstall scripts the installer left behind). */
export function uninstallScript(role: NodeRole): string {
    const script = role === "server" ? "/usr/local/bin/k3s-uninstall.sh" : "/usr/local/bin/k3s-agent-uninstall.sh";
    return [...PRELUDE, `if [ -x ${script} ]; then $SUDO ${script}; fi`].join("\n");
}

/** Reads the admin kubeconfig k3s wrote on the first server. Its command must not log stdout. */
export function readKubeconfigScript(): string {
    return [...PRELUDE, `$SUDO cat ${KUBECONFIG_PATH}`].join("\n");
}

/** Where k3s keeps the cluster CA that secure join tokens are pinned to. */
const SERVER_CA_PATH = "/var/lib/rancher/k3s/server/tls/server-ca.crt";

/**
 * Prints the SHA-256 of the first server's cluster CA certificate (not a secret): joining nodes
 * verify the server with it before they send their token (k3s "secure" token format).
 */
export function caHashScript(): string {
    return [...PRELUDE, `$SUDO sha256sum ${SERVER_CA_PATH} | cut -d' ' -f1`].join("\n");
}

/**
 * Writes registries.yaml from stdin and restarts k3s on `node`, which reads the file only when it
 * starts (k3s pkg/agent/config: the private registry file is loaded while the agent configuration is
 * built at startup; docs: restart K3s on each node for registry changes to take effect). The command
 * ends only when the node serves again (a server's API answers /readyz and its node is Ready), so the
 * next node's restart, and whatever waits for the last one, start after it.
 */
export function applyRegistriesScript(role: NodeRole, node: string): string {
    const service = serviceName(role);
    return [
        ...PRELUDE,
        `$SUDO sh -c 'umask 077 && cat > ${REGISTRIES_PATH}.new && mv ${REGISTRIES_PATH}.new ${REGISTRIES_PATH}'`,
        `$SUDO systemctl restart ${service}`,
        ...waitUntilReady(role, node),
        `echo "registry mirrors applied on $(hostname)"`,
    ].join("\n");
}

/** Removes registries.yaml (pulls go straight upstream again) and restarts a running k3s, waiting as above. */
export function removeRegistriesScript(role: NodeRole, node: string): string {
    const service = serviceName(role);
    return [
        ...PRELUDE,
        `if [ ! -e ${REGISTRIES_PATH} ]; then exit 0; fi`,
        `$SUDO rm -f ${REGISTRIES_PATH}`,
        // A node being uninstalled has no k3s left to restart.
        `if ! systemctl is-active --quiet ${service}; then exit 0; fi`,
        `$SUDO systemctl restart ${service}`,
        ...waitUntilReady(role, node),
    ].join("\n");
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
