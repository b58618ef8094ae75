// Applying the migrations: in order on a fresh bootstrapped database (no pg_cron), through
// the history table and again without it (idempotency, compared on a catalog snapshot that
// includes object ids and privileges), with plain psql, and on a database whose default
// privileges would open schema analytics to the API roles.
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import { ADMIN_GRANTS, ANALYTICS_VIEWS, CUSTOM_ACCESS_TOKEN_HOOK } from "../../infra/adminSurface";
import { loadMigrations, MIGRATIONS_DIR } from "../../infra/migrations";
import { applyGrants, applyMigrationFile, applyMigrations } from "../support/applySql";
import { createFreshDatabase, FreshDatabase, withClient } from "../support/db";
import { attempt } from "../support/securityMatrix";

const PSQL = "/usr/lib/postgresql/15/bin/psql";
const run = promisify(execFile);

/** The unique index of each view, named `<view>_<unique key>_key`. */
const UNIQUE_INDEXES: Record<(typeof ANALYTICS_VIEWS)[number], string> = {
  active_learning_days: "active_learning_days_activity_date_key",
  popular_tracks: "popular_tracks_track_id_key",
  streak_dropoffs: "streak_dropoffs_streak_length_key",
  quiz_completion_rates: "quiz_completion_rates_quiz_id_key",
  review_session_usage: "review_session_usage_session_date_key",
  explanation_engagement: "explanation_engagement_explanation_id_key",
  summary_stats: "summary_stats_id_key",
};

/** The functions that the contract makes security definer; every other one is invoker. */
const SECURITY_DEFINER = [
  "analytics.flag_rebuild()",
  "analytics.get_active_learning_days()",
  "analytics.get_cron_job_status()",
  "analytics.get_explanation_engagement()",
  "analytics.get_popular_tracks()",
  "analytics.get_quiz_completion_rates()",
  "analytics.get_review_session_usage()",
  "analytics.get_streak_dropoffs()",
  "analytics.get_summary_stats()",
  "analytics.health_check()",
  // The change-log triggers of the incremental state: writers append to internal tables.
  "analytics.log_explanation_view_changes()",
  "analytics.log_lesson_completion_changes()",
  "analytics.log_quiz_attempt_changes()",
  "analytics.log_review_session_changes()",
  "analytics.manual_refresh()",
  "analytics.refresh_all_views()",
];

/**
 * Everything the migrations define in schemas public and analytics, with object ids (a
 * dropped and recreated object differs) and privileges; no data.
 */
const CATALOG_SNAPSHOT_SQL = `
  with ns as (
    select oid, nspname from pg_catalog.pg_namespace where nspname in ('public', 'analytics')
  )
  select pg_catalog.jsonb_build_object(
    'namespaces', (select jsonb_agg(jsonb_build_object('name', n.nspname, 'oid', n.oid, 'acl', n.nspacl::text) order by n.nspname)
                     from pg_catalog.pg_namespace n join ns on ns.oid = n.oid),
    'relations', (select jsonb_agg(jsonb_build_object(
                     'name', ns.nspname || '.' || c.relname, 'oid', c.oid, 'kind', c.relkind, 'acl', c.relacl::text,
                     'rls', c.relrowsecurity, 'populated', c.relispopulated,
                     'definition', case when c.relkind in ('v', 'm') then pg_catalog.pg_get_viewdef(c.oid) end,
                     'index', case when c.relkind = 'i' then pg_catalog.pg_get_indexdef(c.oid) end,
                     'comment', pg_catalog.obj_description(c.oid, 'pg_class')) order by ns.nspname, c.relname)
                   from pg_catalog.pg_class c join ns on ns.oid = c.relnamespace),
    'columns', (select jsonb_agg(jsonb_build_object(
                   'relation', c.oid::regclass::text, 'column', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                   'not_null', a.attnotnull, 'default', pg_catalog.pg_get_expr(d.adbin, d.adrelid), 'identity', a.attidentity,
                   'acl', a.attacl::text) order by c.oid::regclass::text, a.attnum)
                 from pg_catalog.pg_attribute a
                 join pg_catalog.pg_class c on c.oid = a.attrelid
                 join ns on ns.oid = c.relnamespace
                 left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                where a.attnum > 0 and not a.attisdropped),
    'constraints', (select jsonb_agg(jsonb_build_object(
                       'relation', con.conrelid::regclass::text, 'name', con.conname, 'oid', con.oid,
                       'definition', pg_catalog.pg_get_constraintdef(con.oid)) order by con.conrelid::regclass::text, con.conname)
                     from pg_catalog.pg_constraint con join ns on ns.oid = con.connamespace),
    'functions', (select jsonb_agg(jsonb_build_object(
                     'signature', p.oid::regprocedure::text, 'oid', p.oid, 'definer', p.prosecdef, 'volatility', p.provolatile,
                     'config', p.proconfig, 'acl', p.proacl::text, 'returns', pg_catalog.pg_get_function_result(p.oid),
                     'body', pg_catalog.md5(p.prosrc), 'comment', pg_catalog.obj_description(p.oid, 'pg_proc'))
                     order by p.oid::regprocedure::text)
                   from pg_catalog.pg_proc p join ns on ns.oid = p.pronamespace),
    'policies', (select jsonb_agg(jsonb_build_object(
                    'relation', pol.polrelid::regclass::text, 'name', pol.polname, 'oid', pol.oid, 'command', pol.polcmd,
                    'roles', pol.polroles::regrole[]::text[], 'using', pg_catalog.pg_get_expr(pol.polqual, pol.polrelid))
                    order by pol.polrelid::regclass::text, pol.polname)
                  from pg_catalog.pg_policy pol),
    'types', (select jsonb_agg(jsonb_build_object(
                 'name', t.oid::regtype::text, 'oid', t.oid, 'acl', t.typacl::text,
                 'labels', (select jsonb_agg(e.enumlabel order by e.enumsortorder) from pg_catalog.pg_enum e where e.enumtypid = t.oid))
                 order by t.oid::regtype::text)
               from pg_catalog.pg_type t join ns on ns.oid = t.typnamespace where t.typtype = 'e'),
    'default_privileges', (select jsonb_agg(jsonb_build_object(
                              'role', d.defaclrole::regrole::text, 'schema', d.defaclnamespace::regnamespace::text,
                              'type', d.defaclobjtype, 'acl', d.defaclacl::text) order by 1)
                            from pg_catalog.pg_default_acl d)
  ) as snapshot
`;

type Snapshot = Record<string, unknown>;

async function catalogSnapshot(url: string): Promise<Snapshot> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ snapshot: Snapshot }>(CATALOG_SNAPSHOT_SQL);
    return rows[0].snapshot;
  });
}

async function historyVersions(client: Client): Promise<string[]> {
  const { rows } = await client.query<{ version: string }>("select version from supabase_migrations.schema_migrations order by version");
  return rows.map((row) => row.version);
}

describe("applying the migrations to a fresh database", () => {
  let db: FreshDatabase;
  const versions = loadMigrations().map((migration) => migration.version);

  beforeAll(async () => {
    db = await createFreshDatabase("apply");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("applies every file in version order and records each in the history table", async () => {
    expect(await applyMigrations(db.url)).toEqual(versions);
    expect(await withClient(db.url, historyVersions)).toEqual(versions);
  });

  it("needs no pg_cron: the database has none, and get_cron_job_status() reports no job", async () => {
    await withClient(db.url, async (client) => {
      const { rows } = await client.query("select 1 from pg_catalog.pg_extension where extname = 'pg_cron'");
      expect(rows).toEqual([]);
      await client.query("select set_config('request.jwt.claims', $1, false)", [JSON.stringify({ role: "authenticated", user_role: "admin" })]);
      const status = await client.query("select * from analytics.get_cron_job_status()");
      expect(status.rows).toEqual([]);
    });
  });

  it("creates each view with its unique index, populated by the last migration", async () => {
    const rows = await withClient(db.url, async (client) => {
      const result = await client.query<{ view: string; index: string; populated: boolean }>(`
        select c.relname as view, i.relname as index, c.relispopulated as populated
          from pg_catalog.pg_class c
          join pg_catalog.pg_index x on x.indrelid = c.oid and x.indisunique
          join pg_catalog.pg_class i on i.oid = x.indexrelid
         where c.relnamespace = 'analytics'::regnamespace and c.relkind = 'm'
         order by c.relname`);
      return result.rows;
    });
    expect(rows).toEqual(
      [...ANALYTICS_VIEWS].sort().map((view) => ({ view, index: UNIQUE_INDEXES[view], populated: true })),
    );
  });

  it("enables row level security on every table of public and analytics", async () => {
    const tables = await withClient(db.url, async (client) => {
      const { rows } = await client.query<{ name: string; rls: boolean }>(`
        select c.oid::regclass::text as name, c.relrowsecurity as rls
          from pg_catalog.pg_class c
         where c.relnamespace in ('public'::regnamespace, 'analytics'::regnamespace) and c.relkind = 'r'
         order by 1`);
      return rows;
    });
    expect(tables.map((t) => t.name)).toEqual([
      "analytics.batch_day_changes",
      "analytics.batch_lesson_changes",
      "analytics.batch_lessons",
      "analytics.batch_old_streaks",
      "analytics.batch_pairs",
      "analytics.batch_quizzes",
      "analytics.batch_reviews",
      "analytics.batch_streak_changes",
      "analytics.batch_viewer_changes",
      "analytics.batch_views",
      "analytics.day_totals",
      "analytics.explanation_totals",
      "analytics.explanation_view_changes",
      "analytics.explanation_viewers",
      "analytics.incremental_state",
      "analytics.learner_activity",
      "analytics.learner_days",
      "analytics.learner_dropped_lengths",
      "analytics.learner_streaks",
      "analytics.lesson_completion_changes",
      "analytics.lesson_tracks",
      "analytics.quiz_attempt_changes",
      "analytics.quiz_score_scales",
      "analytics.quiz_totals",
      "analytics.refresh_runs",
      "analytics.review_session_changes",
      "analytics.streak_length_totals",
      "analytics.track_learners",
      "analytics.track_totals",
      "explanation_views",
      "explanations",
      "lesson_completions",
      "lessons",
      "quiz_attempts",
      "quizzes",
      "review_sessions",
      "tracks",
      "user_roles",
    ]);
    expect(tables.filter((t) => !t.rls)).toEqual([]);
  });

  it("gives every function an empty search_path, and security definer only where the contract says", async () => {
    const functions = await withClient(db.url, async (client) => {
      // Schema-qualified signatures for public functions too.
      await client.query("set search_path = ''");
      const { rows } = await client.query<{ signature: string; definer: boolean; config: string[] | null }>(`
        select p.oid::regprocedure::text as signature, p.prosecdef as definer, p.proconfig as config
          from pg_catalog.pg_proc p
         where p.pronamespace in ('public'::regnamespace, 'analytics'::regnamespace)
         order by 1`);
      return rows;
    });
    expect(functions.map((f) => f.signature)).toContain(CUSTOM_ACCESS_TOKEN_HOOK);
    expect(functions.filter((f) => JSON.stringify(f.config) !== JSON.stringify(['search_path=""']))).toEqual([]);
    expect(functions.filter((f) => f.definer).map((f) => f.signature)).toEqual(SECURITY_DEFINER);
  });

  it("applies nothing and changes nothing when applied again through the history table", async () => {
    const before = await catalogSnapshot(db.url);
    expect(await applyMigrations(db.url)).toEqual([]);
    expect(await catalogSnapshot(db.url)).toEqual(before);
  });

  it("re-applies every file whose history row was lost without changing anything, the stack's grants included", async () => {
    await applyGrants(db.url);
    const before = await catalogSnapshot(db.url);
    await withClient(db.url, (client) => client.query("delete from supabase_migrations.schema_migrations"));
    expect(await applyMigrations(db.url)).toEqual(versions);
    expect(await catalogSnapshot(db.url)).toEqual(before);
  });
});

describe("applying the migrations with plain psql", () => {
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await createFreshDatabase("psql");
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function psqlFile(file: string): Promise<{ stderr: string }> {
    return run(PSQL, [db.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", path.join(MIGRATIONS_DIR, file)], {
      env: { ...process.env, PGOPTIONS: "-c client_min_messages=warning" },
    });
  }

  it("applies every file with psql -v ON_ERROR_STOP=1 -f, in file order, twice", async () => {
    const files = loadMigrations().map((migration) => path.basename(migration.file));
    for (const round of [1, 2]) {
      for (const file of files) {
        const { stderr } = await psqlFile(file).catch((error: { stderr?: string }) => {
          throw new Error(`round ${round}, ${file}: ${error.stderr ?? String(error)}`);
        });
        expect(stderr).not.toMatch(/ERROR/);
      }
    }
    const populated = await withClient(db.url, async (client) => {
      const { rows } = await client.query<{ n: string }>(
        "select count(*) as n from pg_catalog.pg_class where relnamespace = 'analytics'::regnamespace and relkind = 'm' and relispopulated",
      );
      return Number(rows[0].n);
    });
    expect(populated).toBe(ANALYTICS_VIEWS.length);
  });
});

describe("a database whose default privileges would open schema analytics (as Supabase's do for public)", () => {
  let db: FreshDatabase;
  const apiRoles = ["public", "anon", "authenticated", "service_role"];

  beforeAll(async () => {
    db = await createFreshDatabase("open_defaults");
    await withClient(db.url, (client) =>
      client.query(`
        create schema analytics;
        grant usage on schema analytics to anon, authenticated, service_role;
        alter default privileges for role postgres in schema analytics grant all on tables to anon, authenticated, service_role;
        alter default privileges for role postgres in schema analytics grant all on sequences to anon, authenticated, service_role;
        alter default privileges for role postgres in schema analytics grant all on functions to anon, authenticated, service_role;
      `),
    );
    await applyMigrations(db.url);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("leaves no privilege on any analytics relation to public, anon, authenticated or service_role", async () => {
    const leaks = await withClient(db.url, async (client) => {
      const { rows } = await client.query(
        `select r.role, c.oid::regclass::text as relation, p.privilege
           from pg_catalog.pg_class c
          cross join unnest($1::text[]) as r(role)
          cross join unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger']) as p(privilege)
          where c.relnamespace = 'analytics'::regnamespace and c.relkind in ('r', 'm', 'v')
            and pg_catalog.has_table_privilege(r.role, c.oid, p.privilege)
         union all
         select r.role, c.oid::regclass::text, 'usage'
           from pg_catalog.pg_class c
          cross join unnest($1::text[]) as r(role)
          where c.relnamespace = 'analytics'::regnamespace and c.relkind = 'S'
            and pg_catalog.has_sequence_privilege(r.role, c.oid, 'usage')`,
        [apiRoles],
      );
      return rows;
    });
    expect(leaks).toEqual([]);
  });

  it("leaves no analytics function executable by them, nor the hook; after the stack's grants authenticated has exactly the admin functions", async () => {
    const executable = async (): Promise<{ role: string; fn: string }[]> =>
      withClient(db.url, async (client) => {
        const { rows } = await client.query<{ role: string; fn: string }>(
          `select r.role, p.oid::regprocedure::text as fn
             from pg_catalog.pg_proc p
            cross join unnest($1::text[]) as r(role)
            where (p.pronamespace = 'analytics'::regnamespace or p.oid = $2::regprocedure)
              and pg_catalog.has_function_privilege(r.role, p.oid, 'execute')
            order by 1, 2`,
          [apiRoles, CUSTOM_ACCESS_TOKEN_HOOK],
        );
        return rows;
      });
    expect(await executable()).toEqual([]);
    await applyGrants(db.url);
    const adminFunctions = ADMIN_GRANTS.filter((grant) => grant.objectType === "function").map((grant) => grant.object);
    expect(await executable()).toEqual(adminFunctions.sort().map((fn) => ({ role: "authenticated", fn })));
  });

  it("keeps anon out of the schema itself", async () => {
    await withClient(db.url, async (client) => {
      const result = await attempt(client, "anon", "select analytics.get_summary_stats()");
      expect(result).toMatchObject({ ok: false, code: "42501" });
      if (!result.ok) expect(result.message).toMatch(/schema analytics/);
    });
  });
});

describe("a failed initial population", () => {
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await createFreshDatabase("population");
    await applyMigrations(db.url, { through: "20260128100008" });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("fails 20260128100009 with the views' errors and applies nothing of it", async () => {
    const population = loadMigrations().find((migration) => migration.version === "20260128100009");
    if (!population) throw new Error("20260128100009 not found");
    const locker = new Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query("lock table public.review_sessions in access exclusive mode");
      await withClient(db.url, async (client) => {
        await client.query("set lock_timeout = '100ms'");
        await client.query("set client_min_messages = error");
        await expect(applyMigrationFile(client, population)).rejects.toThrow(
          /^sql\/migrations\/20260128100009_populate_analytics_views\.sql: the initial population of the analytics views failed: active_learning_days: canceling statement due to lock timeout \(SQLSTATE 55P03\)/,
        );
      });
    } finally {
      await locker.end();
    }
    await withClient(db.url, async (client) => {
      const { rows } = await client.query(`
        select (select count(*) from analytics.refresh_runs)::int as runs,
               (select count(*) from pg_catalog.pg_class where relnamespace = 'analytics'::regnamespace and relkind = 'm' and relispopulated)::int as populated,
               pg_catalog.to_regprocedure('analytics.health_check()') is null as no_health_check`);
      expect(rows[0]).toEqual({ runs: 0, populated: 0, no_health_check: true });
    });
  });
});
