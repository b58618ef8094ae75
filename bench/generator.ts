// The bench's learning-data generator: deterministic, seeded, generated inside PostgreSQL.
//
// Why server-side (generate_series + a hash-based pseudo-random function) and not COPY from
// Node: the rows never cross the wire (5M events would be ~500 MB of COPY text), nothing new
// is installed, and determinism comes for free: every random draw is
// hashint8extended(key, seed) of the row's own coordinates (user, day, event index), so the
// same seed and anchor date give the same rows whatever the plan, parallelism or order of
// evaluation. Inserts are ordered by event time, so identity ids are deterministic too and
// the heap is in time order, as an append-only production table would be.
//
// The model (each knob is a constant below):
// - tracks have Zipf (power-law, exponent 1) popularity; a learner sticks to a primary track
//   and, within a track, early lessons are completed more often than late ones;
// - learners are daily-habit users: activity comes in streaks of consecutive days (geometric
//   length from a per-user habit strength) separated by geometric gaps; most learners churn
//   after an exponential lifetime, the rest are still active on the anchor date (running
//   streaks); some never do anything;
// - per active day: 1–3 lesson completions, often quiz attempts (about 20% abandoned: no
//   completed_at, no score), sometimes a review session (a few never ended), explanation
//   views with a dwell time and an optional helpful vote; session times follow the learner's
//   preferred UTC hour with a few hours of jitter, so activity crosses UTC midnight.
import type { Client } from "pg";
import type { Scale } from "./scales";

export interface GeneratorParams {
  seed: number;
  users: number;
  tracks: number;
  windowDays: number;
  /** The last day of the window (UTC calendar date, YYYY-MM-DD): "today" for the data. */
  anchorDate: string;
}

export interface GeneratorOptions {
  /**
   * Skip foreign-key triggers while loading (session_replication_role = replica): the rows are
   * consistent by construction, and tests/bench load them with the checks on to prove it.
   */
  skipForeignKeyChecks: boolean;
  /** Called before each step with its label, for progress output. */
  onStep?: (label: string) => void;
}

export const EVENT_TABLES = ["lesson_completions", "quiz_attempts", "review_sessions", "explanation_views"] as const;
export type EventTable = (typeof EVENT_TABLES)[number];

export interface GeneratedData {
  params: GeneratorParams;
  rows: Record<"users" | "tracks" | "lessons" | "quizzes" | "explanations" | EventTable, number>;
  /** Rows of the four event tables together: the scale's measure. */
  events: number;
}

/** Share of generated learners who never do anything. */
const DORMANT_SHARE = 0.08;
/** Share of learners who never churn: still active at the end of the window. */
const RETAINED_SHARE = 0.3;
const MEAN_LIFETIME_DAYS = 45;
const HABIT_MIN = 0.4;
const HABIT_MAX = 0.95;
const MEAN_GAP_MIN = 1.5;
const MEAN_GAP_MAX = 8;
const PRIMARY_TRACK_SHARE = 0.75;
const QUIZ_DAY_SHARE = 0.55;
const ABANDONED_QUIZ_SHARE = 0.2;
const REVIEW_DAY_SHARE = 0.3;
const UNENDED_REVIEW_SHARE = 0.07;
const EXPLANATION_DAY_SHARE = 0.45;
const LESSON_QUIZ_SHARE = 0.8;
const MAX_STREAKS_PER_USER = 200;

/** Random streams: one per independent draw, so that changing one knob leaves the others' draws alone. */
const S = {
  trackLessons: 10,
  lessonQuiz: 11,
  lessonExplanations: 12,
  userStart: 20,
  userDormant: 21,
  userHabit: 22,
  userGap: 23,
  userRetained: 24,
  userLifetime: 25,
  userTrack: 26,
  userHour: 27,
  streakLength: 30,
  streakGap: 31,
  lessonCount: 40,
  lessonOwnTrack: 41,
  lessonOtherTrack: 42,
  lessonPosition: 43,
  lessonTime: 44,
  quizDay: 50,
  quizCount: 51,
  quizOwnTrack: 52,
  quizOtherTrack: 53,
  quizPosition: 54,
  quizTime: 55,
  quizAbandoned: 56,
  quizDuration: 57,
  quizScore: 58,
  reviewDay: 60,
  reviewTime: 61,
  reviewEnded: 62,
  reviewDuration: 63,
  reviewCards: 64,
  viewDay: 70,
  viewCount: 71,
  viewTrack: 72,
  viewPosition: 73,
  viewExplanation: 74,
  viewTime: 75,
  viewDwell: 76,
  viewVote: 77,
} as const;

export function generatorParams(scale: Scale, seed: number, anchorDate: string): GeneratorParams {
  return { seed, users: scale.users, tracks: scale.tracks, windowDays: scale.windowDays, anchorDate };
}

export function validateParams(params: GeneratorParams): void {
  const integers: [string, number, number][] = [
    ["seed", params.seed, 0],
    ["users", params.users, 1],
    ["tracks", params.tracks, 1],
    ["windowDays", params.windowDays, 2],
  ];
  for (const [name, value, min] of integers) {
    if (!Number.isSafeInteger(value) || value < min || value > 2 ** 31 - 1) {
      throw new Error(`generator ${name} must be an integer from ${min} to 2147483647, got ${value}`);
    }
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(params.anchorDate) || Number.isNaN(Date.parse(`${params.anchorDate}T00:00:00Z`))) {
    throw new Error(`generator anchorDate must be a date YYYY-MM-DD, got ${JSON.stringify(params.anchorDate)}`);
  }
}

export interface GeneratorStep {
  label: string;
  sql: string;
}

/** The SQL that builds the random helpers and the integer-keyed scaffolding of the data set. */
function scaffoldSteps(p: GeneratorParams): GeneratorStep[] {
  const last = p.windowDays - 1;
  // Stream seeds: seed * 1024 + stream; hashint8extended(key, streamSeed) is a 64-bit hash.
  return [
    { label: "random helpers", sql: `
      drop schema if exists bench_gen cascade;
      create schema bench_gen;
      -- uniform in [0, 1) from the 52 low bits of a seeded 64-bit hash of the key
      create function bench_gen.r1(stream int, a bigint) returns float8
        language sql immutable parallel safe
        as $$ select (pg_catalog.hashint8extended(a, ${p.seed}::bigint * 1024 + stream) & 4503599627370495)::float8 / 4503599627370496.0 $$;
      create function bench_gen.r2(stream int, a bigint, b bigint) returns float8
        language sql immutable parallel safe
        as $$ select (pg_catalog.hashint8extended(b, pg_catalog.hashint8extended(a, ${p.seed}::bigint * 1024 + stream)) & 4503599627370495)::float8 / 4503599627370496.0 $$;
      -- Zipf rank in [0, n): P(k) ~ 1/(k+1), by inverting the continuous CDF
      create function bench_gen.zipf(r float8, n int) returns int
        language sql immutable parallel safe
        as $$ select least(n - 1, floor(exp(r * ln(n + 1)))::int - 1) $$;
      -- midnight UTC of window day d (0 = first day, ${last} = anchor)
      create function bench_gen.day_start(d int) returns timestamptz
        language sql immutable parallel safe
        as $$ select (date '${p.anchorDate}' - (${last} - d))::timestamp at time zone 'UTC' $$;
      create function bench_gen.uuid_of(kind text, k bigint) returns uuid
        language sql immutable parallel safe
        as $$ select md5('${p.seed}:' || kind || ':' || k)::uuid $$;
    ` },
    { label: "catalog scaffolding", sql: `
      create unlogged table bench_gen.tracks as
        select t, bench_gen.uuid_of('track', t) as id, 6 + floor(bench_gen.r1(${S.trackLessons}, t) * 19)::int as lesson_count
        from generate_series(0, ${p.tracks - 1}) t;
      create unlogged table bench_gen.lessons as
        select t.t, lp as p, bench_gen.uuid_of('lesson', t.t * 1000 + lp) as id,
          case when bench_gen.r2(${S.lessonQuiz}, t.t, lp) < ${LESSON_QUIZ_SHARE} then bench_gen.uuid_of('quiz', t.t * 1000 + lp) end as quiz_id,
          floor(bench_gen.r2(${S.lessonExplanations}, t.t, lp) * 4)::int as explanation_count
        from bench_gen.tracks t cross join lateral generate_series(0, t.lesson_count - 1) lp;
      create unlogged table bench_gen.explanations as
        select l.t, l.p, e, bench_gen.uuid_of('explanation', (l.t * 1000 + l.p) * 4 + e) as id, l.id as lesson_id
        from bench_gen.lessons l cross join lateral generate_series(0, l.explanation_count - 1) e;
      create unique index on bench_gen.lessons (t, p);
      create unique index on bench_gen.explanations (t, p, e);
    ` },
    { label: "learners", sql: `
      create unlogged table bench_gen.users as
        select u, bench_gen.uuid_of('user', u) as id,
          floor(bench_gen.r1(${S.userStart}, u) * ${p.windowDays})::int as start_day,
          bench_gen.r1(${S.userDormant}, u) < ${DORMANT_SHARE} as dormant,
          ${HABIT_MIN} + ${HABIT_MAX - HABIT_MIN} * bench_gen.r1(${S.userHabit}, u) as habit,
          ${MEAN_GAP_MIN} + ${MEAN_GAP_MAX - MEAN_GAP_MIN} * bench_gen.r1(${S.userGap}, u) as mean_gap,
          case when bench_gen.r1(${S.userRetained}, u) < ${RETAINED_SHARE} then ${p.windowDays}
               else floor(-ln(1 - bench_gen.r1(${S.userLifetime}, u)) * ${MEAN_LIFETIME_DAYS})::int end as lifetime,
          bench_gen.zipf(bench_gen.r1(${S.userTrack}, u), ${p.tracks}) as primary_track,
          floor(bench_gen.r1(${S.userHour}, u) * 24)::int as hour
        from generate_series(0, ${p.users - 1}) u;
    ` },
    { label: "streaks", sql: `
      -- Enough streaks to cover each lifetime twice over on average; a streak starts on the
      -- user's first day plus every earlier streak and gap, and is cut at the end of the lifetime.
      create unlogged table bench_gen.streaks as
        with drawn as (
          select u.u, k, u.start_day, least(${last}, u.start_day + u.lifetime) as end_day,
            1 + floor(ln(1 - bench_gen.r2(${S.streakLength}, u.u, k)) / ln(u.habit))::int as len,
            1 + floor(ln(1 - bench_gen.r2(${S.streakGap}, u.u, k)) / ln(1 - 1 / u.mean_gap))::int as gap
          from bench_gen.users u
          cross join lateral generate_series(0, least(${MAX_STREAKS_PER_USER},
            ceil(2 * (least(${last}, u.start_day + u.lifetime) - u.start_day + 1) / (1 / (1 - u.habit) + u.mean_gap))::int + 1)) k
          where not u.dormant
        ), placed as (
          select u, k, end_day, len,
            start_day + coalesce(sum(len + gap) over (partition by u order by k rows between unbounded preceding and 1 preceding), 0)::int as first_day
          from drawn
        )
        select u, k, first_day, least(first_day + len - 1, end_day) as last_day from placed where first_day <= end_day;
      create unlogged table bench_gen.active_days as
        select s.u, d as day from bench_gen.streaks s cross join lateral generate_series(s.first_day, s.last_day) d;
      analyze bench_gen.tracks, bench_gen.lessons, bench_gen.explanations, bench_gen.users, bench_gen.active_days;
    ` },
  ];
}

/** A session time on day `day` of learner `u`: preferred hour ± 2 h, plus `extra` seconds. */
function sessionTime(stream: number, key: string, extra: string): string {
  return `bench_gen.day_start(a.day) + ((u.hour + (bench_gen.r2(${stream}, a.u, ${key}) - 0.5) * 4) * 3600 + ${extra}) * interval '1 second'`;
}

/** A track: the learner's primary one mostly, else a Zipf draw. */
function trackChoice(own: number, other: number, key: string, tracks: number): string {
  return `case when bench_gen.r2(${own}, a.u, ${key}) < ${PRIMARY_TRACK_SHARE} then u.primary_track
    else bench_gen.zipf(bench_gen.r2(${other}, a.u, ${key}), ${tracks}) end`;
}

/** A lesson position in a track, skewed to early lessons (learners drop off along a track). */
function positionChoice(stream: number, key: string): string {
  return `floor(t.lesson_count * pow(bench_gen.r2(${stream}, e.u, ${key}), 1.5))::int`;
}

function eventSteps(p: GeneratorParams): GeneratorStep[] {
  // Per-event key: day * 16 + index within the day (at most 3 events of a kind per day).
  return [
    { label: "lesson completions", sql: `
      insert into public.lesson_completions (user_id, lesson_id, completed_at)
      select e.user_id, l.id, e.ts
      from (
        select a.u, a.day, i, u.id as user_id,
          ${trackChoice(S.lessonOwnTrack, S.lessonOtherTrack, "a.day * 16 + i", p.tracks)} as track,
          ${sessionTime(S.lessonTime, "a.day", "i * 600")} as ts
        from bench_gen.active_days a
        join bench_gen.users u on u.u = a.u
        cross join lateral generate_series(0, floor(3 * pow(bench_gen.r2(${S.lessonCount}, a.u, a.day), 2))::int) i
      ) e
      join bench_gen.tracks t on t.t = e.track
      join bench_gen.lessons l on l.t = e.track and l.p = ${positionChoice(S.lessonPosition, "e.day * 16 + e.i")}
      order by e.ts, e.u, e.day, e.i;
    ` },
    { label: "quiz attempts", sql: `
      insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at, score)
      select e.user_id, l.quiz_id, e.ts,
        case when not e.abandoned then e.ts + (120 + bench_gen.r2(${S.quizDuration}, e.u, e.day * 16 + e.i) * 780) * interval '1 second' end,
        case when not e.abandoned then round((40 + 60 * sqrt(bench_gen.r2(${S.quizScore}, e.u, e.day * 16 + e.i)))::numeric, 2) end
      from (
        select a.u, a.day, i, u.id as user_id,
          ${trackChoice(S.quizOwnTrack, S.quizOtherTrack, "a.day * 16 + i", p.tracks)} as track,
          ${sessionTime(S.quizTime, "a.day", "1800 + i * 900")} as ts,
          bench_gen.r2(${S.quizAbandoned}, a.u, a.day * 16 + i) < ${ABANDONED_QUIZ_SHARE} as abandoned
        from bench_gen.active_days a
        join bench_gen.users u on u.u = a.u
        cross join lateral generate_series(0, floor(2 * bench_gen.r2(${S.quizCount}, a.u, a.day))::int) i
        where bench_gen.r2(${S.quizDay}, a.u, a.day) < ${QUIZ_DAY_SHARE}
      ) e
      join bench_gen.tracks t on t.t = e.track
      join bench_gen.lessons l on l.t = e.track and l.p = ${positionChoice(S.quizPosition, "e.day * 16 + e.i")}
      where l.quiz_id is not null
      order by e.ts, e.u, e.day, e.i;
    ` },
    { label: "review sessions", sql: `
      insert into public.review_sessions (user_id, started_at, ended_at, cards_reviewed)
      select e.user_id, e.ts,
        case when bench_gen.r2(${S.reviewEnded}, e.u, e.day) >= ${UNENDED_REVIEW_SHARE}
          then e.ts + (180 + bench_gen.r2(${S.reviewDuration}, e.u, e.day) * 1320) * interval '1 second' end,
        5 + floor(bench_gen.r2(${S.reviewCards}, e.u, e.day) * 46)::int
      from (
        select a.u, a.day, u.id as user_id, ${sessionTime(S.reviewTime, "a.day", "3600")} as ts
        from bench_gen.active_days a
        join bench_gen.users u on u.u = a.u
        where bench_gen.r2(${S.reviewDay}, a.u, a.day) < ${REVIEW_DAY_SHARE}
      ) e
      order by e.ts, e.u, e.day;
    ` },
    { label: "explanation views", sql: `
      insert into public.explanation_views (user_id, explanation_id, viewed_at, dwell_seconds, helpful)
      select e.user_id, x.id, e.ts,
        5 + floor(-ln(1 - bench_gen.r2(${S.viewDwell}, e.u, e.day * 16 + e.i)) * 60)::int,
        case when bench_gen.r2(${S.viewVote}, e.u, e.day * 16 + e.i) < 0.35 then true
             when bench_gen.r2(${S.viewVote}, e.u, e.day * 16 + e.i) < 0.5 then false end
      from (
        select a.u, a.day, i, u.id as user_id,
          ${trackChoice(S.viewTrack, S.viewTrack + 100, "a.day * 16 + i", p.tracks)} as track,
          ${sessionTime(S.viewTime, "a.day", "i * 300")} as ts
        from bench_gen.active_days a
        join bench_gen.users u on u.u = a.u
        cross join lateral generate_series(0, floor(3 * bench_gen.r2(${S.viewCount}, a.u, a.day))::int) i
        where bench_gen.r2(${S.viewDay}, a.u, a.day) < ${EXPLANATION_DAY_SHARE}
      ) e
      join bench_gen.tracks t on t.t = e.track
      join bench_gen.lessons l on l.t = e.track and l.p = ${positionChoice(S.viewPosition, "e.day * 16 + e.i")}
      join bench_gen.explanations x on x.t = l.t and x.p = l.p
        and x.e = floor(l.explanation_count * bench_gen.r2(${S.viewExplanation}, e.u, e.day * 16 + e.i))::int
      order by e.ts, e.u, e.day, e.i;
    ` },
  ];
}

function catalogSteps(p: GeneratorParams): GeneratorStep[] {
  const last = p.windowDays - 1;
  return [
    { label: "catalog", sql: `
      insert into public.tracks (id, slug, title, created_at)
        select id, 'track-' || lpad(t::text, 4, '0'), 'Track ' || t, bench_gen.day_start(-30 - t % 30)
        from bench_gen.tracks order by t;
      insert into public.lessons (id, track_id, position, title)
        select l.id, t.id, l.p + 1, 'Lesson ' || (l.p + 1) || ' of track ' || l.t
        from bench_gen.lessons l join bench_gen.tracks t using (t) order by l.t, l.p;
      insert into public.quizzes (id, lesson_id, title)
        select quiz_id, id, 'Quiz of lesson ' || (p + 1) || ' of track ' || t
        from bench_gen.lessons where quiz_id is not null order by t, p;
      insert into public.explanations (id, lesson_id, title)
        select id, lesson_id, 'Explanation ' || (e + 1) || ' of lesson ' || (p + 1) || ' of track ' || t
        from bench_gen.explanations order by t, p, e;
      insert into auth.users (id, email, created_at)
        select id, 'learner' || u || '@bench.example', bench_gen.day_start(least(start_day, ${last})) + hour * interval '1 hour'
        from bench_gen.users order by u;
    ` },
  ];
}

/** Every statement the generator runs, in order (scaffolding, catalog, events, clean-up). */
export function generatorSteps(params: GeneratorParams): GeneratorStep[] {
  validateParams(params);
  return [
    ...scaffoldSteps(params),
    ...catalogSteps(params),
    ...eventSteps(params),
    { label: "drop scaffolding", sql: "drop schema bench_gen cascade;" },
  ];
}

const COUNTED_TABLES: Record<keyof GeneratedData["rows"], string> = {
  users: "auth.users",
  tracks: "public.tracks",
  lessons: "public.lessons",
  quizzes: "public.quizzes",
  explanations: "public.explanations",
  lesson_completions: "public.lesson_completions",
  quiz_attempts: "public.quiz_attempts",
  review_sessions: "public.review_sessions",
  explanation_views: "public.explanation_views",
};

export async function countRows(client: Client): Promise<GeneratedData["rows"]> {
  const keys = Object.keys(COUNTED_TABLES) as (keyof GeneratedData["rows"])[];
  const select = keys.map((key) => `(select count(*) from ${COUNTED_TABLES[key]})::bigint as ${key}`).join(", ");
  const { rows } = await client.query<Record<string, string>>(`select ${select}`);
  return Object.fromEntries(keys.map((key) => [key, Number(rows[0][key])])) as GeneratedData["rows"];
}

/**
 * Loads the data set into a database that has the learning-core tables (and nothing in them),
 * then vacuums and analyzes, so that measurements start from a settled heap (hint bits set,
 * visibility map and statistics current), as a production database under autovacuum is.
 */
export async function loadLearningData(client: Client, params: GeneratorParams, options: GeneratorOptions): Promise<GeneratedData> {
  const steps = generatorSteps(params);
  await client.query("set client_min_messages = warning");
  await client.query("begin");
  try {
    if (options.skipForeignKeyChecks) await client.query("set local session_replication_role = replica");
    for (const step of steps) {
      options.onStep?.(step.label);
      await client.query(step.sql);
    }
    await client.query("commit");
  } catch (error) {
    await client.query("rollback");
    throw error;
  }
  options.onStep?.("vacuum analyze");
  await client.query(`vacuum (freeze, analyze) auth.users, ${Object.values(COUNTED_TABLES).filter((t) => t.startsWith("public.")).join(", ")}`);
  const rows = await countRows(client);
  return { params, rows, events: EVENT_TABLES.reduce((sum, table) => sum + rows[table], 0) };
}
