#!/bin/sh
# What `npm test` needs besides npm packages: promtool, for the alert-rule tests (test/promtool.ts).
# `npm test` runs this first, and .ci/run before `npm ci`; run it by hand with `sh scripts/test-tools.sh`.
#
# - promtool on PATH, or already in .cache/tools/: nothing to do.
# - Debian or Ubuntu: promtool is taken from Debian's `prometheus` package, without installing the
#   package (that would also enable a Prometheus server): `apt-get download` fetches the .deb as the
#   current user and `dpkg-deb -x` unpacks it; only usr/bin/promtool is kept, in .cache/tools/
#   (git-ignored, kept across `npm ci`). Root is needed only when apt has no package lists yet (a fresh
#   container): then `apt-get update` runs as root, through sudo when not root (`sudo -n` without a
#   terminal, so CI fails instead of waiting for a password).
# - Anything else: says where to get promtool and exits 1.
set -eu

cd "$(dirname "$0")/.."
dest=.cache/tools/promtool

if command -v promtool >/dev/null 2>&1 || [ -x "$dest" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    echo "test-tools: promtool not found. The alert-rule tests need it: install Prometheus's promtool" >&2
    echo "  (macOS: brew install prometheus; elsewhere: promtool from a prometheus-<version>.<os>-<arch> release archive)" >&2
    echo "  and put it on PATH, or at $dest." >&2
    exit 1
fi

as_root() {
    if [ "$(id -u)" = "0" ]; then
        "$@"
    elif ! command -v sudo >/dev/null 2>&1; then
        echo "test-tools: '$*' needs root and sudo is not installed; run it as root, then this script again" >&2
        return 1
    elif [ -t 0 ]; then
        sudo "$@"
    else
        sudo -n "$@"
    fi
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "test-tools: promtool not found; taking it from Debian's prometheus package into $dest" >&2
if ! (cd "$work" && apt-get download prometheus >/dev/null 2>&1); then
    # No package lists yet (apt-get update never ran): refresh them, then download again.
    as_root apt-get update -qq
    (cd "$work" && apt-get download prometheus >/dev/null)
fi
dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
mkdir -p "$(dirname "$dest")"
cp "$work/root/usr/bin/promtool" "$dest"
chmod 755 "$dest"
"$dest" --version >&2
