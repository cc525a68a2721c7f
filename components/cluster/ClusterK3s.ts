import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ClusterArgs, ExistingClusterArgs, K3sClusterArgs } from "./clusterArgs";
import {
    applyRegistriesScript,
    HostRequirements,
    K3sNode,
    KernelRequirement,
    kubeconfigServer,
    nodeConfig,
    NodeRole,
    Registries,
    registriesYaml,
    removeRegistriesScript,
    secretsYaml,
    toYaml,
} from "./k3sFiles";
import { k3sClusterCidrs } from "../lib/networkPolicy";
import { caHashOf, checkHost, configureNode, installNode, type NodeStep, readKubeconfig } from "./k3sCommands";
import { apiUrl, k3sNodes, k3sSettings, sshConnection } from "./k3sNodes";
import { systemUpgrade } from "./systemUpgradeResources";

/** A cluster node as exported by the stack (k3s mode; empty for existing clusters). */
export interface ClusterNode {
    readonly name: string;
    readonly host: string;
    readonly role: NodeRole;
}

/** What every cluster mode gives the rest of the platform; nothing downstream knows the mode. */
export interface ClusterOutputs {
    /** The one Kubernetes provider every platform resource uses. */
    readonly provider: k8s.Provider;
    /** Admin kubeconfig; always a Pulumi secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** API server URL, e.g. `https://k3s.example.com:6443`. */
    readonly apiEndpoint: pulumi.Output<string>;
    /** Nodes the platform installed (k3s mode); empty in existing mode. */
    readonly nodes: pulumi.Output<ClusterNode[]>;
}

export interface ClusterK3sArgs {
    /** k3s on SSH hosts, or an existing cluster. */
    readonly cluster: ClusterArgs;
    /** Name used for the kubeconfig's cluster/user/context (the stack name). */
    readonly clusterName: string;
    /**
     * `protect` the cluster token and server installs so `pulumi destroy` cannot tear down the
     * control plane by accident (prod).
     * @default false
     */
    readonly protect?: boolean;
    /**
     * Registry mirrors written to every node's `/etc/rancher/k3s/registries.yaml` after install.
     * Mirrors that only exist later (Harbor runs on this cluster) go through `applyRegistries`.
     * @default none
     */
    readonly registries?: pulumi.Input<Registries>;
    /**
     * OS packages every node needs (e.g. open-iscsi and NFS for Longhorn), installed after the
     * preflight; the provider waits for them. k3s mode only.
     * @default none
     */
    readonly hostRequirements?: HostRequirements;
    /** Packaged k3s components the platform replaces (e.g. local-storage when Longhorn is the default class). @default [] */
    readonly alsoDisable?: readonly string[];
    /**
     * Newer kernels platform features need, checked by every host's preflight on top of
     * `cluster.k3s.preflight.minKernel`; a host below one fails with
     * `kernel <uname -r> is older than <version>, which <reason> needs`. k3s mode only.
     * @default []
     */
    readonly kernelRequirements?: readonly KernelRequirement[];
}

/**
 * The cluster the platform runs on. Mode `k3s` installs k3s over SSH on the configured hosts
 * (first server `cluster-init`, other servers and agents join it, kubeconfig read back as a
 * secret); mode `existing` wraps a kubeconfig. Both expose the same `ClusterOutputs`.
 */
export class ClusterK3s extends pulumi.ComponentResource implements ClusterOutputs {
    public readonly provider: k8s.Provider;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly apiEndpoint: pulumi.Output<string>;
    public readonly nodes: pulumi.Output<ClusterNode[]>;
    /**
     * The kubeconfig this stack's own provider uses (secret): k3s mode points it at the first
     * server's SSH host, reachable before any DNS name exists; existing mode is `kubeconfig`.
     */
    public readonly providerKubeconfig: pulumi.Output<string>;
    /** Install commands per node name (k3s mode), in join order: servers first. Each runs once per node. */
    public readonly installs: ReadonlyMap<string, command.remote.Command>;
    /** Commands that keep each node's config.yaml current after install (k3s mode). */
    public readonly configs: ReadonlyMap<string, command.remote.Command>;
    /** The system-upgrade-controller Plans that move nodes to the configured version (k3s mode). */
    public readonly upgradePlans: readonly k8s.apiextensions.CustomResource[];

    private readonly name: string;
    private readonly k3sNodes: readonly K3sNode[];
    /** What this component created through the provider; a node restart waits for all of it. */
    private readonly kubernetesObjects: pulumi.Resource[] = [];
    private readonly connections: ReadonlyMap<string, command.types.input.remote.ConnectionArgs>;
    private registriesApplied = false;

    constructor(name: string, args: ClusterK3sArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:ClusterK3s", name, {}, opts);
        this.name = name;
        const protect = args.protect ?? false;

        if (args.cluster.mode === "existing") {
            const existing = this.existing(args.cluster.existing);
            this.provider = existing.provider;
            this.kubeconfig = existing.kubeconfig;
            this.providerKubeconfig = existing.kubeconfig;
            this.apiEndpoint = existing.apiEndpoint;
            this.nodes = pulumi.output([]);
            this.installs = new Map();
            this.configs = new Map();
            this.upgradePlans = [];
            this.k3sNodes = [];
            this.connections = new Map();
        } else {
            const k3s = args.cluster.k3s;
            this.k3sNodes = k3sNodes(k3s);
            this.connections = new Map(this.k3sNodes.map((n) => [n.name, sshConnection(n.host, k3s.ssh, n.hostKey)]));
            const installed = this.install(
                { ...k3s, disable: [...new Set([...k3s.disable, ...(args.alsoDisable ?? [])])] },
                protect,
                args.hostRequirements,
                args.kernelRequirements ?? [],
            );
            this.installs = installed.installs;
            this.configs = installed.configs;
            this.kubeconfig = installed.kubeconfig;
            this.providerKubeconfig = installed.providerKubeconfig;
            this.apiEndpoint = pulumi.output(apiUrl(k3s));
            // The provider reaches the API at the first server's SSH host, which exists before the
            // cluster does; apiEndpoint may be a name only this stack's external-dns will create.
            this.nodes = pulumi.output(this.k3sNodes.map((n) => ({ name: n.name, host: n.host, role: n.role })));
            // Mirrors known up front restart k3s before anything uses the provider.
            const restarts = args.registries !== undefined ? this.applyRegistries(args.registries) : [];
            this.provider = new k8s.Provider(
                `${name}-provider`,
                { kubeconfig: this.providerKubeconfig, enableServerSideApply: true },
                // Every platform resource uses this provider, so waiting for all installs here makes
                // charts land on a cluster whose servers and agents have all joined.
                { parent: this, dependsOn: [...this.installs.values(), ...this.configs.values(), ...installed.packages, ...restarts] },
            );
            // The Plans wait for every node so a new cluster is complete before the controller looks at it.
            const upgrade = systemUpgrade(
                name,
                k3s.version,
                [...this.installs.values(), ...this.configs.values()],
                { parent: this, provider: this.provider },
                k3sClusterCidrs(k3s),
            );
            this.upgradePlans = upgrade.plans;
            this.kubernetesObjects.push(...upgrade.objects);
        }

        this.registerOutputs({
            kubeconfig: this.kubeconfig,
            apiEndpoint: this.apiEndpoint,
            nodes: this.nodes,
        });
    }

    /**
     * Writes `registries.yaml` on every node and restarts k3s there (k3s reads the file only at
     * startup), one node at a time, servers first: each command ends when its node serves again (a
     * server's API answers /readyz and its node is Ready), and the next starts after it. The first
     * waits for `dependsOn` (e.g. Harbor's proxy-cache projects) and for everything this component
     * made through the provider: the provider talks to the first server, so nothing may be in flight
     * there while its k3s restarts. Callers make later objects wait with `afterNodeRestarts`.
     * Re-applied whenever the text changes. Call at most once; a no-op in existing mode (the cluster's
     * own runtime config is not ours).
     */
    public applyRegistries(registries: pulumi.Input<Registries>, dependsOn: pulumi.Input<pulumi.Resource>[] = []): command.remote.Command[] {
        if (this.registriesApplied) {
            throw new Error(`${this.name}: registry mirrors are already configured`);
        }
        this.registriesApplied = true;
        const text = pulumi.output(registries).apply((r) => registriesYaml(r));
        const commands: command.remote.Command[] = [];
        let previous: pulumi.Input<pulumi.Resource>[] = [...this.kubernetesObjects, ...dependsOn];
        for (const node of this.k3sNodes) {
            // After the node's settings, so two restarts of k3s never overlap on one node.
            const configured = this.configs.get(node.name);
            const cmd = new command.remote.Command(
                `${this.name}-${node.name}-registries`,
                {
                    connection: this.connections.get(node.name)!,
                    create: applyRegistriesScript(node.role, node.name),
                    delete: removeRegistriesScript(node.role, node.name),
                    // Mirror credentials may be secrets: the file travels on stdin, never in the command.
                    stdin: text,
                },
                { parent: this, dependsOn: [...(configured ? [configured] : []), ...previous] },
            );
            commands.push(cmd);
            previous = [cmd];
        }
        return commands;
    }

    private existing(existing: ExistingClusterArgs) {
        const kubeconfig = pulumi.secret(existing.kubeconfig);
        const provider = new k8s.Provider(`${this.name}-provider`, { kubeconfig, context: existing.context, enableServerSideApply: true }, { parent: this });
        // The server URL is not sensitive; unsecret it so it can be exported and shown in previews.
        const apiEndpoint = pulumi.unsecret(kubeconfig.apply((text) => kubeconfigServer(text, existing.context) ?? "unknown (kubeconfig could not be read)"));
        return { provider, kubeconfig, apiEndpoint };
    }

    private install(k3s: K3sClusterArgs, protect: boolean, hostRequirements: HostRequirements | undefined, kernelRequirements: readonly KernelRequirement[]) {
        const name = this.name;
        const token = new random.RandomPassword(
            `${name}-token`,
            { length: 48, special: false },
            // A new token would lock every joined node out of the cluster.
            { parent: this, protect },
        );
        // Agents join with their own token: root on a worker must not be admin of the cluster.
        const agentToken = new random.RandomPassword(`${name}-agent-token`, { length: 48, special: false }, { parent: this, protect });
        const settings = k3sSettings(k3s, this.k3sNodes);
        const s3SecretKey = k3s.etcdSnapshots.s3?.secretKey;

        const installs = new Map<string, command.remote.Command>();
        const configs = new Map<string, command.remote.Command>();
        const packages: command.remote.Command[] = [];
        let firstCaHash: pulumi.Output<string> | undefined;
        let previousServer: command.remote.Command | undefined;
        let previousServerConfig: command.remote.Command | undefined;
        for (const node of this.k3sNodes) {
            const step: NodeStep = { parent: this, name, node, connection: this.connections.get(node.name)! };
            const host = checkHost(step, { ...k3s.preflight, role: node.role, node: node.name, kernelRequirements }, hostRequirements);
            packages.push(...host.packages);
            // Joining nodes pin the cluster CA the first server made (secure token); it has none yet.
            const caHash = node.init ? pulumi.output(undefined) : firstCaHash!;
            const secrets = pulumi
                .all([token.result, agentToken.result, caHash, s3SecretKey ?? pulumi.output(undefined)])
                .apply(([serverToken, agent, hash, s3]) =>
                    secretsYaml(node, { serverToken, agentToken: agent, caHash: hash }, node.role === "server" ? s3 : undefined),
                );
            // Servers join one at a time (concurrent etcd member adds fail); agents wait for the last
            // server, which itself waited for all earlier ones.
            const joinAfter = previousServer;
            const configYaml = toYaml(nodeConfig(node, settings));
            const install = installNode(step, k3s, configYaml, secrets, protect, [host.preflight, ...(joinAfter ? [joinAfter] : [])]);
            installs.set(node.name, install);
            if (node.init) {
                firstCaHash = caHashOf(step, install);
            }
            // Servers restart one at a time; agents after the last server, like the installs.
            const configAfter = previousServerConfig;
            const config = configureNode(step, configYaml, secrets, [install, ...(configAfter ? [configAfter] : [])]);
            configs.set(node.name, config);
            if (node.role === "server") {
                previousServer = install;
                previousServerConfig = config;
            }
        }

        const first = this.k3sNodes[0];
        const kubeconfigs = readKubeconfig({ parent: this, name, node: first, connection: this.connections.get(first.name)! }, k3s, installs.get(first.name)!);
        return { installs, configs, ...kubeconfigs, packages };
    }
}

/**
 * A transformation (inherited by every child) that makes each Kubernetes object wait for `restarts`
 * (what `applyRegistries` returned), so none is created or updated through the provider while k3s
 * restarts on the server the provider talks to. Nothing to wait for: no change.
 */
export function afterNodeRestarts(restarts: readonly pulumi.Resource[]): pulumi.ResourceTransformation {
    return ({ type, props, opts }) =>
        restarts.length > 0 && type.startsWith("kubernetes:") ? { props, opts: pulumi.mergeOptions(opts, { dependsOn: [...restarts] }) } : undefined;
}

export { bootstrapApiUrl, k3sNodes, k3sSettings, sshConnection } from "./k3sNodes";
