-- 20261202110000_incremental_analytics_state.sql
--
-- Incremental maintenance under the seven analytics views: a refresh costs what changed
-- since the last one, not the whole event history (docs/incremental-refresh.md). This file
-- creates the state and its triggers only; 20261202110001 builds the state (without holding
-- up writers) and 20261202113000 re-defines the views over it. The three files were
-- rewritten in place: they never reached a database outside this repository.
--
-- * Change logs (analytics.*_changes): statement-level AFTER triggers with transition tables
--   on the event tables append the old rows (sign -1) and the new rows (sign +1) of every
--   insert, update and delete. Writers only append: they never wait for each other or for
--   the refresh. A TRUNCATE empties its table's log and asks for a rebuild.
-- * Rollups (the incremental state): learner-days with per-kind counts, per-day totals,
--   per-learner last activity, streak runs per learner, dropped streaks per learner and
--   length, per-track learners (with the lesson -> track map the state was computed with),
--   per-quiz counters (with the scales of the scores), per-explanation counters.
--   analytics.apply_pending_changes() consumes the change logs (delete ... returning: each
--   logged row is applied exactly once; rows committed while it runs stay for the next run).
-- * The state always equals "the base tables less what the logs still hold". So
--   analytics.build_incremental_state() computes it from the base tables and the logs in
--   one snapshot per statement, without locking writers out, and the next apply catches up.
-- * Values the views cannot aggregate (non-finite timestamps, NaN or infinite scores) are
--   refused at write by check constraints, added here `not valid` (a moment's lock) and
--   validated by 20261202110001 (no lock that writers wait for).
-- * The date: analytics.current_utc_date() (UTC date of now()); the setting
--   analytics.today_override moves it only in a superuser's session (tests; no Supabase
--   customer role is superuser), so no admin can steer what other sessions read.
--
-- Not superuser: plain tables, triggers on our own public tables, plpgsql. The trigger
-- functions are security definer (reason at each); everything else is security invoker.
--
-- Idempotent: every object is created if missing or replaced; the constraints and triggers
-- are added only where missing.

-- A deploy must not race the scheduled refresh: wait for it, hold it off until commit.
select pg_catalog.pg_advisory_xact_lock(analytics.refresh_lock_key());

create or replace function analytics.current_utc_date()
returns date
language sql
stable
set search_path = ''
as $$
  select case
    when (select r.rolsuper from pg_catalog.pg_roles as r where r.rolname = session_user)
      then coalesce(
        nullif(pg_catalog.current_setting('analytics.today_override', true), '')::date,
        (pg_catalog.now() at time zone 'utc')::date)
    else (pg_catalog.now() at time zone 'utc')::date
  end
$$;

comment on function analytics.current_utc_date() is
  'Today for the analytics views: the UTC date of now(). In a superuser''s session only (tests), the setting analytics.today_override (YYYY-MM-DD) replaces it.';

-- ---------------------------------------------------------------------------------------
-- Change logs: appended by the triggers, consumed by apply_pending_changes(). No indexes:
-- appending must stay cheap; the consumer reads them whole.
-- ---------------------------------------------------------------------------------------

create table if not exists analytics.lesson_completion_changes (
  -- The change's sign, -1 or +1.
  -- squawk-ignore prefer-bigint-over-smallint
  sign smallint not null,
  user_id uuid not null,
  lesson_id uuid not null,
  completed_at timestamptz not null
);

create table if not exists analytics.quiz_attempt_changes (
  -- The change's sign, -1 or +1.
  -- squawk-ignore prefer-bigint-over-smallint
  sign smallint not null,
  user_id uuid not null,
  quiz_id uuid not null,
  completed_at timestamptz,
  score numeric
);

create table if not exists analytics.review_session_changes (
  -- The change's sign, -1 or +1.
  -- squawk-ignore prefer-bigint-over-smallint
  sign smallint not null,
  user_id uuid not null,
  started_at timestamptz not null,
  ended_at timestamptz,
  -- A copy of public.review_sessions.cards_reviewed, which is int.
  -- squawk-ignore prefer-bigint-over-int
  cards_reviewed int not null
);

create table if not exists analytics.explanation_view_changes (
  -- The change's sign, -1 or +1.
  -- squawk-ignore prefer-bigint-over-smallint
  sign smallint not null,
  user_id uuid not null,
  explanation_id uuid not null,
  -- A copy of public.explanation_views.dwell_seconds, which is int.
  -- squawk-ignore prefer-bigint-over-int
  dwell_seconds int not null,
  helpful boolean
);

-- ---------------------------------------------------------------------------------------
-- Rollups.
-- ---------------------------------------------------------------------------------------

create table if not exists analytics.incremental_state (
  -- A one-row table: id is always 1.
  -- squawk-ignore prefer-bigint-over-int
  id int primary key default 1 check (id = 1),
  -- streak_dropoffs counts streaks whose last date is before this date (today - 1 when computed)
  dropped_before date,
  -- set by a TRUNCATE of an event table or a failed maintenance: the next refresh rebuilds
  needs_rebuild boolean not null default true,
  rebuilt_at timestamptz
);

-- Per learner and UTC date with any activity event: counts per kind, and the review
-- sessions' figures (by started_at date) for review_session_usage. Keyed by date first: a
-- batch's new learner-days (mostly today's) land on a few adjacent index pages.
create table if not exists analytics.learner_days (
  user_id uuid not null,
  activity_date date not null,
  lessons bigint not null,
  quizzes bigint not null,
  reviews bigint not null,
  review_cards bigint not null,
  reviews_ended bigint not null,
  review_seconds numeric not null,
  primary key (activity_date, user_id)
);

create table if not exists analytics.day_totals (
  activity_date date primary key,
  active_learners bigint not null,
  lessons_completed bigint not null,
  quizzes_completed bigint not null,
  review_sessions bigint not null,
  review_learners bigint not null,
  cards_reviewed bigint not null,
  reviews_ended bigint not null,
  review_seconds numeric not null
);

create table if not exists analytics.learner_activity (
  user_id uuid primary key,
  last_activity_date date not null
);

-- Maximal runs of consecutive activity dates.
create table if not exists analytics.learner_streaks (
  user_id uuid not null,
  start_date date not null,
  last_date date not null,
  -- A streak's length in days; the views' streak_length is int.
  -- squawk-ignore prefer-bigint-over-int
  streak_length int not null,
  primary key (user_id, start_date)
);
create index if not exists learner_streaks_last_date_idx on analytics.learner_streaks (last_date);

create table if not exists analytics.learner_dropped_lengths (
  user_id uuid not null,
  -- A streak's length in days; the views' streak_length is int.
  -- squawk-ignore prefer-bigint-over-int
  streak_length int not null,
  dropoffs bigint not null,
  primary key (user_id, streak_length)
);

create table if not exists analytics.streak_length_totals (
  -- A streak's length in days; the views' streak_length is int.
  -- squawk-ignore prefer-bigint-over-int
  streak_length int primary key,
  dropoffs bigint not null,
  learners bigint not null
);

-- The lesson -> track map the track rollups were computed with. A completion's change is
-- counted for its lesson's track in this map, so a lesson deleted or moved since is still
-- found; the refresh then moves the lesson's completions to its new track (or drops them).
create table if not exists analytics.lesson_tracks (
  lesson_id uuid primary key,
  track_id uuid not null
);

create table if not exists analytics.track_learners (
  track_id uuid not null,
  user_id uuid not null,
  completions bigint not null,
  primary key (track_id, user_id)
);

create table if not exists analytics.track_totals (
  track_id uuid primary key,
  learners bigint not null,
  lesson_completions bigint not null
);

create table if not exists analytics.quiz_totals (
  quiz_id uuid primary key,
  attempts bigint not null,
  completed_attempts bigint not null,
  -- completed attempts with a score: their sum and count (avg_score)
  score_sum numeric not null,
  score_count bigint not null
);

-- Completed attempts with a score, per quiz and decimal scale of the score: avg() divides a
-- sum whose scale is the largest scale among the scores it adds, and that scale decides the
-- digits the rounding sees; the view takes it from here (a removed score's scale goes with it).
create table if not exists analytics.quiz_score_scales (
  quiz_id uuid not null,
  -- scale(score): numeric scales are int.
  -- squawk-ignore prefer-bigint-over-int
  score_scale int not null,
  scores bigint not null,
  primary key (quiz_id, score_scale)
);

create table if not exists analytics.explanation_viewers (
  explanation_id uuid not null,
  user_id uuid not null,
  views bigint not null,
  primary key (explanation_id, user_id)
);

create table if not exists analytics.explanation_totals (
  explanation_id uuid primary key,
  views bigint not null,
  unique_viewers bigint not null,
  helpful_votes bigint not null,
  not_helpful_votes bigint not null,
  dwell_seconds bigint not null
);

-- ---------------------------------------------------------------------------------------
-- Work tables of one maintenance run (filled and emptied under the refresh lock). Unlogged:
-- nothing in them outlives the transaction that fills them.
-- ---------------------------------------------------------------------------------------

create unlogged table if not exists analytics.batch_lessons (like analytics.lesson_completion_changes);
create unlogged table if not exists analytics.batch_quizzes (like analytics.quiz_attempt_changes);
create unlogged table if not exists analytics.batch_reviews (like analytics.review_session_changes);
create unlogged table if not exists analytics.batch_views (like analytics.explanation_view_changes);
-- lessons whose track differs from analytics.lesson_tracks (moved, new or deleted)
create unlogged table if not exists analytics.batch_lesson_changes (
  lesson_id uuid not null,
  old_track_id uuid,
  new_track_id uuid
);

-- learner-day deltas, with the values after applying them
create unlogged table if not exists analytics.batch_day_changes (
  user_id uuid not null,
  activity_date date not null,
  lessons bigint not null,
  quizzes bigint not null,
  reviews bigint not null,
  review_cards bigint not null,
  reviews_ended bigint not null,
  review_seconds numeric not null,
  events_after bigint not null,
  reviews_after bigint not null
);

create unlogged table if not exists analytics.batch_old_streaks (like analytics.learner_streaks);
-- A streak's length in days; the views' streak_length is int.
-- squawk-ignore prefer-bigint-over-int
create unlogged table if not exists analytics.batch_streak_changes (user_id uuid not null, streak_length int not null, delta bigint not null);
create unlogged table if not exists analytics.batch_pairs (
  track_id uuid not null,
  user_id uuid not null,
  old_completions bigint not null,
  new_completions bigint not null
);
create unlogged table if not exists analytics.batch_viewer_changes (
  explanation_id uuid not null,
  user_id uuid not null,
  views_delta bigint not null,
  views_after bigint not null
);

do $$
declare
  internal regclass;
begin
  foreach internal in array array[
    'analytics.lesson_completion_changes', 'analytics.quiz_attempt_changes', 'analytics.review_session_changes',
    'analytics.explanation_view_changes', 'analytics.incremental_state',
    'analytics.learner_days', 'analytics.day_totals', 'analytics.learner_activity', 'analytics.learner_streaks',
    'analytics.learner_dropped_lengths', 'analytics.streak_length_totals', 'analytics.lesson_tracks',
    'analytics.track_learners', 'analytics.track_totals', 'analytics.quiz_totals', 'analytics.quiz_score_scales',
    'analytics.explanation_viewers', 'analytics.explanation_totals', 'analytics.batch_lessons', 'analytics.batch_quizzes',
    'analytics.batch_reviews', 'analytics.batch_views', 'analytics.batch_lesson_changes', 'analytics.batch_day_changes',
    'analytics.batch_old_streaks', 'analytics.batch_streak_changes', 'analytics.batch_pairs', 'analytics.batch_viewer_changes'
  ]::regclass[]
  loop
    execute pg_catalog.format('alter table %s enable row level security', internal);
    execute pg_catalog.format('revoke all on table %s from public, anon, authenticated, service_role', internal);
  end loop;
end
$$;

insert into analytics.incremental_state (id) values (1) on conflict (id) do nothing;

comment on table analytics.incremental_state is 'Internal: the incremental state''s streak cutoff and rebuild flag (docs/incremental-refresh.md).';
comment on table analytics.learner_days is 'Internal rollup: per learner and UTC activity date, event counts per kind and review figures.';
comment on table analytics.lesson_tracks is 'Internal: the lesson -> track map the track rollups were computed with.';
comment on table analytics.quiz_score_scales is 'Internal rollup: completed scored attempts per quiz and score scale (avg_score''s rounding).';

-- ---------------------------------------------------------------------------------------
-- Triggers: append the transition tables to the change logs.
-- ---------------------------------------------------------------------------------------

create or replace function analytics.log_lesson_completion_changes()
returns trigger
language plpgsql
-- security definer: app writers (e.g. authenticated through the Data API) must record their
-- changes in the internal change log, which they may not otherwise touch.
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    insert into analytics.lesson_completion_changes (sign, user_id, lesson_id, completed_at)
    select -1, o.user_id, o.lesson_id, o.completed_at from old_rows as o;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into analytics.lesson_completion_changes (sign, user_id, lesson_id, completed_at)
    select 1, n.user_id, n.lesson_id, n.completed_at from new_rows as n;
  end if;
  return null;
end
$$;

create or replace function analytics.log_quiz_attempt_changes()
returns trigger
language plpgsql
-- security definer: app writers must record their changes in the internal change log.
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    insert into analytics.quiz_attempt_changes (sign, user_id, quiz_id, completed_at, score)
    select -1, o.user_id, o.quiz_id, o.completed_at, o.score from old_rows as o;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into analytics.quiz_attempt_changes (sign, user_id, quiz_id, completed_at, score)
    select 1, n.user_id, n.quiz_id, n.completed_at, n.score from new_rows as n;
  end if;
  return null;
end
$$;

create or replace function analytics.log_review_session_changes()
returns trigger
language plpgsql
-- security definer: app writers must record their changes in the internal change log.
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    insert into analytics.review_session_changes (sign, user_id, started_at, ended_at, cards_reviewed)
    select -1, o.user_id, o.started_at, o.ended_at, o.cards_reviewed from old_rows as o;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into analytics.review_session_changes (sign, user_id, started_at, ended_at, cards_reviewed)
    select 1, n.user_id, n.started_at, n.ended_at, n.cards_reviewed from new_rows as n;
  end if;
  return null;
end
$$;

create or replace function analytics.log_explanation_view_changes()
returns trigger
language plpgsql
-- security definer: app writers must record their changes in the internal change log.
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    insert into analytics.explanation_view_changes (sign, user_id, explanation_id, dwell_seconds, helpful)
    select -1, o.user_id, o.explanation_id, o.dwell_seconds, o.helpful from old_rows as o;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into analytics.explanation_view_changes (sign, user_id, explanation_id, dwell_seconds, helpful)
    select 1, n.user_id, n.explanation_id, n.dwell_seconds, n.helpful from new_rows as n;
  end if;
  return null;
end
$$;

-- A TRUNCATE bypasses row triggers and transition tables: the table's logged changes are
-- void (their rows are gone) and the state is rebuilt at the next refresh. The argument is
-- the table's change log. Safe against a running refresh: the refresh holds an access share
-- lock on every event table from its start, so the TRUNCATE (and this trigger) waits for it.
create or replace function analytics.flag_rebuild()
returns trigger
language plpgsql
-- security definer: the writer may not touch the internal log and state row.
security definer
set search_path = ''
as $$
begin
  execute pg_catalog.format('delete from %s', tg_argv[0]::regclass);
  update analytics.incremental_state set needs_rebuild = true where id = 1;
  return null;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Maintenance.
-- ---------------------------------------------------------------------------------------

-- Applies batch_streak_changes (+1 / -1 per dropped streak of a learner and length) to the
-- per-learner and per-length dropped counts, then empties it. A learner counts for a length
-- while their row for it exists.
create or replace function analytics.apply_streak_changes()
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  with deltas as (
      select c.user_id, c.streak_length, sum(c.delta)::bigint as delta
        from analytics.batch_streak_changes as c
       group by c.user_id, c.streak_length
      having sum(c.delta) <> 0
    ),
    upserted as (
      insert into analytics.learner_dropped_lengths as l (user_id, streak_length, dropoffs)
      select d.user_id, d.streak_length, d.delta from deltas as d
      on conflict (user_id, streak_length) do update set dropoffs = l.dropoffs + excluded.dropoffs
      returning l.user_id, l.streak_length, l.dropoffs
    ),
    per_length as (
      select u.streak_length,
             sum(d.delta)::bigint as dropoffs,
             sum((u.dropoffs > 0)::int - (u.dropoffs - d.delta > 0)::int)::bigint as learners
        from upserted as u
        join deltas as d on d.user_id = u.user_id and d.streak_length = u.streak_length
       group by u.streak_length
    )
    insert into analytics.streak_length_totals as t (streak_length, dropoffs, learners)
    select p.streak_length, p.dropoffs, p.learners from per_length as p
    on conflict (streak_length) do update set dropoffs = t.dropoffs + excluded.dropoffs, learners = t.learners + excluded.learners;

  delete from analytics.learner_dropped_lengths as l
   using analytics.batch_streak_changes as c
   where l.user_id = c.user_id and l.streak_length = c.streak_length and l.dropoffs = 0;
  delete from analytics.streak_length_totals as t where t.dropoffs = 0;
  delete from analytics.batch_streak_changes;
end
$$;

-- Computes every rollup as "the base tables less what the change logs still hold" (the
-- state as of the last take of the logs). Each statement reads the base tables and the
-- logs in one snapshot, and every writer adds to both in one transaction, so the statements
-- agree with each other although writers commit between them: nothing here locks writers
-- out. The logs are left as they are; the caller applies them next. Internal: called by
-- apply_pending_changes() under the refresh lock, with the event tables share-locked.
create or replace function analytics.build_incremental_state()
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  cutoff constant date := analytics.current_utc_date() - 1;
begin
  truncate analytics.learner_days, analytics.day_totals, analytics.learner_activity, analytics.learner_streaks,
    analytics.learner_dropped_lengths, analytics.streak_length_totals, analytics.lesson_tracks,
    analytics.track_learners, analytics.track_totals, analytics.quiz_totals, analytics.quiz_score_scales,
    analytics.explanation_viewers, analytics.explanation_totals;

  insert into analytics.lesson_tracks (lesson_id, track_id)
  select l.id, l.track_id from public.lessons as l;

  insert into analytics.learner_days (activity_date, user_id, lessons, quizzes, reviews, review_cards, reviews_ended, review_seconds)
  select e.activity_date, e.user_id, sum(e.lessons)::bigint, sum(e.quizzes)::bigint, sum(e.reviews)::bigint,
         sum(e.review_cards)::bigint, sum(e.reviews_ended)::bigint, sum(e.review_seconds)
    from (
      select lc.user_id, (lc.completed_at at time zone 'utc')::date as activity_date,
             count(*) as lessons, 0::bigint as quizzes, 0::bigint as reviews, 0::bigint as review_cards,
             0::bigint as reviews_ended, 0::numeric as review_seconds
        from public.lesson_completions as lc
       where pg_catalog.isfinite(lc.completed_at)
       group by 1, 2
      union all
      select c.user_id, (c.completed_at at time zone 'utc')::date, -sum(c.sign), 0, 0, 0, 0, 0
        from analytics.lesson_completion_changes as c
       where pg_catalog.isfinite(c.completed_at)
       group by 1, 2
      union all
      select qa.user_id, (qa.completed_at at time zone 'utc')::date, 0, count(*), 0, 0, 0, 0
        from public.quiz_attempts as qa
       where qa.completed_at is not null and (qa.completed_at is null or pg_catalog.isfinite(qa.completed_at)) and (qa.score is null or (qa.score <> 'NaN' and qa.score > '-Infinity' and qa.score < 'Infinity'))
       group by 1, 2
      union all
      select c.user_id, (c.completed_at at time zone 'utc')::date, 0, -sum(c.sign), 0, 0, 0, 0
        from analytics.quiz_attempt_changes as c
       where c.completed_at is not null and (c.completed_at is null or pg_catalog.isfinite(c.completed_at)) and (c.score is null or (c.score <> 'NaN' and c.score > '-Infinity' and c.score < 'Infinity'))
       group by 1, 2
      union all
      select rs.user_id, (rs.started_at at time zone 'utc')::date, 0, 0, count(*), sum(rs.cards_reviewed), count(rs.ended_at),
             coalesce(sum(extract(epoch from rs.ended_at - rs.started_at)), 0)
        from public.review_sessions as rs
       where pg_catalog.isfinite(rs.started_at) and (rs.ended_at is null or pg_catalog.isfinite(rs.ended_at))
       group by 1, 2
      union all
      select c.user_id, (c.started_at at time zone 'utc')::date, 0, 0, -sum(c.sign), -sum(c.sign * c.cards_reviewed),
             -coalesce(sum(c.sign) filter (where c.ended_at is not null), 0),
             -coalesce(sum(c.sign * extract(epoch from c.ended_at - c.started_at)) filter (where c.ended_at is not null), 0)
        from analytics.review_session_changes as c
       where pg_catalog.isfinite(c.started_at) and (c.ended_at is null or pg_catalog.isfinite(c.ended_at))
       group by 1, 2
    ) as e
   group by e.activity_date, e.user_id
  having sum(e.lessons) + sum(e.quizzes) + sum(e.reviews) > 0;

  insert into analytics.day_totals
  select d.activity_date, count(*), sum(d.lessons)::bigint, sum(d.quizzes)::bigint, sum(d.reviews)::bigint,
         count(*) filter (where d.reviews > 0), sum(d.review_cards)::bigint, sum(d.reviews_ended)::bigint, sum(d.review_seconds)
    from analytics.learner_days as d
   group by d.activity_date;

  insert into analytics.learner_activity
  select d.user_id, max(d.activity_date) from analytics.learner_days as d group by d.user_id;

  insert into analytics.learner_streaks (user_id, start_date, last_date, streak_length)
  select i.user_id, min(i.activity_date), max(i.activity_date), count(*)::int
    from (
      select d.user_id, d.activity_date,
             d.activity_date - (row_number() over (partition by d.user_id order by d.activity_date))::int as island
        from analytics.learner_days as d
    ) as i
   group by i.user_id, i.island;

  insert into analytics.learner_dropped_lengths
  select s.user_id, s.streak_length, count(*)
    from analytics.learner_streaks as s
   where s.last_date < cutoff
   group by s.user_id, s.streak_length;

  insert into analytics.streak_length_totals
  select l.streak_length, sum(l.dropoffs)::bigint, count(*)
    from analytics.learner_dropped_lengths as l
   group by l.streak_length;

  -- By the map just taken: a lesson created since has only logged completions (they net
  -- out), one deleted since keeps its completions until the apply that follows.
  insert into analytics.track_learners
  select m.track_id, x.user_id, sum(x.n)::bigint
    from (
      select lc.lesson_id, lc.user_id, count(*) as n
        from public.lesson_completions as lc
       where pg_catalog.isfinite(lc.completed_at)
       group by lc.lesson_id, lc.user_id
      union all
      select c.lesson_id, c.user_id, -sum(c.sign)
        from analytics.lesson_completion_changes as c
       where pg_catalog.isfinite(c.completed_at)
       group by c.lesson_id, c.user_id
    ) as x
    join analytics.lesson_tracks as m on m.lesson_id = x.lesson_id
   group by m.track_id, x.user_id
  having sum(x.n) > 0;

  insert into analytics.track_totals
  select tl.track_id, count(*), sum(tl.completions)::bigint from analytics.track_learners as tl group by tl.track_id;

  insert into analytics.quiz_totals
  select x.quiz_id, sum(x.attempts)::bigint, sum(x.completed)::bigint, sum(x.score_sum), sum(x.score_count)::bigint
    from (
      select qa.quiz_id, count(*) as attempts, count(qa.completed_at) as completed,
             coalesce(sum(qa.score) filter (where qa.completed_at is not null), 0) as score_sum,
             count(qa.score) filter (where qa.completed_at is not null) as score_count
        from public.quiz_attempts as qa
       where (qa.completed_at is null or pg_catalog.isfinite(qa.completed_at)) and (qa.score is null or (qa.score <> 'NaN' and qa.score > '-Infinity' and qa.score < 'Infinity'))
       group by qa.quiz_id
      union all
      select c.quiz_id, -sum(c.sign), -coalesce(sum(c.sign) filter (where c.completed_at is not null), 0),
             -coalesce(sum(c.sign * c.score) filter (where c.completed_at is not null and c.score is not null), 0),
             -coalesce(sum(c.sign) filter (where c.completed_at is not null and c.score is not null), 0)
        from analytics.quiz_attempt_changes as c
       where (c.completed_at is null or pg_catalog.isfinite(c.completed_at)) and (c.score is null or (c.score <> 'NaN' and c.score > '-Infinity' and c.score < 'Infinity'))
       group by c.quiz_id
    ) as x
   group by x.quiz_id
  having sum(x.attempts) > 0;

  insert into analytics.quiz_score_scales
  select x.quiz_id, x.score_scale, sum(x.scores)::bigint
    from (
      select qa.quiz_id, pg_catalog.scale(qa.score) as score_scale, count(*) as scores
        from public.quiz_attempts as qa
       where qa.completed_at is not null and qa.score is not null and (qa.completed_at is null or pg_catalog.isfinite(qa.completed_at)) and (qa.score is null or (qa.score <> 'NaN' and qa.score > '-Infinity' and qa.score < 'Infinity'))
       group by 1, 2
      union all
      select c.quiz_id, pg_catalog.scale(c.score), -sum(c.sign)
        from analytics.quiz_attempt_changes as c
       where c.completed_at is not null and c.score is not null and (c.completed_at is null or pg_catalog.isfinite(c.completed_at)) and (c.score is null or (c.score <> 'NaN' and c.score > '-Infinity' and c.score < 'Infinity'))
       group by 1, 2
    ) as x
   group by x.quiz_id, x.score_scale
  having sum(x.scores) > 0;

  insert into analytics.explanation_viewers
  select x.explanation_id, x.user_id, sum(x.n)::bigint
    from (
      select ev.explanation_id, ev.user_id, count(*) as n
        from public.explanation_views as ev
       group by ev.explanation_id, ev.user_id
      union all
      select c.explanation_id, c.user_id, -sum(c.sign)
        from analytics.explanation_view_changes as c
       group by c.explanation_id, c.user_id
    ) as x
   group by x.explanation_id, x.user_id
  having sum(x.n) > 0;

  insert into analytics.explanation_totals
  select x.explanation_id, sum(x.views)::bigint, coalesce(max(v.viewers), 0), sum(x.helpful)::bigint,
         sum(x.not_helpful)::bigint, sum(x.dwell)::bigint
    from (
      select ev.explanation_id, count(*) as views, count(*) filter (where ev.helpful) as helpful,
             count(*) filter (where not ev.helpful) as not_helpful, sum(ev.dwell_seconds)::bigint as dwell
        from public.explanation_views as ev
       group by ev.explanation_id
      union all
      select c.explanation_id, -sum(c.sign), -coalesce(sum(c.sign) filter (where c.helpful), 0),
             -coalesce(sum(c.sign) filter (where not c.helpful), 0), -sum(c.sign * c.dwell_seconds::bigint)
        from analytics.explanation_view_changes as c
       group by c.explanation_id
    ) as x
    left join (
      select w.explanation_id, count(*) as viewers from analytics.explanation_viewers as w group by w.explanation_id
    ) as v on v.explanation_id = x.explanation_id
   group by x.explanation_id
  having sum(x.views) > 0;

  update analytics.incremental_state
     set dropped_before = cutoff, needs_rebuild = false, rebuilt_at = pg_catalog.clock_timestamp()
   where id = 1;
end
$$;

comment on function analytics.build_incremental_state() is
  'Internal: computes the incremental state from the base tables less the logged changes, without locking writers out; apply_pending_changes() calls it when a rebuild is due.';

create or replace function analytics.apply_pending_changes()
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  cutoff constant date := analytics.current_utc_date() - 1;
  previous_cutoff date;
  rebuild boolean;
  applied jsonb;
  -- Where the time goes: milliseconds per step, recorded in refresh_runs.incremental.
  steps jsonb := '{}'::jsonb;
  step_started_at timestamptz := pg_catalog.clock_timestamp();
begin
  -- The statements below touch a batch's rows, yet their estimates can look large:
  -- compiling them (JIT) would cost far more than running them. Transaction-local, so the
  -- views' refresh that follows in the same transaction runs without JIT too.
  perform pg_catalog.set_config('jit', 'off', true);
  -- Lock order (before the state row): the event tables in access share mode, which writers
  -- never wait for; a TRUNCATE waits for this run (its trigger updates the state row).
  lock table public.lesson_completions, public.quiz_attempts, public.review_sessions, public.explanation_views
    in access share mode;
  select s.needs_rebuild, s.dropped_before into rebuild, previous_cutoff
    from analytics.incremental_state as s
   where s.id = 1
     for update;
  if rebuild or previous_cutoff is null then
    perform analytics.build_incremental_state();
    previous_cutoff := cutoff;
  end if;
  steps := steps || pg_catalog.jsonb_build_object('lock_and_build', round(extract(epoch from pg_catalog.clock_timestamp() - step_started_at) * 1000, 1));
  step_started_at := pg_catalog.clock_timestamp();

  -- 1. Take the logged changes: each row exactly once; rows committed from now on stay.
  -- The work tables are only used here, under the refresh lock: truncate (no dead rows).
  truncate analytics.batch_lessons, analytics.batch_quizzes, analytics.batch_reviews, analytics.batch_views,
    analytics.batch_lesson_changes, analytics.batch_day_changes, analytics.batch_old_streaks, analytics.batch_streak_changes,
    analytics.batch_pairs, analytics.batch_viewer_changes;
  -- A non-finite value can only be logged by a row that predates the value checks, being
  -- fixed or deleted; such rows count nowhere (build_incremental_state() skips them alike).
  with taken as (delete from analytics.lesson_completion_changes returning *)
  insert into analytics.batch_lessons select * from taken as t where pg_catalog.isfinite(t.completed_at);
  with taken as (delete from analytics.quiz_attempt_changes returning *)
  insert into analytics.batch_quizzes select * from taken as t where (t.completed_at is null or pg_catalog.isfinite(t.completed_at)) and (t.score is null or (t.score <> 'NaN' and t.score > '-Infinity' and t.score < 'Infinity'));
  with taken as (delete from analytics.review_session_changes returning *)
  insert into analytics.batch_reviews select * from taken as t where pg_catalog.isfinite(t.started_at) and (t.ended_at is null or pg_catalog.isfinite(t.ended_at));
  with taken as (delete from analytics.explanation_view_changes returning *)
  insert into analytics.batch_views select * from taken;
  -- Lessons whose track is not the one the state counted them for: moved, new or deleted
  -- (content tables are small; one snapshot of lessons, used by every statement below).
  insert into analytics.batch_lesson_changes (lesson_id, old_track_id, new_track_id)
  select coalesce(l.id, m.lesson_id), m.track_id, l.track_id
    from public.lessons as l
    full join analytics.lesson_tracks as m on m.lesson_id = l.id
   where l.track_id is distinct from m.track_id;
  -- Plans follow this batch's size and spread (the statements below join it to large rollups).
  analyze analytics.batch_lessons, analytics.batch_quizzes, analytics.batch_reviews, analytics.batch_views,
    analytics.batch_lesson_changes;

  applied := pg_catalog.jsonb_build_object(
    'rebuilt', rebuild,
    'lesson_completions', (select count(*) from analytics.batch_lessons),
    'quiz_attempts', (select count(*) from analytics.batch_quizzes),
    'review_sessions', (select count(*) from analytics.batch_reviews),
    'explanation_views', (select count(*) from analytics.batch_views),
    'lesson_track_changes', (select count(*) from analytics.batch_lesson_changes)
  );

  steps := steps || pg_catalog.jsonb_build_object('take', round(extract(epoch from pg_catalog.clock_timestamp() - step_started_at) * 1000, 1));
  step_started_at := pg_catalog.clock_timestamp();

  -- 2. Learner-days: signed deltas, then the values after them.
  with events as (
    select l.user_id, (l.completed_at at time zone 'utc')::date as activity_date,
           l.sign::bigint as lessons, 0::bigint as quizzes, 0::bigint as reviews,
           0::bigint as review_cards, 0::bigint as reviews_ended, 0::numeric as review_seconds
      from analytics.batch_lessons as l
    union all
    select q.user_id, (q.completed_at at time zone 'utc')::date, 0, q.sign, 0, 0, 0, 0
      from analytics.batch_quizzes as q
     where q.completed_at is not null
    union all
    select r.user_id, (r.started_at at time zone 'utc')::date, 0, 0, r.sign, r.sign * r.cards_reviewed,
           case when r.ended_at is not null then r.sign else 0 end,
           case when r.ended_at is not null then r.sign * extract(epoch from r.ended_at - r.started_at) else 0 end
      from analytics.batch_reviews as r
  ),
  deltas as (
    select e.user_id, e.activity_date, sum(e.lessons)::bigint as lessons, sum(e.quizzes)::bigint as quizzes,
           sum(e.reviews)::bigint as reviews, sum(e.review_cards)::bigint as review_cards,
           sum(e.reviews_ended)::bigint as reviews_ended, sum(e.review_seconds) as review_seconds
      from events as e
     group by e.user_id, e.activity_date
  ),
  upserted as (
    insert into analytics.learner_days as d (user_id, activity_date, lessons, quizzes, reviews, review_cards, reviews_ended, review_seconds)
    select x.user_id, x.activity_date, x.lessons, x.quizzes, x.reviews, x.review_cards, x.reviews_ended, x.review_seconds
      from deltas as x
     order by x.activity_date, x.user_id
    on conflict (user_id, activity_date) do update set
      lessons = d.lessons + excluded.lessons,
      quizzes = d.quizzes + excluded.quizzes,
      reviews = d.reviews + excluded.reviews,
      review_cards = d.review_cards + excluded.review_cards,
      reviews_ended = d.reviews_ended + excluded.reviews_ended,
      review_seconds = d.review_seconds + excluded.review_seconds
    returning d.user_id, d.activity_date, d.lessons + d.quizzes + d.reviews as events_after, d.reviews as reviews_after
  )
  insert into analytics.batch_day_changes
  select x.user_id, x.activity_date, x.lessons, x.quizzes, x.reviews, x.review_cards, x.reviews_ended, x.review_seconds,
         u.events_after, u.reviews_after
    from upserted as u
    join deltas as x on x.user_id = u.user_id and x.activity_date = u.activity_date;

  analyze analytics.batch_day_changes;
  delete from analytics.learner_days as d
   using analytics.batch_day_changes as c
   where d.user_id = c.user_id and d.activity_date = c.activity_date and c.events_after = 0;

  -- Per-day totals: counts add up; a learner counts on a day while their learner-day exists.
  insert into analytics.day_totals as t (
    activity_date, active_learners, lessons_completed, quizzes_completed, review_sessions,
    review_learners, cards_reviewed, reviews_ended, review_seconds
  )
  select c.activity_date,
         sum((c.events_after > 0)::int - (c.events_after - c.lessons - c.quizzes - c.reviews > 0)::int)::bigint,
         sum(c.lessons)::bigint, sum(c.quizzes)::bigint, sum(c.reviews)::bigint,
         sum((c.reviews_after > 0)::int - (c.reviews_after - c.reviews > 0)::int)::bigint,
         sum(c.review_cards)::bigint, sum(c.reviews_ended)::bigint, sum(c.review_seconds)
    from analytics.batch_day_changes as c
   group by c.activity_date
  on conflict (activity_date) do update set
    active_learners = t.active_learners + excluded.active_learners,
    lessons_completed = t.lessons_completed + excluded.lessons_completed,
    quizzes_completed = t.quizzes_completed + excluded.quizzes_completed,
    review_sessions = t.review_sessions + excluded.review_sessions,
    review_learners = t.review_learners + excluded.review_learners,
    cards_reviewed = t.cards_reviewed + excluded.cards_reviewed,
    reviews_ended = t.reviews_ended + excluded.reviews_ended,
    review_seconds = t.review_seconds + excluded.review_seconds;
  delete from analytics.day_totals as t
   where t.active_learners = 0
     and t.activity_date in (select c.activity_date from analytics.batch_day_changes as c);

  steps := steps || pg_catalog.jsonb_build_object('learner_days', round(extract(epoch from pg_catalog.clock_timestamp() - step_started_at) * 1000, 1));
  step_started_at := pg_catalog.clock_timestamp();

  -- 3. Learners whose set of activity dates changed: last activity date and streaks.
  delete from analytics.batch_day_changes as c
   where (c.events_after > 0) = (c.events_after - c.lessons - c.quizzes - c.reviews > 0);


  -- From here on batch_day_changes holds only days that appeared (events_after > 0) or
  -- disappeared (events_after = 0).
  -- A changed day d can only change the streaks that touch d - 1 .. d + 1: per learner,
  -- delete the streaks meeting [min d - 1, max d + 1] and recompute that stretch.
  with touched as (
    select c.user_id, min(c.activity_date) - 1 as lo, max(c.activity_date) + 1 as hi
      from analytics.batch_day_changes as c
     group by c.user_id
  ),
  removed as (
    delete from analytics.learner_streaks as s
     using touched as t
     where s.user_id = t.user_id and s.last_date >= t.lo and s.start_date <= t.hi
    returning s.*
  )
  insert into analytics.batch_old_streaks select * from removed;

  insert into analytics.batch_streak_changes (user_id, streak_length, delta)
  select o.user_id, o.streak_length, -1 from analytics.batch_old_streaks as o where o.last_date < previous_cutoff;

  -- The stretch's dates after the batch: those of the removed streaks (every date from start
  -- to last) that did not disappear, and the days that appeared (none of which was in a
  -- streak). Every date the learner had in the stretch belonged to a removed streak: a date
  -- within [min d - 1, max d + 1] was in a streak meeting it, and a date outside it but in
  -- the stretch lies inside the removed streak that widened the stretch.
  with days as (
    select o.user_id, g.day::date as activity_date
      from analytics.batch_old_streaks as o
     cross join lateral pg_catalog.generate_series(o.start_date::timestamp, o.last_date::timestamp, interval '1 day') as g (day)
     where not exists (
       select 1 from analytics.batch_day_changes as c
        where c.user_id = o.user_id and c.activity_date = g.day::date and c.events_after = 0
     )
    union all
    select c.user_id, c.activity_date from analytics.batch_day_changes as c where c.events_after > 0
  ),
  islands as (
    select d.user_id, d.activity_date,
           d.activity_date - (row_number() over (partition by d.user_id order by d.activity_date))::int as island
      from days as d
  ),
  added as (
    insert into analytics.learner_streaks (user_id, start_date, last_date, streak_length)
    select i.user_id, min(i.activity_date), max(i.activity_date), count(*)::int
      from islands as i
     group by i.user_id, i.island
     order by i.user_id, min(i.activity_date)
    returning user_id, last_date, streak_length
  )
  insert into analytics.batch_streak_changes (user_id, streak_length, delta)
  select a.user_id, a.streak_length, 1 from added as a where a.last_date < previous_cutoff;

  -- Last activity dates: the later of the stored one and the newest appeared day, unless a
  -- day disappeared: then the last date of the learner's streaks (brought up to date above;
  -- learner_days has no index by learner).
  with per_learner as (
    select c.user_id,
           max(c.activity_date) filter (where c.events_after > 0) as newest,
           bool_or(c.events_after = 0) as lost
      from analytics.batch_day_changes as c
     group by c.user_id
  ),
  latest as (
    select p.user_id, a.last_activity_date as stored,
           case
             when p.lost then (select max(s.last_date) from analytics.learner_streaks as s where s.user_id = p.user_id)
             else greatest(a.last_activity_date, p.newest)
           end as last_date
      from per_learner as p
      left join analytics.learner_activity as a on a.user_id = p.user_id
  ),
  gone as (
    delete from analytics.learner_activity as a
     using latest as l
     where a.user_id = l.user_id and l.last_date is null
  )
  insert into analytics.learner_activity as a (user_id, last_activity_date)
  select l.user_id, l.last_date from latest as l
   where l.last_date is not null and l.last_date is distinct from l.stored
  on conflict (user_id) do update set last_activity_date = excluded.last_activity_date;

  -- The date changed: streaks whose last date lies between the old and the new cutoff
  -- dropped off (or, if the date went back, are running again).
  if cutoff <> previous_cutoff then
    insert into analytics.batch_streak_changes (user_id, streak_length, delta)
    select s.user_id, s.streak_length, case when cutoff > previous_cutoff then 1 else -1 end
      from analytics.learner_streaks as s
     where s.last_date >= least(cutoff, previous_cutoff) and s.last_date < greatest(cutoff, previous_cutoff);
    update analytics.incremental_state set dropped_before = cutoff where id = 1;
  end if;
  perform analytics.apply_streak_changes();

  steps := steps || pg_catalog.jsonb_build_object('streaks', round(extract(epoch from pg_catalog.clock_timestamp() - step_started_at) * 1000, 1));
  step_started_at := pg_catalog.clock_timestamp();

  -- 4. Lessons: completions per track and learner, as signed deltas.
  -- * The batch's changes count for their lesson's track in the state's map (a lesson deleted
  --   or moved since the last run is still there).
  -- * A lesson whose track changed moves its completions, as they stood when the logs were
  --   taken (base table now less the changes logged since, in this statement's snapshot),
  --   from its old track (if any) to its new one (if any).
  with changed_completions as (
    select x.lesson_id, x.user_id, sum(x.n)::bigint as n
      from (
        select lc.lesson_id, lc.user_id, 1::bigint as n
          from public.lesson_completions as lc
         where lc.lesson_id in (select ch.lesson_id from analytics.batch_lesson_changes as ch) and pg_catalog.isfinite(lc.completed_at)
        union all
        select c.lesson_id, c.user_id, -c.sign::bigint
          from analytics.lesson_completion_changes as c
         where c.lesson_id in (select ch.lesson_id from analytics.batch_lesson_changes as ch) and pg_catalog.isfinite(c.completed_at)
      ) as x
     group by x.lesson_id, x.user_id
  ),
  signed as (
    select m.track_id, l.user_id, l.sign::bigint as n
      from analytics.batch_lessons as l
      join analytics.lesson_tracks as m on m.lesson_id = l.lesson_id
    union all
    select ch.old_track_id, cc.user_id, -cc.n
      from changed_completions as cc
      join analytics.batch_lesson_changes as ch on ch.lesson_id = cc.lesson_id
     where ch.old_track_id is not null
    union all
    select ch.new_track_id, cc.user_id, cc.n
      from changed_completions as cc
      join analytics.batch_lesson_changes as ch on ch.lesson_id = cc.lesson_id
     where ch.new_track_id is not null
  ),
  deltas as (
    select s.track_id, s.user_id, sum(s.n)::bigint as completions
      from signed as s
     group by s.track_id, s.user_id
    having sum(s.n) <> 0
  ),
  upserted as (
    insert into analytics.track_learners as tl (track_id, user_id, completions)
    select d.track_id, d.user_id, d.completions from deltas as d order by d.track_id, d.user_id
    on conflict (track_id, user_id) do update set completions = tl.completions + excluded.completions
    returning tl.track_id, tl.user_id, tl.completions
  )
  insert into analytics.batch_pairs (track_id, user_id, old_completions, new_completions)
  select u.track_id, u.user_id, u.completions - d.completions, u.completions
    from upserted as u
    join deltas as d on d.track_id = u.track_id and d.user_id = u.user_id;
  delete from analytics.track_learners as tl
   using analytics.batch_pairs as p
   where p.new_completions = 0 and tl.track_id = p.track_id and tl.user_id = p.user_id;

  insert into analytics.track_totals as t (track_id, learners, lesson_completions)
  select p.track_id,
         sum((p.new_completions > 0)::int - (p.old_completions > 0)::int)::bigint,
         sum(p.new_completions - p.old_completions)::bigint
    from analytics.batch_pairs as p
   group by p.track_id
  on conflict (track_id) do update set
    learners = t.learners + excluded.learners,
    lesson_completions = t.lesson_completions + excluded.lesson_completions;
  delete from analytics.track_totals as t
   where t.lesson_completions = 0 and t.track_id in (select p.track_id from analytics.batch_pairs as p);

  -- The map now says what the lessons say.
  delete from analytics.lesson_tracks as m
   using analytics.batch_lesson_changes as ch
   where m.lesson_id = ch.lesson_id and ch.new_track_id is null;
  insert into analytics.lesson_tracks as m (lesson_id, track_id)
  select ch.lesson_id, ch.new_track_id from analytics.batch_lesson_changes as ch where ch.new_track_id is not null
  on conflict (lesson_id) do update set track_id = excluded.track_id;

  steps := steps || pg_catalog.jsonb_build_object('tracks', round(extract(epoch from pg_catalog.clock_timestamp() - step_started_at) * 1000, 1));
  step_started_at := pg_catalog.clock_timestamp();

  -- 5. Quizzes: every figure adds up; scored attempts are also counted per score scale.
  insert into analytics.quiz_totals as t (quiz_id, attempts, completed_attempts, score_sum, score_count)
  select q.quiz_id,
         sum(q.sign)::bigint,
         coalesce(sum(q.sign) filter (where q.completed_at is not null), 0)::bigint,
         coalesce(sum(q.sign * q.score) filter (where q.completed_at is not null and q.score is not null), 0),
         coalesce(sum(q.sign) filter (where q.completed_at is not null and q.score is not null), 0)::bigint
    from analytics.batch_quizzes as q
   group by q.quiz_id
  on conflict (quiz_id) do update set
    attempts = t.attempts + excluded.attempts,
    completed_attempts = t.completed_attempts + excluded.completed_attempts,
    score_sum = t.score_sum + excluded.score_sum,
    score_count = t.score_count + excluded.score_count;
  delete from analytics.quiz_totals as t
   where t.attempts = 0 and t.quiz_id in (select q.quiz_id from analytics.batch_quizzes as q);

  insert into analytics.quiz_score_scales as s (quiz_id, score_scale, scores)
  select q.quiz_id, pg_catalog.scale(q.score), sum(q.sign)::bigint
    from analytics.batch_quizzes as q
   where q.completed_at is not null and q.score is not null
   group by 1, 2
  having sum(q.sign) <> 0
  on conflict (quiz_id, score_scale) do update set scores = s.scores + excluded.scores;
  delete from analytics.quiz_score_scales as s
   where s.scores = 0 and s.quiz_id in (select q.quiz_id from analytics.batch_quizzes as q);

  steps := steps || pg_catalog.jsonb_build_object('quizzes', round(extract(epoch from pg_catalog.clock_timestamp() - step_started_at) * 1000, 1));
  step_started_at := pg_catalog.clock_timestamp();

  -- 6. Explanations: counters add up; a viewer counts while their per-explanation row exists.
  with deltas as (
    select v.explanation_id, v.user_id, sum(v.sign)::bigint as views
      from analytics.batch_views as v
     group by v.explanation_id, v.user_id
    having sum(v.sign) <> 0
  ),
  upserted as (
    insert into analytics.explanation_viewers as ev (explanation_id, user_id, views)
    select d.explanation_id, d.user_id, d.views from deltas as d order by d.explanation_id, d.user_id
    on conflict (explanation_id, user_id) do update set views = ev.views + excluded.views
    returning ev.explanation_id, ev.user_id, ev.views
  )
  insert into analytics.batch_viewer_changes (explanation_id, user_id, views_delta, views_after)
  select u.explanation_id, u.user_id, d.views, u.views
    from upserted as u
    join deltas as d on d.explanation_id = u.explanation_id and d.user_id = u.user_id;
  delete from analytics.explanation_viewers as ev
   using analytics.batch_viewer_changes as c
   where ev.explanation_id = c.explanation_id and ev.user_id = c.user_id and c.views_after = 0;

  with counters as (
    select v.explanation_id,
           sum(v.sign)::bigint as views,
           coalesce(sum(v.sign) filter (where v.helpful), 0)::bigint as helpful_votes,
           coalesce(sum(v.sign) filter (where not v.helpful), 0)::bigint as not_helpful_votes,
           sum(v.sign * v.dwell_seconds)::bigint as dwell_seconds
      from analytics.batch_views as v
     group by v.explanation_id
  ),
  viewers as (
    select c.explanation_id, sum((c.views_after > 0)::int - (c.views_after - c.views_delta > 0)::int)::bigint as unique_viewers
      from analytics.batch_viewer_changes as c
     group by c.explanation_id
  )
  insert into analytics.explanation_totals as t (explanation_id, views, unique_viewers, helpful_votes, not_helpful_votes, dwell_seconds)
  select c.explanation_id, c.views, coalesce(v.unique_viewers, 0), c.helpful_votes, c.not_helpful_votes, c.dwell_seconds
    from counters as c
    left join viewers as v on v.explanation_id = c.explanation_id
  on conflict (explanation_id) do update set
    views = t.views + excluded.views,
    unique_viewers = t.unique_viewers + excluded.unique_viewers,
    helpful_votes = t.helpful_votes + excluded.helpful_votes,
    not_helpful_votes = t.not_helpful_votes + excluded.not_helpful_votes,
    dwell_seconds = t.dwell_seconds + excluded.dwell_seconds;
  delete from analytics.explanation_totals as t
   where t.views = 0 and t.explanation_id in (select v.explanation_id from analytics.batch_views as v);

  steps := steps || pg_catalog.jsonb_build_object('explanations', round(extract(epoch from pg_catalog.clock_timestamp() - step_started_at) * 1000, 1));
  step_started_at := pg_catalog.clock_timestamp();

  -- The work tables are empty between runs.
  truncate analytics.batch_lessons, analytics.batch_quizzes, analytics.batch_reviews, analytics.batch_views,
    analytics.batch_lesson_changes, analytics.batch_day_changes, analytics.batch_old_streaks, analytics.batch_streak_changes,
    analytics.batch_pairs, analytics.batch_viewer_changes;
  return applied || pg_catalog.jsonb_build_object('steps_ms', steps);
end
$$;

comment on function analytics.apply_pending_changes() is
  'Internal: applies the logged changes of the event tables (and a change of date) to the incremental state, rebuilding it first when due; called by the refresh under the refresh advisory lock (analytics.refresh_lock_key()).';

create or replace function analytics.rebuild_incremental_state()
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
begin
  -- One rebuild or refresh at a time. Writers are not held up (see build_incremental_state).
  perform pg_catalog.pg_advisory_xact_lock(analytics.refresh_lock_key());
  update analytics.incremental_state set needs_rebuild = true where id = 1;
  return analytics.apply_pending_changes();
end
$$;

comment on function analytics.rebuild_incremental_state() is
  'Recomputes the incremental state of the analytics views from the base tables (writers are not held up) and applies the changes logged meanwhile; run analytics.refresh_all_views() after it. See docs/incremental-refresh.md.';

revoke execute on function
  analytics.current_utc_date(),
  analytics.log_lesson_completion_changes(),
  analytics.log_quiz_attempt_changes(),
  analytics.log_review_session_changes(),
  analytics.log_explanation_view_changes(),
  analytics.flag_rebuild(),
  analytics.apply_streak_changes(),
  analytics.build_incremental_state(),
  analytics.apply_pending_changes(),
  analytics.rebuild_incremental_state()
  from public, anon, authenticated, service_role;

-- A rebuild is due: 20261202110001 builds the state, after this file has committed.
update analytics.incremental_state set needs_rebuild = true where id = 1;

-- ---------------------------------------------------------------------------------------
-- Last, the event tables: value checks (not valid: no scan) and the triggers. Both need a
-- lock that writers wait for, held until this file commits a moment later. It is taken for
-- at most 1 s at a time (lock_timeout), in one statement for the four tables (one lock
-- order); when a long writer transaction is in the way, the file gives up the wait, lets
-- the queued writers through, and tries again.
-- ---------------------------------------------------------------------------------------

do $$
declare
  -- Attempts of 1 s (each followed by a 1 s pause) before the deploy fails.
  max_attempts constant int := 60;
  previous_lock_timeout constant text := pg_catalog.current_setting('lock_timeout');
  attempt int := 0;
begin
  loop
    attempt := attempt + 1;
    begin
      perform pg_catalog.set_config('lock_timeout', '1s', true);
      lock table public.lesson_completions, public.quiz_attempts, public.review_sessions, public.explanation_views
        in access exclusive mode;
      exit;
    exception when lock_not_available then
      if attempt >= max_attempts then
        raise exception 'could not lock the event tables (lesson_completions, quiz_attempts, review_sessions, explanation_views) in % attempts of 1 s', max_attempts
          using errcode = '55P03',
                hint = 'A long transaction holds one of them (see pg_stat_activity); deploy again once it has ended.';
      end if;
      perform pg_catalog.pg_sleep(1);
    end;
  end loop;
  perform pg_catalog.set_config('lock_timeout', previous_lock_timeout, true);
end
$$;

-- Non-finite timestamps and NaN or infinite scores are refused at write (the views' dates,
-- streaks, durations and averages have no meaning for them; docs/incremental-refresh.md).
do $$
declare
  spec record;
begin
  for spec in
    select * from (values
      ('lesson_completions', 'completed_at', 'pg_catalog.isfinite(completed_at)'),
      ('quiz_attempts', 'completed_at', 'completed_at is null or pg_catalog.isfinite(completed_at)'),
      ('quiz_attempts', 'score', 'score is null or (score <> ''NaN''::numeric and score > ''-Infinity''::numeric and score < ''Infinity''::numeric)'),
      ('review_sessions', 'started_at', 'pg_catalog.isfinite(started_at)'),
      ('review_sessions', 'ended_at', 'ended_at is null or pg_catalog.isfinite(ended_at)')
    ) as v (table_name, column_name, condition)
  loop
    if not exists (
      select 1 from pg_catalog.pg_constraint as c
       where c.conrelid = pg_catalog.format('public.%I', spec.table_name)::regclass
         and c.conname = pg_catalog.format('%s_%s_finite', spec.table_name, spec.column_name)
    ) then
      execute pg_catalog.format('alter table public.%I add constraint %I check (%s) not valid',
        spec.table_name, pg_catalog.format('%s_%s_finite', spec.table_name, spec.column_name), spec.condition);
      execute pg_catalog.format('comment on constraint %I on public.%I is %L',
        pg_catalog.format('%s_%s_finite', spec.table_name, spec.column_name), spec.table_name,
        pg_catalog.format('public.%s.%s must be a finite value (analytics views; docs/incremental-refresh.md).', spec.table_name, spec.column_name));
    end if;
  end loop;
end
$$;

do $$
declare
  event_table text;
  log_function text;
  log_table text;
begin
  for event_table, log_function, log_table in
    select * from (values
      ('lesson_completions', 'analytics.log_lesson_completion_changes()', 'analytics.lesson_completion_changes'),
      ('quiz_attempts', 'analytics.log_quiz_attempt_changes()', 'analytics.quiz_attempt_changes'),
      ('review_sessions', 'analytics.log_review_session_changes()', 'analytics.review_session_changes'),
      ('explanation_views', 'analytics.log_explanation_view_changes()', 'analytics.explanation_view_changes')
    ) as t (event_table, log_function, log_table)
  loop
    execute pg_catalog.format(
      'create or replace trigger analytics_log_insert after insert on public.%I referencing new table as new_rows for each statement execute function %s',
      event_table, log_function);
    execute pg_catalog.format(
      'create or replace trigger analytics_log_update after update on public.%I referencing old table as old_rows new table as new_rows for each statement execute function %s',
      event_table, log_function);
    execute pg_catalog.format(
      'create or replace trigger analytics_log_delete after delete on public.%I referencing old table as old_rows for each statement execute function %s',
      event_table, log_function);
    execute pg_catalog.format(
      'create or replace trigger analytics_flag_truncate after truncate on public.%I for each statement execute function analytics.flag_rebuild(%L)',
      event_table, log_table);
  end loop;
end
$$;
