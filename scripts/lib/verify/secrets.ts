/**
 * Credentials `verify` needs (Grafana's admin password, ClickHouse's grafana user, Harbor's admin)
 * are read from the cluster's Secrets, and every value read is registered with the masker, which
 * every line of output passes through: a secret can reach the terminal or the JSON only as `****`.
 */
import type { KubeApi } from "./kube";

const MASK = "****";

export class Masker {
    private readonly values = new Set<string>();

    add(value: string): void {
        // Very short values would mask ordinary words; Secrets here hold generated passwords.
        if (value.length >= 4) {
            this.values.add(value);
            const b64 = Buffer.from(value).toString("base64");
            this.values.add(b64);
        }
    }

    mask(text: string): string {
        let out = text;
        for (const v of [...this.values].sort((a, b) => b.length - a.length)) {
            out = out.split(v).join(MASK);
        }
        return out;
    }
}

export interface SecretReader {
    /** One key of a Secret, decoded; registered with the masker before it is returned unless `masked` is false (a user name). */
    read(namespace: string, name: string, key: string, masked?: boolean): Promise<string>;
    /** Registers a value (a token derived from a secret) so it is masked too. */
    sensitive(value: string): string;
}

export function secretReader(kube: KubeApi, masker: Masker): SecretReader {
    return {
        async read(namespace, name, key, masked = true) {
            const secret = await kube.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${namespace}/secrets/${name}`);
            const encoded = secret.data?.[key];
            if (encoded === undefined) {
                throw new Error(`Secret ${namespace}/${name} has no key '${key}'`);
            }
            const value = Buffer.from(encoded, "base64").toString("utf8");
            if (masked) masker.add(value);
            return value;
        },
        sensitive(value) {
            masker.add(value);
            return value;
        },
    };
}
