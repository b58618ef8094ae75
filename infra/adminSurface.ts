// What the stack declares of schema analytics, each fact once: the views, the admin surface
// (who may execute or use what), the refresh job. The stack turns each grant into a Grant
// resource and the job into a CronJob; the tests apply the same list to a database
// (grantStatement: the Grant vocabulary's text of each entry).
//
// This file is the single source of truth for the admin grants. The policy pack keeps a copy
// as its configuration defaults (policy/requirements.ts; tests/policy/requirements.test.ts
// checks it equals this one), and an expected-schema snapshot leaves these ACLs to this list.
//
// Nothing here names a migration: every resource that needs a database object waits for the
// newest migration (infra/analyticsFoundation.ts), and a migration that re-creates a granted
// object keeps its privileges with analytics.save_privileges()/restore_privileges()
// (docs/database.md#adding-a-view-or-a-migration).
import type { GrantSpec } from "./postgres";

export { grantText as grantStatement } from "./postgres";

/** The schema the Data API exposes; only admins reach it, through the admin functions. */
export const ANALYTICS_SCHEMA = "analytics";

/**
 * The materialized views of schema analytics, in refresh order. Each has a unique index and an
 * admin wrapper `analytics.get_<view>()`; tests/sql/declarations.test.ts compares this list with the
 * views the migrations create.
 */
export const ANALYTICS_VIEWS = [
  "active_learning_days",
  "popular_tracks",
  "streak_dropoffs",
  "quiz_completion_rates",
  "review_session_usage",
  "explanation_engagement",
  "summary_stats",
] as const;
export type AnalyticsView = (typeof ANALYTICS_VIEWS)[number];

/** The pg_cron job that keeps the views fresh. */
export const REFRESH_JOB = {
  name: "refresh-analytics-views",
  command: "select analytics.refresh_all_views()",
  /** The stack config `refreshSchedule` overrides it. */
  defaultSchedule: "*/30 * * * *",
} as const;

export type AdminGrant = GrantSpec;

export const CUSTOM_ACCESS_TOKEN_HOOK = "public.custom_access_token_hook(jsonb)";
export const CUSTOM_ACCESS_TOKEN_HOOK_URI = "pg-functions://postgres/public/custom_access_token_hook";

function adminFunction(object: string): AdminGrant {
  return { role: "authenticated", privilege: "execute", objectType: "function", object };
}

/** Usage on the schema and execute on the admin functions, to authenticated (the functions check is_admin()). */
export const ADMIN_GRANTS: readonly AdminGrant[] = [
  { role: "authenticated", privilege: "usage", objectType: "schema", object: ANALYTICS_SCHEMA },
  adminFunction("analytics.manual_refresh()"),
  adminFunction("analytics.get_cron_job_status()"),
  adminFunction("analytics.health_check()"),
  ...ANALYTICS_VIEWS.map((view) => adminFunction(`analytics.get_${view}()`)),
];

/** What the auth server needs to run the custom access token hook. */
export const HOOK_GRANTS: readonly AdminGrant[] = [
  { role: "supabase_auth_admin", privilege: "execute", objectType: "function", object: CUSTOM_ACCESS_TOKEN_HOOK },
  { role: "supabase_auth_admin", privilege: "select", objectType: "table", object: "public.user_roles" },
];

export const ALL_GRANTS: readonly AdminGrant[] = [...ADMIN_GRANTS, ...HOOK_GRANTS];

/** `grant-<role>-<object>`, the object without its argument list: `grant-authenticated-analytics.manual_refresh`. */
export function grantResourceName(grant: Pick<AdminGrant, "role" | "object">): string {
  return `grant-${grant.role}-${grant.object.replace(/\(.*\)$/, "")}`;
}
