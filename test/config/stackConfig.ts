/**
 * Stack config fixtures for the config specs: the valid k3s base config (test/harness.ts
 * k3sStackConfig) with its k3s block edited, three servers with pinned host keys, and the parse
 * `pulumi up` does.
 */
import { parsePlatformConfig, type PlatformConfig } from "../../config/config";
import { k3sStackConfig, rawConfig, TEST_HOST_KEY } from "../harness";

/** Parses a stack-file style config map the way `pulumi up` does. */
export function parse(config: Record<string, unknown>): PlatformConfig {
    return parsePlatformConfig(rawConfig(config));
}

export type Cluster = { mode: string; k3s: Record<string, unknown> & { servers: unknown[] } };

/** The valid base config with the k3s block edited. */
export function withK3s(edit: (k3s: Record<string, unknown>) => void, top: Record<string, unknown> = {}): Record<string, unknown> {
    const config = k3sStackConfig(top);
    const cluster = structuredClone(config["platform:cluster"]) as Cluster;
    edit(cluster.k3s);
    config["platform:cluster"] = cluster;
    return config;
}

export const threeServers = [
    { name: "s1", host: "10.0.0.1", hostKey: TEST_HOST_KEY },
    { name: "s2", host: "10.0.0.2", hostKey: TEST_HOST_KEY },
    { name: "s3", host: "10.0.0.3", hostKey: TEST_HOST_KEY },
];
