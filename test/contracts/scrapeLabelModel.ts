/**
 * What Prometheus stores for a scraped series, and whether a PromQL selector can match it.
 *
 * A scrape adds target labels to every sample. prometheus-operator's ServiceMonitor jobs set
 * `namespace`, `service`, `pod`, `container`, `job` and `endpoint` (prometheus-operator@v0.93.0
 * pkg/prometheus/promcfg.go, generateServiceMonitorConfig; Prometheus adds `instance`). When a sample
 * already has a label of the same name: with `honor_labels: true` the sample's value stays; with
 * `false` (the operator's default, and forced by `overrideHonorLabels`, promcfg.go AddHonorLabels) the
 * target's value wins and the sample's moves to `exported_<name>` (prometheus@v3.14.0
 * scrape/scrape.go mutateSampleLabels, resolveConflictingExposedLabels). Facts only, as literals
 * here; no upstream code.
 */

/** One scrape job: the families it yields, their own labels, its target labels and honor_labels. */
export interface ScrapeSource {
    readonly job: string;
    /** Metric name -> the labels the exporter itself sets on it; undefined when the family is not this job's. */
    readonly ownLabels: (metric: string) => readonly string[] | undefined;
    /** Target label -> its value when the same for every target of the job, or null when it varies (pod names). */
    readonly targetLabels: Readonly<Record<string, string | null>>;
    readonly honorLabels: boolean;
}

/** A stored label: its value when fixed by the target, or null (any value). */
export type StoredLabels = ReadonlyMap<string, string | null>;

/** The labels a series of `metric` has in Prometheus after `source` scraped it. */
export function storedLabels(source: ScrapeSource, metric: string): StoredLabels {
    const own = source.ownLabels(metric) ?? [];
    const stored = new Map<string, string | null>(own.map((l) => [l, null]));
    for (const [name, value] of Object.entries(source.targetLabels)) {
        if (!own.includes(name)) {
            stored.set(name, value);
        } else if (!source.honorLabels) {
            let renamed = `exported_${name}`;
            while (stored.has(renamed)) renamed = `exported_${renamed}`;
            stored.set(renamed, null);
            stored.set(name, value);
        }
    }
    stored.set("__name__", metric);
    return stored;
}

export interface Matcher {
    readonly label: string;
    readonly op: "=" | "!=" | "=~" | "!~";
    readonly value: string;
}

export interface Selector {
    readonly metric?: string;
    readonly matchers: readonly Matcher[];
}

/** A PromQL expression's vector selectors and the labels its `by`/`without`/`on`/`ignoring` clauses name. */
export interface ParsedExpr {
    readonly selectors: readonly Selector[];
    readonly groupingLabels: readonly string[];
}

const KEYWORDS = new Set([
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
    "and",
    "or",
    "unless",
    "atan2",
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "count_values",
    "group",
    "limitk",
    "limit_ratio",
]);
const GROUPING = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);

type Token = { kind: "ident" | "string" | "punct" | "other"; text: string };

function tokenize(expr: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < expr.length) {
        const c = expr[i];
        if (/\s/.test(c)) {
            i++;
        } else if (c === "#") {
            while (i < expr.length && expr[i] !== "\n") i++;
        } else if (c === '"' || c === "'" || c === "`") {
            let j = i + 1;
            let text = "";
            while (j < expr.length && expr[j] !== c) {
                if (expr[j] === "\\" && c !== "`") {
                    text += expr[j + 1];
                    j += 2;
                } else {
                    text += expr[j++];
                }
            }
            tokens.push({ kind: "string", text });
            i = j + 1;
        } else if (/[A-Za-z_:]/.test(c)) {
            const m = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(expr.slice(i))![0];
            tokens.push({ kind: "ident", text: m });
            i += m.length;
        } else if (
            expr.startsWith("=~", i) ||
            expr.startsWith("!~", i) ||
            expr.startsWith("!=", i) ||
            expr.startsWith("==", i) ||
            expr.startsWith(">=", i) ||
            expr.startsWith("<=", i)
        ) {
            tokens.push({ kind: "punct", text: expr.slice(i, i + 2) });
            i += 2;
        } else if ("{}()[],=".includes(c)) {
            tokens.push({ kind: "punct", text: c });
            i++;
        } else {
            // Numbers, durations, arithmetic and comparison operators, Grafana's $variables.
            const m = /^[^\s"'`{}()[\],=!A-Za-z_:]+|^./.exec(expr.slice(i))![0];
            tokens.push({ kind: "other", text: m });
            i += m.length;
        }
    }
    return tokens;
}

/** Vector selectors and grouping labels of a PromQL expression (a lexer, enough for selectors; not a full parser). */
export function parsePromql(expr: string): ParsedExpr {
    const t = tokenize(expr);
    const selectors: Selector[] = [];
    const groupingLabels: string[] = [];
    const matchersAt = (start: number): [Matcher[], number] => {
        const matchers: Matcher[] = [];
        let i = start + 1;
        while (i < t.length && t[i].text !== "}") {
            if (t[i].kind === "ident" || t[i].kind === "string") {
                const [label, op, value] = [t[i].text, t[i + 1]?.text, t[i + 2]];
                if (!["=", "!=", "=~", "!~"].includes(op) || value?.kind !== "string") throw new Error(`cannot read the matcher at ${label} in: ${expr}`);
                matchers.push({ label, op: op as Matcher["op"], value: value.text });
                i += 3;
            } else {
                i++;
            }
        }
        return [matchers, i + 1];
    };
    for (let i = 0; i < t.length; ) {
        const tok = t[i];
        if (tok.kind === "punct" && tok.text === "[") {
            while (i < t.length && t[i].text !== "]") i++;
            i++;
        } else if (tok.kind === "ident" && GROUPING.has(tok.text) && t[i + 1]?.text === "(") {
            i += 2;
            while (i < t.length && t[i].text !== ")") {
                if (t[i].kind === "ident" || t[i].kind === "string") groupingLabels.push(t[i].text);
                i++;
            }
            i++;
        } else if (tok.kind === "ident" && (KEYWORDS.has(tok.text) || t[i + 1]?.text === "(")) {
            i++;
        } else if (tok.kind === "ident") {
            if (t[i + 1]?.text === "{") {
                const [matchers, next] = matchersAt(i + 1);
                selectors.push({ metric: tok.text, matchers });
                i = next;
            } else {
                selectors.push({ metric: tok.text, matchers: [] });
                i++;
            }
        } else if (tok.kind === "punct" && tok.text === "{") {
            const [matchers, next] = matchersAt(i);
            const name = matchers.find((m) => m.label === "__name__" && m.op === "=");
            selectors.push({ metric: name?.value, matchers });
            i = next;
        } else {
            i++;
        }
    }
    return { selectors, groupingLabels };
}

/** Whether a matcher accepts a label value (Prometheus anchors regular expressions at both ends). */
function accepts(m: Matcher, value: string): boolean {
    switch (m.op) {
        case "=":
            return value === m.value;
        case "!=":
            return value !== m.value;
        case "=~":
            return new RegExp(`^(?:${m.value})$`).test(value);
        case "!~":
            return !new RegExp(`^(?:${m.value})$`).test(value);
    }
}

/**
 * Why `selector` can match no series stored by `source`, or nothing when it can: a matcher on a
 * label the series do not have (accepting only the empty value), or on a target label whose fixed
 * value it rejects (the exporter's own value went to `exported_<label>`). `grouping` labels must be
 * on the series too, or the aggregation folds everything into one group.
 */
export function selectorProblems(selector: Selector, source: ScrapeSource, grouping: readonly string[] = []): string[] {
    const metric = selector.metric!;
    const stored = storedLabels(source, metric);
    const problems: string[] = [];
    const exported = (label: string) =>
        stored.has(`exported_${label}`) ? ` (the exporter's ${label} is stored as exported_${label}: honor_labels is ${source.honorLabels})` : "";
    for (const m of selector.matchers) {
        if (!stored.has(m.label)) {
            if (!accepts(m, "")) problems.push(`${metric}: no label ${m.label} after job ${source.job}${exported(m.label)}`);
            continue;
        }
        const value = stored.get(m.label);
        if (value !== null && value !== undefined && !accepts(m, value)) {
            problems.push(
                `${metric}: ${m.label}${m.op}"${m.value}" never matches: ${m.label} is job ${source.job}'s target label "${value}"${exported(m.label)}`,
            );
        }
    }
    for (const label of grouping) {
        if (!stored.has(label)) problems.push(`${metric}: grouped by ${label}, which the series of job ${source.job} do not have`);
        else if (stored.get(label) !== null && stored.has(`exported_${label}`))
            problems.push(`${metric}: grouped by ${label}, the target's fixed value${exported(label)}`);
    }
    return problems;
}
