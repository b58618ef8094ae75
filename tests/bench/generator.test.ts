// The bench's data generator on a tiny scale against the real learning-core tables: same seed,
// same rows (ids included); another seed, other rows; the rows satisfy every foreign key (they
// are loaded with the checks on here, the bench skips them for speed); and the data has the
// shape the bench relies on.
import { Client } from "pg";
import { loadMigrations } from "../../infra/migrations";
import { EVENT_TABLES, GeneratedData, GeneratorParams, generatorSteps, loadLearningData, validateParams } from "../../bench/generator";
import { createFreshDatabase, FreshDatabase, withClient } from "../support/db";

const TINY: GeneratorParams = { seed: 7, users: 150, tracks: 12, windowDays: 60, anchorDate: "2026-01-28" };
/** The tables the generator writes, with a column list that orders their rows completely. */
const DIGESTED_TABLES: Record<string, string> = {
  "auth.users": "id",
  "public.tracks": "id",
  "public.lessons": "id",
  "public.quizzes": "id",
  "public.explanations": "id",
  "public.lesson_completions": "id",
  "public.quiz_attempts": "id",
  "public.review_sessions": "id",
  "public.explanation_views": "id",
};

async function databaseWithCoreTables(): Promise<FreshDatabase> {
  const db = await createFreshDatabase("bench_gen");
  const core = loadMigrations().filter((m) => m.version <= "20260128100001");
  await withClient(db.url, async (client) => {
    for (const migration of core) await client.query(migration.sql);
  });
  return db;
}

async function digests(client: Client): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const [table, order] of Object.entries(DIGESTED_TABLES)) {
    const { rows } = await client.query<{ digest: string }>(`select md5(coalesce(string_agg(t::text, E'\\n' order by ${order}), '')) as digest from ${table} as t`);
    result[table] = rows[0].digest;
  }
  return result;
}

async function load(params: GeneratorParams, skipForeignKeyChecks = false): Promise<{ db: FreshDatabase; data: GeneratedData; digests: Record<string, string> }> {
  const db = await databaseWithCoreTables();
  const result = await withClient(db.url, async (client) => {
    const data = await loadLearningData(client, params, { skipForeignKeyChecks });
    return { data, digests: await digests(client) };
  });
  return { db, ...result };
}

describe("bench data generator", () => {
  const databases: FreshDatabase[] = [];
  let first: Awaited<ReturnType<typeof load>>;

  beforeAll(async () => {
    first = await load(TINY);
    databases.push(first.db);
  });

  afterAll(async () => {
    await Promise.all(databases.map((db) => db.drop()));
  });

  it("loads with every foreign key checked, and counts the four event tables as events", () => {
    const { rows, events } = first.data;
    expect(rows.users).toBe(TINY.users);
    expect(rows.tracks).toBe(TINY.tracks);
    expect(events).toBe(EVENT_TABLES.reduce((sum, table) => sum + rows[table], 0));
    for (const table of EVENT_TABLES) expect(rows[table]).toBeGreaterThan(0);
  });

  it("makes the same rows, ids included, from the same seed, whether or not the load checks foreign keys", async () => {
    const again = await load(TINY, true);
    databases.push(again.db);
    expect(again.digests).toEqual(first.digests);
    expect(again.data.rows).toEqual(first.data.rows);
  });

  it("makes other rows from another seed", async () => {
    const other = await load({ ...TINY, seed: 8 });
    databases.push(other.db);
    for (const table of ["auth.users", "public.lesson_completions", "public.quiz_attempts"]) {
      expect(other.digests[table]).not.toEqual(first.digests[table]);
    }
  });

  it("has the realistic shape: abandoned quizzes, power-law tracks, streaks, churn, idle learners", async () => {
    const shape = await withClient(first.db.url, async (client) => {
      const one = async (sql: string) => (await client.query(sql)).rows[0] as Record<string, string | number | null>;
      return {
        abandoned: await one(`select avg((completed_at is null)::int)::float8 as share, bool_and((completed_at is null) = (score is null)) as score_only_when_completed from public.quiz_attempts`),
        tracks: await one(`
          select sum(n) filter (where popularity <= ${TINY.tracks / 4})::float8 / sum(n) as top_quarter_share
          from (select t.id, count(lc.id) as n, row_number() over (order by count(lc.id) desc) as popularity
                from public.tracks t join public.lessons l on l.track_id = t.id
                left join public.lesson_completions lc on lc.lesson_id = l.id group by t.id) as per_track`),
        idle: await one(`select count(*) as n from auth.users u where not exists (select 1 from public.lesson_completions lc where lc.user_id = u.id)
                           and not exists (select 1 from public.review_sessions rs where rs.user_id = u.id)`),
        streaks: await one(`
          with days as (
            select distinct user_id, (ts at time zone 'utc')::date as d from (
              select user_id, completed_at as ts from public.lesson_completions
              union all select user_id, completed_at from public.quiz_attempts where completed_at is not null
              union all select user_id, started_at from public.review_sessions) as e),
          islands as (select user_id, d, d - (row_number() over (partition by user_id order by d))::int as island from days),
          streaks as (select user_id, count(*) as len, max(d) as last_day from islands group by user_id, island)
          select count(*) filter (where len = 1) as single_days, count(*) filter (where len >= 5) as long_streaks,
                 count(*) filter (where last_day >= date '${TINY.anchorDate}' - 1) as running,
                 count(*) filter (where last_day < date '${TINY.anchorDate}' - 1) as dropped,
                 count(distinct user_id) filter (where last_day >= date '${TINY.anchorDate}' - 1) as still_active,
                 count(distinct user_id) as ever_active
          from streaks`),
        sessions: await one(`select count(*) filter (where ended_at is null) as unended, count(*) as n from public.review_sessions`),
        votes: await one(`select count(*) filter (where helpful) as up, count(*) filter (where not helpful) as down, count(*) filter (where helpful is null) as none from public.explanation_views`),
        midnight: await one(`select count(*) as n from public.lesson_completions where extract(hour from completed_at at time zone 'utc') in (23, 0)`),
        window: await one(`select min((completed_at at time zone 'utc')::date)::text as first, max((completed_at at time zone 'utc')::date)::text as last from public.lesson_completions`),
      };
    });
    expect(Number(shape.abandoned.share)).toBeGreaterThan(0.15);
    expect(Number(shape.abandoned.share)).toBeLessThan(0.25);
    expect(shape.abandoned.score_only_when_completed).toBe(true);
    // power law: the most popular quarter of the tracks has far more than a quarter of the completions
    expect(Number(shape.tracks.top_quarter_share)).toBeGreaterThan(0.45);
    expect(Number(shape.idle.n)).toBeGreaterThan(0);
    expect(Number(shape.streaks.single_days)).toBeGreaterThan(0);
    expect(Number(shape.streaks.long_streaks)).toBeGreaterThan(0);
    expect(Number(shape.streaks.running)).toBeGreaterThan(0);
    expect(Number(shape.streaks.dropped)).toBeGreaterThan(Number(shape.streaks.running));
    // churn: most learners who were ever active are not active at the end
    expect(Number(shape.streaks.still_active)).toBeLessThan(Number(shape.streaks.ever_active) / 2);
    expect(Number(shape.sessions.unended)).toBeGreaterThan(0);
    expect(Number(shape.sessions.unended)).toBeLessThan(Number(shape.sessions.n) * 0.2);
    for (const kind of ["up", "down", "none"]) expect(Number(shape.votes[kind])).toBeGreaterThan(0);
    expect(Number(shape.midnight.n)).toBeGreaterThan(0);
    expect(shape.window.last! >= "2026-01-27").toBe(true);
    expect(shape.window.first! >= "2025-11-29").toBe(true);
  });

  it("refuses parameters it cannot turn into SQL, naming the parameter", () => {
    expect(() => validateParams({ ...TINY, users: 0 })).toThrow(/users must be an integer/);
    expect(() => validateParams({ ...TINY, seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => validateParams({ ...TINY, anchorDate: "2026-01-28'; drop table x; --" })).toThrow(/anchorDate must be a date/);
    expect(() => generatorSteps({ ...TINY, tracks: -3 })).toThrow(/tracks must be an integer/);
  });
});
