#!/usr/bin/env bash
# Gathers what explains a failed e2e run into $1: events, every pod's status, and for each pod
# that is not Ready its describe output and logs (current and previous). Never fails the job.
set -uo pipefail
OUT="${1:?output directory}"
mkdir -p "$OUT/pods"
kubectl get nodes -o wide > "$OUT/nodes.txt" 2>&1
kubectl get events -A --sort-by=.lastTimestamp > "$OUT/events.txt" 2>&1
kubectl get pods -A -o wide > "$OUT/pods.txt" 2>&1
kubectl get certificates,certificaterequests,orders,challenges -A -o wide > "$OUT/cert-manager.txt" 2>&1
kubectl get ingress -A -o wide > "$OUT/ingresses.txt" 2>&1
kubectl get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.status.phase}{" "}{range .status.conditions[?(@.type=="Ready")]}{.status}{end}{"\n"}{end}' 2>/dev/null |
  while read -r ns name phase ready; do
    if [ "$phase" = "Succeeded" ] || [ "$ready" = "True" ]; then continue; fi
    kubectl -n "$ns" describe pod "$name" > "$OUT/pods/$ns.$name.describe.txt" 2>&1
    kubectl -n "$ns" logs "$name" --all-containers --prefix > "$OUT/pods/$ns.$name.log" 2>&1
    kubectl -n "$ns" logs "$name" --all-containers --prefix --previous > "$OUT/pods/$ns.$name.previous.log" 2>&1 || true
  done
exit 0
