/**
 * ClusterK3s fixtures for its specs (ClusterK3s.test.ts, ClusterK3sChanges.test.ts): k3s-mode Args
 * written literally, and `build`, which makes a ClusterK3s under the calling spec file's mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { ClusterK3s } from "../../components/cluster/ClusterK3s";
import type { ClusterArgs, EtcdSnapshotArgs, K3sClusterArgs } from "../../components/cluster/clusterArgs";
import { mockedComponents, TEST_SSH_KEY } from "../harness";

const ssh = { user: "deploy", port: 22, privateKey: pulumi.secret(TEST_SSH_KEY) };

export function value<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** etcd snapshot defaults by profile (config tests cover them); the Platform passes them resolved. */
const SNAPSHOTS = { dev: { schedule: "0 */12 * * *", retention: 5 }, prod: { schedule: "0 */6 * * *", retention: 28 } } as const;
type K3sInput = Partial<Omit<K3sClusterArgs, "etcdSnapshots">> &
    Pick<K3sClusterArgs, "version" | "servers"> & { readonly etcdSnapshots?: Partial<EtcdSnapshotArgs> };

/** k3s-mode Args, literally, with what config resolves for a node list like this one. */
export function k3sCluster(input: K3sInput, profile: keyof typeof SNAPSHOTS = "dev"): ClusterArgs {
    const { etcdSnapshots, ...rest } = input;
    return {
        mode: "k3s",
        k3s: {
            ssh,
            agents: [],
            disable: [],
            secretsEncryption: true,
            preflight: { minKernel: "4.18", checkPorts: false },
            ...rest,
            etcdSnapshots: { ...SNAPSHOTS[profile], ...etcdSnapshots },
        },
    };
}

/** The calling spec file's mocks, and `build`, which makes a ClusterK3s named `name` and returns the resources it registered. */
export function clusterK3sMocks() {
    const mocks = mockedComponents();
    async function build(name: string, cluster: ClusterArgs, protect = false) {
        const component = new ClusterK3s(name, { cluster, clusterName: name, protect });
        const kubeconfig = await value(component.kubeconfig);
        await mocks.settle();
        const mine = mocks.collector.resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
        return { component, kubeconfig, resources: mine };
    }
    return { mocks, build };
}
