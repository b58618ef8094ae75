// Entry point of the policy pack: `pulumi preview --policy-pack policy`. Constructing the pack
// starts the analyzer server, so tests import ./policies instead of this file.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("supabase-analytics", { policies });
