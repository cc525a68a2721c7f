/**
 * Harbor checks, through its public URL over TLS (what nodes and CI use): health, the proxy-cache
 * projects, and one manifest fetched through a proxy cache with the registry's token flow.
 */
import { HARBOR_NAMESPACE, HARBOR_SECRETS } from "../../../../components/registry/harborValues";
import { parseJson } from "../http";
import type { Check, VerifyContext } from "../types";

/** A small, long-lived image per well-known upstream, fetched (manifest only) through its proxy cache. */
const PROBE_IMAGES: Readonly<Record<string, string>> = {
    "registry.k8s.io": "pause:3.10",
    "docker.io": "library/busybox:1.37",
    "quay.io": "prometheus/busybox:latest",
    "ghcr.io": "containerd/busybox:1.36",
};

const TLS_HINT = "a TLS error means the certificate is not (yet) issued or not trusted: check tls.certificates, or pass --ca-file with the issuing CA";

async function admin(ctx: VerifyContext): Promise<string> {
    const password = await ctx.secrets.read(HARBOR_NAMESPACE, HARBOR_SECRETS.admin.name, HARBOR_SECRETS.admin.keys[0]);
    return `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`;
}

export const harborHealthCheck: Check = {
    name: "harbor.health",
    part: "harbor",
    description: "GET https://<harbor.host>/api/v2.0/health over TLS answers healthy for every Harbor component.",
    when: "harbor.enabled",
    enabled: (config) => config.harbor.enabled,
    async run(ctx) {
        const url = `https://${ctx.config.harbor.host}/api/v2.0/health`;
        let res;
        try {
            res = await ctx.publicHttp.request(url);
        } catch (err) {
            return { ok: false, detail: (err as Error).message, hint: `is ${ctx.config.harbor.host} in DNS and the ingress serving it? ${TLS_HINT}` };
        }
        if (res.status !== 200)
            return { ok: false, detail: `${url}: HTTP ${res.status}`, hint: "kubectl -n harbor get pods; kubectl -n harbor logs deploy/harbor-core" };
        const health = parseJson<{ status?: string; components?: { name: string; status: string; error?: string }[] }>(res, url);
        const bad = (health.components ?? []).filter((c) => c.status !== "healthy");
        if (health.status !== "healthy" || bad.length > 0) {
            return {
                ok: false,
                detail: `Harbor is ${health.status ?? "unknown"}: ${bad.map((c) => `${c.name} ${c.status}${c.error ? ` (${c.error.slice(0, 60)})` : ""}`).join(", ") || "no component detail"}`,
                hint: "kubectl -n harbor get pods; database and redis first, then core and registry",
            };
        }
        return { ok: true, detail: `healthy (${(health.components ?? []).length} components) at ${ctx.config.harbor.host}` };
    },
};

/** The image to fetch: --harbor-image, else the first proxy cache with a known probe image. */
function probeImage(ctx: VerifyContext): { project: string; repository: string; tag: string } | undefined {
    const chosen = ctx.options.harborImage;
    if (chosen) {
        const m = /^([^/]+)\/(.+):([^:/]+)$/.exec(chosen);
        if (!m) throw new Error(`--harbor-image: expected <project>/<repository>:<tag>, got '${chosen}'`);
        return { project: m[1], repository: m[2], tag: m[3] };
    }
    // In PROBE_IMAGES order: registry.k8s.io first, as it has no pull rate limit.
    for (const [upstream, image] of Object.entries(PROBE_IMAGES)) {
        const cache = ctx.config.harbor.proxyCache.find((c) => c.upstream === upstream);
        if (cache) {
            const [repository, tag] = image.split(":");
            return { project: cache.project, repository, tag };
        }
    }
    return undefined;
}

export const harborProxyCacheCheck: Check = {
    name: "harbor.proxy-cache",
    part: "harbor.proxyCache",
    description:
        "Every configured proxy-cache project exists in Harbor as a proxy cache, and an image manifest is fetched through one of them (registry token flow, as the admin user from its Secret).",
    when: "harbor.enabled and harbor.proxyCache is not empty",
    enabled: (config) => config.harbor.enabled && config.harbor.proxyCache.length > 0,
    async run(ctx) {
        const base = `https://${ctx.config.harbor.host}`;
        const auth = await admin(ctx);
        const missing: string[] = [];
        for (const cache of ctx.config.harbor.proxyCache) {
            const res = await ctx.publicHttp.request(`${base}/api/v2.0/projects?name=${encodeURIComponent(cache.project)}`, {
                headers: { Authorization: auth },
            });
            if (res.status === 401)
                return { ok: false, detail: "Harbor refused the admin password from its Secret", hint: "docs/runbooks/rotate-secrets.md (Harbor admin)" };
            const projects = res.status === 200 ? (parseJson<{ name: string; registry_id?: number | null }[] | null>(res, "projects") ?? []) : [];
            const project = projects.find((p) => p.name === cache.project);
            if (!project || !project.registry_id) missing.push(`${cache.project} (${cache.upstream})${project ? " is not a proxy cache" : ""}`);
        }
        if (missing.length > 0) {
            return {
                ok: false,
                detail: `missing proxy-cache project(s): ${missing.join(", ")}`,
                hint: "pulumi up creates them (platform:harbor:Project); check the registry endpoints in Harbor's UI",
            };
        }
        const image = probeImage(ctx);
        if (!image)
            return { ok: true, detail: `${ctx.config.harbor.proxyCache.length} proxy-cache project(s) exist (no known image to fetch: pass --harbor-image)` };
        const ref = `${image.project}/${image.repository}:${image.tag}`;
        // The registry API's bearer-token flow: the challenge names the token service.
        const challenge = await ctx.publicHttp.request(`${base}/v2/`);
        const realm = /realm="([^"]+)"/.exec(String(challenge.headers["www-authenticate"] ?? ""))?.[1];
        const service = /service="([^"]+)"/.exec(String(challenge.headers["www-authenticate"] ?? ""))?.[1];
        if (!realm)
            return { ok: false, detail: `${base}/v2/ gave no token challenge (HTTP ${challenge.status})`, hint: "kubectl -n harbor logs deploy/harbor-core" };
        const tokenUrl = new URL(realm);
        if (service) tokenUrl.searchParams.set("service", service);
        tokenUrl.searchParams.set("scope", `repository:${image.project}/${image.repository}:pull`);
        const tokenRes = await ctx.publicHttp.request(tokenUrl.toString(), { headers: { Authorization: auth } });
        if (tokenRes.status !== 200) return { ok: false, detail: `token service: HTTP ${tokenRes.status}`, hint: "kubectl -n harbor logs deploy/harbor-core" };
        const token = ctx.secrets.sensitive(parseJson<{ token?: string }>(tokenRes, "token").token ?? "");
        const manifest = await ctx.publicHttp.request(`${base}/v2/${image.project}/${image.repository}/manifests/${image.tag}`, {
            headers: {
                Authorization: `Bearer ${token}`,
                Accept: [
                    "application/vnd.oci.image.index.v1+json",
                    "application/vnd.docker.distribution.manifest.list.v2+json",
                    "application/vnd.oci.image.manifest.v1+json",
                    "application/vnd.docker.distribution.manifest.v2+json",
                ].join(", "),
            },
        });
        if (manifest.status !== 200) {
            return {
                ok: false,
                detail: `GET manifest ${ref} through the proxy cache: HTTP ${manifest.status}`,
                hint: "Harbor must reach the upstream registry (egress, proxy, rate limits): kubectl -n harbor logs deploy/harbor-core; pass --harbor-image to try another image",
            };
        }
        const digest = String(manifest.headers["docker-content-digest"] ?? "").slice(0, 19);
        return { ok: true, detail: `${ctx.config.harbor.proxyCache.length} proxy-cache project(s); fetched ${ref}${digest ? ` (${digest}...)` : ""}` };
    },
};
