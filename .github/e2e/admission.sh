#!/usr/bin/env bash
# Signature admission, end to end (docs/adr/0022): pushes two images to the e2e Harbor's `apps`
# project, signs one with the run's key (the e2e stack's platform:admission.publicKeys), and shows
# the unsigned one refused by the policy-controller webhook and the signed one running. Pull
# requests from forks cannot mint an OIDC token, so the keyless identity is proven by the contract
# test and the prod render instead; this proves the webhook, its policies and its failure path.
# Needs: KUBECONFIG, docker, cosign, jq, pulumi (local backend, the run's passphrase), and in
# $RUNNER_TEMP the run's cosign key (e2e-cosign.key, empty password) and Pebble's root (pebble-root.pem).
set -euo pipefail
REGISTRY=registry.e2e.test
REPO="$REGISTRY/apps/e2e-admission"
BASE=registry.k8s.io/pause:3.10
NODE=k3d-e2e-server-0
WORK="$(mktemp -d)"
# Registry credentials in this script's own directory, removed at exit.
export DOCKER_CONFIG="$WORK/docker"
mkdir -p "$DOCKER_CONFIG"
trap 'rm -rf "$WORK"; kubectl -n apps delete pod e2e-signed e2e-unsigned --ignore-not-found > /dev/null 2>&1 || true' EXIT

# The runner trusts Harbor's certificate (Pebble issued it): docker per registry, cosign through SSL_CERT_FILE.
sudo mkdir -p "/etc/docker/certs.d/$REGISTRY"
sudo cp "$RUNNER_TEMP/pebble-root.pem" "/etc/docker/certs.d/$REGISTRY/ca.crt"
cat /etc/ssl/certs/ca-certificates.crt "$RUNNER_TEMP/pebble-root.pem" > "$WORK/ca-bundle.pem"
export SSL_CERT_FILE="$WORK/ca-bundle.pem"

# The node pulls from Harbor too: its name (the node's own address, where ServiceLB publishes 443)
# and Pebble's root for containerd, as a hosts.toml in k3s's certs.d directory, which containerd
# reads on every pull (k3s pkg/agent/templates: config_path and HostsTomlTemplate).
node_ip="$(kubectl get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')"
certs=/var/lib/rancher/k3s/agent/etc/containerd/certs.d/$REGISTRY
docker exec "$NODE" sh -c "echo '$node_ip $REGISTRY' >> /etc/hosts && mkdir -p '$certs'"
docker cp "$RUNNER_TEMP/pebble-root.pem" "$NODE:$certs/ca.crt"
printf 'server = "https://%s"\n\n[host."https://%s"]\n  capabilities = ["pull", "resolve"]\n  ca = ["%s/ca.crt"]\n' "$REGISTRY" "$REGISTRY" "$certs" > "$WORK/hosts.toml"
docker cp "$WORK/hosts.toml" "$NODE:$certs/hosts.toml"

# The apps project's CI robot (a project robot: push and pull there only).
robot="$(pulumi stack output registryRobots --show-secrets --json --stack e2e | jq -c .apps)"
username="$(jq -r .username <<<"$robot")"
secret="$(jq -r .secret <<<"$robot")"
echo "::add-mask::$secret"
docker login "$REGISTRY" --username "$username" --password-stdin <<<"$secret"

# Two images, two digests: the same base with different labels.
push() {
  printf 'FROM %s\nLABEL org.opencontainers.image.title=e2e-%s\n' "$BASE" "$1" | docker build --quiet -t "$REPO:$1" - > /dev/null
  docker push --quiet "$REPO:$1" > /dev/null
  docker inspect --format '{{index .RepoDigests 0}}' "$REPO:$1"
}
signed="$(push signed)"
unsigned="$(push unsigned)"
# The run's key, cosign's legacy format without a transparency-log entry: what a key authority verifies.
COSIGN_PASSWORD="" cosign sign --yes --key "$RUNNER_TEMP/e2e-cosign.key" --new-bundle-format=false --use-signing-config=false --tlog-upload=false "$signed"

# The pods pull with the robot (and the webhook reads the signatures with the pods' pull secret).
jq -n --arg r "$REGISTRY" --arg a "$(printf '%s:%s' "$username" "$secret" | base64 -w0)" '{auths: {($r): {auth: $a}}}' > "$WORK/pull.json"
kubectl -n apps create secret generic e2e-admission-pull --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson="$WORK/pull.json" --dry-run=client -o yaml | kubectl apply -f -

pod() { sed -e "s|NAME|$1|" -e "s|IMAGE|$2|" .github/e2e/admission-pod.yaml; }
if pod e2e-unsigned "$unsigned" | kubectl apply -f - > "$WORK/unsigned.txt" 2>&1; then
  echo "::error::the unsigned image $unsigned was admitted"; cat "$WORK/unsigned.txt"; exit 1
fi
cat "$WORK/unsigned.txt"
grep -q 'admission webhook "policy.sigstore.dev" denied the request' "$WORK/unsigned.txt" || { echo "::error::refused, but not by the signature webhook"; exit 1; }
pod e2e-signed "$signed" | kubectl apply -f -
kubectl -n apps wait --for=condition=Ready pod/e2e-signed --timeout=180s
{
  echo "### Signature admission"
  echo "- unsigned \`$unsigned\`: refused by policy.sigstore.dev"
  echo "- signed \`$signed\`: running"
} >> "$GITHUB_STEP_SUMMARY"
