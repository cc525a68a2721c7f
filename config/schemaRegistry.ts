/**
 * Config for the Harbor registry: `platform:harbor`.
 */
import { z } from "zod";
import { inlineS3Keys, secretString } from "./schemaParts";
import { backendRef, checkS3Block, s3Prefix, endpointUrl, DEPRECATED } from "./schemaS3";
import { isDnsName, isHostOrIp } from "./validators";

const quantity = (what: string) => z.string().regex(/^\d+(Mi|Gi|Ti)$/, `expected a size such as 20Gi (${what})`);

const projectName = z
    .string()
    .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, "expected a Harbor project name (lower case, digits, '.', '_', '-')")
    .max(255);

/** The upstream registries Harbor proxies by default, with their proxy-cache project names. */
const DEFAULT_PROXY_CACHES = [
    { upstream: "docker.io", project: "dockerhub" },
    { upstream: "ghcr.io", project: "ghcr" },
    { upstream: "quay.io", project: "quay" },
    { upstream: "registry.k8s.io", project: "k8s" },
];

export const harborSchema = z
    .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Deploy the Harbor registry." }),
        host: z
            .string()
            .refine(isDnsName, "expected a DNS hostname")
            .optional()
            .meta({ description: "Registry hostname; default registry.<platform:domain>." }),
        storage: z
            .strictObject({
                type: z.enum(["pvc", "s3"]).default("pvc").meta({ description: "Image storage: PersistentVolumeClaim or S3-compatible bucket." }),
                storageClass: z.string().min(1).optional().meta({ description: "StorageClass for Harbor's PVCs; default: the cluster default." }),
                registrySize: quantity("registry PVC").default("20Gi").meta({ description: "Registry PVC size (type pvc)." }),
                databaseSize: quantity("database PVC").default("5Gi").meta({ description: "Internal PostgreSQL PVC size." }),
                redisSize: quantity("redis PVC").default("1Gi").meta({ description: "Redis PVC size." }),
                trivySize: quantity("trivy PVC").default("5Gi").meta({ description: "Trivy vulnerability DB cache PVC size." }),
                jobLogSize: quantity("job log PVC").default("1Gi").meta({ description: "Job service log PVC size (single replica)." }),
                s3: z
                    .strictObject({
                        ...backendRef,
                        bucket: z.string().min(3).meta({ description: "Bucket for image layers." }),
                        prefix: s3Prefix.optional().meta({ description: "Prefix inside the bucket (Harbor's root directory)." }),
                        region: z
                            .string()
                            .min(1)
                            .optional()
                            .meta({ description: `${DEPRECATED} bucket region.` }),
                        endpoint: endpointUrl("expected the S3 endpoint URL, e.g. https://minio.example.com")
                            .optional()
                            .meta({ description: `${DEPRECATED} endpoint URL for S3-compatible stores; omit for AWS.` }),
                        rootDirectory: z
                            .string()
                            .min(1)
                            .optional()
                            .meta({ description: `${DEPRECATED} prefix inside the bucket (now \`prefix\`).` }),
                        ...inlineS3Keys("harbor"),
                    })
                    .superRefine((block, ctx) => {
                        checkS3Block(block, ctx, ["region", "endpoint", "rootDirectory", "accessKey", "secretKey"], "rootDirectory");
                        if (block.backend === undefined && block.region === undefined) {
                            ctx.addIssue({
                                code: "custom",
                                path: ["region"],
                                message: "required key is missing: set backend (a platform:s3.backends name), or the old inline region",
                            });
                        }
                    })
                    .optional()
                    .meta({ description: "S3 settings (type s3): `{ backend, bucket, prefix }`." }),
            })
            .prefault({})
            .meta({ description: "Where Harbor keeps images and state." }),
        database: z
            .strictObject({
                type: z.enum(["internal", "external"]).default("internal").meta({
                    description:
                        "`internal`: the chart's PostgreSQL, in-cluster only, with a password the program generates once (a random secret kept in the state, never the chart's default); `external`: your PostgreSQL.",
                }),
                external: z
                    .strictObject({
                        host: z
                            .string()
                            .refine(isHostOrIp, "expected the PostgreSQL server's IPv4/IPv6 address or DNS hostname")
                            .meta({ description: "PostgreSQL host." }),
                        port: z.int().min(1).max(65535).default(5432).meta({ description: "PostgreSQL port." }),
                        username: z.string().min(1).meta({ description: "Database user." }),
                        database: z.string().min(1).default("registry").meta({ description: "Database name." }),
                        sslmode: z.enum(["disable", "require", "verify-ca", "verify-full"]).default("verify-full").meta({ description: "libpq sslmode." }),
                        password: secretString("harbor", "Database password."),
                    })
                    .optional()
                    .meta({ description: "External PostgreSQL (type external)." }),
            })
            .prefault({})
            .meta({ description: "Harbor's PostgreSQL." }),
        proxyCache: z
            .array(
                z.strictObject({
                    upstream: z.string().refine(isDnsName, "expected a registry hostname such as docker.io").meta({
                        description:
                            "Upstream registry host. docker.io and ghcr.io get Harbor's own adapters; any other host (quay.io too) is a plain registry v2 endpoint (Harbor type docker-registry), pulled anonymously.",
                    }),
                    project: projectName.meta({ description: "Harbor proxy-cache project name." }),
                }),
            )
            .default(DEFAULT_PROXY_CACHES)
            .meta({ description: "Upstream registries cached by Harbor (and mirrored on every k3s node)." }),
        projects: z
            .array(
                z.strictObject({
                    name: projectName.meta({ description: "Project name." }),
                    public: z.boolean().default(false).meta({ description: "Anonymous pull." }),
                    scanOnPush: z
                        .boolean()
                        .default(true)
                        .meta({ description: "Scan every pushed image with Trivy (Harbor `auto_scan`); the app pipeline's scan gate waits for that scan." }),
                    requireSignature: z.boolean().default(false).meta({
                        description:
                            "Refuse pulls of images without a cosign signature (Harbor `enable_content_trust_cosign`). Turn on for projects CI signs into (apps).",
                    }),
                    preventVulnerable: z
                        .strictObject({
                            severity: z.enum(["low", "medium", "high", "critical"]).meta({
                                description: "Refuse pulls of images with a vulnerability of this severity or above (Harbor `prevent_vul` + `severity`).",
                            }),
                        })
                        .optional()
                        .meta({ description: "Keep vulnerable images from running; omit to allow pulls whatever the scan found." }),
                }),
            )
            .default([])
            .meta({ description: "Private projects to create, with their security policies." }),
        robot: z
            .strictObject({
                name: z
                    .string()
                    .regex(/^[a-z0-9-]+$/, "expected a robot name (lower case, digits, '-')")
                    .default("ci")
                    .meta({ description: "Robot account name." }),
                projects: z.array(projectName).min(1, "expected at least one project").meta({ description: "Projects the robot may push to and pull from." }),
            })
            .optional()
            .meta({
                description:
                    "The CI robot: one project-level robot (push and pull) per project, named `robot$<project>+<name>`; stack output `registryRobots` (secrets).",
            }),
        pullRobots: z
            .array(
                z.strictObject({
                    name: z
                        .string()
                        .regex(/^[a-z0-9-]+$/, "expected a robot name (lower case, digits, '-')")
                        .meta({ description: "Robot name (Harbor names it `robot$<project>+<name>`)." }),
                    projects: z
                        .array(projectName)
                        .min(1, "expected at least one project")
                        .meta({ description: "Projects it may pull from (one project-level robot each)." }),
                }),
            )
            .default([])
            .meta({
                description: "Pull-only robots, e.g. `promotion`: what the next stage's promote job pulls with (stack output `registryPullRobots`, secrets).",
            }),
        robotExpiryDays: z
            .int()
            .refine((d) => d === -1 || (d >= 31 && d <= 3650), "expected days between 31 and 3650, or -1 (never expires: not advised)")
            .default(180)
            .meta({
                description:
                    "Days each platform-made robot's secret lives; `pulumi up` replaces a robot in its last 30 days (new secret: see docs/runbooks/rotate-secrets.md).",
            }),
        mirrorNodes: z.boolean().default(true).meta({ description: "Point every k3s node's containerd at the proxy caches (registries.yaml)." }),
        trivy: z.boolean().default(true).meta({ description: "Vulnerability scanning with Trivy." }),
    })
    .prefault({})
    .superRefine((harbor, ctx) => {
        if (harbor.storage.type === "s3" && harbor.storage.s3 === undefined) {
            ctx.addIssue({ code: "custom", path: ["storage", "s3"], message: "required when storage.type is 's3'" });
        }
        if (harbor.storage.type !== "s3" && harbor.storage.s3 !== undefined) {
            ctx.addIssue({ code: "custom", path: ["storage", "s3"], message: "not allowed when storage.type is 'pvc'" });
        }
        if (harbor.database.type === "external" && harbor.database.external === undefined) {
            ctx.addIssue({ code: "custom", path: ["database", "external"], message: "required when database.type is 'external'" });
        }
        const names = new Set<string>();
        [...harbor.proxyCache.map((p) => p.project), ...harbor.projects.map((p) => p.name)].forEach((name, i) => {
            if (names.has(name)) {
                const inProxy = i < harbor.proxyCache.length;
                ctx.addIssue({
                    code: "custom",
                    path: inProxy ? ["proxyCache", i, "project"] : ["projects", i - harbor.proxyCache.length, "name"],
                    message: `duplicate project '${name}'`,
                });
            }
            names.add(name);
        });
        if (!harbor.trivy) {
            harbor.projects.forEach((p, i) => {
                if (p.scanOnPush || p.preventVulnerable) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["projects", i, p.preventVulnerable ? "preventVulnerable" : "scanOnPush"],
                        message: "needs the Trivy scanner (platform:harbor.trivy: true); set scanOnPush: false and drop preventVulnerable, or turn Trivy on",
                    });
                }
            });
        }
        for (const [i, project] of (harbor.robot?.projects ?? []).entries()) {
            if (!harbor.projects.some((p) => p.name === project)) {
                ctx.addIssue({ code: "custom", path: ["robot", "projects", i], message: `expected one of platform:harbor.projects, got "${project}"` });
            }
        }
        const robotNames = new Set(harbor.robot ? [harbor.robot.name] : []);
        harbor.pullRobots.forEach((robot, r) => {
            if (robotNames.has(robot.name)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["pullRobots", r, "name"],
                    message: `duplicate robot name '${robot.name}' (Harbor names each robot <project>+<name>)`,
                });
            }
            robotNames.add(robot.name);
            robot.projects.forEach((project, i) => {
                if (!harbor.projects.some((p) => p.name === project)) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["pullRobots", r, "projects", i],
                        message: `expected one of platform:harbor.projects, got "${project}"`,
                    });
                }
            });
        });
    });
