// 2. Every grant of the admin surface exists as a Grant resource. The expected list is the union
// of the stack's declaration (infra/adminSurface.ts ALL_GRANTS) and the list below, written out
// again on purpose: deleting an entry from the declaration removes its Grant from the stack, and
// this copy still expects it.
import type { StackValidationPolicy } from "@pulumi/policy";
import { ALL_GRANTS, grantResourceName } from "../../infra/adminSurface";
import { GrantProps, ofType } from "../lib/resources";

export type ExpectedGrant = GrantProps;

function adminFunction(object: string): ExpectedGrant {
  return { role: "authenticated", privilege: "execute", objectType: "function", object };
}

/** The admin surface as this policy states it, independently of infra/adminSurface.ts. */
export const REQUIRED_GRANTS: readonly ExpectedGrant[] = [
  { role: "authenticated", privilege: "usage", objectType: "schema", object: "analytics" },
  adminFunction("analytics.manual_refresh()"),
  adminFunction("analytics.health_check()"),
  adminFunction("analytics.get_cron_job_status()"),
  adminFunction("analytics.get_active_learning_days()"),
  adminFunction("analytics.get_popular_tracks()"),
  adminFunction("analytics.get_streak_dropoffs()"),
  adminFunction("analytics.get_quiz_completion_rates()"),
  adminFunction("analytics.get_review_session_usage()"),
  adminFunction("analytics.get_explanation_engagement()"),
  adminFunction("analytics.get_summary_stats()"),
  { role: "supabase_auth_admin", privilege: "execute", objectType: "function", object: "public.custom_access_token_hook(jsonb)" },
  { role: "supabase_auth_admin", privilege: "select", objectType: "table", object: "public.user_roles" },
];

function grantKey(grant: ExpectedGrant): string {
  return [grant.role, grant.privilege, grant.objectType, grant.object].join("|");
}

export function grantText(grant: ExpectedGrant): string {
  const target = grant.objectType === "schema" ? `schema ${grant.object}` : `${grant.objectType} ${grant.object}`;
  return `grant ${grant.privilege} on ${target} to ${grant.role}`;
}

/** The union of the declared and the restated list, each once, with where it is stated. */
export function expectedGrants(declared: readonly ExpectedGrant[] = ALL_GRANTS): Array<ExpectedGrant & { source: string }> {
  const expected = new Map<string, ExpectedGrant & { source: string }>();
  for (const grant of declared) expected.set(grantKey(grant), { ...pick(grant), source: "infra/adminSurface.ts" });
  for (const grant of REQUIRED_GRANTS) {
    const key = grantKey(grant);
    const known = expected.get(key);
    expected.set(key, { ...grant, source: known ? `${known.source} and this policy` : "this policy (missing from infra/adminSurface.ts)" });
  }
  return [...expected.values()];
}

function pick(grant: ExpectedGrant): ExpectedGrant {
  return { role: grant.role, privilege: grant.privilege, objectType: grant.objectType, object: grant.object };
}

export const adminGrantsPolicy: StackValidationPolicy = {
  name: "supabase-analytics-admin-grants",
  description:
    "Grant resources exist for the admin surface: execute on the analytics admin functions and usage on schema analytics to authenticated, and the hook grants to supabase_auth_admin (the declared list and the policy's own copy).",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const present = new Set(ofType(args.resources, "grant").map((resource) => grantKey(resource.props as GrantProps)));
    for (const grant of expectedGrants()) {
      if (present.has(grantKey(grant))) continue;
      reportViolation(
        `Missing Grant "${grantResourceName(grant)}" (\`${grantText(grant)}\`, required by ${grant.source}); add the entry to ADMIN_GRANTS or HOOK_GRANTS in infra/adminSurface.ts so the stack creates it.`,
      );
    }
  },
};
