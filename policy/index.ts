// CrossGuard pack: `pulumi preview --policy-pack policy --policy-pack-config policy/config.<profile>.json`
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("platform-guardrails", { policies });
