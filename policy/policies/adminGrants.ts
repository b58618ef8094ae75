// 2. Every grant the pack requires exists as a Grant resource. The list is this policy's config
// (default: the admin surface in policy/requirements.ts), never the program's own declaration:
// a program that drops a grant would otherwise drop the expectation with it.
import type { StackValidationPolicy } from "@pulumi/policy";
import { grantKey, grantListOption, grantText, policyConfig } from "../lib/config";
import { GrantProps, ofType } from "../lib/resources";
import { ADMIN_GRANTS } from "../requirements";

const config = policyConfig({
  grants: grantListOption(
    ADMIN_GRANTS,
    "Grants that must exist as Grant resources: usage on schema analytics and execute on the admin functions to authenticated, and the hook grants to supabase_auth_admin.",
  ),
});

export const adminGrantsPolicy: StackValidationPolicy = {
  name: "supabase-analytics-admin-grants",
  description:
    "Grant resources exist for the admin surface: execute on the analytics admin functions and usage on schema analytics to authenticated, and the hook grants to supabase_auth_admin (the list is configurable).",
  enforcementLevel: "mandatory",
  configSchema: config.schema,
  validateStack: (args, reportViolation) => {
    const present = new Set(ofType(args.resources, "grant").map((resource) => grantKey(resource.props as GrantProps)));
    for (const grant of config.read(args).grants) {
      if (present.has(grantKey(grant))) continue;
      reportViolation(
        `Missing Grant for \`${grantText(grant)}\` (required by the policy's "grants" config); declare it in the program's admin grant list so the stack creates it, or remove it from the pack's config if the admin surface changed on purpose.`,
      );
    }
  },
};
