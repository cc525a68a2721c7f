import type * as pulumi from "@pulumi/pulumi";

/**
 * An S3-compatible bucket and the key pair that writes to it. Each component adds its endpoint in
 * the form its chart takes (a URL for Longhorn and Harbor, host[:port] plus a plain-HTTP flag for
 * Loki); config/resolveS3.ts fills both from one `platform:s3.backends` entry.
 */
export interface S3Bucket {
    readonly bucket: string;
    readonly region: string;
    readonly accessKey: pulumi.Input<string>;
    readonly secretKey: pulumi.Input<string>;
}
