/**
 * The platform's guardrails as pure functions over one resource (type, name, inputs, options).
 * The CrossGuard pack (policy/index.ts) runs them during `pulumi preview`/`up`; the offline render
 * runs the same functions over its output, so fork PRs get the checks without credentials.
 * It imports only data tables with no imports of their own (charts/namespaces.ts, charts/images.ts):
 * the pack runs from this repository's checkout (`policyPacks: policy` in the workflows), never
 * published alone.
 * The rules live by concern beside this file (images.ts, networking.ts, pods.ts, data.ts; resource.ts
 * is what a rule sees); this file lists them in report order and is what the pack and the render import.
 */
import { noPlaintextSecrets, prodStatefulProtected } from "./data";
import { helmChartPinned, imagesDigest, imagesPinned } from "./images";
import { ingressTls, loadBalancerAllowed, noNodePort } from "./networking";
import { hostAccessAllowlist, namespacePodSecurity, privilegedAllowlist, resourcesSet } from "./pods";
import type { PolicyContext, PolicyResource, PolicyRule } from "./resource";

export type { PolicyContext, PolicyResource, PolicyRule } from "./resource";
export { isAcceptedMovingTag, isFloatingTag, isPinnedImage } from "./images";
export { HOST_ACCESS, type HostAccess } from "./pods";

/** Every rule, in the order the render and the pack report them. */
export const RULES: readonly PolicyRule[] = [
    ingressTls,
    imagesPinned,
    imagesDigest,
    namespacePodSecurity,
    noPlaintextSecrets,
    loadBalancerAllowed,
    resourcesSet,
    privilegedAllowlist,
    hostAccessAllowlist,
    noNodePort,
    helmChartPinned,
    prodStatefulProtected,
];

export interface Violation {
    readonly rule: string;
    readonly resource: string;
    readonly message: string;
    /** From an advisory rule: reported, never blocking. */
    readonly advisory: boolean;
}

/** Every violation of every rule across resources, in resource then rule order. */
export function checkAll(resources: readonly PolicyResource[], ctx: PolicyContext): Violation[] {
    return resources.flatMap((r) =>
        RULES.flatMap((rule) => rule.check(r, ctx).map((message) => ({ rule: rule.name, resource: r.name, message, advisory: rule.advisory === true }))),
    );
}
