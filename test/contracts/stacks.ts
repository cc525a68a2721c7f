/** Every stack file in the repository, parsed the way `pulumi up` parses it (no evaluation). */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { PlatformConfig, parsePlatformConfig } from "../../config/config";
import { readStackFile } from "../../offline/stackfile";

const ROOT = join(__dirname, "..", "..");

export function stackNames(): string[] {
    return readdirSync(ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

export function stackConfigs(): [string, PlatformConfig][] {
    return stackNames().map((s) => [s, parsePlatformConfig(readStackFile(ROOT, s).config)]);
}
