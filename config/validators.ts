/**
 * Pure string checks shared by the config schema. Each returns true when the value is acceptable;
 * the schema attaches the "expected ..." wording so every message names what a user should write.
 */
import { isIP } from "node:net";

/** One DNS label: lower-case letters, digits and hyphens, 1-63 characters, no leading/trailing hyphen. */
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A DNS name made of valid labels (RFC 1123), at most 253 characters. Single labels allowed. A
 * dotted name whose last label is all digits (`10.20.0.312`, `1.2.3`) is an IPv4 address or a
 * typo of one, never a host name (no top-level domain is numeric).
 */
export function isDnsName(value: string): boolean {
    if (value.length === 0 || value.length > 253) {
        return false;
    }
    const labels = value.split(".");
    if (labels.length > 1 && /^\d+$/.test(labels[labels.length - 1])) {
        return false;
    }
    return labels.every((label) => DNS_LABEL.test(label));
}

/** A DNS domain with at least two labels and an alphabetic top-level label (`example.com`). */
export function isDomain(value: string): boolean {
    const labels = value.split(".");
    return labels.length >= 2 && isDnsName(value) && /^[a-z]{2,63}$/.test(labels[labels.length - 1]);
}

/** An IPv4 or IPv6 address. */
export function isIpAddress(value: string): boolean {
    return isIP(value) !== 0;
}

/** An IP address or a DNS hostname: what SSH, tls-san and a kubeconfig server accept. */
export function isHostOrIp(value: string): boolean {
    // isDnsName refuses all-numeric dotted names: 10.20.0.312 is neither an address nor a host.
    return isIpAddress(value) || isDnsName(value);
}

/** `host` or `host:port`, as k3s expects for `etcd-s3-endpoint` (no scheme). */
export function isHostPort(value: string): boolean {
    const match = /^(.+?)(?::(\d{1,5}))?$/.exec(value);
    if (!match) {
        return false;
    }
    const port = match[2] === undefined ? 443 : Number(match[2]);
    return isHostOrIp(match[1]) && port >= 1 && port <= 65535;
}

/**
 * A k3s release tag as published on GitHub (`v1.36.4+k3s1`). The same string selects the install
 * script (raw.githubusercontent.com/k3s-io/k3s/<tag>/install.sh) and INSTALL_K3S_VERSION.
 */
export function isK3sVersion(value: string): boolean {
    return /^v1\.\d{1,3}\.\d{1,3}(-rc\d+)?\+k3s\d+$/.test(value);
}

/** A Kubernetes node name (DNS-1123 subdomain, as k3s `node-name` requires). */
export function isNodeName(value: string): boolean {
    return isDnsName(value);
}

/** A Kubernetes namespace name (DNS-1123 label). */
export function isNamespaceName(value: string): boolean {
    return DNS_LABEL.test(value);
}

/** A five-field cron expression (k3s `etcd-snapshot-schedule-cron`). */
export function isCron(value: string): boolean {
    const fields = value.trim().split(/\s+/);
    return fields.length === 5 && fields.every((f) => /^[0-9*,/\-A-Za-z?]+$/.test(f));
}

/** A Kubernetes label key: optional DNS prefix, then a name of at most 63 characters. */
export function isLabelKey(value: string): boolean {
    const slash = value.lastIndexOf("/");
    const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
    const name = slash >= 0 ? value.slice(slash + 1) : value;
    if (prefix !== undefined && !isDnsName(prefix)) {
        return false;
    }
    return /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(name);
}

/** A Kubernetes label value: empty, or at most 63 alphanumerics with `-_.` inside. */
export function isLabelValue(value: string): boolean {
    return value === "" || /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(value);
}

/** A node taint in k3s `node-taint` form: `key[=value]:Effect`. */
export function isTaint(value: string): boolean {
    const match = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(value);
    return match !== null && isLabelKey(match[1]) && isLabelValue(match[2] ?? "");
}

/** An IPv4 or IPv6 CIDR block. */
export function isCidr(value: string): boolean {
    const [addr, bits, extra] = value.split("/");
    if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) {
        return false;
    }
    const family = isIP(addr);
    return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

/** A lower-case hex SHA-256 digest. */
export function isSha256(value: string): boolean {
    return /^[a-f0-9]{64}$/.test(value);
}

/** Key types OpenSSH servers offer as host keys. */
const SSH_KEY_TYPES = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

/**
 * An SSH public key in authorized_keys form, `<type> <base64>[ comment]`: what `ssh-keyscan`
 * prints after the host name, and what `@pulumi/command` 1.x parses for `connection.hostKey`.
 * The base64 blob must start with the same key type, as OpenSSH encodes it.
 */
export function isSshPublicKey(value: string): boolean {
    const [type, blob] = value.trim().split(/\s+/);
    if (!SSH_KEY_TYPES.includes(type) || blob === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) {
        return false;
    }
    const bytes = Buffer.from(blob, "base64");
    if (bytes.length < 4) {
        return false;
    }
    const length = bytes.readUInt32BE(0);
    return bytes.subarray(4, 4 + length).toString("latin1") === type;
}

/**
 * Addresses the internet cannot reach: RFC 1918, carrier-grade NAT (100.64/10), loopback,
 * link-local, and IPv6 unique-local/link-local/loopback. Documentation ranges are not included:
 * example stacks use them as stand-ins for public addresses.
 */
export function isPrivateIp(value: string): boolean {
    if (isIP(value) === 4) {
        const [a, b] = value.split(".").map(Number);
        return (
            a === 10 ||
            a === 127 ||
            (a === 172 && b >= 16 && b <= 31) ||
            (a === 192 && b === 168) ||
            (a === 100 && b >= 64 && b <= 127) ||
            (a === 169 && b === 254)
        );
    }
    if (isIP(value) === 6) {
        const v = value.toLowerCase();
        return v === "::1" || /^f[cd][0-9a-f]{2}:/.test(v) || /^fe[89ab][0-9a-f]:/.test(v);
    }
    return false;
}
