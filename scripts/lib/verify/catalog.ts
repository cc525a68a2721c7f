/**
 * Every check `npm run verify` knows, in the order they run (cheap and foundational first).
 * `--help` prints this list; the runner runs the enabled ones. Add a check here and both see it.
 */
import { etcdSnapshotsCheck, nodesCheck, workloadsCheck } from "./checks/cluster";
import { clickhouseCheck, deepflowCheck, lokiCheck } from "./checks/data";
import { certificatesCheck, ingressesCheck } from "./checks/edge";
import { alertmanagerCheck, grafanaCheck, prometheusRulesCheck, prometheusTargetsCheck } from "./checks/monitoring";
import { harborHealthCheck, harborProxyCacheCheck } from "./checks/registry";
import { longhornBackupCheck, longhornVolumesCheck } from "./checks/storage";
import type { Check } from "./types";

export const CHECKS: readonly Check[] = [
    nodesCheck,
    workloadsCheck,
    certificatesCheck,
    ingressesCheck,
    harborHealthCheck,
    harborProxyCacheCheck,
    grafanaCheck,
    prometheusTargetsCheck,
    prometheusRulesCheck,
    alertmanagerCheck,
    lokiCheck,
    clickhouseCheck,
    deepflowCheck,
    longhornVolumesCheck,
    longhornBackupCheck,
    etcdSnapshotsCheck,
];
