/**
 * Edge checks: cert-manager Certificates and the platform's Ingresses (address, DNS).
 */
import { isIP } from "node:net";
import { platformNamespaces } from "../platform";
import type { Check } from "../types";
import { route53Hint, stuckChallenges } from "./acme";

interface List<T> {
    items: T[];
}
interface Certificate {
    metadata: { name: string; namespace: string };
    spec?: { dnsNames?: string[] };
    status?: { notAfter?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}
interface Ingress {
    metadata: { name: string; namespace: string };
    spec?: { rules?: { host?: string }[] };
    status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

const DAY_MS = 86_400_000;

export const certificatesCheck: Check = {
    name: "tls.certificates",
    part: "tls",
    description:
        "Every cert-manager Certificate in the platform's namespaces is Ready and valid for at least 14 more days (--certificate-days); a failure shows the stuck ACME Challenges and names an IAM action Route53 refused.",
    when: "always (cert-manager issues every platform certificate)",
    enabled: () => true,
    async run(ctx) {
        const namespaces = new Set(platformNamespaces(ctx.config));
        const all = await ctx.kube.getIfExists<List<Certificate>>("/apis/cert-manager.io/v1/certificates");
        if (all === undefined)
            return {
                ok: false,
                detail: "the cert-manager Certificate API is not installed",
                hint: "is cert-manager running? kubectl get crd certificates.cert-manager.io",
            };
        const certs = all.items.filter((c) => namespaces.has(c.metadata.namespace));
        const minDays = ctx.options.certificateDays;
        const problems: string[] = [];
        for (const cert of certs) {
            const id = `${cert.metadata.namespace}/${cert.metadata.name}`;
            const ready = cert.status?.conditions?.find((c) => c.type === "Ready");
            if (ready?.status !== "True") {
                problems.push(`${id} not Ready (${ready?.reason ?? "no status yet"}${ready?.message ? `: ${ready.message.slice(0, 100)}` : ""})`);
                continue;
            }
            const notAfter = cert.status?.notAfter ? Date.parse(cert.status.notAfter) : NaN;
            const daysLeft = Math.floor((notAfter - ctx.now().getTime()) / DAY_MS);
            if (!(daysLeft >= minDays)) problems.push(`${id} expires in ${Number.isNaN(daysLeft) ? "an unknown time" : `${daysLeft} day(s)`}`);
        }
        if (problems.length > 0) {
            // A stuck issuance or renewal shows its cause on the Challenge, not on the Certificate.
            const challenges = await stuckChallenges(ctx.kube, namespaces);
            const failing = challenges.filter((c) => c.reason !== "");
            const route53 = failing.map((c) => route53Hint(c.reason)).find((h) => h !== undefined);
            const shown = failing.slice(0, 2).map((c) => `challenge ${c.id} (${c.dnsName}, ${c.state}): ${c.reason.slice(0, 160)}`);
            return {
                ok: false,
                detail: [...problems.slice(0, 5), ...shown].join("; "),
                hint:
                    route53 ??
                    "kubectl -n <ns> describe certificate <name>, then its CertificateRequest and Order/Challenge; renewal stuck past 2/3 of the lifetime usually means the HTTP-01/DNS-01 challenge fails",
            };
        }
        if (certs.length === 0)
            return {
                ok: false,
                detail: "no Certificate in the platform's namespaces",
                hint: "every platform Ingress carries the cluster-issuer annotation; kubectl get ingress -A",
            };
        return { ok: true, detail: `${certs.length} certificate(s) Ready, each valid for ${minDays}+ days` };
    },
};

export const ingressesCheck: Check = {
    name: "edge.ingresses",
    part: "ingress",
    description:
        "Every Ingress in the platform's namespaces has a load-balancer address; with DNS on (dns.provider), each of its hosts resolves to that address.",
    when: "ingress.enabled",
    enabled: (config) => config.ingress.enabled,
    async run(ctx) {
        const dnsOn = ctx.config.dns.provider !== "none";
        const problems: string[] = [];
        let count = 0;
        for (const ns of platformNamespaces(ctx.config)) {
            const ingresses = await ctx.kube.get<List<Ingress>>(`/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`);
            for (const ing of ingresses.items) {
                // cert-manager's temporary HTTP-01 solver Ingresses come and go.
                if (ing.metadata.name.startsWith("cm-acme-http-solver-")) continue;
                count++;
                const id = `${ns}/${ing.metadata.name}`;
                const addresses = (ing.status?.loadBalancer?.ingress ?? []).map((a) => a.ip ?? a.hostname ?? "").filter((a) => a !== "");
                if (addresses.length === 0) {
                    problems.push(`${id} has no address`);
                    continue;
                }
                if (!dnsOn) continue;
                for (const host of new Set((ing.spec?.rules ?? []).map((r) => r.host).filter((h): h is string => !!h))) {
                    let resolved: string[];
                    try {
                        resolved = await ctx.resolveHost(host);
                    } catch (err) {
                        problems.push(`${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
                        continue;
                    }
                    const want = addresses.filter((a) => isIP(a));
                    // A hostname address (a cloud LB) cannot be compared without resolving it too.
                    const wantResolved = want.length > 0 ? want : (await Promise.all(addresses.map((a) => ctx.resolveHost(a).catch(() => [])))).flat();
                    if (!resolved.some((ip) => wantResolved.includes(ip))) {
                        problems.push(`${host} resolves to ${resolved.join(", ")}, the Ingress has ${addresses.join(", ")}`);
                    }
                }
            }
        }
        if (problems.length > 0) {
            return {
                ok: false,
                detail: problems.slice(0, 5).join("; "),
                hint: dnsOn
                    ? "no address: kubectl -n ingress-nginx get svc (LoadBalancer pending?); wrong address: kubectl -n external-dns logs deploy/external-dns (zone, credentials, TXT ownership)"
                    : "kubectl -n ingress-nginx get svc,pods: the controller publishes its Service's address on Ingresses it serves",
            };
        }
        return { ok: true, detail: `${count} ingress(es) with an address${dnsOn ? ", hosts resolve to it" : " (DNS off: not resolved)"}` };
    },
};
