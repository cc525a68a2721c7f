#!/usr/bin/env bash
# Installs the e2e workflow's pinned tools into $1 (default ~/.local/bin), each checked against a
# SHA-256 before it runs: the pinned *_SHA256 value when set (preferred: fill them in when bumping
# a version), else the checksum file the project publishes with that release.
set -euo pipefail

K3D_VERSION="${K3D_VERSION:?}"
PULUMI_VERSION="${PULUMI_VERSION:?}"
KUBECTL_VERSION="${KUBECTL_VERSION:?}"
BIN="${1:-$HOME/.local/bin}"
WORK="$(mktemp -d)"
mkdir -p "$BIN"
cd "$WORK"

fetch() { curl --fail --silent --show-error --location --retry 3 --proto '=https' --tlsv1.2 -o "$2" "$1"; }

# check <file> <expected sha256> <what>
check() {
  local actual
  actual="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ -z "$2" ] || [ "$actual" != "$2" ]; then
    echo "::error::$3: SHA-256 mismatch (got $actual, expected ${2:-nothing})" >&2
    exit 1
  fi
  echo "$3: SHA-256 $actual OK"
}

# published <checksum file> <artifact name>: the artifact's line in a sha256sum-style file.
published() { awk -v f="$2" '{ n = $2; sub(/^\*/, "", n); sub(/^.*\//, "", n); if (n == f) print $1 }' "$1"; }

# k3d: release binary; checksums.txt lists every artifact of the release.
fetch "https://github.com/k3d-io/k3d/releases/download/${K3D_VERSION}/k3d-linux-amd64" k3d
fetch "https://github.com/k3d-io/k3d/releases/download/${K3D_VERSION}/checksums.txt" k3d-checksums.txt
check k3d "${K3D_SHA256:-$(published k3d-checksums.txt k3d-linux-amd64)}" "k3d ${K3D_VERSION}"
install -m 0755 k3d "$BIN/k3d"

# Pulumi CLI: tarball plus the release's checksums file.
tarball="pulumi-v${PULUMI_VERSION}-linux-x64.tar.gz"
fetch "https://github.com/pulumi/pulumi/releases/download/v${PULUMI_VERSION}/${tarball}" "$tarball"
fetch "https://github.com/pulumi/pulumi/releases/download/v${PULUMI_VERSION}/pulumi-${PULUMI_VERSION}-checksums.txt" pulumi-checksums.txt
check "$tarball" "${PULUMI_SHA256:-$(published pulumi-checksums.txt "$tarball")}" "pulumi ${PULUMI_VERSION}"
tar -xzf "$tarball"
install -m 0755 pulumi/* "$BIN/"

# kubectl: dl.k8s.io publishes one .sha256 per binary.
fetch "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/amd64/kubectl" kubectl
fetch "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/amd64/kubectl.sha256" kubectl.sha256
check kubectl "${KUBECTL_SHA256:-$(tr -d '[:space:]' < kubectl.sha256)}" "kubectl ${KUBECTL_VERSION}"
install -m 0755 kubectl "$BIN/kubectl"

rm -rf "$WORK"
