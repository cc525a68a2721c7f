/**
 * Pinned software: container images carry a tag that does not float or a digest (raw workloads,
 * custom resources' pod templates, Plans and Helm values), digests in prod, exact chart versions.
 */
import { MOVING_TAG_IMAGES } from "../charts/images";
import { containers, isKube, isObject, isRelease, type PolicyResource, type PolicyRule, podSpecsDeep } from "./resource";

/** Tags that move by design. */
const MOVING_TAGS = new Set(["latest", "stable", "main", "master", "edge", "nightly", "dev", "develop", "lts", "current", "release", "rolling"]);

/** A tag that names a moving target: `latest` and friends (also `latest-dev`), or only a major or major.minor (`v7`, `v7.1`, `24.8`). */
export function isFloatingTag(tag: string): boolean {
    return MOVING_TAGS.has(tag.toLowerCase()) || /^latest-/i.test(tag) || /^v?\d+(\.\d+)?$/.test(tag);
}

/** Tag and digest of an image reference (`registry:5000/repo:tag@sha256:...`). */
function parseImage(image: string): { tag?: string; digest?: string } {
    const at = image.indexOf("@");
    const digest = at >= 0 && /^sha256:[a-f0-9]{64}$/.test(image.slice(at + 1)) ? image.slice(at + 1) : undefined;
    const name = at >= 0 ? image.slice(0, at) : image;
    const lastSegment = name.slice(name.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    return { ...(colon >= 0 && colon < lastSegment.length - 1 ? { tag: lastSegment.slice(colon + 1) } : {}), ...(digest ? { digest } : {}) };
}

/** Pinned: a digest, or a tag that does not float. */
export function isPinnedImage(image: string): boolean {
    const { tag, digest } = parseImage(image);
    return digest !== undefined || (tag !== undefined && !isFloatingTag(tag));
}

/** `<name>:<tag>` of the images whose upstream publishes only a moving tag (charts/images.ts MOVING_TAG_IMAGES). */
const ACCEPTED_MOVING_TAGS = new Set(MOVING_TAG_IMAGES.map((e) => `${e.image.slice(e.image.lastIndexOf("/") + 1)}:${e.tag}`));

/**
 * One of those images at exactly that tag, from any registry (the registry is configurable, e.g. a
 * Harbor proxy). Anything else with a floating tag, including another tag of the same image, is not.
 */
export function isAcceptedMovingTag(image: string): boolean {
    const name = image.split("@")[0];
    return ACCEPTED_MOVING_TAGS.has(name.slice(name.lastIndexOf("/") + 1));
}

/**
 * The image references a chart's values set: `image: "repo:tag"` strings, `image: {repository, tag,
 * digest}` maps, and maps that carry the tag or digest as `version` (sigstore's policy-controller
 * chart: a `sha256:` version is a digest, `tag@sha256:...` a tag and its digest, as the leases-cleanup
 * hook's image takes them, anything else a tag).
 */
function valuesImages(value: unknown, path: string, out: { path: string; ref?: string; tag?: unknown; digest?: unknown; repository?: unknown }[] = []) {
    if (Array.isArray(value)) {
        value.forEach((v, i) => valuesImages(v, `${path}[${i}]`, out));
    } else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
            const here = `${path}.${k}`;
            if (k === "image" && typeof v === "string") {
                out.push({ path: here, ref: v });
            } else if (k === "image" && isObject(v) && ("repository" in v || "tag" in v)) {
                const version = typeof v.version === "string" ? parseVersion(v.version) : {};
                out.push({ path: here, tag: v.tag ?? version.tag, digest: v.digest ?? version.digest, repository: v.repository });
            } else {
                valuesImages(v, here, out);
            }
        }
    }
    return out;
}

/** A chart's image `version`: a digest (`sha256:...`), a tag and its digest (`tag@sha256:...`), or a tag. */
function parseVersion(version: string): { tag?: string; digest?: string } {
    if (version.startsWith("sha256:")) return { digest: version };
    const at = version.indexOf("@");
    return at >= 0 && /^sha256:[a-f0-9]{64}$/.test(version.slice(at + 1)) ? { tag: version.slice(0, at), digest: version.slice(at + 1) } : { tag: version };
}

/** Container images of one raw object, with where they are. */
function rawImages(inputs: Record<string, unknown>): { where: string; image: unknown }[] {
    const found = podSpecsDeep(inputs, "").flatMap(({ spec }) => containers(spec).map((c) => ({ where: `container ${String(c.name)}`, image: c.image })));
    return found;
}

/** system-upgrade-controller Plans name an image without a tag: the controller appends `spec.version`. */
function planImages(r: PolicyResource): { where: string; image: string }[] {
    if (!isKube(r.type, "Plan") || !isObject(r.inputs.spec)) return [];
    const spec = r.inputs.spec;
    const version = typeof spec.version === "string" ? spec.version : undefined;
    return ["prepare", "upgrade"]
        .map((k) => (isObject(spec[k]) ? (spec[k] as { image?: unknown }).image : undefined))
        .filter((i): i is string => typeof i === "string")
        .map((image) => ({ where: "plan", image: parseImage(image).tag === undefined && version !== undefined ? `${image}:${version}` : image }));
}

export const imagesPinned: PolicyRule = {
    name: "images-pinned",
    description:
        "Container images carry a tag that does not float (not latest, not only major or major.minor) or a digest: raw workloads, pod templates in custom resources, and images set in Helm values. The only exceptions are the images upstream publishes under a moving tag alone (charts/images.ts MOVING_TAG_IMAGES), at that tag.",
    check: (r) => {
        const out: string[] = [];
        for (const { where, image } of [...rawImages(r.inputs), ...planImages(r)]) {
            if (typeof image !== "string" || !(isPinnedImage(image) || isAcceptedMovingTag(image)))
                out.push(`${r.name} ${where} uses unpinned image ${String(image)}`);
        }
        if (isRelease(r.type)) {
            for (const img of valuesImages(r.inputs.values, "values")) {
                if (img.ref !== undefined) {
                    if (!isPinnedImage(img.ref) && !isAcceptedMovingTag(img.ref)) out.push(`${r.name} sets ${img.path} to unpinned image ${img.ref}`);
                } else if (
                    img.digest === undefined &&
                    img.tag !== undefined &&
                    (typeof img.tag !== "string" || img.tag === "" || isFloatingTag(img.tag)) &&
                    !(typeof img.repository === "string" && typeof img.tag === "string" && isAcceptedMovingTag(`${img.repository}:${img.tag}`))
                ) {
                    out.push(`${r.name} sets ${img.path}.tag to "${String(img.tag)}"`);
                }
            }
        }
        return out;
    },
};

export const imagesDigest: PolicyRule = {
    name: "images-digest",
    description:
        "In prod, images the platform names carry a digest (tag@sha256:...), which Renovate keeps current. Advisory until the digests are filled in (docs/adr/0013).",
    advisory: true,
    check: (r, ctx) => {
        if (ctx.profile !== "prod") return [];
        const out: string[] = [];
        for (const { where, image } of [...rawImages(r.inputs), ...planImages(r)]) {
            if (typeof image === "string" && parseImage(image).digest === undefined) {
                out.push(
                    `${r.name} ${where} runs ${image} without a digest${isAcceptedMovingTag(image) ? " (a tag upstream moves, charts/images.ts MOVING_TAG_IMAGES)" : ""}`,
                );
            }
        }
        if (isRelease(r.type)) {
            for (const img of valuesImages(r.inputs.values, "values")) {
                if (img.ref !== undefined ? parseImage(img.ref).digest === undefined : img.tag !== undefined && img.digest === undefined) {
                    const ref = img.ref ?? (typeof img.repository === "string" && typeof img.tag === "string" ? `${img.repository}:${img.tag}` : undefined);
                    const moving = ref !== undefined && isAcceptedMovingTag(ref) ? ` (${ref}: a tag upstream moves, charts/images.ts MOVING_TAG_IMAGES)` : "";
                    out.push(`${r.name} sets ${img.path} without a digest${moving}`);
                }
            }
        }
        return out;
    },
};

export const helmChartPinned: PolicyRule = {
    name: "helm-chart-pinned",
    description: "Helm charts are installed at an exact version.",
    check: (r) => {
        if (r.type !== "kubernetes:helm.sh/v3:Release" && r.type !== "kubernetes:helm.sh/v4:Chart") return [];
        const version = r.inputs.version;
        return typeof version === "string" && /^v?\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)
            ? []
            : [`${r.name} installs chart ${String(r.inputs.chart)} without an exact version (${String(version)})`];
    },
};
