/** Every stack file in the repository, parsed the way `pulumi up` parses it (no evaluation). */
import { join } from "node:path";
import { PlatformConfig, parsePlatformConfig } from "../../config/config";
import { readStackFile } from "../../offline/stackfile";
import { stackNames } from "../shared";

const ROOT = join(__dirname, "..", "..");

export function stackConfigs(): [string, PlatformConfig][] {
    return stackNames().map((s) => [s, parsePlatformConfig(readStackFile(ROOT, s).config)]);
}
