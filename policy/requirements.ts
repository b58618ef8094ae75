// What the pack requires of a supabase-analytics stack, stated here and nowhere else in the pack.
// These are the defaults of the policies' config (each policy's configSchema); an organisation
// changes them with `pulumi preview --policy-pack policy --policy-pack-config <file>.json`.
// The pack never reads them from the program it checks: a program that drops a grant must not
// also drop the expectation.

export interface RequiredGrant {
  role: string;
  privilege: string;
  objectType: string;
  /** Schema-qualified; functions with their argument types, e.g. `analytics.manual_refresh()`. */
  object: string;
}

export const REFRESH_SCHEDULE = "*/30 * * * *";

/** The schema only admins reach (through its admin functions), never anon or public. */
export const ANALYTICS_SCHEMA = "analytics";

/** The custom access token hook: only supabase_auth_admin may execute it. */
export const HOOK_FUNCTION = { schema: "public", name: "custom_access_token_hook" } as const;

export const HOOK_URI = "pg-functions://postgres/public/custom_access_token_hook";

/** The migration that creates public.custom_access_token_hook(jsonb); the AuthHook waits for it. */
export const HOOK_MIGRATION = "20260128100002";

export const PRODUCTION_STACK_PREFIX = "prod";

function adminFunction(object: string): RequiredGrant {
  return { role: "authenticated", privilege: "execute", objectType: "function", object };
}

/** What the auth server needs to run the hook; the AuthHook waits for both. */
export const HOOK_GRANTS: readonly RequiredGrant[] = [
  { role: "supabase_auth_admin", privilege: "execute", objectType: "function", object: "public.custom_access_token_hook(jsonb)" },
  { role: "supabase_auth_admin", privilege: "select", objectType: "table", object: "public.user_roles" },
];

/** The admin surface: usage on schema analytics and execute on the admin functions, plus the hook grants. */
export const ADMIN_GRANTS: readonly RequiredGrant[] = [
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
  ...HOOK_GRANTS,
];
