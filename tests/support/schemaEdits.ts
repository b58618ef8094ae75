// Edits of the objects the migrations own, made the way the dashboard's SQL editor makes them
// (as the demoted `postgres`), with the drift lines the Schema resource must report for each.
// Shared by the provider test (tests/postgres/schema.test.ts) and the end-to-end test.
import { expectedSchemaPath, readExpectedSchema } from "../../infra/expectedSchema";
import { MIGRATIONS_DIR } from "../../infra/migrations";

export interface SchemaEdit {
  name: string;
  sql: string;
  /** The drift lines, in report order. */
  lines: string[];
  /** All its lines are security-relevant (the policy pack's violations). */
  security: boolean;
  /** A query, and its rows once the edit is put back. */
  verify?: { sql: string; rows: Record<string, unknown>[] };
}

export interface RefusedEdit {
  name: string;
  sql: string;
  lines: string[];
  /** Puts the database back by hand (what the migration the message asks for would do). */
  undo: string;
}

const EXPECTED = readExpectedSchema(expectedSchemaPath(MIGRATIONS_DIR));

/** The tables, then the materialized views, of schema analytics: the report's order. */
function analyticsRelations(): string[] {
  const of = (kind: string) => EXPECTED.objects.filter((object) => object.schema === "analytics" && object.kind === kind).map((object) => object.name).sort();
  return [...of("table"), ...of("materialized view")];
}

export const DRIFT_EDITS: SchemaEdit[] = [
  {
    name: "select on every analytics table to anon and authenticated",
    sql: "grant select on all tables in schema analytics to anon, authenticated",
    lines: analyticsRelations().map((name) => `${name}: extra grants: select to anon, select to authenticated`),
    security: true,
    verify: {
      sql: "select count(*)::int as readable from pg_class where relnamespace = 'analytics'::regnamespace and (has_table_privilege('anon', oid, 'select') or has_table_privilege('authenticated', oid, 'select'))",
      rows: [{ readable: 0 }],
    },
  },
  {
    name: "manual_refresh() without its admin check",
    sql: `do $$
      begin
        execute replace(pg_get_functiondef('analytics.manual_refresh()'::regprocedure),
                        'perform analytics.assert_admin(''analytics.manual_refresh()'');', '');
      end $$`,
    lines: [`analytics.manual_refresh(): body differs: the line "perform analytics.assert_admin('analytics.manual_refresh()');" is missing`],
    security: true,
    verify: { sql: "select position('assert_admin' in prosrc) > 0 as checks from pg_proc where oid = 'analytics.manual_refresh()'::regprocedure", rows: [{ checks: true }] },
  },
  {
    name: "the hook passes every token through",
    sql: "create or replace function public.custom_access_token_hook(event jsonb) returns jsonb language sql stable set search_path = '' as 'select event'",
    lines: [
      'public.custom_access_token_hook(jsonb): body differs: 12 lines are missing (the first: "declare"), 1 line is extra (the first: "select event")',
      "public.custom_access_token_hook(jsonb): language is sql, expected plpgsql",
    ],
    security: false,
    verify: { sql: "select l.lanname from pg_proc p join pg_language l on l.oid = p.prolang where p.oid = 'public.custom_access_token_hook(jsonb)'::regprocedure", rows: [{ lanname: "plpgsql" }] },
  },
  {
    name: "row level security off on analytics.refresh_runs",
    sql: "alter table analytics.refresh_runs disable row level security",
    lines: ["analytics.refresh_runs: row level security is off"],
    security: true,
    verify: { sql: "select relrowsecurity from pg_class where oid = 'analytics.refresh_runs'::regclass", rows: [{ relrowsecurity: true }] },
  },
  {
    name: "triggers of public.lesson_completions disabled",
    sql: "alter table public.lesson_completions disable trigger user",
    lines: ["analytics_flag_truncate", "analytics_log_delete", "analytics_log_insert", "analytics_log_update"].map(
      (trigger) => `trigger "${trigger}" on public.lesson_completions: is disabled, expected enabled`,
    ),
    security: false,
    verify: { sql: "select count(*)::int as disabled from pg_trigger where tgrelid = 'public.lesson_completions'::regclass and tgenabled = 'D'", rows: [{ disabled: 0 }] },
  },
  {
    name: "the unique index of analytics.popular_tracks dropped",
    sql: "drop index analytics.popular_tracks_track_id_key",
    lines: ["missing index analytics.popular_tracks_track_id_key on analytics.popular_tracks"],
    security: false,
    verify: { sql: "select indisunique, indisvalid from pg_index where indexrelid = to_regclass('analytics.popular_tracks_track_id_key')", rows: [{ indisunique: true, indisvalid: true }] },
  },
  {
    name: 'policy "auth admin reads user roles" dropped',
    sql: 'drop policy "auth admin reads user roles" on public.user_roles',
    lines: ['missing policy "auth admin reads user roles" on public.user_roles'],
    security: true,
    verify: { sql: "select count(*)::int as policies from pg_policy where polrelid = 'public.user_roles'::regclass", rows: [{ policies: 1 }] },
  },
  {
    name: "a security definer function in analytics executable by anon",
    sql: `create function analytics.backdoor() returns setof public.user_roles language sql security definer set search_path = ''
            as 'select * from public.user_roles';
          grant execute on function analytics.backdoor() to anon`,
    lines: ["unexpected function analytics.backdoor(): security definer, executable by anon, public"],
    security: true,
    verify: { sql: "select to_regprocedure('analytics.backdoor()') is null as gone", rows: [{ gone: true }] },
  },
];

export const REFUSED_EDITS: RefusedEdit[] = [
  {
    name: "a column added to analytics.refresh_runs",
    sql: "alter table analytics.refresh_runs add column note text",
    lines: ["analytics.refresh_runs: unexpected column note text"],
    undo: "alter table analytics.refresh_runs drop column note",
  },
  {
    name: "a table created in analytics",
    sql: "create table analytics.scratch (id int)",
    lines: ["unexpected table analytics.scratch"],
    undo: "drop table analytics.scratch",
  },
];
