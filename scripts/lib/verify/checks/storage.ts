/**
 * Longhorn checks through longhorn-manager's REST API (the API the UI uses), via the service proxy.
 */
import { parseJson } from "../http";
import { parts, SERVICES } from "../platform";
import type { Check } from "../types";

interface Volume {
    name: string;
    state?: string;
    robustness?: string;
    kubernetesStatus?: { pvcName?: string; namespace?: string };
}

export const longhornVolumesCheck: Check = {
    name: "longhorn.volumes",
    part: "storage.longhorn",
    description: "Every Longhorn volume that is attached is healthy (not degraded or faulted); detached volumes are listed, not failed.",
    when: "storage.class is longhorn",
    enabled: (config) => parts(config).longhorn,
    async run(ctx) {
        const res = await ctx.kube.proxy(SERVICES.longhorn, "/v1/volumes");
        if (res.status !== 200) return { ok: false, detail: `longhorn-manager /v1/volumes: HTTP ${res.status}`, hint: "kubectl -n longhorn-system get pods" };
        const volumes = parseJson<{ data: Volume[] }>(res, "volumes").data;
        const name = (v: Volume) => (v.kubernetesStatus?.pvcName ? `${v.kubernetesStatus.namespace}/${v.kubernetesStatus.pvcName}` : v.name);
        const bad = volumes.filter((v) => v.robustness === "faulted" || v.robustness === "degraded" || (v.state === "attached" && v.robustness !== "healthy"));
        if (bad.length > 0) {
            return {
                ok: false,
                detail: bad
                    .slice(0, 5)
                    .map((v) => `${name(v)} ${v.robustness ?? "unknown"}`)
                    .join("; "),
                hint: "degraded: a replica is rebuilding or a node is down (Longhorn UI > Volume); faulted: restore from backup (docs/runbooks)",
            };
        }
        const detached = volumes.filter((v) => v.state === "detached").length;
        return { ok: true, detail: `${volumes.length} volume(s), attached ones healthy${detached ? `, ${detached} detached` : ""}` };
    },
};

export const longhornBackupCheck: Check = {
    name: "longhorn.backup-target",
    part: "storage.longhorn.backup",
    description: "Longhorn's backup target is configured and available (it can reach the S3 bucket).",
    when: "storage.class is longhorn and storage.longhorn.backup is set",
    enabled: (config) => parts(config).longhornBackup,
    async run(ctx) {
        const res = await ctx.kube.proxy(SERVICES.longhorn, "/v1/backuptargets");
        if (res.status !== 200)
            return { ok: false, detail: `longhorn-manager /v1/backuptargets: HTTP ${res.status}`, hint: "kubectl -n longhorn-system get pods" };
        const targets = parseJson<{ data: { name: string; backupTargetURL?: string; available?: boolean; message?: string }[] }>(
            res,
            "backuptargets",
        ).data.filter((t) => t.backupTargetURL);
        if (targets.length === 0)
            return {
                ok: false,
                detail: "no backup target configured",
                hint: "pulumi up sets it from storage.longhorn.backup; kubectl -n longhorn-system get backuptargets",
            };
        const unavailable = targets.filter((t) => t.available !== true);
        if (unavailable.length > 0) {
            return {
                ok: false,
                detail: unavailable.map((t) => `${t.name} (${t.backupTargetURL}) unavailable${t.message ? `: ${t.message.slice(0, 80)}` : ""}`).join("; "),
                hint: "the bucket, endpoint or Secret longhorn-system/longhorn-backup-target is wrong, or the nodes cannot reach S3",
            };
        }
        return { ok: true, detail: `${targets.map((t) => t.backupTargetURL).join(", ")} available` };
    },
};
