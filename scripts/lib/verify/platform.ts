/**
 * Where the platform's parts live in a cluster, from the stack's resolved config and the
 * components' own constants (no name is spelt twice): the namespaces `verify` inspects and the
 * in-cluster Services it reaches through the API server.
 */
import type { PlatformConfig } from "../../../config/config";
import { SYSTEM_UPGRADE_NAMESPACE } from "../../../components/cluster/systemUpgrade";
import { CERT_MANAGER_NAMESPACE } from "../../../components/edge/CertManager";
import { DNS_NAMESPACE } from "../../../components/edge/dnsValues";
import { INGRESS_NAMESPACE, MONITORING_NAMESPACE } from "../../../components/lib/networkPolicy";
import { HARBOR_NAMESPACE } from "../../../components/registry/harborValues";
import { LONGHORN_NAMESPACE } from "../../../components/storage/Longhorn";
import { CLICKHOUSE_NAMESPACE } from "../../../components/monitoring/clickhouseValues";
import { DEEPFLOW_NAMESPACE } from "../../../components/monitoring/deepflowValues";
import { LOGS_NAMESPACE } from "../../../components/monitoring/logsValues";
import type { ServiceRef } from "./kube";
import { type ProxyTarget, SERVICE_PROXY_TARGETS } from "../../../platform/serviceProxy";

/** Which parts of the platform the stack turns on (the same flags platform/platform.ts uses). */
export function parts(config: PlatformConfig) {
    const m = config.monitoring;
    return {
        k3s: config.cluster.mode === "k3s",
        ingress: config.ingress.enabled,
        certManager: config.tls.installCertManager,
        dns: config.dns.provider !== "none",
        harbor: config.harbor.enabled,
        longhorn: config.storage.class === "longhorn",
        longhornBackup: config.storage.class === "longhorn" && config.storage.longhorn.backup !== undefined,
        monitoring: m.enabled,
        // Effective flags, resolved once in config/resolve.ts.
        grafana: m.grafana.enabled,
        logs: m.logs.enabled,
        clickhouse: m.clickhouse.enabled,
        deepflow: m.deepflow.enabled,
        etcdSnapshots: config.cluster.mode === "k3s",
    };
}

/** The namespaces the platform itself installs into, in install order. */
export function platformNamespaces(config: PlatformConfig): string[] {
    const on = parts(config);
    return [
        ...(on.k3s ? [SYSTEM_UPGRADE_NAMESPACE] : []),
        ...(on.ingress ? [INGRESS_NAMESPACE] : []),
        ...(on.certManager ? [CERT_MANAGER_NAMESPACE] : []),
        ...(on.longhorn ? [LONGHORN_NAMESPACE] : []),
        ...(on.monitoring ? [MONITORING_NAMESPACE] : []),
        ...(on.dns ? [DNS_NAMESPACE] : []),
        ...(on.harbor ? [HARBOR_NAMESPACE] : []),
        ...(on.logs ? [LOGS_NAMESPACE] : []),
        ...(on.clickhouse ? [CLICKHOUSE_NAMESPACE] : []),
        ...(on.deepflow ? [DEEPFLOW_NAMESPACE] : []),
    ];
}

/** The in-cluster Services verify reaches through the API server (platform/serviceProxy.ts, which also admits the traffic). */
export const SERVICES: Readonly<Record<ProxyTarget, ServiceRef>> = SERVICE_PROXY_TARGETS;
