// What the pack requires of a supabase-analytics stack, stated here and nowhere else in the pack.
// These are the defaults of the policies' config (each policy's configSchema); an organisation
// changes them with `pulumi preview --policy-pack policy --policy-pack-config <file>.json`.
// The pack never reads them from the program it checks: a program that drops a grant must not
// also drop the expectation. They are a copy of the program's declarations (infra/adminSurface.ts,
// the single source of truth); tests/policy/requirements.test.ts fails, naming the difference,
// when the two disagree, so a view or grant added to the program is added here too.

export interface RequiredGrant {
  role: string;
  privilege: string;
  objectType: string;
  /** Schema-qualified; functions with their argument types, e.g. `analytics.manual_refresh()`. */
  object: string;
}

/** The refresh job: its name and command are fixed, its schedule is the `schedule` option. */
export const REFRESH_JOB_NAME = "refresh-analytics-views";
export const REFRESH_COMMAND = "select analytics.refresh_all_views()";
export const REFRESH_SCHEDULE = "*/30 * * * *";

/** The schema only admins reach (through its admin functions), never anon or public. */
export const ANALYTICS_SCHEMA = "analytics";

/** The custom access token hook: only supabase_auth_admin may execute it. */
export const HOOK_FUNCTION = { schema: "public", name: "custom_access_token_hook" } as const;

export const HOOK_URI = "pg-functions://postgres/public/custom_access_token_hook";

export const PRODUCTION_STACK_PREFIX = "prod";

function adminFunction(object: string): RequiredGrant {
  return { role: "authenticated", privilege: "execute", objectType: "function", object };
}

/** What the auth server needs to run the hook; the AuthHook waits for both. */
export const HOOK_GRANTS: readonly RequiredGrant[] = [
  { role: "supabase_auth_admin", privilege: "execute", objectType: "function", object: "public.custom_access_token_hook(jsonb)" },
  { role: "supabase_auth_admin", privilege: "select", objectType: "table", object: "public.user_roles" },
];

/** The materialized views of schema analytics; admins read each through `analytics.get_<view>()`. */
export const ANALYTICS_VIEWS: readonly string[] = [
  "active_learning_days",
  "popular_tracks",
  "streak_dropoffs",
  "quiz_completion_rates",
  "review_session_usage",
  "explanation_engagement",
  "summary_stats",
];

/** The admin surface: usage on schema analytics and execute on the admin functions, plus the hook grants. */
export const ADMIN_GRANTS: readonly RequiredGrant[] = [
  { role: "authenticated", privilege: "usage", objectType: "schema", object: ANALYTICS_SCHEMA },
  adminFunction("analytics.manual_refresh()"),
  adminFunction("analytics.get_cron_job_status()"),
  adminFunction("analytics.health_check()"),
  ...ANALYTICS_VIEWS.map((view) => adminFunction(`analytics.get_${view}()`)),
  ...HOOK_GRANTS,
];
