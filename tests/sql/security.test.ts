// The security matrix: who may call what, simulated the way PostgREST and the auth server
// reach the database (tests/support/securityMatrix.ts), after the stack's declared grants
// (ALL_GRANTS from infra/adminSurface.ts) are applied. Only admins get data; everyone else
// gets SQLSTATE 42501, either from the privilege system or from the admin check.
import { Client } from "pg";
import { ANALYTICS_VIEWS } from "../../infra/adminSurface";
import { applyGrants, applyMigrations } from "../support/applySql";
import { createFreshDatabase, FreshDatabase } from "../support/db";
import { generateLearningData, loadLearningData, sortByKey, VIEW_KEYS } from "../support/learningData";
import { attempt, AttemptResult, Caller, CALLER_NAMES, RAW_TEXT } from "../support/securityMatrix";

/** The statement runs; for admins on a get_<view>() wrapper, it returns the view's rows. */
const DATA = "data";
/** The function runs and refuses: SQLSTATE 42501 from the admin check (`... is for admins only`). */
const NOT_ADMIN = "not admin";
/** The privilege system refuses: SQLSTATE 42501 `permission denied for ...`. */
const NO_ACCESS = "no access";
type Outcome = typeof DATA | typeof NOT_ADMIN | typeof NO_ACCESS;

interface MatrixRow {
  statement: string;
  expected: Record<Caller, Outcome>;
}

function row(statement: string, anon: Outcome, noRole: Outcome, member: Outcome, admin: Outcome, authAdmin: Outcome): MatrixRow {
  return {
    statement,
    expected: { anon, "authenticated, no role": noRole, member, admin, supabase_auth_admin: authAdmin },
  };
}

const HOOK_EVENT = JSON.stringify({ user_id: "0b6f8c3e-5a41-4d2e-9f60-1c7a2b3d4e01", claims: { role: "authenticated" } });

const INCREMENTAL_FUNCTIONS = [
  "current_utc_date", "log_lesson_completion_changes", "log_quiz_attempt_changes", "log_review_session_changes",
  "log_explanation_view_changes", "flag_rebuild", "apply_pending_changes", "apply_streak_changes", "build_incremental_state",
  "rebuild_incremental_state",
];
const INCREMENTAL_TABLES = [
  "lesson_completion_changes", "quiz_attempt_changes", "review_session_changes", "explanation_view_changes",
  "incremental_state", "learner_days", "day_totals", "learner_activity", "learner_streaks", "learner_dropped_lengths",
  "streak_length_totals", "lesson_tracks", "track_learners", "track_totals", "quiz_totals", "quiz_score_scales", "explanation_viewers",
  "explanation_totals", "batch_lessons", "batch_quizzes", "batch_reviews", "batch_views", "batch_lesson_changes", "batch_day_changes",
  "batch_old_streaks", "batch_streak_changes", "batch_pairs", "batch_viewer_changes",
];

// prettier-ignore
const MATRIX: readonly MatrixRow[] = [
  //  statement                                                   anon       authenticated,  member     admin      supabase_
  //                                                                         no role                               auth_admin
  // Each view of the list: its admin wrapper, and the view itself (nobody but postgres).
  ...ANALYTICS_VIEWS.map((view) =>
    row(`select * from analytics.get_${view}()`,                 NO_ACCESS, NOT_ADMIN,      NOT_ADMIN, DATA,      NO_ACCESS)),
  ...ANALYTICS_VIEWS.map((view) =>
    row(`select * from analytics.${view}`,                       NO_ACCESS, NO_ACCESS,      NO_ACCESS, NO_ACCESS, NO_ACCESS)),
  row("select * from analytics.health_check()",                  NO_ACCESS, NOT_ADMIN,      NOT_ADMIN, DATA,      NO_ACCESS),
  row("select * from analytics.get_cron_job_status()",           NO_ACCESS, NOT_ADMIN,      NOT_ADMIN, DATA,      NO_ACCESS),
  row("select analytics.manual_refresh()",                       NO_ACCESS, NOT_ADMIN,      NOT_ADMIN, DATA,      NO_ACCESS),
  // Internal functions: only the owner runs them.
  row("select analytics.refresh_all_views()",                    NO_ACCESS, NO_ACCESS,      NO_ACCESS, NO_ACCESS, NO_ACCESS),
  row("select analytics.refresh_views_and_record()",             NO_ACCESS, NO_ACCESS,      NO_ACCESS, NO_ACCESS, NO_ACCESS),
  row("select analytics.is_admin()",                             NO_ACCESS, NO_ACCESS,      NO_ACCESS, NO_ACCESS, NO_ACCESS),
  row("select analytics.assert_admin('probe')",                  NO_ACCESS, NO_ACCESS,      NO_ACCESS, NO_ACCESS, NO_ACCESS),
  // Migration helpers: the lock key, and the privileges kept across a drop and re-create.
  row("select analytics.refresh_lock_key()",                     NO_ACCESS, NO_ACCESS,      NO_ACCESS, NO_ACCESS, NO_ACCESS),
  row("select analytics.save_privileges()",                      NO_ACCESS, NO_ACCESS,      NO_ACCESS, NO_ACCESS, NO_ACCESS),
  row("select analytics.restore_privileges()",                   NO_ACCESS, NO_ACCESS,      NO_ACCESS, NO_ACCESS, NO_ACCESS),
  // The tables themselves: nobody but postgres.
  row("select * from analytics.refresh_runs",                    NO_ACCESS, NO_ACCESS,      NO_ACCESS, NO_ACCESS, NO_ACCESS),
  // The incremental state under the views (docs/incremental-refresh.md): internal, owner only.
  ...INCREMENTAL_FUNCTIONS.map((fn) => row(`select analytics.${fn}()`, NO_ACCESS, NO_ACCESS, NO_ACCESS, NO_ACCESS, NO_ACCESS)),
  ...INCREMENTAL_TABLES.map((table) => row(`select * from analytics.${table}`, NO_ACCESS, NO_ACCESS, NO_ACCESS, NO_ACCESS, NO_ACCESS)),
  // The token hook and its table: the auth server only.
  row(`select public.custom_access_token_hook('${HOOK_EVENT}')`, NO_ACCESS, NO_ACCESS,      NO_ACCESS, NO_ACCESS, DATA),
  row("select * from public.user_roles",                         NO_ACCESS, NO_ACCESS,      NO_ACCESS, NO_ACCESS, DATA),
];

/** The get_<view>() wrapper of a statement, if it is one. */
function wrappedView(statement: string): (typeof ANALYTICS_VIEWS)[number] | undefined {
  return ANALYTICS_VIEWS.find((view) => statement === `select * from analytics.get_${view}()`);
}

function describeResult(result: AttemptResult): string {
  return result.ok ? `${result.rows.length} row(s)` : `${result.code}: ${result.message}`;
}

describe("security matrix, after the stack's grants (ALL_GRANTS)", () => {
  let db: FreshDatabase;
  let client: Client;
  const directRows = new Map<string, Record<string, unknown>[]>();

  beforeAll(async () => {
    db = await createFreshDatabase("security");
    await applyMigrations(db.url);
    client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ today: string }>("select ((now() at time zone 'utc')::date)::text as today");
    await loadLearningData(client, generateLearningData({ seed: 7, today: rows[0].today, fillerLearners: 8 }));
    await client.query("select analytics.refresh_all_views()");
    await applyGrants(db.url);
    for (const view of ANALYTICS_VIEWS) {
      const result = await client.query({ text: `select * from analytics.${view}`, types: RAW_TEXT });
      directRows.set(view, sortByKey(result.rows, VIEW_KEYS[view]));
    }
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const cases = MATRIX.flatMap((entry) => CALLER_NAMES.map((caller) => [entry.statement, caller, entry.expected[caller]] as const));

  it.each(cases)("%s as %s: %s", async (statement, caller, outcome) => {
    const result = await attempt(client, caller, statement);
    const seen = describeResult(result);
    if (outcome === DATA) {
      expect({ seen, ok: result.ok }).toEqual({ seen, ok: true });
      const view = wrappedView(statement);
      if (view && result.ok) {
        expect(result.rows.length).toBeGreaterThan(0);
        expect(sortByKey(result.rows as Record<string, string | null>[], VIEW_KEYS[view])).toEqual(directRows.get(view));
      }
      return;
    }
    expect({ seen, code: result.ok ? null : result.code }).toEqual({ seen, code: "42501" });
    if (!result.ok) {
      expect(result.message).toMatch(outcome === NOT_ADMIN ? /is for admins only$/ : /^permission denied for /);
    }
  });

  it("lists every function and relation of schema analytics", async () => {
    const { rows } = await client.query<{ statement: string }>(`
      select 'select analytics.' || p.proname || '(' as statement
        from pg_catalog.pg_proc p where p.pronamespace = 'analytics'::regnamespace
      union all
      select 'select * from analytics.' || c.relname from pg_catalog.pg_class c
       where c.relnamespace = 'analytics'::regnamespace and c.relkind in ('r', 'm', 'v')`);
    const covered = (prefix: string): boolean =>
      MATRIX.some((entry) =>
        prefix.endsWith("(")
          ? entry.statement.replace("select * from ", "select ").startsWith(prefix)
          : entry.statement === prefix,
      );
    expect(rows.map((r) => r.statement).filter((statement) => !covered(statement))).toEqual([]);
  });

  it("lets no role but the owner (the deployer) and superusers select from the views or tables of analytics", async () => {
    // Predefined pg_* roles (pg_read_all_data, ...) read everything by design; on Supabase only
    // the deployer postgres is a member. Roles that hold the owner's rights are the owner.
    const { rows } = await client.query(`
      select r.rolname, c.oid::regclass::text as relation
        from pg_catalog.pg_roles r
       cross join pg_catalog.pg_class c
       where c.relnamespace = 'analytics'::regnamespace and c.relkind in ('r', 'm', 'v')
         and not r.rolsuper and r.rolname not like 'pg\\_%'
         and not pg_catalog.pg_has_role(r.oid, c.relowner, 'usage')
         and pg_catalog.has_table_privilege(r.oid, c.oid, 'select')`);
    expect(rows).toEqual([]);
    const members = await client.query<{ member: string }>(
      "select m.member::regrole::text as member from pg_catalog.pg_auth_members m where m.roleid = 'pg_read_all_data'::regrole",
    );
    expect(members.rows).toEqual([{ member: "postgres" }]);
  });
});
