/**
 * Old config forms that still work for one minor release. Each yields one warning that names the
 * key in use and the key that replaces it; `pulumi up` prints them (platform/program.ts, pulumi.log.warn) and
 * so does the offline render. CHANGELOG.md lists the same forms under "Deprecated". Remove an entry
 * (and make the schema refuse its form) in the release after the one that deprecated it.
 */
import type { ParsedPlatformConfig } from "./schema";
import { s3References } from "./schemaS3";

type Parsed = ParsedPlatformConfig;

const NEXT = "is deprecated and will be refused in the next minor release";

const S3_OLD_KEYS: Readonly<Record<string, string>> = {
    "cluster.k3s.etcdSnapshots.s3": "endpoint, region, folder, accessKey, secretKey, insecure",
    "storage.longhorn.backup": "endpoint, region, folder, accessKey, secretKey",
    "harbor.storage.s3": "endpoint, region, rootDirectory, accessKey, secretKey",
    "monitoring.logs.s3": "endpoint, region, accessKey, secretKey",
};

/** Every deprecated form the stack uses, one message each, in a stable order. */
export function deprecationWarnings(parsed: Parsed): string[] {
    const warnings: string[] = [];
    for (const { path, block } of s3References(parsed)) {
        if (block.backend === undefined) {
            const key = path.join(".");
            warnings.push(
                `platform:${key}: the inline S3 form (${S3_OLD_KEYS[key]}) ${NEXT}. ` +
                    `Define the store once under platform:s3.backends.<name> (endpoint URL, region, accessKey, secretKey) and write { backend: <name>, bucket, prefix } here (platform:${key}.backend).`,
            );
        }
    }
    const dns01 = parsed.tls.acme?.dns01;
    if (dns01 !== undefined && dns01.provider === parsed.dns.provider) {
        warnings.push(
            `platform:tls.acme.dns01: a second ${dns01.provider} credential for DNS-01 ${NEXT}. ` +
                `DNS-01 uses platform:dns.${dns01.provider} (the one external-dns uses) when platform:tls.acme.dns01 is omitted: remove it.`,
        );
    }
    return warnings;
}
