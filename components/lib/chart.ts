import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChartRef } from "../../charts/versions";

export interface ChartArgs {
    /** Pinned chart from charts/versions.ts. */
    readonly chart: ChartRef;
    /** Namespace the release goes to; created beforehand with Pod Security labels. */
    readonly namespace: pulumi.Input<string>;
    /**
     * Values (overrides only). Pass Secret *names* wherever the chart takes them. A chart with no
     * existing-secret key (DeepFlow) gets the secret as a nested `pulumi.secret` Output: only that
     * key is secret in state, previews and the render (docs/adr/0007).
     */
    readonly values: pulumi.Inputs;
    /** Helm release name. @default the chart name */
    readonly releaseName?: string;
    /** Seconds Helm waits for resources to become ready. @default 600 */
    readonly timeoutSeconds?: number;
}

/**
 * Installs an upstream chart at its pinned version: the one chart install method of the platform
 * (docs/adr/0004). A `helm.v3.Release` is one resource whose provider config may be unknown, so
 * the first preview of a brand-new stack shows it as a create instead of failing; Helm itself runs
 * the chart's hooks and upgrades CRDs that live in templates. `atomic` rolls a failed upgrade back.
 */
export function installChart(name: string, args: ChartArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            name: args.releaseName ?? args.chart.chart,
            chart: args.chart.chart,
            version: args.chart.version,
            repositoryOpts: { repo: args.chart.repo },
            namespace: args.namespace,
            createNamespace: false,
            values: args.values,
            atomic: true,
            cleanupOnFail: true,
            maxHistory: 5,
            timeout: args.timeoutSeconds ?? 600,
            waitForJobs: true,
        },
        opts,
    );
}
