// The admin API surface, declared once as data: who may execute or use what.
// The stack turns each entry into a Grant resource, and the tests apply the same list to a
// database (grantStatement: the Grant vocabulary's text of each entry).
import type { GrantSpec } from "./postgres";

export { grantText as grantStatement } from "./postgres";

/** The seven materialized views of schema analytics, in refresh order. */
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

/** The migration that creates each view (with its unique index and its get_<view>() wrapper) as it is now. */
export const VIEW_MIGRATIONS: Record<AnalyticsView, string> = {
  // 20260128100003..07 created them over the base tables; 20261202113000 re-creates every view
  // and its wrapper over the incremental state, so a grant on a wrapper waits for it.
  active_learning_days: "20261202113000",
  popular_tracks: "20261202113000",
  streak_dropoffs: "20261202113000",
  quiz_completion_rates: "20261202113000",
  review_session_usage: "20261202113000",
  explanation_engagement: "20261202113000",
  summary_stats: "20261202113000",
};

/** Migrations that other parts of the stack wait for. */
export const MIGRATION_VERSIONS = {
  rbac: "20260128100001",
  customAccessTokenHook: "20260128100002",
  refreshFunctions: "20260128100008",
  population: "20260128100009",
} as const;

export interface AdminGrant extends GrantSpec {
  /** Version of the migration that creates the object; the Grant waits for it. */
  createdBy: string;
}

export const CUSTOM_ACCESS_TOKEN_HOOK = "public.custom_access_token_hook(jsonb)";
export const CUSTOM_ACCESS_TOKEN_HOOK_URI = "pg-functions://postgres/public/custom_access_token_hook";

function adminFunction(object: string, createdBy: string): AdminGrant {
  return { role: "authenticated", privilege: "execute", objectType: "function", object, createdBy };
}

export const ADMIN_GRANTS: readonly AdminGrant[] = [
  { role: "authenticated", privilege: "usage", objectType: "schema", object: "analytics", createdBy: MIGRATION_VERSIONS.rbac },
  adminFunction("analytics.manual_refresh()", MIGRATION_VERSIONS.refreshFunctions),
  adminFunction("analytics.get_cron_job_status()", MIGRATION_VERSIONS.refreshFunctions),
  adminFunction("analytics.health_check()", MIGRATION_VERSIONS.population),
  ...ANALYTICS_VIEWS.map((view) => adminFunction(`analytics.get_${view}()`, VIEW_MIGRATIONS[view])),
];

/** What the auth server needs to run the custom access token hook. */
export const HOOK_GRANTS: readonly AdminGrant[] = [
  {
    role: "supabase_auth_admin",
    privilege: "execute",
    objectType: "function",
    object: CUSTOM_ACCESS_TOKEN_HOOK,
    createdBy: MIGRATION_VERSIONS.customAccessTokenHook,
  },
  {
    role: "supabase_auth_admin",
    privilege: "select",
    objectType: "table",
    object: "public.user_roles",
    createdBy: MIGRATION_VERSIONS.rbac,
  },
];

export const ALL_GRANTS: readonly AdminGrant[] = [...ADMIN_GRANTS, ...HOOK_GRANTS];

/** `grant-<role>-<object>`, the object without its argument list: `grant-authenticated-analytics.manual_refresh`. */
export function grantResourceName(grant: Pick<AdminGrant, "role" | "object">): string {
  return `grant-${grant.role}-${grant.object.replace(/\(.*\)$/, "")}`;
}
