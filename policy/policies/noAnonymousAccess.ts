// 3. No Grant resource opens schema analytics or the auth hook to anon or public, and no Grant
// gives authenticated direct access to an analytics view or table: data is reached only through
// the admin functions, which check is_admin() themselves.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describeResource, GrantProps, RESOURCE_TYPES } from "../lib/resources";
import { ANALYTICS_SCHEMA, HOOK_FUNCTION } from "../requirements";

const ANONYMOUS_ROLES = new Set(["anon", "public"]);
const HOOK = `${HOOK_FUNCTION.schema}.${HOOK_FUNCTION.name}`;

/** Lowercase, unquoted: `"Analytics".x` and `analytics.x` are the same object to this check. */
function normalise(identifier: string): string {
  return identifier.split('"').join("").trim().toLowerCase();
}

function isAnalyticsObject(object: string): boolean {
  return object === ANALYTICS_SCHEMA || object.startsWith(`${ANALYTICS_SCHEMA}.`);
}

function isHook(object: string): boolean {
  return object === HOOK || object.startsWith(`${HOOK}(`);
}

export const noAnonymousAccessPolicy: ResourceValidationPolicy = {
  name: "supabase-analytics-no-anonymous-access",
  description:
    "No Grant to anon or public on anything in schema analytics or on the custom access token hook, and no Grant on an analytics view or table to authenticated.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== RESOURCE_TYPES.grant) return;
    const grant = args.props as GrantProps;
    const role = normalise(String(grant.role));
    const object = normalise(String(grant.object));
    const name = describeResource(args);
    if (ANONYMOUS_ROLES.has(role) && (isAnalyticsObject(object) || isHook(object))) {
      const what = isHook(object) ? "the auth hook, which only supabase_auth_admin may execute" : "schema analytics, which only admins reach";
      reportViolation(`${name} grants ${grant.privilege} on ${grant.object} to ${role}, opening ${what}; remove this Grant.`);
    }
    if (role === "authenticated" && grant.objectType === "table" && isAnalyticsObject(object)) {
      reportViolation(
        `${name} grants ${grant.privilege} on ${grant.object} to authenticated; remove it: authenticated users read analytics only through the admin functions (analytics.get_<view>()), which check is_admin().`,
      );
    }
  },
};
