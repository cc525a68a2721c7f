/**
 * Config for signature admission: `platform:admission` (docs/adr/0022). The images CI builds are
 * signed keylessly by the app workflow; the admission webhook admits an app image only with a
 * signature whose Fulcio certificate names that workflow, on that ref, from GitHub's OIDC issuer.
 */
import { z } from "zod";

const PEM_PUBLIC_KEY = /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n?$/;
const PEM_CERTIFICATES = /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/;

export const admissionSchema = z
    .strictObject({
        enabled: z.boolean().optional().meta({ description: "Verify app image signatures at admission; default: on when `platform:apps` has entries." }),
        mode: z.enum(["enforce", "warn"]).optional().meta({
            description:
                "`enforce`: refuse a pod whose app image is not signed by the signer, and refuse pods in app namespaces while the webhook is down (fail closed); `warn`: admit with a warning and fail open. Default by profile: prod enforce, dev warn.",
        }),
        reason: z
            .string()
            .trim()
            .min(1)
            .optional()
            .meta({ description: "Required to run a prod-profile stack with apps without enforcing (mode warn, or enabled false): why, for the reviewers." }),
        signer: z
            .strictObject({
                repository: z
                    .string()
                    .regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "expected the GitHub repository as owner/name, e.g. example-org/platform")
                    .meta({ description: "The repository whose app workflow signs the images (owner/name)." }),
                workflow: z
                    .string()
                    .regex(/^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/, "expected a workflow file path such as .github/workflows/app.yml")
                    .default(".github/workflows/app.yml")
                    .meta({ description: "The signing workflow's file." }),
                ref: z
                    .string()
                    .regex(/^refs\/(heads|tags)\/[A-Za-z0-9._/-]+$/, "expected a git ref such as refs/heads/main")
                    .default("refs/heads/main")
                    .meta({ description: "The ref the workflow signs from: the default branch (publishing runs only there)." }),
                server: z.url().default("https://github.com").meta({ description: "GitHub's URL (GitHub Enterprise Server: yours)." }),
                issuer: z
                    .url()
                    .default("https://token.actions.githubusercontent.com")
                    .meta({ description: "The OIDC issuer Fulcio records (GitHub Actions')." }),
            })
            .optional()
            .meta({
                description:
                    "The keyless signer: the certificate identity is `<server>/<repository>/<workflow>@<ref>`, as `cosign verify --certificate-identity` checks it in promotion.",
            }),
        publicKeys: z
            .array(z.string().regex(PEM_PUBLIC_KEY, "expected a PEM public key (-----BEGIN PUBLIC KEY-----), as `cosign generate-key-pair` writes cosign.pub"))
            .default([])
            .meta({
                description:
                    "Public keys whose signatures are also accepted (cosign's legacy format, no transparency log): for a stack that signs with its own key, such as e2e. Not for prod.",
            }),
        registryCaBundle: z
            .string()
            .regex(PEM_CERTIFICATES, "expected PEM certificate(s) (-----BEGIN CERTIFICATE-----)")
            .optional()
            .meta({ description: "PEM CA(s) the webhook trusts for the registry's certificate, when a private CA signs it; default: the system CAs." }),
    })
    .prefault({});

type Parsed = z.output<typeof admissionSchema>;

/** Whether admission is on: explicitly, or because the stack runs apps. */
export function admissionEnabled(admission: Parsed, appCount: number): boolean {
    return admission.enabled ?? appCount > 0;
}

/** Cross-key rules (the platform schema calls this with what it knows). */
export function admissionRules(
    admission: Parsed,
    stack: { readonly profile: "dev" | "prod"; readonly appCount: number; readonly harborEnabled: boolean },
    issue: (path: (string | number)[], message: string) => void,
): void {
    const on = admissionEnabled(admission, stack.appCount);
    // With apps, their own rule already names Harbor; here only an explicit `enabled: true`.
    if (admission.enabled === true && !stack.harborEnabled) {
        issue(
            ["enabled"],
            "signature admission checks the images CI pushes to Harbor, which is disabled (platform:harbor.enabled); set platform:admission.enabled: false",
        );
    }
    if (on && admission.signer === undefined && admission.publicKeys.length === 0) {
        issue(
            ["signer"],
            "required while admission is on: the GitHub repository whose app workflow signs the images, e.g. { repository: example-org/platform }; or set platform:admission.enabled: false",
        );
    }
    const notEnforcing = !on || admission.mode === "warn";
    if (stack.profile === "prod" && stack.appCount > 0 && notEnforcing && admission.reason === undefined) {
        issue(
            [on ? "mode" : "enabled"],
            "the prod profile enforces image signatures for its apps; set platform:admission.reason to say why this stack does not",
        );
    }
}
