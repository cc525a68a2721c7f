/**
 * The `platform:cluster` schema: k3s on SSH hosts (nodes, SSH, etcd snapshots, preflight) or an
 * existing cluster from a kubeconfig. Cross-key rules that also read other blocks (servers per
 * profile, duplicate nodes, ServiceLB and the ingress) stay with the root schema in config/schema.ts.
 */
import { z } from "zod";
import { KUBECTL_IMAGES, kubectlImage } from "../charts/images";
import { host, inlineS3Keys, labels, secretString } from "./schemaParts";
import { backendRef, bucketName, checkS3Block, s3Prefix, DEPRECATED } from "./schemaS3";
import { isCidr, isCron, isHostPort, isIpAddress, isK3sVersion, isNodeName, isSha256, isSshPublicKey, isTaint } from "./validators";

const nodeSchema = z.strictObject({
    name: z
        .string()
        .refine(isNodeName, "expected a node name: lower-case letters, digits, '-' and '.' (DNS-1123)")
        .meta({ description: "Kubernetes node name (k3s `node-name`)." }),
    host: host("the address Pulumi connects to over SSH").meta({
        description: "Address Pulumi reaches over SSH (IP or hostname).",
    }),
    address: z.string().refine(isIpAddress, "expected the node's private IPv4/IPv6 address").optional().meta({
        description: "Private IP other nodes use (k3s `node-ip`; on a server with a public address also `advertise-address`); default: the SSH host.",
    }),
    externalAddress: z.string().refine(isIpAddress, "expected the node's public IPv4/IPv6 address").optional().meta({
        description:
            "Public IP the node is reached at from the internet (k3s `node-external-ip`; ServiceLB publishes it, so external-dns does); default: `host` when it is an IP other than `address`.",
    }),
    hostKey: z
        .string()
        .refine(isSshPublicKey, "expected the host's SSH public key as '<type> <base64>', e.g. the last two fields `ssh-keyscan -t ed25519 <host>` prints")
        .optional()
        .meta({
            description:
                "The host's SSH public key (`ssh-ed25519 AAAA...`); every SSH connection is refused unless the host presents it. Required unless `cluster.k3s.ssh.skipHostKeyCheck` says why not (dev only).",
        }),
    labels: labels.optional(),
    taints: z
        .array(z.string().refine(isTaint, "expected a taint 'key[=value]:NoSchedule|PreferNoSchedule|NoExecute'"))
        .optional()
        .meta({ description: "Node taints (k3s `node-taint`)." }),
});

const etcdS3Schema = z
    .strictObject({
        ...backendRef,
        bucket: bucketName.meta({ description: "Bucket that receives etcd snapshots." }),
        prefix: s3Prefix.optional().meta({ description: "Folder (prefix) inside the bucket; default: the bucket root." }),
        endpoint: z
            .string()
            .refine(isHostPort, "expected an S3 endpoint as host or host:port, without https://")
            .optional()
            .meta({ description: `${DEPRECATED} S3-compatible endpoint (host[:port], no scheme); default s3.amazonaws.com.` }),
        region: z
            .string()
            .min(1)
            .optional()
            .meta({ description: `${DEPRECATED} bucket region.` }),
        folder: s3Prefix.optional().meta({ description: `${DEPRECATED} folder inside the bucket (now \`prefix\`).` }),
        ...inlineS3Keys("cluster"),
        insecure: z
            .boolean()
            .optional()
            .meta({ description: `${DEPRECATED} use plain HTTP to the endpoint.` }),
    })
    .superRefine((block, ctx) => checkS3Block(block, ctx, ["endpoint", "region", "folder", "accessKey", "secretKey", "insecure"], "folder"));

const k3sSchema = z.strictObject({
    version: z
        .string()
        .refine(isK3sVersion, "expected a k3s release tag such as v1.36.4+k3s1")
        .refine((v) => !isK3sVersion(v) || kubectlImage(v) !== undefined, {
            message: `expected a Kubernetes minor the platform has a kubectl image for (charts/images.ts KUBECTL_IMAGES: ${Object.keys(KUBECTL_IMAGES).join(", ")}); add one for a new minor`,
        })
        .meta({ description: "Pinned k3s release; also selects the install script of that tag." }),
    installScriptSha256: z
        .string()
        .refine(isSha256, "expected the lower-case hex SHA-256 of install.sh at that tag")
        .optional()
        .meta({ description: "If set, the downloaded install.sh must have this SHA-256." }),
    apiEndpoint: host("the Kubernetes API endpoint")
        .optional()
        .meta({ description: "DNS name or IP clients use for the API (tls-san, kubeconfig); default: first server." }),
    ssh: z
        .strictObject({
            user: z
                .string()
                .regex(/^[a-z_][a-z0-9_-]*$/, "expected a Unix user name")
                .default("root")
                .meta({
                    description: "SSH user: root or a user with passwordless sudo.",
                }),
            port: z
                .int("expected an integer port")
                .min(1, "expected a port 1-65535")
                .max(65535, "expected a port 1-65535")
                .default(22)
                .meta({ description: "SSH port." }),
            privateKey: secretString("cluster", "SSH private key authorised on every host."),
            skipHostKeyCheck: z
                .strictObject({
                    reason: z
                        .string()
                        .min(10, "expected a reason of at least 10 characters")
                        .meta({ description: "Why these hosts' keys cannot be pinned (reviewed in the stack file)." }),
                })
                .optional()
                .meta({ description: "Connect without verifying host keys (dev profile only; a man in the middle would receive the cluster token)." }),
        })
        .meta({ description: "How Pulumi reaches the hosts over SSH." }),
    servers: z
        .array(nodeSchema)
        .min(1, "expected at least one server")
        .superRefine((servers, ctx) => {
            if (servers.length > 0 && servers.length % 2 === 0) {
                ctx.addIssue({
                    code: "custom",
                    message: `expected an odd number of servers (1, 3, 5...) so etcd keeps quorum, got ${servers.length}`,
                });
            }
            // k3s advertises the API server at node-external-ip unless advertise-address is set, and
            // the platform sets it to the private address: a server must have one it can name.
            servers.forEach((server, i) => {
                if (
                    server.externalAddress !== undefined &&
                    server.address === undefined &&
                    (!isIpAddress(server.host) || server.host === server.externalAddress)
                ) {
                    ctx.addIssue({
                        code: "custom",
                        path: [i, "address"],
                        message:
                            `required when the server has a public externalAddress (${server.externalAddress}) and its host is not a private IP: ` +
                            "k3s would advertise the API server at the public address; give the private IP (or the public one on a host without a private network)",
                    });
                }
            });
        })
        .meta({ description: "Control-plane nodes; the first one initialises the cluster. 1 or an odd number >= 3." }),
    agents: z.array(nodeSchema).default([]).meta({ description: "Worker nodes." }),
    disable: z
        .array(z.enum(["servicelb", "local-storage", "metrics-server"]))
        .default([])
        .meta({ description: "Packaged k3s components to disable in addition to traefik (always disabled)." }),
    clusterCidr: z.string().refine(isCidr, "expected a CIDR such as 10.42.0.0/16").optional().meta({
        description: "Pod network CIDR (k3s `cluster-cidr`).",
    }),
    serviceCidr: z.string().refine(isCidr, "expected a CIDR such as 10.43.0.0/16").optional().meta({
        description: "Service network CIDR (k3s `service-cidr`).",
    }),
    secretsEncryption: z.boolean().default(true).meta({ description: "Encrypt Secrets at rest in etcd." }),
    etcdSnapshots: z
        .strictObject({
            schedule: z
                .string()
                .refine(isCron, "expected a five-field cron expression such as '0 */6 * * *'")
                .optional()
                .meta({ description: "Snapshot cron; default by profile (dev: every 12h, prod: every 6h)." }),
            retention: z
                .int("expected a whole number of snapshots")
                .min(1, "expected at least 1 snapshot")
                .max(1000, "expected at most 1000 snapshots")
                .optional()
                .meta({ description: "Snapshots kept; default by profile (dev: 5, prod: 28)." }),
            s3: etcdS3Schema.optional().meta({ description: "Also upload snapshots to S3-compatible storage: `{ backend, bucket, prefix }`." }),
        })
        .default({})
        .meta({ description: "Embedded etcd snapshots taken by k3s on every server." }),
    preflight: z
        .strictObject({
            minKernel: z
                .string()
                .regex(/^\d+\.\d+$/, "expected a kernel version as major.minor, e.g. 4.18")
                .default("4.18")
                .meta({ description: "Oldest kernel accepted on hosts." }),
            checkPorts: z.boolean().default(false).meta({
                description: "Fail when k3s ports (6443, 10250, 2379-2380) are taken before install.",
            }),
        })
        .default({ minKernel: "4.18", checkPorts: false })
        .meta({ description: "Host checks run before k3s is installed." }),
});

const existingSchema = z.strictObject({
    kubeconfig: secretString("cluster", "Kubeconfig of the existing cluster."),
    context: z.string().min(1).optional().meta({ description: "Context to use; default: the current context." }),
    podCidr: z
        .string()
        .refine(isCidr, "expected an IPv4 CIDR such as 10.42.0.0/16")
        .refine((c) => !c.includes(":"), "expected an IPv4 CIDR")
        .optional()
        .meta({
            description:
                "The cluster's pod CIDR: required while NetworkPolicies are on. The nodes reach pods on other nodes from the first address of their pod subnet (flannel, as on k3s and k3d), which the policies admit instead of the whole pod CIDR.",
        }),
    serviceCidr: z
        .string()
        .refine(isCidr, "expected an IPv4 CIDR such as 10.43.0.0/16")
        .refine((c) => !c.includes(":"), "expected an IPv4 CIDR")
        .optional()
        .meta({
            description: "The cluster's Service CIDR: required while NetworkPolicies are on (egress outside the cluster excludes it).",
        }),
    nodeCidrMaskSize: z
        .number()
        .int()
        .min(16)
        .max(28)
        .default(24)
        .meta({ description: "Prefix length of each node's pod subnet (kube-controller-manager `--node-cidr-mask-size`)." }),
});

export const clusterSchema = z
    .strictObject({
        mode: z.enum(["k3s", "existing"]).meta({ description: "`k3s`: install on hosts over SSH; `existing`: use a kubeconfig." }),
        k3s: k3sSchema.optional().meta({ description: "k3s settings (mode k3s)." }),
        existing: existingSchema.optional().meta({ description: "Existing cluster settings (mode existing)." }),
    })
    .superRefine((cluster, ctx) => {
        const other = cluster.mode === "k3s" ? "existing" : "k3s";
        if (cluster[cluster.mode] === undefined) {
            ctx.addIssue({ code: "custom", path: [cluster.mode], message: `required when mode is '${cluster.mode}'` });
        }
        if (cluster[other] !== undefined) {
            ctx.addIssue({ code: "custom", path: [other], message: `not allowed when mode is '${cluster.mode}'` });
        }
    });
