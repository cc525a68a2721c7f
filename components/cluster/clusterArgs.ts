/**
 * What ClusterK3s takes: hosts to install k3s on over SSH, or an existing cluster's kubeconfig.
 * Declared here, in the component's own terms; platform/ maps the resolved config onto it.
 */
import type * as pulumi from "@pulumi/pulumi";

/** One host as ClusterK3s installs it. */
export interface K3sHostArgs {
    /** Node name (DNS-1123). */
    readonly name: string;
    /** The address Pulumi connects to over SSH. */
    readonly host: string;
    /** The node's private address (k3s `node-ip`); default: what k3s detects. */
    readonly address?: string;
    /** The node's public address (k3s `node-external-ip`). */
    readonly externalAddress?: string;
    /** The host's SSH public key; connections are refused unless the host presents it. */
    readonly hostKey?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly taints?: readonly string[];
}

/** etcd snapshots every server takes, optionally uploaded to S3 (endpoint as host or host:port). */
export interface EtcdSnapshotArgs {
    /** Cron schedule. */
    readonly schedule: string;
    /** Snapshots kept. */
    readonly retention: number;
    readonly s3?: {
        readonly endpoint: string;
        readonly bucket: string;
        readonly region?: string;
        readonly folder?: string;
        readonly insecure: boolean;
        readonly accessKey: string;
        /** Sent to the servers on stdin, never on a command line. */
        readonly secretKey: pulumi.Input<string>;
    };
}

/** A k3s cluster on SSH-reachable hosts: the first server initialises, the others join it. */
export interface K3sClusterArgs {
    /** k3s release tag, e.g. `v1.36.4+k3s1`. */
    readonly version: string;
    /** Pinned SHA-256 of install.sh at that tag. */
    readonly installScriptSha256?: string;
    /** The API endpoint clients use (in tls-san and the exported kubeconfig); default: the first server. */
    readonly apiEndpoint?: string;
    readonly ssh: {
        readonly user: string;
        readonly port: number;
        readonly privateKey: pulumi.Input<string>;
    };
    readonly servers: readonly K3sHostArgs[];
    readonly agents: readonly K3sHostArgs[];
    /** Packaged components k3s must not deploy. */
    readonly disable: readonly string[];
    readonly clusterCidr?: string;
    readonly serviceCidr?: string;
    /** Encrypt Secrets at rest in etcd. */
    readonly secretsEncryption: boolean;
    readonly etcdSnapshots: EtcdSnapshotArgs;
    /** Host checks before install: oldest kernel accepted, and whether k3s ports must be free. */
    readonly preflight: { readonly minKernel: string; readonly checkPorts: boolean };
}

/** A cluster the platform does not install: its kubeconfig (secret) and context. */
export interface ExistingClusterArgs {
    readonly kubeconfig: pulumi.Input<string>;
    /** Context to use; default: the kubeconfig's current context. */
    readonly context?: string;
}

/** The cluster to build on, by mode. */
export type ClusterArgs = { readonly mode: "k3s"; readonly k3s: K3sClusterArgs } | { readonly mode: "existing"; readonly existing: ExistingClusterArgs };
