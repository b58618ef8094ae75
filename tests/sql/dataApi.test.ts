// Every admin function called the way the Data API (PostgREST) calls it on Supabase: in a
// transaction, the JWT claims in request.jwt.claims, `set local role <role>`, and that role's
// settings applied, as Supabase configures them: statement_timeout 8s for authenticated, 3s
// for anon. They are applied here explicitly, so the test holds whatever the local cluster's
// role settings are. Runs in the cron database (pg_cron present, the job scheduled), so
// get_cron_job_status() has a job to report. A function's own `set statement_timeout` would
// not lift the caller's limit (shown below), so the admin functions must fit in it.
//
// One expectation here is about time, stated so: on this small data set (FILLER_LEARNERS
// learners), each admin call finishes within authenticated's 8 s. A 57014 (statement timeout)
// from such a call is reported as that, a performance regression; how long the calls take at
// real sizes is the benchmark's business (bench/README.md), not this test's.
import { Client } from "pg";
import { ANALYTICS_VIEWS, REFRESH_JOB } from "../../infra/adminSurface";
import { applyGrants, applyMigrations } from "../support/applySql";
import { acquireCronDatabase, CronDatabase } from "../support/db";
import { generateLearningData, loadLearningData } from "../support/learningData";
import { CALLERS, CallerIdentity, RAW_TEXT } from "../support/securityMatrix";

/** Supabase's role settings that PostgREST's `set local role` brings with it. */
const ROLE_SETTINGS: Record<string, Record<string, string>> = {
  authenticated: { statement_timeout: "8s" },
  anon: { statement_timeout: "3s" },
};
const JOB_NAME = REFRESH_JOB.name;
/** Small on purpose: see the timing expectation above. */
const FILLER_LEARNERS = 20;
const QUERY_CANCELED = "57014";
const ADMIN_FUNCTIONS = [
  "analytics.manual_refresh()",
  "analytics.health_check()",
  "analytics.get_cron_job_status()",
  ...ANALYTICS_VIEWS.map((view) => `analytics.get_${view}()`),
];

type Outcome = { ok: true; rows: Record<string, unknown>[]; settings: Record<string, string> } | { ok: false; code: string; message: string };

/** One Data API request: claims, role, the role's settings, the call; committed when it succeeds. */
async function dataApiCall(client: Client, caller: CallerIdentity, sql: string): Promise<Outcome> {
  await client.query("begin");
  try {
    if (caller.claims) await client.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(caller.claims)]);
    await client.query(`set local role ${caller.role}`);
    const settings = ROLE_SETTINGS[caller.role] ?? {};
    for (const [name, value] of Object.entries(settings)) await client.query("select set_config($1, $2, true)", [name, value]);
    const applied: Record<string, string> = {};
    for (const name of Object.keys(settings)) applied[name] = (await client.query<{ v: string }>("select current_setting($1) as v", [name])).rows[0].v;
    const { rows } = await client.query<Record<string, unknown>>({ text: sql, types: RAW_TEXT });
    await client.query("commit");
    return { ok: true, rows, settings: applied };
  } catch (error) {
    await client.query("rollback");
    const pgError = error as { code?: string; message?: string };
    if (typeof pgError.code !== "string") throw error;
    return { ok: false, code: pgError.code, message: pgError.message ?? "" };
  }
}

describe("admin functions through the Data-API path (role, role settings, JWT claims)", () => {
  let database: CronDatabase;
  let client: Client;

  beforeAll(async () => {
    database = await acquireCronDatabase();
    await applyMigrations(database.url);
    await applyGrants(database.url);
    client = new Client({ connectionString: database.url });
    await client.connect();
    await client.query("create extension if not exists pg_cron with schema pg_catalog");
    await client.query("select cron.schedule($1, $2, $3)", [JOB_NAME, REFRESH_JOB.defaultSchedule, REFRESH_JOB.command]);
    const { rows } = await client.query<{ today: string }>("select ((now() at time zone 'utc')::date)::text as today");
    await loadLearningData(client, generateLearningData({ seed: 13, today: rows[0].today, fillerLearners: FILLER_LEARNERS }));
  });
  afterAll(async () => {
    await client?.query("select cron.unschedule(jobid) from cron.job where jobname = $1", [JOB_NAME]);
    await client?.end();
    await database?.release();
  });

  it.each(ADMIN_FUNCTIONS)("%s works for an admin, within authenticated's 8 s statement_timeout on the small test data", async (fn) => {
    const outcome = await dataApiCall(client, CALLERS.admin, `select * from ${fn}`);
    const timedOut = !outcome.ok && outcome.code === QUERY_CANCELED;
    expect({ fn, timeout: timedOut ? `over 8 s on ${FILLER_LEARNERS} learners: a performance regression` : "none" }).toEqual({ fn, timeout: "none" });
    expect(outcome).toMatchObject({ ok: true, settings: { statement_timeout: "8s" } });
    if (!outcome.ok) return;
    if (fn === "analytics.get_cron_job_status()") expect(outcome.rows).toEqual([expect.objectContaining({ jobname: JOB_NAME, schedule: REFRESH_JOB.defaultSchedule })]);
    if (fn === "analytics.health_check()") expect(outcome.rows).toHaveLength(ANALYTICS_VIEWS.length);
    if (fn === "analytics.get_summary_stats()") expect(outcome.rows).toHaveLength(1);
  });

  it("records manual_refresh() as the admin's (JWT subject) refresh, with the pending changes applied", async () => {
    await client.query(`insert into public.lesson_completions (user_id, lesson_id, completed_at)
                        select (select id from auth.users order by id limit 1), (select id from public.lessons order by id limit 1), now()`);
    const before = await dataApiCall(client, CALLERS.admin, "select total_lesson_completions from analytics.get_summary_stats()");
    const outcome = await dataApiCall(client, CALLERS.admin, "select analytics.manual_refresh() as finished_at");
    expect(outcome.ok).toBe(true);
    const { rows } = await client.query<{ status: string; requested_by: string; applied: string }>(
      "select status, requested_by, incremental -> 'applied' ->> 'lesson_completions' as applied from analytics.refresh_runs order by id desc limit 1",
    );
    expect(rows[0]).toEqual({ status: "succeeded", requested_by: CALLERS.admin.claims?.sub, applied: "1" });
    const after = await dataApiCall(client, CALLERS.admin, "select total_lesson_completions from analytics.get_summary_stats()");
    expect(before.ok && after.ok && Number(after.rows[0].total_lesson_completions) - Number(before.rows[0].total_lesson_completions)).toBe(1);
  });

  it.each(ADMIN_FUNCTIONS)("%s refuses a member (42501) and anon (42501) through the same path", async (fn) => {
    expect(await dataApiCall(client, CALLERS.member, `select * from ${fn}`)).toMatchObject({ ok: false, code: "42501" });
    expect(await dataApiCall(client, CALLERS.anon, `select * from ${fn}`)).toMatchObject({ ok: false, code: "42501" });
  });

  it("no admin function sets its own statement_timeout (it could not lift the caller's anyway)", async () => {
    const { rows } = await client.query<{ fn: string; config: string[] | null }>(
      "select p.oid::regprocedure::text as fn, p.proconfig as config from pg_catalog.pg_proc as p where p.oid = any($1::regprocedure[])",
      [ADMIN_FUNCTIONS],
    );
    expect(rows).toHaveLength(ADMIN_FUNCTIONS.length);
    for (const row of rows) expect((row.config ?? []).filter((c) => c.startsWith("statement_timeout"))).toEqual([]);
  });

  it("a function's own statement_timeout does not lift the caller's (PostgreSQL 15)", async () => {
    await client.query(`create or replace function pg_temp.slow() returns void language sql set statement_timeout = '10s' as $$ select pg_catalog.pg_sleep(0.5) $$`);
    await client.query("begin");
    try {
      await client.query("set local statement_timeout = '100ms'");
      await expect(client.query("select pg_temp.slow()")).rejects.toMatchObject({ code: "57014" });
    } finally {
      await client.query("rollback");
    }
  });
});
