// The incremental refresh (20261202110000, 20261202110001, 20261202113000) keeps exactly what
// the views said: many seeded random batches of mixed changes (inserts, backdated inserts,
// updates, deletes, a learner erased, a lesson moved, lessons, tracks, quizzes and
// explanations deleted, a track re-created with the same id, extreme values, new content,
// the UTC date moving on), and after each refresh every view compared row for row, every
// column, with a from-scratch computation by the view's ORIGINAL definition (REFERENCE_SQL
// below, copied from 20260128100003..07, with "today" as a parameter). "Today" moves through
// analytics.today_override, which analytics.current_utc_date() honours in a superuser's
// session only (the equality test's session is the cluster owner's). Also: writers committing
// while a refresh runs, a failed maintenance, a TRUNCATE, the rebuild of a damaged state, the
// hostile inputs (deleted lessons and tracks, NaN/Infinity scores, score scales, infinite
// timestamps, a two-table writer during a rebuild, a session's date override), and deploying
// while writers write (a writer's open transaction, a long transaction in the way of the
// triggers' lock, rows that predate the value checks).
import { Client } from "pg";
import { ANALYTICS_VIEWS, AnalyticsView } from "../../infra/adminSurface";
import { applyGrants, applyMigrations } from "../support/applySql";
import { backendPid, createFreshDatabase, FreshDatabase, waitUntilBlockedBy, waitUntilRelationLockWaited } from "../support/db";
import { addDays, generateLearningData, loadLearningData, seededRandom, sortByKey, VIEW_KEYS, ViewRow } from "../support/learningData";
import { RAW_TEXT } from "../support/securityMatrix";

const TODAY = "{today}";
/** A learner's activity dates (UTC), as streak_dropoffs and summary_stats define them. */
const LEARNER_DAYS_CTE = `learner_days as (
      select lc.user_id, (lc.completed_at at time zone 'utc')::date as activity_date from public.lesson_completions as lc
      union
      select qa.user_id, (qa.completed_at at time zone 'utc')::date from public.quiz_attempts as qa where qa.completed_at is not null
      union
      select rs.user_id, (rs.started_at at time zone 'utc')::date from public.review_sessions as rs
    )`;

/** The views' original definitions (20260128100003..07); `{today}` stands for (now() at time zone 'utc')::date. */
const REFERENCE_SQL: Record<AnalyticsView, string> = {
  active_learning_days: `
    with events as (
      select lc.user_id, (lc.completed_at at time zone 'utc')::date as activity_date, 'lesson' as kind from public.lesson_completions as lc
      union all
      select qa.user_id, (qa.completed_at at time zone 'utc')::date, 'quiz' from public.quiz_attempts as qa where qa.completed_at is not null
      union all
      select rs.user_id, (rs.started_at at time zone 'utc')::date, 'review' from public.review_sessions as rs
    )
    select e.activity_date, count(distinct e.user_id) as active_learners,
      count(*) filter (where e.kind = 'lesson') as lessons_completed,
      count(*) filter (where e.kind = 'quiz') as quizzes_completed,
      count(*) filter (where e.kind = 'review') as review_sessions
    from events as e group by e.activity_date`,
  popular_tracks: `
    with per_track as (
      select l.track_id, count(distinct lc.user_id) as learners, count(*) as lesson_completions
        from public.lesson_completions as lc join public.lessons as l on l.id = lc.lesson_id group by l.track_id
    )
    select t.id as track_id, t.slug, t.title, coalesce(p.learners, 0) as learners, coalesce(p.lesson_completions, 0) as lesson_completions,
      rank() over (order by coalesce(p.learners, 0) desc, coalesce(p.lesson_completions, 0) desc) as popularity_rank
    from public.tracks as t left join per_track as p on p.track_id = t.id`,
  streak_dropoffs: `
    with ${LEARNER_DAYS_CTE},
    islands as (
      select d.user_id, d.activity_date,
        d.activity_date - (row_number() over (partition by d.user_id order by d.activity_date))::int as island
      from learner_days as d
    ),
    streaks as (
      select i.user_id, count(*)::int as streak_length, max(i.activity_date) as last_date from islands as i group by i.user_id, i.island
    )
    select s.streak_length, count(*) as dropoffs, count(distinct s.user_id) as learners
    from streaks as s where s.last_date < ${TODAY} - 1 group by s.streak_length`,
  quiz_completion_rates: `
    with per_quiz as (
      select qa.quiz_id, count(*) as attempts, count(qa.completed_at) as completed_attempts,
        avg(qa.score) filter (where qa.completed_at is not null) as avg_score
      from public.quiz_attempts as qa group by qa.quiz_id
    )
    select q.id as quiz_id, coalesce(p.attempts, 0) as attempts, coalesce(p.completed_attempts, 0) as completed_attempts,
      round(p.completed_attempts::numeric / nullif(p.attempts, 0), 4) as completion_rate, round(p.avg_score, 2) as avg_score
    from public.quizzes as q left join per_quiz as p on p.quiz_id = q.id`,
  review_session_usage: `
    select (rs.started_at at time zone 'utc')::date as session_date, count(*) as sessions, count(distinct rs.user_id) as learners,
      sum(rs.cards_reviewed) as cards_reviewed,
      round(avg(extract(epoch from rs.ended_at - rs.started_at)) filter (where rs.ended_at is not null), 1) as avg_duration_seconds
    from public.review_sessions as rs group by 1`,
  explanation_engagement: `
    with per_explanation as (
      select ev.explanation_id, count(*) as views, count(distinct ev.user_id) as unique_viewers,
        count(*) filter (where ev.helpful) as helpful_votes, count(*) filter (where not ev.helpful) as not_helpful_votes,
        avg(ev.dwell_seconds) as avg_dwell_seconds
      from public.explanation_views as ev group by ev.explanation_id
    )
    select e.id as explanation_id, coalesce(p.views, 0) as views, coalesce(p.unique_viewers, 0) as unique_viewers,
      coalesce(p.helpful_votes, 0) as helpful_votes, coalesce(p.not_helpful_votes, 0) as not_helpful_votes,
      round(p.avg_dwell_seconds, 1) as avg_dwell_seconds
    from public.explanations as e left join per_explanation as p on p.explanation_id = e.id`,
  summary_stats: `
    with ${LEARNER_DAYS_CTE}
    select 1 as id,
      (select count(distinct d.user_id) from learner_days as d) as total_learners,
      (select count(distinct d.user_id) from learner_days as d where d.activity_date >= ${TODAY} - 6) as learners_active_7d,
      (select count(*) from public.lesson_completions) as total_lesson_completions,
      (select count(*) from public.quiz_attempts) as total_quiz_attempts,
      (select count(*) from public.review_sessions) as total_review_sessions,
      (select count(*) from public.explanation_views) as total_explanation_views`,
};

type Contents = Record<AnalyticsView, ViewRow[]>;

/** Every view as the database holds it (summary_stats without refreshed_at, which is the refresh's now()). */
async function readViews(client: Client): Promise<Contents> {
  const contents = {} as Contents;
  for (const view of ANALYTICS_VIEWS) {
    const { rows } = await client.query<ViewRow>({ text: `select * from analytics.${view}`, types: RAW_TEXT });
    if (view === "summary_stats") for (const row of rows) delete row.refreshed_at;
    contents[view] = sortByKey(rows, VIEW_KEYS[view]);
  }
  return contents;
}

/** Every view computed from scratch by its original definition, for `today`. */
async function referenceViews(client: Client, today: string): Promise<Contents> {
  const contents = {} as Contents;
  for (const view of ANALYTICS_VIEWS) {
    const sql = REFERENCE_SQL[view].split(TODAY).join("$1::date");
    const usesToday = REFERENCE_SQL[view].includes(TODAY);
    const { rows } = await client.query<ViewRow>({ text: sql, values: usesToday ? [today] : [], types: RAW_TEXT });
    contents[view] = sortByKey(rows, VIEW_KEYS[view]);
  }
  return contents;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

/** The date the refresh sees: the session's analytics.today_override (honoured for a superuser's session only). */
async function setToday(client: Client, today: string): Promise<void> {
  await client.query("select set_config('analytics.today_override', $1, false)", [today]);
}

async function refresh(client: Client): Promise<void> {
  await client.query("select analytics.refresh_all_views()");
  const { rows } = await client.query<{ status: string; error_message: string | null }>(
    "select status, error_message from analytics.refresh_runs order by id desc limit 1",
  );
  expect(rows[0]).toEqual({ status: "succeeded", error_message: null });
}

async function expectViewsMatchReference(client: Client, today: string, context: string): Promise<void> {
  const actual = await readViews(client);
  const reference = await referenceViews(client, today);
  for (const view of ANALYTICS_VIEWS) {
    // The context names the batch when a comparison fails.
    expect({ context, view, rows: actual[view] }).toEqual({ context, view, rows: reference[view] });
  }
}

/** plpgsql statements deleting what refers to the lessons `= <lessons>` (every such reference is restrict). */
function deleteLessonContent(lessons: string): string {
  return `
    delete from public.quiz_attempts where quiz_id in (select id from public.quizzes where lesson_id = ${lessons});
    delete from public.quizzes where lesson_id = ${lessons};
    delete from public.explanation_views where explanation_id in (select id from public.explanations where lesson_id = ${lessons});
    delete from public.explanations where lesson_id = ${lessons};
    delete from public.lesson_completions where lesson_id = ${lessons};`;
}

/** One random batch of changes (SQL statements), drawn from `random`, around `today`. */
function randomBatch(random: () => number, today: string): string[] {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const chance = (p: number) => random() < p;
  // A time on a day `daysAgo` before today: today's events stay before its end; a tenth or
  // more are backdated into earlier days (some across a streak gap).
  const at = (daysAgo: number) => `(timestamptz '${addDays(today, -daysAgo)} 00:00:00+00' + interval '${int(0, 86_399_999)} milliseconds')`;
  const someDay = () => (chance(0.6) ? int(0, 1) : int(2, 40));
  const someUser = "(select id from auth.users order by random() limit 1)";
  const statements: string[] = [];
  const actions = int(3, 9);
  for (let a = 0; a < actions; a += 1) {
    const kind = int(0, 21);
    const n = int(1, 6);
    switch (kind) {
      case 0:
      case 1:
        statements.push(`insert into public.lesson_completions (user_id, lesson_id, completed_at)
          select ${someUser}, (select id from public.lessons order by random() limit 1), ${at(someDay())} from generate_series(1, ${n})`);
        break;
      case 2:
      case 3:
        statements.push(`insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at, score)
          select u, q, s, case when ${chance(0.3)} then null else s + interval '${int(1, 3000)} seconds' end,
                 case when ${chance(0.2)} then null else ${int(0, 100_000)} / 1000.0 end
            from (select ${someUser} as u, (select id from public.quizzes order by random() limit 1) as q, ${at(someDay())} as s
                    from generate_series(1, ${n})) as x`);
        break;
      case 4:
        statements.push(`insert into public.review_sessions (user_id, started_at, ended_at, cards_reviewed)
          select u, s, case when ${chance(0.3)} then null else s + interval '${int(1, 5_000_000)} milliseconds' end, ${int(0, 40)}
            from (select ${someUser} as u, ${at(someDay())} as s from generate_series(1, ${n})) as x`);
        break;
      case 5:
        statements.push(`insert into public.explanation_views (user_id, explanation_id, viewed_at, dwell_seconds, helpful)
          select ${someUser}, (select id from public.explanations order by random() limit 1), ${at(someDay())}, ${int(0, 300)},
                 ${chance(0.3) ? "null" : chance(0.5) ? "true" : "false"}
            from generate_series(1, ${n})`);
        break;
      case 6:
        // A quiz attempt completed later (maybe on another day), or its score changed.
        statements.push(`update public.quiz_attempts set completed_at = greatest(started_at, ${at(someDay())}), score = ${chance(0.3) ? "null" : int(0, 100)}
          where id in (select id from public.quiz_attempts order by completed_at is null desc, random() limit ${n})`);
        break;
      case 7:
        statements.push(`update public.review_sessions set ended_at = case when ended_at is null then started_at + interval '${int(1, 900)} seconds' else null end,
            cards_reviewed = cards_reviewed + ${int(0, 5)}
          where id in (select id from public.review_sessions order by random() limit ${n})`);
        break;
      case 8:
        statements.push(`update public.explanation_views set helpful = case when helpful is null then true when helpful then false else null end,
            dwell_seconds = dwell_seconds + ${int(0, 30)}, user_id = case when ${chance(0.3)} then ${someUser} else user_id end
          where id in (select id from public.explanation_views order by random() limit ${n})`);
        break;
      case 9:
        // An event moved in time or to another learner (a backdated correction).
        statements.push(`update public.lesson_completions set completed_at = ${at(int(0, 40))},
            user_id = case when ${chance(0.3)} then ${someUser} else user_id end
          where id in (select id from public.lesson_completions order by random() limit ${n})`);
        break;
      case 10:
        statements.push(`update public.lessons set track_id = (select id from public.tracks order by random() limit 1)
          where id = (select id from public.lessons order by random() limit 1)`);
        break;
      case 11: {
        const table = ["lesson_completions", "quiz_attempts", "review_sessions", "explanation_views"][int(0, 3)];
        statements.push(`delete from public.${table} where id in (select id from public.${table} order by random() limit ${n})`);
        break;
      }
      case 12:
        // A learner erased: their events go by cascade.
        statements.push(`delete from auth.users where id = (select user_id from public.lesson_completions order by random() limit 1)`);
        break;
      case 13:
        statements.push(`insert into auth.users (id, email) select u, u || '@example.test' from (select gen_random_uuid() as u) as x`);
        break;
      case 14:
        // New content, listed by the views with zero counts.
        statements.push(`with t as (insert into public.tracks (slug, title) values ('t-' || gen_random_uuid(), 'new') returning id),
            l as (insert into public.lessons (track_id, position, title) select id, 1, 'new' from t returning id),
            q as (insert into public.quizzes (lesson_id, title) select id, 'new' from l)
          insert into public.explanations (lesson_id, title) select id, 'new' from l`);
        break;
      case 16:
        // A lesson deleted, with what refers to it (completions, quizzes, explanations first).
        statements.push(`do $$ declare l uuid := (select id from public.lessons order by random() limit 1); begin
            ${deleteLessonContent("l")}
            delete from public.lessons where id = l;
          end $$`);
        break;
      case 17:
        // A track deleted (its lessons go by cascade), sometimes re-created with the same id.
        statements.push(`do $$ declare t public.tracks; begin
            select * into t from public.tracks order by random() limit 1;
            ${deleteLessonContent("any (array(select id from public.lessons where track_id = t.id))")}
            delete from public.tracks where id = t.id;
            if ${chance(0.6)} then
              insert into public.tracks (id, slug, title) values (t.id, t.slug, t.title);
              insert into public.lessons (track_id, position, title) values (t.id, 1, 'again');
              insert into public.lesson_completions (user_id, lesson_id, completed_at)
              select u.id, (select id from public.lessons where track_id = t.id limit 1), ${at(someDay())}
                from (select id from auth.users order by random() limit ${n}) as u;
            end if;
          end $$`);
        break;
      case 18:
        // A quiz deleted (its attempts first), or an explanation (its views first).
        statements.push(
          chance(0.5)
            ? `do $$ declare q uuid := (select id from public.quizzes order by random() limit 1); begin
                 delete from public.quiz_attempts where quiz_id = q; delete from public.quizzes where id = q; end $$`
            : `do $$ declare e uuid := (select id from public.explanations order by random() limit 1); begin
                 delete from public.explanation_views where explanation_id = e; delete from public.explanations where id = e; end $$`,
        );
        break;
      case 19:
        // Extreme scores: huge, tiny, of many scales (avg_score's rounding depends on them).
        statements.push(`insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at, score)
          select ${someUser}, (select id from public.quizzes order by random() limit 1), s, s,
                 ${["100000000000000000 + g", "-99999999999999999.5 * g", "0.000000001 * g", `round(random()::numeric * 100, ${int(0, 12)})`][int(0, 3)]}
            from (select ${at(someDay())} as s, g from generate_series(1, ${n}) as g) as x`);
        break;
      case 20:
        // Extreme times and sizes: far past and far future, int counts near their largest (room for the updates above).
        statements.push(`insert into public.review_sessions (user_id, started_at, ended_at, cards_reviewed)
          values (${someUser}, timestamptz '${int(1000, 1900)}-03-04 05:06:07.891234+00', timestamptz '${int(100000, 200000)}-01-01 00:00:00+00', 2147483600)`);
        statements.push(`insert into public.lesson_completions (user_id, lesson_id, completed_at)
          values (${someUser}, (select id from public.lessons order by random() limit 1), timestamptz '${chance(0.5) ? "1000-01-01 00:00:00+00" : "200000-12-31 23:59:59.999999+00"}')`);
        statements.push(`insert into public.explanation_views (user_id, explanation_id, viewed_at, dwell_seconds, helpful)
          values (${someUser}, (select id from public.explanations order by random() limit 1), now(), 2147483600, true)`);
        break;
      case 21: {
        // A score changed to another scale, or an attempt completed far from its day.
        const moved = chance(0.2);
        statements.push(`update public.quiz_attempts set score = round(coalesce(score, 0) + 0.5, ${int(0, 9)}),
            started_at = case when ${moved} then timestamptz '1970-01-01 00:00:00+00' else started_at end,
            completed_at = case when ${moved} then timestamptz '1970-01-01 00:05:00+00' else completed_at end
          where id in (select id from public.quiz_attempts where completed_at is not null order by random() limit ${n})`);
        break;
      }
      default:
        // Many rows at once, several days.
        statements.push(`insert into public.review_sessions (user_id, started_at, ended_at, cards_reviewed)
          select (select id from auth.users order by random() limit 1 offset g % 3), timestamptz '${addDays(today, -int(0, 5))} 12:00:00+00' - g * interval '7 hours',
                 null, g % 7
            from generate_series(1, ${int(5, 40)}) as g`);
    }
  }
  return statements;
}

describe("incremental refresh: equal to the original definitions", () => {
  let db: FreshDatabase;
  let client: Client;
  let today: string;

  beforeAll(async () => {
    db = await createFreshDatabase("incremental");
    await applyMigrations(db.url);
    await applyGrants(db.url);
    // A superuser's session: the only one whose analytics.today_override moves the date.
    client = await connect(db.adminUrl);
    const { rows } = await client.query<{ today: string }>("select ((now() at time zone 'utc')::date)::text as today");
    today = rows[0].today;
    await loadLearningData(client, generateLearningData({ seed: 1515, today, fillerLearners: 40 }));
    await setToday(client, today);
    await refresh(client);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it("matches after loading (the migrations' back-fill and the refresh that follows)", async () => {
    await expectViewsMatchReference(client, today, "after loading");
  });

  it("matches after each of 40 seeded random batches of mixed changes, with the date moving on", async () => {
    const random = seededRandom(20261202);
    await client.query("select setseed(0.15)");
    let rollovers = 0;
    for (let batch = 1; batch <= 40; batch += 1) {
      // Sometimes the UTC date changes: alone (no new data) or with a batch.
      const rollover = random() < 0.25;
      if (rollover) {
        today = addDays(today, random() < 0.8 ? 1 : 2);
        await setToday(client, today);
        rollovers += 1;
      }
      const dateOnly = rollover && random() < 0.4;
      if (!dateOnly) {
        const statements = randomBatch(random, today);
        // Some batches in one transaction, some statement by statement.
        if (random() < 0.5) await client.query(`begin; ${statements.join(";\n")}; commit`);
        else for (const statement of statements) await client.query(statement);
      }
      // Sometimes two batches go into one refresh.
      if (random() < 0.2 && batch < 40) continue;
      await refresh(client);
      await expectViewsMatchReference(client, today, `batch ${batch}${rollover ? ` (date now ${today})` : ""}`);
    }
    expect(rollovers).toBeGreaterThan(3);
  });

  it("matches when the date changes with no new data: streaks drop off, learners leave the last 7 days", async () => {
    const before = await readViews(client);
    for (let day = 1; day <= 3; day += 1) {
      today = addDays(today, 1);
      await setToday(client, today);
      await refresh(client);
      await expectViewsMatchReference(client, today, `date moved to ${today}, no new data`);
    }
    const after = await readViews(client);
    // The move really changed the date-dependent views (the test would catch a stale state).
    expect(after.streak_dropoffs).not.toEqual(before.streak_dropoffs);
    expect(after.summary_stats[0].learners_active_7d).not.toEqual(before.summary_stats[0].learners_active_7d);
    expect(after.active_learning_days).toEqual(before.active_learning_days);
  });
});

describe("incremental refresh: concurrency, failure, TRUNCATE and rebuild", () => {
  let db: FreshDatabase;
  let client: Client;
  let today: string;

  beforeAll(async () => {
    db = await createFreshDatabase("incremental_ops");
    await applyMigrations(db.url);
    client = await connect(db.url);
    const { rows } = await client.query<{ today: string }>("select ((now() at time zone 'utc')::date)::text as today");
    today = rows[0].today;
    await loadLearningData(client, generateLearningData({ seed: 77, today, fillerLearners: 20 }));
    await refresh(client);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const addLesson = (c: Client) =>
    c.query(`insert into public.lesson_completions (user_id, lesson_id, completed_at)
             select (select id from auth.users order by id limit 1), (select id from public.lessons order by id limit 1), now()`);
  const totalLessons = async (): Promise<number> =>
    Number((await client.query<{ n: string }>("select total_lesson_completions as n from analytics.summary_stats")).rows[0].n);

  it("loses nothing and counts nothing twice when writers commit while a refresh runs", async () => {
    const locker = await connect(db.url);
    const refresher = await connect(db.url);
    const writer = await connect(db.url);
    const lateWriter = await connect(db.url);
    try {
      const base = await totalLessons();
      await addLesson(client);
      // A writer whose transaction is open when the refresh takes the changes, committed later.
      await lateWriter.query("begin");
      await addLesson(lateWriter);
      // Park the refresh after the maintenance, at explanation_engagement (reads explanations).
      await locker.query("begin");
      await locker.query("lock table public.explanations in access exclusive mode");
      const [refresherPid, lockerPid] = [await backendPid(refresher), await backendPid(locker)];
      const refreshing = refresher.query("select analytics.refresh_all_views()");
      // Parked for certain: the refresh waits for the locker (a bounded poll that throws otherwise).
      await waitUntilBlockedBy(client, refresherPid, lockerPid);
      // Writers are not held up by the refresh: these commit while it is parked.
      await addLesson(writer);
      await lateWriter.query("commit");
      await locker.query("commit");
      await refreshing;
      // The refresh took the change committed before it, not the ones committed meanwhile.
      expect(await totalLessons()).toBe(base + 1);
      await refresh(client);
      expect(await totalLessons()).toBe(base + 3);
      await expectViewsMatchReference(client, today, "after writers committed during a refresh");
    } finally {
      await locker.end();
      await refresher.end();
      await writer.end();
      await lateWriter.end();
    }
  });

  it("records a failed maintenance, keeps the changes logged, and applies them at the next refresh", async () => {
    const locker = await connect(db.url);
    try {
      const base = await totalLessons();
      await addLesson(client);
      await locker.query("begin");
      await locker.query("lock table analytics.learner_days in access exclusive mode");
      await client.query("set lock_timeout = '200ms'");
      await client.query("select analytics.refresh_all_views()");
      await client.query("reset lock_timeout");
      await locker.query("rollback");
      const { rows } = await client.query<{ status: string; failed_views: string[]; incremental: { error?: string } }>(
        "select status, failed_views, incremental from analytics.refresh_runs order by id desc limit 1",
      );
      expect(rows[0]).toMatchObject({ status: "failed", failed_views: ["incremental_state"], incremental: { error: "canceling statement due to lock timeout" } });
      expect(await totalLessons()).toBe(base);
      await refresh(client);
      expect(await totalLessons()).toBe(base + 1);
      // The run after a failed maintenance rebuilds from the base tables (no manual rebuild).
      const next = await client.query<{ incremental: { applied: { rebuilt: boolean } } }>(
        "select incremental from analytics.refresh_runs order by id desc limit 1",
      );
      expect(next.rows[0].incremental.applied.rebuilt).toBe(true);
      await expectViewsMatchReference(client, today, "after a failed maintenance");
    } finally {
      await locker.end();
    }
  });

  it("rebuilds at the next refresh after a TRUNCATE of an event table", async () => {
    await client.query("truncate public.explanation_views");
    await refresh(client);
    await expectViewsMatchReference(client, today, "after truncate");
    expect((await client.query("select needs_rebuild from analytics.incremental_state")).rows[0]).toEqual({ needs_rebuild: false });
  });

  it("repairs a damaged state with analytics.rebuild_incremental_state()", async () => {
    await client.query(`
      update analytics.track_totals set learners = learners + 5;
      delete from analytics.learner_streaks where ctid in (select ctid from analytics.learner_streaks limit 5);
      update analytics.day_totals set lessons_completed = lessons_completed + 1;
      delete from analytics.learner_activity where ctid in (select ctid from analytics.learner_activity limit 1);
    `);
    await refresh(client);
    const damaged = await readViews(client);
    const reference = await referenceViews(client, today);
    expect(damaged.popular_tracks).not.toEqual(reference.popular_tracks);
    expect(damaged.summary_stats).not.toEqual(reference.summary_stats);

    await client.query("select analytics.rebuild_incremental_state()");
    await refresh(client);
    await expectViewsMatchReference(client, today, "after the rebuild");
  });
});

describe("incremental refresh: hostile input and careless operators", () => {
  let db: FreshDatabase;
  let client: Client;
  let today: string;

  beforeAll(async () => {
    db = await createFreshDatabase("incremental_hostile");
    await applyMigrations(db.url);
    // As the demoted deployer `postgres`, the role an admin has on Supabase.
    client = await connect(db.url);
    const { rows } = await client.query<{ today: string }>("select ((now() at time zone 'utc')::date)::text as today");
    today = rows[0].today;
    await loadLearningData(client, generateLearningData({ seed: 2222, today, fillerLearners: 20 }));
    await refresh(client);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  /** The rejection of `statement`: SQLSTATE, message and constraint. */
  async function refusal(statement: string): Promise<{ code?: string; message: string; constraint?: string }> {
    try {
      await client.query(statement);
    } catch (error) {
      const { code, message, constraint } = error as { code?: string; message: string; constraint?: string };
      return { code, message, constraint };
    }
    throw new Error(`not refused: ${statement}`);
  }

  it("keeps a track's counts when a learner is erased and then the lesson deleted", async () => {
    const { rows } = await client.query<{ lesson_id: string }>(`
      select lc.lesson_id from public.lesson_completions as lc group by lc.lesson_id order by count(*) desc limit 1`);
    const lesson = rows[0].lesson_id;
    await client.query(`delete from auth.users where id in (select user_id from public.lesson_completions where lesson_id = $1 limit 1)`, [lesson]);
    await refresh(client);
    await client.query(`do $$ begin ${deleteLessonContent(`'${lesson}'::uuid`)} delete from public.lessons where id = '${lesson}'; end $$`);
    await refresh(client);
    await expectViewsMatchReference(client, today, "learner erased, then the lesson deleted");
  });

  it("shows no phantom learners for a track deleted and re-created with the same id", async () => {
    const { rows } = await client.query<{ id: string; slug: string }>(`
      select t.id, t.slug from public.tracks as t join public.lessons as l on l.track_id = t.id
        join public.lesson_completions as lc on lc.lesson_id = l.id group by t.id order by count(*) desc limit 1`);
    const track = rows[0];
    await client.query(`do $$ declare t uuid := '${track.id}'; begin
        ${deleteLessonContent("any (array(select id from public.lessons where track_id = t))")}
        delete from public.tracks where id = t;
        insert into public.tracks (id, slug, title) values (t, '${track.slug}', 'again');
        insert into public.lessons (track_id, position, title) values (t, 1, 'again');
        insert into public.lesson_completions (user_id, lesson_id, completed_at)
        select u.id, (select id from public.lessons where track_id = t), now() from (select id from auth.users order by id limit 3) as u;
      end $$`);
    await refresh(client);
    await expectViewsMatchReference(client, today, "track deleted and re-created");
  });

  it("refuses NaN and infinite scores at write, naming the table and column", async () => {
    for (const score of ["NaN", "Infinity", "-Infinity"]) {
      const inserted = await refusal(`insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at, score)
        select (select id from auth.users limit 1), (select id from public.quizzes limit 1), now(), now(), '${score}'`);
      expect(inserted).toMatchObject({ code: "23514", constraint: "quiz_attempts_score_finite" });
      expect(inserted.message).toContain('relation "quiz_attempts"');
      const updated = await refusal(`update public.quiz_attempts set score = '${score}' where id = (select min(id) from public.quiz_attempts)`);
      expect(updated).toMatchObject({ code: "23514", constraint: "quiz_attempts_score_finite" });
    }
    await refresh(client);
    await expectViewsMatchReference(client, today, "after refused scores");
  });

  it("keeps avg_score at the scale of the scores that remain when a score of a larger scale is deleted", async () => {
    // Large scores: the average's digits depend on the scale of the sum it divides.
    const { rows } = await client.query<{ id: string }>(`
      with q as (insert into public.quizzes (lesson_id, title) select id, 'scales' from public.lessons limit 1 returning id),
      a as (
        insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at, score)
        select (select id from auth.users order by id limit 1), q.id, now(), now(), s
          from q cross join unnest(array[100000000000000000, 100000000000000001, 100000000000000001, 0.001]::numeric[]) as s
      )
      select id from q`);
    await refresh(client);
    await client.query("delete from public.quiz_attempts where quiz_id = $1 and score = 0.001", [rows[0].id]);
    await refresh(client);
    await expectViewsMatchReference(client, today, "a score of a larger scale deleted");
  });

  it("refuses non-finite event timestamps at write, naming the table and column", async () => {
    const cases: [string, string][] = [
      [`insert into public.lesson_completions (user_id, lesson_id, completed_at)
          select (select id from auth.users limit 1), (select id from public.lessons limit 1), 'infinity'`, "lesson_completions_completed_at_finite"],
      [`update public.lesson_completions set completed_at = '-infinity' where id = (select min(id) from public.lesson_completions)`,
        "lesson_completions_completed_at_finite"],
      [`insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at)
          select (select id from auth.users limit 1), (select id from public.quizzes limit 1), now(), 'infinity'`, "quiz_attempts_completed_at_finite"],
      [`insert into public.review_sessions (user_id, started_at, ended_at, cards_reviewed)
          select (select id from auth.users limit 1), now(), 'infinity', 1`, "review_sessions_ended_at_finite"],
      [`insert into public.review_sessions (user_id, started_at, cards_reviewed)
          select (select id from auth.users limit 1), '-infinity', 1`, "review_sessions_started_at_finite"],
    ];
    for (const [statement, constraint] of cases) {
      const refused = await refusal(statement);
      expect(refused).toMatchObject({ code: "23514", constraint });
      expect(refused.message).toContain(`relation "${constraint.split("_").slice(0, 2).join("_")}"`);
    }
    await refresh(client);
    await expectViewsMatchReference(client, today, "after refused timestamps");
  });

  it("does not deadlock a writer that touches two event tables while the state is rebuilt", async () => {
    for (const rebuild of ["select analytics.rebuild_incremental_state()", "truncate public.explanation_views"]) {
      const writer = await connect(db.url);
      const rebuilder = await connect(db.url);
      try {
        const rebuilderPid = await backendPid(rebuilder);
        await writer.query("begin");
        await writer.query(`insert into public.review_sessions (user_id, started_at, cards_reviewed)
          select (select id from auth.users order by id limit 1), now(), 3`);
        // The rebuild (or a TRUNCATE, then the refresh that rebuilds) while the writer is open:
        // the writer goes on once the rebuild has finished or waits for a lock.
        let finished = false;
        const rebuilding = (async () => {
          await rebuilder.query(rebuild);
          await rebuilder.query("select analytics.refresh_all_views()");
          finished = true;
        })();
        for (let i = 0; i < 400 && !finished; i += 1) {
          const { rows } = await client.query<{ waiting: boolean }>(
            "select coalesce(wait_event_type = 'Lock', false) as waiting from pg_catalog.pg_stat_activity where pid = $1",
            [rebuilderPid],
          );
          if (rows[0]?.waiting) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await writer.query(`insert into public.lesson_completions (user_id, lesson_id, completed_at)
          select (select id from auth.users order by id limit 1), (select id from public.lessons order by id limit 1), now()`);
        await writer.query("commit");
        await rebuilding;
      } finally {
        await writer.end();
        await rebuilder.end();
      }
      await refresh(client);
      await expectViewsMatchReference(client, today, `writer of two event tables during: ${rebuild}`);
    }
  });

  it("does not let a session's analytics.today_override steer what others read", async () => {
    const reader = await connect(db.url);
    try {
      await client.query("select set_config('analytics.today_override', $1, false)", [addDays(today, 30)]);
      await client.query("select analytics.refresh_all_views()");
      await client.query("select set_config('analytics.today_override', '', false)");
      const { rows } = await client.query<{ incremental: { today: string; today_overridden: boolean } }>(
        "select incremental from analytics.refresh_runs order by id desc limit 1",
      );
      expect(rows[0].incremental).toMatchObject({ today, today_overridden: false });
      await expectViewsMatchReference(reader, today, "after a session set analytics.today_override");
    } finally {
      await reader.end();
    }
  });

  it("records a run whose date was moved (a superuser's session, as the tests do)", async () => {
    const superuser = await connect(db.adminUrl);
    try {
      await superuser.query("select set_config('analytics.today_override', $1, false)", [addDays(today, 1)]);
      await superuser.query("select analytics.refresh_all_views()");
      const { rows } = await client.query<{ incremental: { today: string; today_overridden: boolean } }>(
        "select incremental from analytics.refresh_runs order by id desc limit 1",
      );
      expect(rows[0].incremental).toMatchObject({ today: addDays(today, 1), today_overridden: true });
    } finally {
      await superuser.end();
    }
    // The next ordinary run puts the real date back.
    await refresh(client);
    await expectViewsMatchReference(client, today, "after an overridden run and an ordinary one");
  });
});

describe("incremental refresh: deployed and rebuilt while a writer's transaction is open", () => {
  let db: FreshDatabase;
  let client: Client;
  let today: string;

  beforeAll(async () => {
    db = await createFreshDatabase("incremental_deploy");
    // Up to the state and its triggers (a short transaction; nobody is writing yet).
    await applyMigrations(db.url, { through: "20261202110000" });
    client = await connect(db.url);
    const { rows } = await client.query<{ today: string }>("select ((now() at time zone 'utc')::date)::text as today");
    today = rows[0].today;
    await loadLearningData(client, generateLearningData({ seed: 303, today, fillerLearners: 20 }));
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it("builds the state, re-defines the views and rebuilds without waiting for the writer, and counts its rows once", async () => {
    const writer = await connect(db.url);
    try {
      // A writer in the middle of a transaction that touches two event tables.
      await writer.query("begin");
      await writer.query(`insert into public.review_sessions (user_id, started_at, ended_at, cards_reviewed)
        select (select id from auth.users order by id limit 1), now() - interval '3 days', now() - interval '3 days' + interval '5 minutes', 4`);
      await writer.query(`insert into public.lesson_completions (user_id, lesson_id, completed_at)
        select (select id from auth.users order by id limit 1), (select id from public.lessons order by id limit 1), now()`);
      // Had any of these to wait for the writer, the statement timeout would fail them.
      await client.query(`alter database ${db.name} set statement_timeout = '20s'`);
      await client.query("set statement_timeout = '20s'");
      await applyMigrations(db.url);
      await client.query("select analytics.rebuild_incremental_state()");
      await client.query("select analytics.refresh_all_views()");
      await client.query(`alter database ${db.name} reset statement_timeout`);
      await writer.query(`insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at, score)
        select (select id from auth.users order by id limit 1), (select id from public.quizzes order by id limit 1), now(), now(), 77.5`);
      await writer.query("commit");
    } finally {
      await writer.end();
    }
    await refresh(client);
    await expectViewsMatchReference(client, today, "after a deploy and a rebuild with a writer's transaction open");
  });
});

describe("incremental refresh: a database that already holds a non-finite value", () => {
  let db: FreshDatabase;

  beforeAll(async () => {
    db = await createFreshDatabase("incremental_bad_rows");
    await applyMigrations(db.url, { through: "20261202105000" });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("fails the build naming the table and column, and deploys once the row is fixed", async () => {
    const client = await connect(db.url);
    try {
      const { rows } = await client.query<{ today: string }>("select ((now() at time zone 'utc')::date)::text as today");
      await loadLearningData(client, generateLearningData({ seed: 404, today: rows[0].today, fillerLearners: 5 }));
      // Rows written before the checks existed.
      await client.query(`
        insert into public.review_sessions (user_id, started_at, ended_at, cards_reviewed)
        select (select id from auth.users order by id limit 1), now(), 'infinity', 2;
        insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at, score)
        select (select id from auth.users order by id limit 1), (select id from public.quizzes order by id limit 1), now(), now(), 'NaN';
        insert into public.lesson_completions (user_id, lesson_id, completed_at)
        select (select id from auth.users order by id limit 1), (select id from public.lessons order by id limit 1), '-infinity'`);
      await expect(applyMigrations(db.url)).rejects.toThrow(
        /20261202110001_incremental_state_built\.sql.*check constraint "lesson_completions_completed_at_finite" of relation "lesson_completions" is violated by some row/,
      );
      // Fixed or deleted after the triggers exist: their logged old rows must count nowhere.
      await client.query(`
        update public.review_sessions set ended_at = started_at + interval '1 minute' where ended_at = 'infinity';
        delete from public.quiz_attempts where score = 'NaN';
        update public.lesson_completions set completed_at = now() - interval '2 days' where completed_at = '-infinity'`);
      await applyMigrations(db.url);
      await refresh(client);
      await expectViewsMatchReference(client, rows[0].today, "after the bad row was fixed and the deploy resumed");
    } finally {
      await client.end();
    }
  });
});

describe("incremental refresh: the triggers' short lock, with a long writer transaction in the way", () => {
  let db: FreshDatabase;

  beforeAll(async () => {
    db = await createFreshDatabase("incremental_lock");
    await applyMigrations(db.url, { through: "20261202105000" });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("lets other writers through while it waits, then deploys once the long transaction ends", async () => {
    const client = await connect(db.url);
    const holder = await connect(db.url);
    const other = await connect(db.url);
    try {
      const { rows } = await client.query<{ today: string }>("select ((now() at time zone 'utc')::date)::text as today");
      await loadLearningData(client, generateLearningData({ seed: 505, today: rows[0].today, fillerLearners: 5 }));
      // A long transaction holding a row-exclusive lock on one event table.
      await holder.query("begin");
      await holder.query(`insert into public.review_sessions (user_id, started_at, cards_reviewed)
        select (select id from auth.users order by id limit 1), now(), 1`);
      const migrating = applyMigrations(db.url, { through: "20261202110000" });
      // The deploy's lock request on the event tables is in the way of the long transaction.
      await waitUntilRelationLockWaited(client, "public.review_sessions");
      // Another writer of another event table is not queued behind the deploy until the long
      // transaction ends (a lock request that never gave up would hold it: the timeout fails it).
      await other.query("set statement_timeout = '15s'");
      await other.query(`insert into public.lesson_completions (user_id, lesson_id, completed_at)
        select (select id from auth.users order by id limit 1), (select id from public.lessons order by id limit 1), now()`);
      await holder.query("commit");
      await migrating;
      await applyMigrations(db.url);
      await refresh(client);
      await expectViewsMatchReference(client, rows[0].today, "after a deploy that waited for a long writer transaction");
    } finally {
      await client.end();
      await holder.end();
      await other.end();
    }
  });
});
