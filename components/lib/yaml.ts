import { stringify } from "yaml";

/** YAML text without line folding (long tokens and URLs stay on one line). */
export function toYaml(value: unknown): string {
    return stringify(value, { lineWidth: 0 });
}
