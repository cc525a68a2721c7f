/**
 * Cluster checks: nodes, the platform's workloads, and (k3s) etcd snapshots.
 */
import { longestGapMinutes } from "../cron";
import { parts, platformNamespaces } from "../platform";
import type { Check, Finding } from "../types";

interface List<T> {
    items: T[];
}
interface Condition {
    type: string;
    status: string;
    reason?: string;
    message?: string;
}
interface Node {
    metadata: { name: string };
    spec?: { unschedulable?: boolean };
    status?: { conditions?: Condition[]; nodeInfo?: { kubeletVersion?: string } };
}
interface Workload {
    kind?: string;
    metadata: { name: string; namespace: string };
    spec?: { replicas?: number };
    status?: { readyReplicas?: number; availableReplicas?: number; desiredNumberScheduled?: number; numberAvailable?: number };
}
interface ContainerStatus {
    name: string;
    ready?: boolean;
    restartCount?: number;
    state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string } };
}
interface Pod {
    metadata: { name: string; namespace: string; ownerReferences?: { kind: string }[] };
    status?: { phase?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}

const list = (items: string[], max = 5) => (items.length <= max ? items.join("; ") : `${items.slice(0, max).join("; ")} (+${items.length - max} more)`);

export const nodesCheck: Check = {
    name: "cluster.nodes",
    part: "cluster",
    description: "Every node is Ready and schedulable; in k3s mode each runs the configured k3s version.",
    when: "always",
    enabled: () => true,
    async run(ctx) {
        const nodes = (await ctx.kube.get<List<Node>>("/api/v1/nodes")).items;
        if (nodes.length === 0) return { ok: false, detail: "the cluster has no nodes", hint: "kubectl get nodes" };
        const want = ctx.config.cluster.mode === "k3s" ? ctx.config.cluster.k3s.version : undefined;
        const problems: string[] = [];
        for (const node of nodes) {
            const ready = node.status?.conditions?.find((c) => c.type === "Ready");
            if (ready?.status !== "True") problems.push(`${node.metadata.name} not Ready (${ready?.reason ?? "no Ready condition"})`);
            if (node.spec?.unschedulable) problems.push(`${node.metadata.name} is cordoned`);
            const version = node.status?.nodeInfo?.kubeletVersion;
            if (want !== undefined && version !== want) problems.push(`${node.metadata.name} runs ${version ?? "an unknown version"}, config says ${want}`);
        }
        if (problems.length > 0) {
            return {
                ok: false,
                detail: list(problems),
                hint:
                    want !== undefined
                        ? "kubectl describe node <name>; a version mismatch means an upgrade Plan is still running (docs/runbooks/upgrade.md)"
                        : "kubectl describe node <name>",
            };
        }
        return { ok: true, detail: `${nodes.length} node(s) Ready${want ? ` at ${want}` : ""}` };
    },
};

/** Why a pod is not ready, in the words `kubectl get pods` uses. */
function podProblem(pod: Pod): string | undefined {
    const status = pod.status ?? {};
    if (status.phase === "Succeeded") return undefined;
    const statuses = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
    for (const c of statuses) {
        const waiting = c.state?.waiting?.reason;
        if (waiting && waiting !== "PodInitializing" && waiting !== "ContainerCreating") {
            return `${waiting}${c.state?.waiting?.message ? `: ${c.state.waiting.message.slice(0, 100)}` : ""} (container ${c.name}${c.restartCount ? `, ${c.restartCount} restarts` : ""})`;
        }
    }
    if (status.phase === "Pending") {
        const scheduled = status.conditions?.find((c) => c.type === "PodScheduled");
        if (scheduled?.status === "False")
            return `Pending: ${scheduled.reason ?? "Unschedulable"}${scheduled.message ? ` - ${scheduled.message.slice(0, 120)}` : ""}`;
        return "Pending";
    }
    if (status.phase === "Failed") return "Failed";
    const ready = status.conditions?.find((c) => c.type === "Ready");
    if (ready?.status !== "True") {
        const notReady = statuses.filter((c) => !c.ready).map((c) => c.name);
        return `not Ready${notReady.length > 0 ? ` (containers ${notReady.join(", ")})` : ""}`;
    }
    return undefined;
}

export const workloadsCheck: Check = {
    name: "cluster.workloads",
    part: "cluster",
    description:
        "Every Deployment, StatefulSet and DaemonSet in the platform's namespaces is fully available; pods that are not ready are named with their reason (CrashLoopBackOff, ImagePullBackOff, Pending...).",
    when: "always (namespaces of the parts that are on)",
    enabled: () => true,
    async run(ctx) {
        const namespaces = platformNamespaces(ctx.config);
        const short: string[] = [];
        const pods: string[] = [];
        let total = 0;
        for (const ns of namespaces) {
            const [deployments, statefulSets, daemonSets] = await Promise.all(
                ["deployments", "statefulsets", "daemonsets"].map((kind) => ctx.kube.get<List<Workload>>(`/apis/apps/v1/namespaces/${ns}/${kind}`)),
            );
            for (const d of [...deployments.items, ...statefulSets.items]) {
                total++;
                const want = d.spec?.replicas ?? 1;
                const ready = d.status?.readyReplicas ?? 0;
                if (ready < want) short.push(`${ns}/${d.metadata.name} ${ready}/${want} ready`);
            }
            for (const d of daemonSets.items) {
                total++;
                const want = d.status?.desiredNumberScheduled ?? 0;
                const ready = d.status?.numberAvailable ?? 0;
                if (ready < want) short.push(`${ns}/${d.metadata.name} ${ready}/${want} available`);
            }
            const podList = await ctx.kube.get<List<Pod>>(`/api/v1/namespaces/${ns}/pods`);
            for (const pod of podList.items) {
                // Completed Jobs' pods are fine; a failed Job's pod is reported by its phase.
                const problem = podProblem(pod);
                if (problem) pods.push(`${ns}/${pod.metadata.name}: ${problem}`);
            }
        }
        if (short.length > 0 || pods.length > 0) {
            return {
                ok: false,
                detail: list([...short, ...pods], 6),
                hint: "kubectl -n <ns> describe pod <pod>; kubectl -n <ns> logs <pod> --previous (CrashLoopBackOff); check the image and pull secret (ImagePullBackOff); requests vs free capacity or PVC binding (Pending)",
            };
        }
        return { ok: true, detail: `${total} workload(s) available in ${namespaces.length} namespace(s)` };
    },
};

interface SnapshotFile {
    metadata: { name: string };
    spec?: { snapshotName?: string; nodeName?: string; location?: string };
    status?: { creationTime?: string; readyToUse?: boolean; error?: { message?: string } };
}

/** Slack on top of the schedule's longest gap: a snapshot takes time and k3s's cron is per server. */
const SNAPSHOT_GRACE_MINUTES = 30;

export const etcdSnapshotsCheck: Check = {
    name: "cluster.etcd-snapshots",
    part: "cluster.k3s.etcdSnapshots",
    description: "The newest etcd snapshot (k3s ETCDSnapshotFile objects) is ready and younger than the snapshot schedule's longest gap plus 30 minutes.",
    when: "cluster.mode is k3s",
    enabled: (config) => parts(config).etcdSnapshots,
    async run(ctx): Promise<Finding> {
        if (ctx.config.cluster.mode !== "k3s") return { ok: true, detail: "not a k3s cluster" };
        const schedule = ctx.config.cluster.k3s.etcdSnapshots.schedule;
        const allowed = longestGapMinutes(schedule) + SNAPSHOT_GRACE_MINUTES;
        const files = await ctx.kube.getIfExists<List<SnapshotFile>>("/apis/k3s.cattle.io/v1/etcdsnapshotfiles");
        if (files === undefined) {
            return {
                ok: false,
                detail: "the cluster has no ETCDSnapshotFile API (k3s older than v1.27.15, or not k3s)",
                hint: "k3s etcd-snapshot ls on a server",
            };
        }
        const ready = files.items.filter((f) => f.status?.readyToUse !== false && f.status?.creationTime);
        if (ready.length === 0) {
            const failed = files.items.find((f) => f.status?.error?.message);
            return {
                ok: false,
                detail: failed ? `no usable snapshot; ${failed.metadata.name}: ${failed.status!.error!.message}` : "no etcd snapshot yet",
                hint: `k3s takes them on '${schedule}'; take one now with: sudo k3s etcd-snapshot save (docs/runbooks/restore-etcd.md)`,
            };
        }
        const newest = ready.reduce((a, b) => (Date.parse(a.status!.creationTime!) >= Date.parse(b.status!.creationTime!) ? a : b));
        const ageMinutes = Math.floor((ctx.now().getTime() - Date.parse(newest.status!.creationTime!)) / 60_000);
        const where = `${newest.spec?.snapshotName ?? newest.metadata.name} on ${newest.spec?.location?.startsWith("s3://") ? "S3" : (newest.spec?.nodeName ?? "a server")}`;
        if (ageMinutes > allowed) {
            return {
                ok: false,
                detail: `newest snapshot ${where} is ${formatAge(ageMinutes)} old; schedule '${schedule}' allows ${formatAge(allowed)}`,
                hint: "journalctl -u k3s | grep -i snapshot on the servers (disk full, S3 credentials)",
            };
        }
        return { ok: true, detail: `newest snapshot ${where}, ${formatAge(ageMinutes)} old (limit ${formatAge(allowed)})` };
    },
};

function formatAge(minutes: number): string {
    if (minutes < 120) return `${minutes}m`;
    if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h${minutes % 60 ? `${minutes % 60}m` : ""}`;
    return `${Math.floor(minutes / 1440)}d${Math.floor((minutes % 1440) / 60)}h`;
}
