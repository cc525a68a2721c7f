// Jest global setup: the alert-rule tests need promtool (Debian's `prometheus` package ships it).
// Install it when missing, as root or with passwordless sudo; otherwise say what to install.
const { execSync, spawnSync } = require("node:child_process");

module.exports = async () => {
    if (spawnSync("sh", ["-c", "command -v promtool"]).status === 0) {
        return;
    }
    const sudo = process.getuid && process.getuid() === 0 ? "" : "sudo -n ";
    try {
        console.log("\n[setup] promtool not found: installing Debian package 'prometheus' (ships promtool)");
        execSync(`${sudo}apt-get update -qq && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus`, { stdio: "inherit" });
    } catch {
        // The rule tests then fail with the install hint; nothing else depends on promtool.
    }
};
