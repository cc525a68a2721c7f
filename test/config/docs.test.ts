/**
 * The docs say what the code does: the configuration reference is the generator's output, every
 * stack-config snippet in README.md and docs/ passes the real validation, and every key a
 * `pulumi config set --path` command in the docs names exists.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "yaml";
import type { PlatformConfig } from "../../config/config";
import { parsePlatformConfig } from "../../config/config";
import { PROFILE_DEFAULTS, type ProfileDefaults } from "../../config/profiles";
import { PROFILE_KEYS, REFERENCE_FILE, referenceDocument, referenceRows } from "../../offline/configReference";
import { run as runConfigReference } from "../../scripts/config-reference";
import { configProblems, k3sStackConfig, PROJECT_DIR, rawConfig, TEST_HOST_KEY } from "../harness";
import { CERT_MANAGER_NAMESPACE } from "../../components/edge/CertManager";
import { DNS01_SERVICE_ACCOUNT } from "../../components/edge/certManagerValues";
import { DNS_NAMESPACE, DNS_RELEASE, externalDnsValues } from "../../components/edge/dnsValues";
import { ROUTE53_POLICY_DOC } from "../../scripts/lib/verify/checks/acme";

const read = (file: string) => readFileSync(join(PROJECT_DIR, file), "utf8");

/** README.md and every Markdown file under docs/, as project-relative paths. */
function markdownFiles(): string[] {
    const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((f) => {
            const path = join(dir, f);
            return statSync(path).isDirectory() ? walk(path) : path.endsWith(".md") ? [path] : [];
        });
    return ["README.md", ...walk(join(PROJECT_DIR, "docs")).map((p) => relative(PROJECT_DIR, p))];
}

interface Snippet {
    readonly where: string;
    readonly marker: string | undefined;
    readonly text: string;
}

/** Every ```yaml / ```yml fence, with the `<!-- snippet: ... -->` marker on the line before it, if any. */
function yamlSnippets(file: string): Snippet[] {
    const lines = read(file).split("\n");
    const out: Snippet[] = [];
    for (let i = 0; i < lines.length; i++) {
        const open = /^(\s*)```ya?ml\s*$/.exec(lines[i]);
        if (!open) continue;
        const end = lines.findIndex((l, j) => j > i && l.trim() === "```");
        const marker = /<!--\s*snippet:\s*([\w-]+)\s*-->/.exec(lines[i - 1] ?? "")?.[1];
        const indent = open[1].length;
        out.push({
            where: `${file}:${i + 1}`,
            marker,
            text: lines
                .slice(i + 1, end)
                .map((l) => l.slice(indent))
                .join("\n"),
        });
        i = end;
    }
    return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Stack config in a snippet: the `config:` map of a stack file, or top-level `platform:*` keys. */
function stackConfigOf(doc: unknown): Obj | undefined {
    if (!isObj(doc)) return undefined;
    if (isObj(doc.config)) return doc.config;
    return Object.keys(doc).some((k) => k.startsWith("platform:")) ? doc : undefined;
}

/** Objects merge key by key; anything else (lists, scalars) from the snippet replaces the base. */
function merge(base: unknown, over: unknown): unknown {
    if (isObj(base) && isObj(over)) {
        const out: Obj = { ...base };
        for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
        return out;
    }
    return over;
}

/** The smallest valid stack a partial snippet is laid onto: one dev server, or three for prod. */
function baseConfig(profile: unknown): Obj {
    const base = k3sStackConfig();
    if (profile !== "prod") return base;
    const servers = [1, 2, 3].map((n) => ({ name: `server-${n}`, host: `192.0.2.1${n}`, hostKey: TEST_HOST_KEY }));
    return merge(base, { "platform:profile": "prod", "platform:cluster": { k3s: { servers } } }) as Obj;
}

const MARKERS = new Set(["partial", "not-config"]);
const snippets = markdownFiles().flatMap(yamlSnippets);

describe("docs/configuration.md", () => {
    it("is what `npm run docs:config` generates from the schema", () => {
        if (read(REFERENCE_FILE) !== referenceDocument()) {
            throw new Error(`${REFERENCE_FILE} is out of date with the schema: run \`npm run docs:config -- --write\` and commit the result`);
        }
    });

    it("`npm run docs:config -- --check` exits 1 on a stale file and 0 on the generated one", async () => {
        const io = { out: jest.fn(), err: jest.fn() };
        expect(await runConfigReference(["--check"], io)).toBe(0);
        const stale = { out: jest.fn(), err: jest.fn() };
        expect(await runConfigReference(["--check"], stale, join(PROJECT_DIR, "test"))).toBe(1);
        expect(stale.err.mock.calls.join("\n")).toContain("npm run docs:config -- --write");
        expect(await runConfigReference(["--bogus"], stale)).toBe(2);
    });

    it("lists every key once, with secrets marked", () => {
        const rows = referenceRows();
        expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
        const doc = read(REFERENCE_FILE);
        for (const key of ["platform:cluster.k3s.ssh.privateKey", "platform:dns.cloudflare.apiToken", "platform:apps[].canary.weight"]) {
            expect(doc).toContain(`\`${key}\``);
        }
        expect(rows.find((r) => r.key === "platform:cluster.k3s.ssh.privateKey")?.description).toMatch(/^\*\*Secret\*\*/);
    });

    it("lists the keys of one s3.backends entry, with secretKey marked Secret (issue 27, item 6)", () => {
        // A map of objects is documented by the keys of one entry; "map of string" hid them all.
        const rows = new Map(referenceRows().map((r) => [r.key, r]));
        expect(rows.get("platform:s3.backends")?.type).toBe("map of object");
        expect(rows.get("platform:s3.backends.<name>.region")).toMatchObject({ type: "string", required: "required" });
        expect(rows.get("platform:s3.backends.<name>.accessKey")).toMatchObject({ type: "string", required: "required" });
        expect(rows.get("platform:s3.backends.<name>.endpoint")).toMatchObject({ type: "string", required: "optional" });
        expect(rows.get("platform:s3.backends.<name>.secretKey")?.description).toMatch(/^\*\*Secret\*\*/);
        // A map of secret values says so.
        expect(rows.get("platform:apps[].secrets")?.type).toBe("map of string (each value **Secret**)");
    });

    it("says Harbor's internal database password is generated, as the program does, never the chart's default", () => {
        // goharbor/harbor-helm@v1.19.1:values.yaml database.internal.password defaults to "changeit";
        // components/registry/Harbor.ts passes a RandomPassword instead (docs/adr/0014).
        const description = referenceRows().find((r) => r.key === "platform:harbor.database.type")!.description;
        expect(description).not.toMatch(/chart-default password/);
        expect(description).toMatch(/password the program generates/);
        expect(read("components/registry/Harbor.ts")).toMatch(
            /internalDatabasePassword: config\.database\.external \? undefined : pulumi\.secret\(password\("database-password"/,
        );
    });

    // What the reference says a profile chooses must be what the resolve step uses when the key is absent.
    const resolved: Record<string, (c: PlatformConfig) => unknown> = {
        "platform:cluster.k3s.etcdSnapshots.schedule": (c) => (c.cluster.mode === "k3s" ? c.cluster.k3s.etcdSnapshots.schedule : undefined),
        "platform:cluster.k3s.etcdSnapshots.retention": (c) => (c.cluster.mode === "k3s" ? c.cluster.k3s.etcdSnapshots.retention : undefined),
        "platform:networkPolicies": (c) => c.defaults.networkPolicies,
        "platform:ingress.replicas": (c) => c.ingress.replicas,
        "platform:storage.class": (c) => c.storage.class,
        "platform:storage.longhorn.replicas": (c) => c.storage.longhorn.replicas,
        "platform:monitoring.prometheus.retention": (c) => c.monitoring.prometheus.retention,
        "platform:monitoring.prometheus.storageSize": (c) => c.monitoring.prometheus.storageSize,
        "platform:monitoring.logs.retention": (c) => c.monitoring.logs.retention,
        "platform:monitoring.logs.storageSize": (c) => c.monitoring.logs.storageSize,
        "platform:monitoring.clickhouse.shards": (c) => c.monitoring.clickhouse.shards,
        "platform:monitoring.clickhouse.storageSize": (c) => c.monitoring.clickhouse.storageSize,
        "platform:apps[].replicas": (c) => c.apps[0]?.replicas,
        "platform:protect": (c) => c.defaults.protectStateful,
    };

    it.each(Object.keys(PROFILE_DEFAULTS))("states the %s profile's defaults as the resolve step applies them", (profile) => {
        expect(Object.keys(resolved).sort()).toEqual(Object.keys(PROFILE_KEYS).sort());
        const app = {
            "platform:namespaces": [{ name: "apps" }],
            "platform:harbor": { projects: [{ name: "apps" }] },
            "platform:apps": [
                {
                    name: "web",
                    namespace: "apps",
                    image: { project: "apps", repository: "web", digest: `sha256:${"a".repeat(64)}` },
                    resources: { requests: { cpu: "10m", memory: "32Mi" } },
                },
            ],
        };
        const config = parsePlatformConfig(rawConfig(merge(baseConfig(profile), app) as Obj));
        const rows = new Map(referenceRows().map((r) => [r.key, r]));
        // A mapped key the schema does not have yet (platform:protect before it lands) is left out of
        // the reference; every key the schema has today must be checked.
        const present = Object.entries(PROFILE_KEYS).filter(([key]) => rows.has(key));
        expect(present.length).toBeGreaterThanOrEqual(13);
        for (const [key, field] of present) {
            const expected = PROFILE_DEFAULTS[profile as keyof typeof PROFILE_DEFAULTS][field as keyof ProfileDefaults];
            expect({ key, value: resolved[key](config) }).toEqual({ key, value: expected });
            expect(rows.get(key)?.required).toContain(`${profile} \`${JSON.stringify(expected)}\``);
        }
    });
});

describe("config snippets in README.md and docs/", () => {
    const config = snippets.filter((s) => s.marker !== "not-config");

    it("marks snippets only with a known marker", () => {
        expect(snippets.filter((s) => s.marker !== undefined && !MARKERS.has(s.marker)).map((s) => `${s.where}: ${s.marker}`)).toEqual([]);
    });

    it("validates at least six stack-config snippets (the docs test cannot skip them all)", () => {
        expect(config.filter((s) => stackConfigOf(parse(s.text)) !== undefined).length).toBeGreaterThanOrEqual(6);
    });

    it("has no YAML snippet that mentions platform: keys without being stack config or marked not-config", () => {
        const unchecked = config.filter((s) => /^\s*platform:\w/m.test(s.text) && stackConfigOf(parse(s.text)) === undefined);
        expect(unchecked.map((s) => s.where)).toEqual([]);
    });

    const cases = config.map((s) => [s.where, s] as const);
    it.each(cases)("%s passes validation", (_where, snippet) => {
        // `secure:` values stay secure: the harness hands them over as secrets, as the CLI does.
        const found = stackConfigOf(parse(snippet.text));
        if (found === undefined) return; // not stack config (e.g. a Kubernetes object); guarded above
        const full = snippet.marker === "partial" ? (merge(baseConfig(found["platform:profile"]), found) as Obj) : found;
        expect(configProblems(full)).toEqual([]);
    });
});

describe("`pulumi config set --path` commands in README.md and docs/", () => {
    const rows = referenceRows();
    const keys = new Set(rows.map((r) => r.key));
    const maps = rows.filter((r) => r.type.startsWith("map of ")).map((r) => r.key);
    /** Rows of a map's entries (`s3.backends.<name>.secretKey`) as patterns over any entry name. */
    const entryKeys = rows
        .filter((r) => r.key.includes(".<name>."))
        .map((r) => new RegExp(`^${r.key.replace(/[.[\]]/g, "\\$&").replace("<name>", "[a-z0-9-]+")}$`));
    const commands = markdownFiles().flatMap((file) =>
        [...read(file).matchAll(/pulumi config set [^\n`]*?--path '([^']+)'/g)].map((m) => ({ file, path: m[1] })),
    );

    it("finds the commands (guard against a broken pattern)", () => {
        expect(commands.length).toBeGreaterThanOrEqual(5);
    });

    it("names keys that exist in the schema", () => {
        const unknown = commands
            .map(({ file, path }) => ({ file, key: `platform:${path.replace(/\[\d+\]/g, "[]")}` }))
            .filter(({ key }) => !key.includes("<"))
            .filter(
                ({ key }) =>
                    !keys.has(key) &&
                    !entryKeys.some((k) => k.test(key)) &&
                    !maps.some((m) => key.startsWith(`${m}.`) && !rows.some((r) => r.key.startsWith(`${m}.<name>.`))),
            );
        expect(unknown).toEqual([]);
    });
});

describe("links in README.md and docs/", () => {
    /** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
    const slug = (heading: string) =>
        heading
            .trim()
            .toLowerCase()
            .replace(/[^\p{L}\p{N} _-]/gu, "")
            .replace(/ /g, "-");
    const anchors = (file: string) =>
        new Set(
            read(file)
                .split("\n")
                .filter((l) => /^#{1,6} /.test(l))
                .map((l) => slug(l.replace(/^#+ /, ""))),
        );

    it("point at files and headings that exist", () => {
        const broken: string[] = [];
        for (const file of markdownFiles()) {
            const text = read(file).replace(/```[\s\S]*?```/g, "");
            for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
                const [path, anchor] = target.split("#");
                const resolved = path === "" ? file : relative(PROJECT_DIR, join(PROJECT_DIR, file, "..", path));
                let exists = true;
                try {
                    statSync(join(PROJECT_DIR, resolved));
                } catch {
                    exists = false;
                }
                if (!exists || (anchor && resolved.endsWith(".md") && !anchors(resolved).has(anchor))) broken.push(`${file}: ${target}`);
            }
        }
        expect(broken).toEqual([]);
    });
});

describe("Route53 IAM policy in docs/security.md and the bootstrap runbook (issue 22, item 4)", () => {
    type Statement = {
        Effect: string;
        Action: string | string[];
        Resource: string | string[];
        Principal?: unknown;
        Condition?: Record<string, Record<string, string | string[]>>;
    };
    const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
    const jsonBlocks = (file: string) => [...read(file).matchAll(/^```json\n([\s\S]*?)^```$/gm)].map((m) => JSON.parse(m[1]) as { Statement: Statement[] });
    const FILES = ["docs/security.md", "docs/runbooks/bootstrap-environment.md"];
    const policies = (file: string) => jsonBlocks(file).filter((doc) => doc.Statement.some((st) => list(st.Action).some((a) => a.startsWith("route53:"))));

    // The Route53 API calls each controller makes, and the IAM resource each is authorised on:
    // - external-dns@v0.21.0 provider/aws/aws.go (the app of chart 1.21.1): zones() pages ListHostedZones
    //   (no zone: `*`), records() pages ListResourceRecordSets per zone, submitChanges calls
    //   ChangeResourceRecordSets per zone. tagsForZone's ListTagsForResources runs only with a zone tag
    //   filter (--aws-zone-tags), which the platform never passes (checked below).
    // - cert-manager@v1.21.1 pkg/issuer/acme/dns/route53/route53.go: changeRecord calls
    //   ChangeResourceRecordSets on the zone, then polls GetChange on the change id (`change/*`);
    //   getHostedZoneID calls ListHostedZonesByName when the issuer has no hostedZoneID (`*`).
    const UPSTREAM: [action: string, resource: "zone" | "change" | "any"][] = [
        ["route53:ListHostedZones", "any"],
        ["route53:ListResourceRecordSets", "zone"],
        ["route53:ChangeResourceRecordSets", "zone"],
        ["route53:GetChange", "change"],
        ["route53:ListHostedZonesByName", "any"],
    ];
    const resourceOk = {
        zone: (r: string) => /^arn:aws:route53:::hostedzone\/[A-Z0-9]+$/.test(r),
        change: (r: string) => r === "arn:aws:route53:::change/*",
        any: (r: string) => r === "*",
    };

    it.each(FILES)("%s gives the policy: every action the controllers call, on its resource, and nothing more", (file) => {
        const found = policies(file);
        expect(found).toHaveLength(1);
        const allowed = found[0].Statement.filter((st) => st.Effect === "Allow");
        for (const [action, kind] of UPSTREAM) {
            const grants = allowed.filter((st) => list(st.Action).includes(action));
            expect({ action, resources: grants.flatMap((st) => list(st.Resource)).filter(resourceOk[kind]).length > 0 }).toEqual({ action, resources: true });
        }
        expect(allowed.flatMap((st) => list(st.Action)).sort()).toEqual(UPSTREAM.map(([a]) => a).sort());
        // The zone-bound actions are never granted on every zone.
        for (const st of allowed.filter((s) => list(s.Action).includes("route53:ChangeResourceRecordSets"))) {
            expect(list(st.Resource).every(resourceOk.zone)).toBe(true);
        }
    });

    it("is the same policy in both files", () => {
        expect(policies(FILES[1])).toEqual(policies(FILES[0]));
    });

    it("never needs ListTagsForResources: the platform passes external-dns no zone tag filter", () => {
        const route53 = { region: "us-east-1", hostedZoneId: "Z1", zoneType: "public" as const, roleArn: "arn:aws:iam::123456789012:role/x" };
        const values = externalDnsValues(
            { provider: "route53", route53, policy: "sync", domainFilters: ["example.com"], interval: "1m", records: [] },
            { ownerId: "t" },
        );
        expect(JSON.stringify(values)).not.toContain("--aws-zone-tags");
    });

    it("admits in the role's trust policy the ServiceAccounts that take the role", () => {
        const trust = jsonBlocks("docs/security.md").find((doc) => doc.Statement.some((st) => list(st.Action).includes("sts:AssumeRoleWithWebIdentity")));
        const subjects = Object.entries(trust?.Statement[0].Condition?.StringEquals ?? {}).find(([k]) => k.endsWith(":sub"))?.[1];
        expect(subjects).toEqual([
            `system:serviceaccount:${DNS_NAMESPACE}:${DNS_RELEASE}`,
            `system:serviceaccount:${CERT_MANAGER_NAMESPACE}:${DNS01_SERVICE_ACCOUNT}`,
        ]);
    });

    it("has the section `npm run verify` points at", () => {
        const [file, anchor] = ROUTE53_POLICY_DOC.split("#");
        const headings = read(file)
            .split("\n")
            .filter((l) => /^#{1,6} /.test(l))
            .map((l) => l.replace(/^#+ /, "").toLowerCase().replace(/ /g, "-"));
        expect(headings).toContain(anchor);
    });
});
