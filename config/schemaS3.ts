/**
 * Shared S3 storage: `platform:s3.backends.<name>` defines an S3-compatible store once (endpoint
 * URL, region, key pair); etcd snapshots, Longhorn backups, Harbor and Loki reference it by name
 * with `{ backend, bucket, prefix }`. The resolve step (config/resolveS3.ts) turns the one URL form
 * into what each consumer takes. The inline blocks of earlier releases still parse, with a warning
 * (config/deprecations.ts), until the next minor release.
 */
import { z } from "zod";
import { secretString } from "./schemaParts";
import { isHostOrIp } from "./validators";

/** `https://host[:port]` or `http://host:port`, no path: one form for every consumer. */
export function parseEndpointUrl(value: string): { readonly scheme: "http" | "https"; readonly host: string; readonly port?: number } | undefined {
    const match = /^(https?):\/\/([^/:?#@[\]]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?\/?$/.exec(value);
    if (!match) {
        return undefined;
    }
    const host = match[2].replace(/^\[(.*)\]$/, "$1");
    const port = match[3] === undefined ? undefined : Number(match[3]);
    if (!isHostOrIp(host) || (port !== undefined && (port < 1 || port > 65535))) {
        return undefined;
    }
    return { scheme: match[1] as "http" | "https", host: match[2], ...(port !== undefined ? { port } : {}) };
}

/**
 * Whether a URL's host, as written, is an IP address or a DNS name: the WHATWG parser behind
 * z.url() accepts `https://1.2.3` (as 1.2.0.3); a dotted number that is no IPv4 is a typo.
 */
function urlHostIsValid(value: string): boolean {
    const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:?#]*)/.exec(value);
    return match !== null && isHostOrIp(match[1].replace(/^\[(.*)\]$/, "$1"));
}

/** Description prefix of the old inline keys. */
export const DEPRECATED = "Deprecated, use `backend` (CHANGELOG.md):";

/** The old inline blocks' endpoint URL (any path allowed, as before), with a real host. */
export const endpointUrl = (message: string) => z.string().refine((v) => z.url().safeParse(v).success && urlHostIsValid(v), message);

const BACKEND_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name (3-63 lower-case letters, digits, '.', '-')");

export const s3Prefix = z.string().regex(/^[A-Za-z0-9._/-]+$/, "expected a prefix (letters, digits, '.', '_', '-', '/')");

const backendSchema = z.strictObject({
    endpoint: z
        .string()
        .refine(
            (v) => parseEndpointUrl(v) !== undefined,
            "expected the endpoint as a URL without a path: https://host[:port], or http://host[:port] for plain HTTP (e.g. https://minio.example.com:9000)",
        )
        .optional()
        .meta({
            description: "Endpoint URL of an S3-compatible store, `https://host[:port]` (`http://` for plain HTTP); omit for AWS S3 (the region's endpoint).",
        }),
    region: z
        .string()
        .min(1, "expected a region (any value MinIO accepts, e.g. us-east-1)")
        .meta({ description: "Region (AWS region, or what the S3-compatible store expects, e.g. us-east-1)." }),
    accessKey: z.string().min(1, "expected the S3 access key id").meta({ description: "Access key id." }),
    secretKey: secretString("s3", "Secret access key."),
});

export type S3BackendInput = z.output<typeof backendSchema>;

export const s3Schema = z
    .strictObject({
        backends: z.record(z.string().regex(BACKEND_NAME, "expected a backend name (lower-case letters, digits, '-')"), backendSchema).default({}).meta({
            description:
                "S3-compatible stores by name, each defined once and referenced by `backend: <name>` from etcd snapshots, Longhorn backups, Harbor and Loki.",
        }),
    })
    .prefault({});

/** The reference every S3 consumer takes: which backend, which bucket. */
export const backendRef = {
    backend: z.string().min(1).optional().meta({ description: "Name of a `platform:s3.backends` entry holding endpoint, region and keys." }),
};

/** What the consumer rules need to see of one block, old form or new. */
export interface S3Block {
    readonly backend?: string;
    readonly prefix?: string;
    readonly accessKey?: string;
    readonly secretKey?: unknown;
    readonly [key: string]: unknown;
}

/**
 * One block is either a reference (`backend`, `bucket`, `prefix`) or the old inline form; not both.
 * `inlineKeys` are the old form's keys this consumer had, `renamed` the old names of `prefix`.
 */
export function checkS3Block(block: S3Block | undefined, ctx: z.RefinementCtx, inlineKeys: readonly string[], renamed?: string): void {
    if (block === undefined) {
        return;
    }
    if (block.backend !== undefined) {
        for (const key of inlineKeys) {
            if (block[key] !== undefined) {
                const hint = key === renamed ? "write it as prefix" : "it belongs to the backend under platform:s3.backends";
                ctx.addIssue({ code: "custom", path: [key], message: `not allowed with backend: ${hint}` });
            }
        }
        return;
    }
    if (block.prefix !== undefined) {
        ctx.addIssue({
            code: "custom",
            path: ["prefix"],
            message: `needs backend (a platform:s3.backends name)${renamed ? `; the old inline form calls it ${renamed}` : ""}`,
        });
    }
    for (const key of ["accessKey", "secretKey"] as const) {
        if (block[key] === undefined) {
            ctx.addIssue({
                code: "custom",
                path: [key],
                message: "required key is missing: set backend (a platform:s3.backends name), or the old inline accessKey and secretKey",
            });
        }
    }
}

/** Every `backend:` reference in the stack with its config path. */
export function s3References(cfg: {
    readonly cluster: { readonly k3s?: { readonly etcdSnapshots: { readonly s3?: S3Block } } };
    readonly storage: { readonly longhorn: { readonly backup?: S3Block } };
    readonly harbor: { readonly storage: { readonly s3?: S3Block } };
    readonly monitoring: { readonly logs: { readonly s3?: S3Block } };
}): { readonly path: readonly (string | number)[]; readonly block: S3Block }[] {
    const all: { path: (string | number)[]; block: S3Block | undefined }[] = [
        { path: ["cluster", "k3s", "etcdSnapshots", "s3"], block: cfg.cluster.k3s?.etcdSnapshots.s3 },
        { path: ["storage", "longhorn", "backup"], block: cfg.storage.longhorn.backup },
        { path: ["harbor", "storage", "s3"], block: cfg.harbor.storage.s3 },
        { path: ["monitoring", "logs", "s3"], block: cfg.monitoring.logs.s3 },
    ];
    return all.filter((r): r is { path: (string | number)[]; block: S3Block } => r.block !== undefined);
}

/** A `backend:` must name a defined backend; the message lists the ones there are. */
export function checkS3Backends(
    cfg: Parameters<typeof s3References>[0] & { readonly s3: { readonly backends: Readonly<Record<string, unknown>> } },
    ctx: z.RefinementCtx,
): void {
    const names = Object.keys(cfg.s3.backends);
    for (const { path, block } of s3References(cfg)) {
        if (block.backend !== undefined && !names.includes(block.backend)) {
            ctx.addIssue({
                code: "custom",
                path: [...path, "backend"],
                message:
                    names.length === 0
                        ? `expected the name of a backend under platform:s3.backends, but none is defined, got "${block.backend}"`
                        : `expected one of platform:s3.backends (${names.join(", ")}), got "${block.backend}"`,
            });
        }
    }
}
