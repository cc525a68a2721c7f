/**
 * The S3 part of the resolve step: each consumer's block, a `{ backend, bucket, prefix }`
 * reference or the old inline form, becomes the settings that consumer takes. The backend's one
 * endpoint form (`https://host[:port]`, `http://` for plain HTTP, none for AWS) is converted here:
 * k3s and Loki take host[:port] plus an insecure flag, Longhorn and Harbor the URL.
 */
import type { EtcdS3Config, HarborS3Config, LokiS3Config, LonghornBackupConfig, S3Keys } from "./config";
import type { ParsedPlatformConfig } from "./schema";
import { parseEndpointUrl, type S3BackendInput } from "./schemaS3";

type Parsed = ParsedPlatformConfig;

/** A backend's endpoint in each consumer's form. */
interface Endpoint {
    /** The URL as written, without a trailing slash (Longhorn AWS_ENDPOINTS, Harbor regionendpoint). */
    readonly url?: string;
    /** host[:port] (k3s etcd-s3-endpoint, Loki endpoint); the port is spelled out for http:// without one. */
    readonly hostPort?: string;
    readonly insecure: boolean;
}

function endpointOf(backend: S3BackendInput): Endpoint {
    if (backend.endpoint === undefined) {
        return { insecure: false };
    }
    const parsed = parseEndpointUrl(backend.endpoint);
    if (parsed === undefined) {
        // The schema refuses such an endpoint; keep the type honest.
        throw new Error(`unparsable S3 endpoint ${backend.endpoint}`);
    }
    const insecure = parsed.scheme === "http";
    const port = parsed.port ?? (insecure ? 80 : undefined);
    return { url: backend.endpoint.replace(/\/$/, ""), hostPort: port === undefined ? parsed.host : `${parsed.host}:${port}`, insecure };
}

function lookup(parsed: Parsed, name: string): S3BackendInput {
    const backend = parsed.s3.backends[name];
    if (backend === undefined) {
        // checkS3Backends refuses unknown names with the list of defined ones first.
        throw new Error(`unknown S3 backend ${name}`);
    }
    return backend;
}

const keysOf = (backend: S3BackendInput): S3Keys => ({ accessKey: backend.accessKey, secretKey: backend.secretKey });

/** The old inline blocks carry both keys (checkS3Block makes them required there). */
function inlineKeys(block: { accessKey?: string; secretKey?: S3Keys["secretKey"] }): S3Keys {
    if (block.accessKey === undefined || block.secretKey === undefined) {
        throw new Error("inline S3 block without its key pair");
    }
    return { accessKey: block.accessKey, secretKey: block.secretKey };
}

const opt = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

export function resolveEtcdS3(parsed: Parsed): EtcdS3Config | undefined {
    const block = parsed.cluster.k3s?.etcdSnapshots.s3;
    if (block === undefined) {
        return undefined;
    }
    if (block.backend === undefined) {
        return {
            endpoint: block.endpoint ?? "s3.amazonaws.com",
            bucket: block.bucket,
            ...opt("region", block.region),
            ...opt("folder", block.folder),
            ...inlineKeys(block),
            insecure: block.insecure ?? false,
        };
    }
    const backend = lookup(parsed, block.backend);
    const endpoint = endpointOf(backend);
    return {
        // AWS: the region's own endpoint (k3s's default s3.amazonaws.com would redirect).
        endpoint: endpoint.hostPort ?? `s3.${backend.region}.amazonaws.com`,
        bucket: block.bucket,
        region: backend.region,
        ...opt("folder", block.prefix),
        ...keysOf(backend),
        insecure: endpoint.insecure,
    };
}

export function resolveLonghornBackup(parsed: Parsed): LonghornBackupConfig | undefined {
    const block = parsed.storage.longhorn.backup;
    if (block === undefined) {
        return undefined;
    }
    const schedules = {
        snapshotSchedule: block.snapshotSchedule,
        snapshotRetain: block.snapshotRetain,
        backupSchedule: block.backupSchedule,
        backupRetain: block.backupRetain,
    };
    if (block.backend === undefined) {
        return {
            bucket: block.bucket,
            region: block.region ?? "",
            ...opt("folder", block.folder),
            ...opt("endpoint", block.endpoint),
            ...inlineKeys(block),
            ...schedules,
        };
    }
    const backend = lookup(parsed, block.backend);
    return {
        bucket: block.bucket,
        region: backend.region,
        ...opt("folder", block.prefix),
        ...opt("endpoint", endpointOf(backend).url),
        ...keysOf(backend),
        ...schedules,
    };
}

export function resolveHarborS3(parsed: Parsed): HarborS3Config | undefined {
    const block = parsed.harbor.storage.s3;
    if (block === undefined) {
        return undefined;
    }
    if (block.backend === undefined) {
        return {
            bucket: block.bucket,
            region: block.region ?? "",
            ...opt("endpoint", block.endpoint),
            ...opt("rootDirectory", block.rootDirectory),
            ...inlineKeys(block),
        };
    }
    const backend = lookup(parsed, block.backend);
    return {
        bucket: block.bucket,
        region: backend.region,
        ...opt("endpoint", endpointOf(backend).url),
        ...opt("rootDirectory", block.prefix),
        ...keysOf(backend),
    };
}

export function resolveLokiS3(parsed: Parsed): LokiS3Config | undefined {
    const block = parsed.monitoring.logs.s3;
    if (block === undefined) {
        return undefined;
    }
    if (block.backend === undefined) {
        return { bucket: block.bucket, region: block.region ?? "", ...opt("endpoint", block.endpoint), ...inlineKeys(block) };
    }
    const backend = lookup(parsed, block.backend);
    const endpoint = endpointOf(backend);
    return {
        bucket: block.bucket,
        region: backend.region,
        ...opt("endpoint", endpoint.hostPort),
        ...(endpoint.insecure ? { insecure: true } : {}),
        ...keysOf(backend),
    };
}
