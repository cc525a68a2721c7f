import { execFileSync } from "node:child_process";
import { parse } from "yaml";
import {
    applyConfigScript,
    applyRegistriesScript,
    installedScript,
    installScript,
    installScriptUrl,
    K3sNode,
    K3sSettings,
    kernelCompareLines,
    kubeconfigServer,
    nodeConfig,
    preflightScript,
    registriesYaml,
    removeRegistriesScript,
    rewriteKubeconfig,
    secretsYaml,
    secureToken,
    toYaml,
    uninstallScript,
} from "../../components/cluster/k3sFiles";
import { fakeK3sKubeconfig } from "../../offline/mocks";

const settings: K3sSettings = {
    joinUrl: "https://10.0.0.1:6443",
    tlsSans: ["k3s.example.com", "10.0.0.1"],
    disable: ["servicelb"],
    secretsEncryption: true,
    etcdSnapshots: { schedule: "0 */6 * * *", retention: 28 },
};
const first: K3sNode = { name: "s1", host: "203.0.113.1", address: "10.0.0.1", role: "server", init: true };
const joiner: K3sNode = { name: "s2", host: "203.0.113.2", address: "10.0.0.2", role: "server", init: false };
const agent: K3sNode = {
    name: "a1",
    host: "203.0.113.9",
    role: "agent",
    init: false,
    labels: { "topology.kubernetes.io/zone": "b", role: "db" },
    taints: ["dedicated=db:NoSchedule"],
};

describe("k3s config.yaml", () => {
    it("initialises etcd on the first server only; others join its address", () => {
        expect(nodeConfig(first, settings)).toMatchObject({ "cluster-init": true, "node-name": "s1", "node-ip": "10.0.0.1" });
        expect(nodeConfig(first, settings)).not.toHaveProperty("server");
        expect(nodeConfig(joiner, settings)).toMatchObject({ server: "https://10.0.0.1:6443", "node-name": "s2" });
        expect(nodeConfig(joiner, settings)).not.toHaveProperty("cluster-init");
        expect(nodeConfig(agent, settings)).toMatchObject({ server: "https://10.0.0.1:6443" });
    });

    it("gives servers tls-san, traefik disabled, secrets encryption and scrapeable metrics", () => {
        const config = nodeConfig(joiner, settings);
        expect(config["tls-san"]).toEqual(["k3s.example.com", "10.0.0.1"]);
        expect(config.disable).toEqual(["traefik", "servicelb"]);
        expect(config["secrets-encryption"]).toBe(true);
        // Control-plane metrics stay on 127.0.0.1 (the kubelet serves k3s's one registry); only etcd's are exposed.
        expect(config).not.toHaveProperty("kube-controller-manager-arg");
        expect(config).not.toHaveProperty("kube-scheduler-arg");
        expect(config).not.toHaveProperty("kube-proxy-arg");
        expect(config["etcd-expose-metrics"]).toBe(true);
        expect(config["write-kubeconfig-mode"]).toBe("0600");
    });

    it("always disables traefik even when the list is empty", () => {
        expect(nodeConfig(first, { ...settings, disable: [] }).disable).toEqual(["traefik"]);
    });

    it("omits secrets encryption when turned off", () => {
        expect(nodeConfig(first, { ...settings, secretsEncryption: false })).not.toHaveProperty("secrets-encryption");
    });

    it("writes the etcd snapshot schedule, retention and S3 target (but never the S3 secret)", () => {
        const s3 = { endpoint: "minio.internal:9000", bucket: "etcd", folder: "prod", accessKey: "AKIA1", insecure: true };
        const config = nodeConfig(first, { ...settings, etcdSnapshots: { ...settings.etcdSnapshots, s3 } });
        expect(config).toMatchObject({
            "etcd-snapshot-schedule-cron": "0 */6 * * *",
            "etcd-snapshot-retention": 28,
            "etcd-s3": true,
            "etcd-s3-endpoint": "minio.internal:9000",
            "etcd-s3-bucket": "etcd",
            "etcd-s3-folder": "prod",
            "etcd-s3-access-key": "AKIA1",
            "etcd-s3-insecure": true,
        });
        expect(config).not.toHaveProperty("etcd-s3-secret-key");
        expect(config).not.toHaveProperty("etcd-s3-region");
        expect(config).not.toHaveProperty("token");
    });

    it("gives agents only agent settings, with labels (sorted) and taints", () => {
        const config = nodeConfig(agent, settings);
        expect(Object.keys(config).sort()).toEqual(["node-label", "node-name", "node-taint", "server"]);
        expect(config["node-label"]).toEqual(["role=db", "topology.kubernetes.io/zone=b"]);
        expect(config["node-taint"]).toEqual(["dedicated=db:NoSchedule"]);
    });

    it("advertises the API server at the private address of a server that also has a public one", () => {
        const publicServer: K3sNode = { ...joiner, externalAddress: "203.0.113.2" };
        expect(nodeConfig(publicServer, settings)).toMatchObject({ "node-ip": "10.0.0.2", "node-external-ip": "203.0.113.2", "advertise-address": "10.0.0.2" });
        // A private SSH host is the private address when `address` is not given.
        const privateHost: K3sNode = { name: "s3", host: "10.0.0.3", externalAddress: "198.51.100.3", role: "server", init: false };
        expect(nodeConfig(privateHost, settings)).toMatchObject({ "node-ip": "10.0.0.3", "advertise-address": "10.0.0.3" });
        // Agents run no API server; without a public address k3s already advertises node-ip.
        expect(nodeConfig({ ...agent, address: "10.0.1.9", externalAddress: "203.0.113.9" }, settings)).not.toHaveProperty("advertise-address");
        expect(nodeConfig(joiner, settings)).not.toHaveProperty("advertise-address");
        // No private address known: nothing to advertise (the config refuses such a server).
        expect(nodeConfig({ name: "s4", host: "k3s-4.example.com", externalAddress: "203.0.113.4", role: "server", init: false }, settings)).not.toHaveProperty(
            "advertise-address",
        );
    });

    it("serialises to YAML that k3s parses back to the same settings", () => {
        const config = nodeConfig(joiner, settings);
        expect(parse(toYaml(config))).toEqual(config);
        expect(toYaml(config)).toBe(toYaml(nodeConfig(joiner, settings)));
    });
});

describe("secret drop-in", () => {
    const hash = "a".repeat(64);
    const secrets = { serverToken: "srv", agentToken: "agt", caHash: hash };

    it("starts the first server with the short tokens (its CA does not exist yet) and the S3 key", () => {
        expect(parse(secretsYaml({ role: "server", init: true }, { serverToken: "srv", agentToken: "agt" }, "s3key"))).toEqual({
            token: "srv",
            "agent-token": "agt",
            "etcd-s3-secret-key": "s3key",
        });
    });

    it("joins servers with the secure server token pinned to the cluster CA, and gives them the agent token", () => {
        expect(parse(secretsYaml({ role: "server", init: false }, secrets))).toEqual({ token: `K10${hash}::server:srv`, "agent-token": "agt" });
    });

    it("gives agents only the secure agent token: never the server token, never the S3 key", () => {
        const text = secretsYaml({ role: "agent", init: false }, secrets, "s3key");
        expect(parse(text)).toEqual({ token: `K10${hash}::node:agt` });
        expect(text).not.toContain("srv");
    });

    it("refuses to build a joining node's token without a well-formed CA hash", () => {
        expect(() => secretsYaml({ role: "agent", init: false }, { serverToken: "s", agentToken: "a" })).toThrow("needs the cluster CA hash");
        expect(() => secureToken("not-a-hash", "node", "a")).toThrow("64 lower-case hex");
    });
});

describe("install script", () => {
    const script = installScript({ version: "v1.36.4+k3s1", role: "server", configYaml: "cluster-init: true\n" });

    it("downloads install.sh from the pinned release tag and pins INSTALL_K3S_VERSION", () => {
        expect(installScriptUrl("v1.36.4+k3s1")).toBe("https://raw.githubusercontent.com/k3s-io/k3s/v1.36.4+k3s1/install.sh");
        expect(script).toContain(installScriptUrl("v1.36.4+k3s1"));
        expect(script).toContain("INSTALL_K3S_VERSION='v1.36.4+k3s1' INSTALL_K3S_EXEC='server'");
        expect(script).not.toMatch(/get\.k3s\.io/);
    });

    it("reads secrets from stdin into a 0600 drop-in and writes config.yaml verbatim", () => {
        expect(script).toContain("umask 077 && cat > /etc/rancher/k3s/config.yaml.d/90-platform-secrets.yaml");
        expect(script).toContain("tee /etc/rancher/k3s/config.yaml >/dev/null <<'PLATFORM_EOF'\ncluster-init: true\nPLATFORM_EOF");
    });

    it("waits for the API on servers and for the service on agents", () => {
        expect(script).toContain("k3s kubectl get --raw=/readyz");
        const agentScript = installScript({ version: "v1.36.4+k3s1", role: "agent", configYaml: "server: x\n" });
        expect(agentScript).toContain("INSTALL_K3S_EXEC='agent'");
        expect(agentScript).toContain("systemctl is-active --quiet k3s-agent");
    });

    it("verifies the installer checksum when one is configured", () => {
        const sha = "a".repeat(64);
        const pinned = installScript({ version: "v1.36.4+k3s1", role: "server", configYaml: "a: 1\n", installScriptSha256: sha });
        expect(pinned).toContain(`echo "${sha}  $installer" | sha256sum -c --quiet -`);
        expect(script).not.toContain("sha256sum");
    });

    it("refuses content that would end the heredoc early", () => {
        expect(() => installScript({ version: "v1.36.4+k3s1", role: "server", configYaml: "a: 1\nPLATFORM_EOF\nrm -rf /\n" })).toThrow(/heredoc marker/);
    });

    it("uninstalls with the script matching the role", () => {
        expect(uninstallScript("server")).toContain("/usr/local/bin/k3s-uninstall.sh");
        expect(uninstallScript("agent")).toContain("/usr/local/bin/k3s-agent-uninstall.sh");
    });
});

describe("preflight script", () => {
    it("checks OS, architecture, kernel, systemd, curl and sudo with messages naming the host", () => {
        const script = preflightScript({ minKernel: "5.4", checkPorts: false, role: "server" });
        expect(script).toContain('fail() { echo "platform preflight failed on $(hostname): $*" >&2; exit 1; }');
        expect(script).toContain("x86_64|amd64|aarch64|arm64|armv7l|s390x");
        expect(script).toContain('if [ "$kmajor" -lt 5 ] || { [ "$kmajor" -eq 5 ] && [ "$kminor" -lt 4 ]; }; then');
        expect(script).toContain("systemd is required");
        expect(script).toContain("curl is required");
        expect(script).toContain("passwordless sudo");
        expect(script).not.toContain("already in use");
    });

    it("checks the role's ports only when asked, and not once k3s runs", () => {
        const server = preflightScript({ minKernel: "4.18", checkPorts: true, role: "server" });
        expect(server).toContain("for port in 6443 10250 2379 2380; do");
        expect(server).toContain("systemctl is-active --quiet k3s ");
        const agentScript = preflightScript({ minKernel: "4.18", checkPorts: true, role: "agent" });
        expect(agentScript).toContain("for port in 10250; do");
    });
});

describe("kernel version check", () => {
    /** Runs the generated comparison under bash for one `uname -r` string; true when it fails the host. */
    const tooOld = (kernel: string, min: string) =>
        execFileSync("bash", ["-c", [`set -eu`, `kernel='${kernel}'`, ...kernelCompareLines(min), 'echo "$kernel_too_old"'].join("\n")], {
            encoding: "utf8",
        }).trim() === "1";

    it.each([
        ["4.9.0-1-amd64", true],
        ["4.13.16", true],
        ["3.19.0", true],
        ["4.14.0", false],
        ["4.19.0-27-cloud-amd64", false],
        ["5.15.0-91-generic", false],
        ["6.8.0", false],
        ["6.1", false],
    ])("compares %s against 4.14 by number (older: %s)", (kernel, expected) => {
        expect(tooOld(kernel as string, "4.14")).toBe(expected);
    });

    it("treats an unparseable kernel string as too old rather than passing it", () => {
        expect(tooOld("unknown", "4.14")).toBe(true);
    });

    it("rejects a minimum that is not major.minor", () => {
        expect(() => kernelCompareLines("4.14.1")).toThrow(/not major.minor/);
    });

    /** An agent whose DeepFlow eBPF agent needs a newer kernel than k3s does. */
    const DEEPFLOW_AGENT: Parameters<typeof preflightScript>[0] = {
        minKernel: "4.18",
        checkPorts: false,
        role: "agent",
        node: "w1",
        kernelRequirements: [{ version: "5.8", reason: "DeepFlow's eBPF agent" }],
    };

    it("fails the preflight with the host, the kernel and who needs the newer one", () => {
        const script = preflightScript(DEEPFLOW_AGENT);
        expect(script).toContain('fail() { echo "platform preflight failed on host w1: $*" >&2; exit 1; }');
        expect(script).toContain('fail "kernel $kernel is older than 4.18, which k3s needs"');
        expect(script).toContain('fail "kernel $kernel is older than 5.8, which DeepFlow\'s eBPF agent needs"');
        // The whole script is valid shell.
        expect(() => execFileSync("bash", ["-n", "-c", script])).not.toThrow();
    });

    it("runs the preflight's kernel check end to end with a faked uname", () => {
        const script = preflightScript(DEEPFLOW_AGENT);
        // Only the lines up to the kernel checks: the rest probes the real machine (systemd, sudo).
        const upToKernel = script
            .split("\n")
            .filter((l) => !/command -v|sudo -n true/.test(l))
            .join("\n");
        const run = (release: string) => {
            const fake = `uname() { case "$1" in -s) echo Linux ;; -m) echo x86_64 ;; -r) echo '${release}' ;; esac; }\n`;
            try {
                execFileSync("bash", ["-c", fake + upToKernel], { encoding: "utf8", stdio: "pipe" });
                return "ok";
            } catch (err) {
                return String((err as { stderr: string }).stderr).trim();
            }
        };
        expect(run("5.15.0-91-generic")).toBe("ok");
        expect(run("5.4.0-1-generic")).toBe(
            "platform preflight failed on host w1: kernel 5.4.0-1-generic is older than 5.8, which DeepFlow's eBPF agent needs",
        );
        expect(run("4.9.0-1-amd64")).toBe("platform preflight failed on host w1: kernel 4.9.0-1-amd64 is older than 4.18, which k3s needs");
    });
});

describe("settings and re-install guard scripts", () => {
    it("rewrites config.yaml and the secret drop-in and restarts k3s only when one changed", () => {
        const script = applyConfigScript("server", "node-name: s1\n");
        expect(script).toContain("cat > /etc/rancher/k3s/config.yaml.d/90-platform-secrets.yaml.new");
        expect(script).toContain("tee /etc/rancher/k3s/config.yaml.new");
        expect(script).toContain('if [ "$changed" -eq 0 ]; then echo "k3s settings unchanged on $(hostname)"; exit 0; fi');
        expect(script.indexOf("exit 0; fi")).toBeLessThan(script.indexOf("systemctl restart k3s"));
        expect(script).toContain("/readyz");
        expect(applyConfigScript("agent", "node-name: w1\n")).toContain("systemctl restart k3s-agent");
        expect(() => execFileSync("bash", ["-n", "-c", script])).not.toThrow();
    });

    it("never runs the installer on an update of an installed node", () => {
        const script = installedScript("server");
        expect(script).not.toMatch(/install\.sh|INSTALL_K3S|curl/);
        expect(script).toContain("system-upgrade-controller");
    });
});

describe("registry mirror scripts", () => {
    const afterRestart = (script: string, unit: string) => script.slice(script.indexOf(`systemctl restart ${unit}`));

    it("restarts a server's k3s after writing the file and ends only when its API is ready and its node Ready", () => {
        const script = applyRegistriesScript("server", "s1");
        expect(script.indexOf("mv /etc/rancher/k3s/registries.yaml.new /etc/rancher/k3s/registries.yaml")).toBeLessThan(
            script.indexOf("systemctl restart k3s\n"),
        );
        const wait = afterRestart(script, "k3s");
        expect(wait).toContain("until $SUDO k3s kubectl get --raw=/readyz >/dev/null 2>&1 && ");
        expect(wait).toContain(`k3s kubectl get node 's1' -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'`);
        expect(wait).toMatch(/if \[ "\$i" -ge 120 \]; then echo "k3s API or node s1 on \$\(hostname\) not ready after 10 minutes" >&2; .*exit 1; fi/);
        expect(() => execFileSync("bash", ["-n", "-c", script])).not.toThrow();
    });

    it("restarts an agent's k3s-agent and waits for its kubelet, whose unit counts as started at once", () => {
        const script = applyRegistriesScript("agent", "a1");
        expect(script).toContain("systemctl restart k3s-agent");
        expect(afterRestart(script, "k3s-agent")).toContain(
            "until systemctl is-active --quiet k3s-agent && curl -sf -o /dev/null http://localhost:10248/healthz; do",
        );
        expect(() => execFileSync("bash", ["-n", "-c", script])).not.toThrow();
    });

    it("removes the file and restarts a running k3s with the same wait, and does nothing on a node without k3s", () => {
        const script = removeRegistriesScript("server", "s1");
        expect(script).toContain("if [ ! -e /etc/rancher/k3s/registries.yaml ]; then exit 0; fi");
        expect(script.indexOf("if ! systemctl is-active --quiet k3s; then exit 0; fi")).toBeLessThan(script.indexOf("systemctl restart k3s"));
        expect(afterRestart(script, "k3s")).toContain("k3s kubectl get node 's1'");
        expect(() => execFileSync("bash", ["-n", "-c", script])).not.toThrow();
    });
});

describe("registries.yaml", () => {
    it("maps each upstream to its mirror endpoints and rewrites, sorted, with auth under configs", () => {
        const text = registriesYaml({
            mirrors: {
                "quay.io": { endpoints: ["https://registry.example.com"], rewrite: { "^(.*)$": "quay/$1" } },
                "docker.io": { endpoints: ["https://registry.example.com"], rewrite: { "^(.*)$": "dockerhub/$1" } },
            },
            configs: { "registry.example.com": { username: "robot$k3s", password: "pw" } },
        });
        expect(Object.keys(parse(text).mirrors)).toEqual(["docker.io", "quay.io"]);
        expect(parse(text)).toEqual({
            mirrors: {
                "docker.io": { endpoint: ["https://registry.example.com"], rewrite: { "^(.*)$": "dockerhub/$1" } },
                "quay.io": { endpoint: ["https://registry.example.com"], rewrite: { "^(.*)$": "quay/$1" } },
            },
            configs: { "registry.example.com": { auth: { username: "robot$k3s", password: "pw" } } },
        });
    });
});

describe("kubeconfig rewrite", () => {
    it("points the k3s admin kubeconfig at the API endpoint and names it after the stack", () => {
        const text = rewriteKubeconfig(fakeK3sKubeconfig("x"), "https://k3s.example.com:6443", "prod");
        const doc = parse(text);
        expect(doc.clusters[0]).toMatchObject({ name: "prod", cluster: { server: "https://k3s.example.com:6443" } });
        expect(doc.contexts[0]).toEqual({ name: "prod", context: { cluster: "prod", user: "prod" } });
        expect(doc["current-context"]).toBe("prod");
        expect(doc.users[0].name).toBe("prod");
        expect(doc.users[0].user["client-key-data"]).toBeDefined();
        expect(kubeconfigServer(text)).toBe("https://k3s.example.com:6443");
    });

    it("fails clearly when the file is not a kubeconfig", () => {
        expect(() => rewriteKubeconfig("", "https://x:6443", "dev")).toThrow(/is not a kubeconfig/);
    });

    it("reads the server of a named context and tolerates unreadable input", () => {
        const two =
            "clusters:\n- name: a\n  cluster: {server: https://a}\n- name: b\n  cluster: {server: https://b}\n" +
            "contexts:\n- name: ca\n  context: {cluster: a}\n- name: cb\n  context: {cluster: b}\ncurrent-context: ca\n";
        expect(kubeconfigServer(two)).toBe("https://a");
        expect(kubeconfigServer(two, "cb")).toBe("https://b");
        expect(kubeconfigServer("[secure value of platform:cluster]")).toBeUndefined();
    });
});
