/**
 * `platform:admission` -> the SignatureAdmission component's Args (docs/adr/0022): which images
 * must be signed (the Harbor projects CI pushes to, and those apps run from), by whom, and which
 * platform images run unsigned in app namespaces.
 */
import { ACME_SOLVER_IMAGE } from "../components/edge/certManagerValues";
import type { SignatureAdmissionArgs } from "../components/security/SignatureAdmission";
import type { PlatformConfig } from "../config/config";

/** Everything but the sizing and PSA version, which the Platform adds. */
export type AdmissionPolicyInputs = Pick<SignatureAdmissionArgs, "mode" | "images" | "signer" | "publicKeys" | "exempt" | "registryCaBundle">;

export function admissionArgs(config: Pick<PlatformConfig, "admission" | "apps" | "harbor" | "tls">, registryHost: string): AdmissionPolicyInputs {
    const { admission } = config;
    const projects = [...new Set([...(config.harbor.robot?.projects ?? []), ...config.apps.map((a) => a.image.project)])].sort();
    // The HTTP-01 solver pods cert-manager starts in a route's namespace: pinned by the cert-manager
    // chart, matched by tag (as created) and by digest (as the webhook's mutation resolves it).
    const http01 = config.tls.issuer !== "selfSigned" && config.tls.acme.solver === "http01";
    const exempt = http01
        ? [{ images: [`${ACME_SOLVER_IMAGE}:**`, `${ACME_SOLVER_IMAGE}@**`], why: "cert-manager's HTTP-01 solver, started in each route's namespace" }]
        : [];
    return {
        mode: admission.mode,
        images: projects.map((project) => `${registryHost}/${project}/**`),
        ...(admission.signer ? { signer: admission.signer } : {}),
        publicKeys: admission.publicKeys,
        exempt,
        ...(admission.registryCaBundle !== undefined ? { registryCaBundle: admission.registryCaBundle } : {}),
    };
}
