/**
 * The remote commands of one node's k3s install as Pulumi resources, children of ClusterK3s: host
 * checks and packages, the install, the first server's CA hash and the kubeconfig read-back. The
 * scripts they run are pure builders (k3sFiles.ts, k3sScripts.ts).
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { K3sClusterArgs } from "./clusterArgs";
import {
    applyConfigScript,
    caHashScript,
    HostRequirements,
    hostPackagesScript,
    installedScript,
    installScript,
    K3sNode,
    preflightScript,
    readKubeconfigScript,
    rewriteKubeconfig,
    uninstallScript,
} from "./k3sFiles";
import { apiUrl, bootstrapApiUrl } from "./k3sNodes";

/** One node's step of the install: the component (`parent`) and its name, the node and its SSH connection. */
export interface NodeStep {
    readonly parent: pulumi.Resource;
    readonly name: string;
    readonly node: K3sNode;
    readonly connection: command.types.input.remote.ConnectionArgs;
}

/** The host's preflight checks, then the OS packages the platform needs (after the preflight). */
export function checkHost(
    { parent, name, node, connection }: NodeStep,
    preflight: Parameters<typeof preflightScript>[0],
    hostRequirements: HostRequirements | undefined,
): { preflight: command.remote.Command; packages: command.remote.Command[] } {
    const checked = new command.remote.Command(
        `${name}-${node.name}-preflight`,
        {
            connection,
            create: preflightScript(preflight),
            // Re-check the host when it is replaced (and, as for any command, when the checks change).
            triggers: [node.host],
        },
        { parent },
    );
    if (!hostRequirements) {
        return { preflight: checked, packages: [] };
    }
    const script = hostPackagesScript(hostRequirements);
    const packages = new command.remote.Command(
        `${name}-${node.name}-packages`,
        // Re-runs when the package list changes; removing a feature leaves the packages.
        { connection, create: script, triggers: [node.host] },
        { parent, dependsOn: [checked] },
    );
    return { preflight: checked, packages: [packages] };
}

/** The node's k3s install (once per node: see triggers), after `after` (its preflight and the server it joins after). */
export function installNode(
    { parent, name, node, connection }: NodeStep,
    k3s: K3sClusterArgs,
    configYaml: string,
    secrets: pulumi.Output<string>,
    protect: boolean,
    after: command.remote.Command[],
): command.remote.Command {
    return new command.remote.Command(
        `${name}-${node.name}-install`,
        {
            connection,
            create: installScript({ version: k3s.version, role: node.role, configYaml, installScriptSha256: k3s.installScriptSha256 }),
            update: installedScript(node.role),
            delete: uninstallScript(node.role),
            stdin: pulumi.secret(secrets),
            // Moving a node to another host or renaming it is a new node: uninstall, install.
            triggers: [node.name, node.host, node.role],
        },
        {
            parent,
            dependsOn: after,
            protect: protect && node.role === "server",
            // The installer runs only when the node is created or replaced (see triggers), at the
            // version configured then. Any other change (version, settings, a rotated SSH key)
            // is an update, and `update` runs no installer: versions move through the
            // system-upgrade-controller Plans, settings through the config command (configureNode).
            // Not `ignoreChanges`: the engine would keep the old script for a replacement too
            // and reinstall a moved node at the version of its first install.
        },
    );
}

/** Keeps the node's config.yaml and secrets current after install, after `after` (its install and the previous server's config). */
export function configureNode(
    { parent, name, node, connection }: NodeStep,
    configYaml: string,
    secrets: pulumi.Output<string>,
    after: command.remote.Command[],
): command.remote.Command {
    return new command.remote.Command(
        `${name}-${node.name}-config`,
        {
            connection,
            create: applyConfigScript(node.role, configYaml),
            stdin: pulumi.secret(secrets),
        },
        { parent, dependsOn: after },
    );
}

/** The first server's cluster CA hash, which joining nodes pin. */
export function caHashOf({ parent, name, node, connection }: NodeStep, install: command.remote.Command): pulumi.Output<string> {
    const ca = new command.remote.Command(
        `${name}-${node.name}-ca-hash`,
        {
            connection,
            create: caHashScript(),
            // A reinstalled first server has a new CA.
            triggers: [install.id],
        },
        { parent, dependsOn: [install] },
    );
    return ca.stdout.apply((out) => out.trim());
}

/** The admin kubeconfig read from the first server, for `apiUrl` and for this stack's provider (`bootstrapApiUrl`); both secret. */
export function readKubeconfig(
    { parent, name, node, connection }: NodeStep,
    k3s: K3sClusterArgs,
    install: command.remote.Command,
): { kubeconfig: pulumi.Output<string>; providerKubeconfig: pulumi.Output<string> } {
    const read = new command.remote.Command(
        `${name}-${node.name}-kubeconfig`,
        {
            connection,
            create: readKubeconfigScript(),
            // A reinstalled first server has a new CA: read the kubeconfig again.
            triggers: [install.id],
            // stdout is the admin credential: streamed provider logs are not masked, so none.
            logging: "none",
        },
        // ...and keep it encrypted in the state file.
        { parent, dependsOn: [install], additionalSecretOutputs: ["stdout"] },
    );
    const kubeconfig = pulumi.secret(read.stdout.apply((text) => rewriteKubeconfig(text, apiUrl(k3s), name)));
    const providerKubeconfig = pulumi.secret(read.stdout.apply((text) => rewriteKubeconfig(text, bootstrapApiUrl(k3s), name)));
    return { kubeconfig, providerKubeconfig };
}
