-- 20261202113000_views_over_incremental_state.sql
--
-- The seven analytics views, same names, columns (and types), unique indexes and wrappers,
-- re-defined over the incremental state built by 20261202110001, and the refresh body that
-- brings that state up to date before refreshing them (docs/incremental-refresh.md).
--
-- * A view cannot change its query in place: each view still defined over the base tables is
--   dropped and created again, and its wrapper analytics.get_<view>() (which returns the
--   view's row type) with it. analytics.save_privileges() / restore_privileges() keep the
--   privileges of everything re-created (the stack's grants on the wrappers).
-- * Readers of the views wait for this file's commit (the drop takes an exclusive lock on
--   the views only; event writers are not involved); the refresh lock (analytics.refresh_lock_key()) is held too.
-- * analytics.refresh_views_and_record() applies the pending changes first, in a
--   subtransaction, with every lock wait bounded (lock_timeout 30 s unless the caller's is
--   shorter): on failure the run is recorded as failed (failed_views has
--   `incremental_state`), the views are refreshed from the state as it was, and the next run
--   rebuilds the state from the base tables (without holding up writers). The run's
--   `incremental` column records what was applied, how long it took and the date used.
--
-- Idempotent: re-applying keeps the views, wrappers and grants as they are (and refreshes).

select pg_catalog.pg_advisory_xact_lock(analytics.refresh_lock_key());

select analytics.save_privileges();

-- Drop each view that is still defined over the base tables (it does not read its rollup
-- yet); a view already defined here is kept as it is, with its wrapper and grants.
do $$
declare
  spec record;
begin
  for spec in
    select * from (values
      ('analytics.active_learning_days', 'analytics.day_totals'),
      ('analytics.popular_tracks', 'analytics.track_totals'),
      ('analytics.streak_dropoffs', 'analytics.streak_length_totals'),
      ('analytics.quiz_completion_rates', 'analytics.quiz_score_scales'),
      ('analytics.review_session_usage', 'analytics.day_totals'),
      ('analytics.explanation_engagement', 'analytics.explanation_totals'),
      ('analytics.summary_stats', 'analytics.learner_activity')
    ) as v (view_name, rollup)
  loop
    if pg_catalog.to_regclass(spec.view_name) is not null and not exists (
      select 1
        from pg_catalog.pg_rewrite as r
        join pg_catalog.pg_depend as d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = r.oid
       where r.ev_class = pg_catalog.to_regclass(spec.view_name)
         and d.refobjid = pg_catalog.to_regclass(spec.rollup)
    ) then
      execute pg_catalog.format('drop materialized view %s cascade', spec.view_name);
    end if;
  end loop;
end
$$;

create materialized view if not exists analytics.active_learning_days as
select
  t.activity_date,
  t.active_learners,
  t.lessons_completed,
  t.quizzes_completed,
  t.review_sessions
from analytics.day_totals as t
where t.active_learners > 0
with no data;

-- The view was created empty in this file (or is kept, and the index exists): nothing to block.

-- squawk-ignore require-concurrent-index-creation
create unique index if not exists active_learning_days_activity_date_key on analytics.active_learning_days (activity_date);
comment on materialized view analytics.active_learning_days is
  'Per UTC date with any activity: distinct active learners, lessons completed, quizzes completed, review sessions started.';

create materialized view if not exists analytics.popular_tracks as
select
  t.id as track_id,
  t.slug,
  t.title,
  coalesce(p.learners, 0) as learners,
  coalesce(p.lesson_completions, 0) as lesson_completions,
  rank() over (order by coalesce(p.learners, 0) desc, coalesce(p.lesson_completions, 0) desc) as popularity_rank
from public.tracks as t
left join analytics.track_totals as p on p.track_id = t.id
with no data;

-- The view was created empty in this file (or is kept, and the index exists): nothing to block.

-- squawk-ignore require-concurrent-index-creation
create unique index if not exists popular_tracks_track_id_key on analytics.popular_tracks (track_id);
comment on materialized view analytics.popular_tracks is
  'Every track: distinct learners with a lesson completion in it, lesson completions, and rank() by (learners desc, lesson_completions desc).';

create materialized view if not exists analytics.streak_dropoffs as
select
  s.streak_length,
  s.dropoffs,
  s.learners
from analytics.streak_length_totals as s
where s.dropoffs > 0
with no data;

-- The view was created empty in this file (or is kept, and the index exists): nothing to block.

-- squawk-ignore require-concurrent-index-creation
create unique index if not exists streak_dropoffs_streak_length_key on analytics.streak_dropoffs (streak_length);
comment on materialized view analytics.streak_dropoffs is
  'Per streak length: streaks (runs of consecutive UTC activity dates) that ended before yesterday, and the distinct learners who had them.';

create materialized view if not exists analytics.quiz_completion_rates as
select
  q.id as quiz_id,
  coalesce(p.attempts, 0) as attempts,
  coalesce(p.completed_attempts, 0) as completed_attempts,
  round(p.completed_attempts::numeric / nullif(p.attempts, 0), 4) as completion_rate,
  -- the sum at the largest scale of its scores, as avg() divides it
  round(
    round(p.score_sum, (select max(s.score_scale) from analytics.quiz_score_scales as s where s.quiz_id = q.id))
      / nullif(p.score_count, 0),
    2) as avg_score
from public.quizzes as q
left join analytics.quiz_totals as p on p.quiz_id = q.id
with no data;

-- The view was created empty in this file (or is kept, and the index exists): nothing to block.

-- squawk-ignore require-concurrent-index-creation
create unique index if not exists quiz_completion_rates_quiz_id_key on analytics.quiz_completion_rates (quiz_id);
comment on materialized view analytics.quiz_completion_rates is
  'Every quiz: attempts, completed attempts, completion_rate (null without attempts) and the average score of completed attempts.';

create materialized view if not exists analytics.review_session_usage as
select
  t.activity_date as session_date,
  t.review_sessions as sessions,
  t.review_learners as learners,
  t.cards_reviewed,
  round(t.review_seconds / nullif(t.reviews_ended, 0), 1) as avg_duration_seconds
from analytics.day_totals as t
where t.review_sessions > 0
with no data;

-- The view was created empty in this file (or is kept, and the index exists): nothing to block.

-- squawk-ignore require-concurrent-index-creation
create unique index if not exists review_session_usage_session_date_key on analytics.review_session_usage (session_date);
comment on materialized view analytics.review_session_usage is
  'Per UTC date of started_at: review sessions, distinct learners, cards reviewed, average duration (seconds) of ended sessions.';

create materialized view if not exists analytics.explanation_engagement as
select
  e.id as explanation_id,
  coalesce(p.views, 0) as views,
  coalesce(p.unique_viewers, 0) as unique_viewers,
  coalesce(p.helpful_votes, 0) as helpful_votes,
  coalesce(p.not_helpful_votes, 0) as not_helpful_votes,
  round(p.dwell_seconds::numeric / nullif(p.views, 0), 1) as avg_dwell_seconds
from public.explanations as e
left join analytics.explanation_totals as p on p.explanation_id = e.id
with no data;

-- The view was created empty in this file (or is kept, and the index exists): nothing to block.

-- squawk-ignore require-concurrent-index-creation
create unique index if not exists explanation_engagement_explanation_id_key on analytics.explanation_engagement (explanation_id);
comment on materialized view analytics.explanation_engagement is
  'Every explanation: views, distinct viewers, helpful and not-helpful votes, average dwell seconds (null without views).';

create materialized view if not exists analytics.summary_stats as
select
  1 as id,
  (select count(*) from analytics.learner_activity) as total_learners,
  (select count(*)
     from analytics.learner_activity as a
    where a.last_activity_date >= (select analytics.current_utc_date()) - 6) as learners_active_7d,
  (select coalesce(sum(t.lessons_completed), 0)::bigint from analytics.day_totals as t) as total_lesson_completions,
  (select coalesce(sum(q.attempts), 0)::bigint from analytics.quiz_totals as q) as total_quiz_attempts,
  (select coalesce(sum(t.review_sessions), 0)::bigint from analytics.day_totals as t) as total_review_sessions,
  (select coalesce(sum(e.views), 0)::bigint from analytics.explanation_totals as e) as total_explanation_views,
  now() as refreshed_at
with no data;

-- The view was created empty in this file (or is kept, and the index exists): nothing to block.

-- squawk-ignore require-concurrent-index-creation
create unique index if not exists summary_stats_id_key on analytics.summary_stats (id);
comment on materialized view analytics.summary_stats is
  'One row (id 1): learners with any activity, learners active in the last 7 UTC days, event totals, refresh time.';

revoke all on analytics.active_learning_days, analytics.popular_tracks, analytics.streak_dropoffs,
  analytics.quiz_completion_rates, analytics.review_session_usage, analytics.explanation_engagement,
  analytics.summary_stats
  from public, anon, authenticated, service_role;

-- The wrappers, as 20260128100003..07 define them.
create or replace function analytics.get_active_learning_days()
returns setof analytics.active_learning_days
language plpgsql
stable
-- security definer: the caller (authenticated, admin) cannot select the view; the function
-- reads it as its owner after checking is_admin().
security definer
set search_path = ''
as $$
begin
  perform analytics.assert_admin('analytics.get_active_learning_days()');
  return query select v.* from analytics.active_learning_days as v order by v.activity_date;
end
$$;

create or replace function analytics.get_popular_tracks()
returns setof analytics.popular_tracks
language plpgsql
stable
-- security definer: the caller (authenticated, admin) cannot select the view; the function
-- reads it as its owner after checking is_admin().
security definer
set search_path = ''
as $$
begin
  perform analytics.assert_admin('analytics.get_popular_tracks()');
  return query select v.* from analytics.popular_tracks as v order by v.popularity_rank, v.slug;
end
$$;

create or replace function analytics.get_streak_dropoffs()
returns setof analytics.streak_dropoffs
language plpgsql
stable
-- security definer: the caller (authenticated, admin) cannot select the view; the function
-- reads it as its owner after checking is_admin().
security definer
set search_path = ''
as $$
begin
  perform analytics.assert_admin('analytics.get_streak_dropoffs()');
  return query select v.* from analytics.streak_dropoffs as v order by v.streak_length;
end
$$;

create or replace function analytics.get_quiz_completion_rates()
returns setof analytics.quiz_completion_rates
language plpgsql
stable
-- security definer: the caller (authenticated, admin) cannot select the view; the function
-- reads it as its owner after checking is_admin().
security definer
set search_path = ''
as $$
begin
  perform analytics.assert_admin('analytics.get_quiz_completion_rates()');
  return query select v.* from analytics.quiz_completion_rates as v order by v.quiz_id;
end
$$;

create or replace function analytics.get_review_session_usage()
returns setof analytics.review_session_usage
language plpgsql
stable
-- security definer: the caller (authenticated, admin) cannot select the view; the function
-- reads it as its owner after checking is_admin().
security definer
set search_path = ''
as $$
begin
  perform analytics.assert_admin('analytics.get_review_session_usage()');
  return query select v.* from analytics.review_session_usage as v order by v.session_date;
end
$$;

create or replace function analytics.get_explanation_engagement()
returns setof analytics.explanation_engagement
language plpgsql
stable
-- security definer: the caller (authenticated, admin) cannot select the view; the function
-- reads it as its owner after checking is_admin().
security definer
set search_path = ''
as $$
begin
  perform analytics.assert_admin('analytics.get_explanation_engagement()');
  return query select v.* from analytics.explanation_engagement as v order by v.explanation_id;
end
$$;

create or replace function analytics.get_summary_stats()
returns setof analytics.summary_stats
language plpgsql
stable
-- security definer: the caller (authenticated, admin) cannot select the view; the function
-- reads it as its owner after checking is_admin().
security definer
set search_path = ''
as $$
begin
  perform analytics.assert_admin('analytics.get_summary_stats()');
  return query select v.* from analytics.summary_stats as v;
end
$$;

-- The re-created views, wrappers and anything else re-created above get back exactly the
-- privileges they had.
select analytics.restore_privileges();

alter table analytics.refresh_runs add column if not exists incremental jsonb;
comment on column analytics.refresh_runs.incremental is
  'What the run applied to the incremental state: {"applied": {...}, "ms": ..., "today": ..., "today_overridden": ...} or {"error": ...}.';

-- The refresh body: 20260128100008's, with the incremental state brought up to date first.
create or replace function analytics.refresh_views_and_record()
returns analytics.refresh_runs
language plpgsql
volatile
set search_path = ''
as $$
declare
  -- The advisory lock key of the analytics refresh. Documented in docs/readme/sql.md; change
  -- it only together with the tests that look for it in pg_locks.
  refresh_lock_key constant bigint := analytics.refresh_lock_key();
  -- Longest wait for any one lock (ms): a refresh never queues behind a long transaction
  -- (and makes others queue behind it) for longer. Applied unless the caller's is shorter.
  lock_wait_limit_ms constant bigint := 30000;
  -- Refresh order: the contract's order of the views.
  view_names constant text[] := array[
    'active_learning_days',
    'popular_tracks',
    'streak_dropoffs',
    'quiz_completion_rates',
    'review_session_usage',
    'explanation_engagement',
    'summary_stats'
  ];
  run analytics.refresh_runs;
  view_name text;
  view_started_at timestamptz;
  mode text;
  durations jsonb := '{}'::jsonb;
  modes jsonb := '{}'::jsonb;
  failed text[] := '{}'::text[];
  errors text[] := '{}'::text[];
  incremental jsonb;
  today date;
  previous_lock_timeout constant text := pg_catalog.current_setting('lock_timeout');
  requester text := coalesce(auth.jwt() ->> 'sub', session_user::text);
  run_started_at timestamptz := pg_catalog.clock_timestamp();
begin
  if not pg_catalog.pg_try_advisory_xact_lock(refresh_lock_key) then
    insert into analytics.refresh_runs (started_at, finished_at, status, skipped, requested_by)
    values (run_started_at, pg_catalog.clock_timestamp(), 'skipped', true, requester)
    returning * into run;
    raise notice 'analytics refresh skipped: another refresh holds advisory lock %', refresh_lock_key;
    return run;
  end if;

  if (select s.setting::bigint from pg_catalog.pg_settings as s where s.name = 'lock_timeout') not between 1 and lock_wait_limit_ms then
    perform pg_catalog.set_config('lock_timeout', lock_wait_limit_ms || 'ms', true);
  end if;

  -- The incremental state first: the views are defined over it.
  today := analytics.current_utc_date();
  begin
    -- Lock order of the maintenance (event tables, then the state row).
    lock table public.lesson_completions, public.quiz_attempts, public.review_sessions, public.explanation_views
      in access share mode;
    -- After a failed maintenance, rebuild rather than retry what failed.
    if coalesce((
      select 'incremental_state' = any (r.failed_views)
        from analytics.refresh_runs as r
       where not r.skipped
       order by r.id desc
       limit 1
    ), false) then
      update analytics.incremental_state set needs_rebuild = true where id = 1;
    end if;
    incremental := pg_catalog.jsonb_build_object('applied', analytics.apply_pending_changes());
    incremental := incremental || pg_catalog.jsonb_build_object(
      'ms', round(extract(epoch from pg_catalog.clock_timestamp() - run_started_at) * 1000, 3)
    );
  exception when others then
    -- The subtransaction is rolled back: the changes stay logged for the next run.
    failed := failed || 'incremental_state'::text;
    errors := errors || pg_catalog.format('incremental_state: %s (SQLSTATE %s)', sqlerrm, sqlstate);
    incremental := pg_catalog.jsonb_build_object('error', sqlerrm);
  end;
  incremental := incremental || pg_catalog.jsonb_build_object(
    'today', today,
    'today_overridden', today <> (pg_catalog.now() at time zone 'utc')::date
  );

  foreach view_name in array view_names loop
    view_started_at := pg_catalog.clock_timestamp();
    mode := case
      when (select c.relispopulated
              from pg_catalog.pg_class as c
             where c.oid = pg_catalog.to_regclass(pg_catalog.format('analytics.%I', view_name)))
        then 'concurrently'
      else 'plain'
    end;
    modes := modes || pg_catalog.jsonb_build_object(view_name, mode);
    begin
      if mode = 'concurrently' then
        execute pg_catalog.format('refresh materialized view concurrently analytics.%I', view_name);
      else
        execute pg_catalog.format('refresh materialized view analytics.%I', view_name);
      end if;
      durations := durations || pg_catalog.jsonb_build_object(
        view_name,
        round(extract(epoch from pg_catalog.clock_timestamp() - view_started_at) * 1000, 3)
      );
    exception when others then
      -- The subtransaction is rolled back: this view keeps its previous data.
      failed := failed || view_name;
      errors := errors || pg_catalog.format('%s: %s (SQLSTATE %s)', view_name, sqlerrm, sqlstate);
    end;
  end loop;
  perform pg_catalog.set_config('lock_timeout', previous_lock_timeout, true);

  insert into analytics.refresh_runs (
    started_at, finished_at, status, skipped, view_durations, refresh_modes, failed_views, error_message, requested_by, incremental
  )
  values (
    run_started_at,
    pg_catalog.clock_timestamp(),
    case when pg_catalog.cardinality(failed) = 0 then 'succeeded' else 'failed' end,
    false,
    durations,
    modes,
    failed,
    nullif(pg_catalog.array_to_string(errors, E'\n'), ''),
    requester,
    incremental
  )
  returning * into run;

  delete from analytics.refresh_runs as r where r.started_at < run_started_at - interval '90 days';

  if run.status = 'failed' then
    raise warning 'analytics refresh failed for %: %', pg_catalog.array_to_string(failed, ', '), run.error_message
      using hint = 'The failed views keep their previous data; see analytics.refresh_runs.';
  end if;
  return run;
end
$$;

comment on function analytics.refresh_views_and_record() is
  'Brings the incremental state up to date and refreshes the analytics views under the refresh advisory lock (analytics.refresh_lock_key()), recording the run in analytics.refresh_runs; internal.';

revoke execute on function analytics.refresh_views_and_record() from public, anon, authenticated, service_role;

-- The new views' first population, recorded like every refresh (plain: never populated).
-- A failed population fails this migration, as in 20260128100009.
do $$
declare
  run analytics.refresh_runs := analytics.refresh_views_and_record();
begin
  if run.status = 'failed' then
    raise exception 'the population of the re-defined analytics views failed: %', run.error_message
      using hint = 'Nothing was applied; fix the cause and deploy again.';
  end if;
end
$$;
