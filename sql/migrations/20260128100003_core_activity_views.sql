-- 20260128100003_core_activity_views.sql
--
-- Core activity views: analytics.active_learning_days and analytics.popular_tracks, each with
-- its unique index (refresh concurrently needs one) and its admin wrapper
-- analytics.get_<view>().
--
-- * Created `with no data`: 20260128100009 populates every view once, through
--   analytics.refresh_all_views(), so a deploy scans the base tables in one place.
-- * Dates are UTC calendar dates ((ts at time zone 'utc')::date), whatever the TimeZone of
--   the session that refreshes.
-- * Nobody but the owner selects a view: the wrappers are security definer and check
--   analytics.is_admin(); the stack grants execute on them to authenticated.
--
-- Idempotent: re-applying changes nothing (a re-applied file keeps the stack's grants).

create materialized view if not exists analytics.active_learning_days as
with events as (
  select lc.user_id, (lc.completed_at at time zone 'utc')::date as activity_date, 'lesson' as kind
    from public.lesson_completions as lc
  union all
  select qa.user_id, (qa.completed_at at time zone 'utc')::date, 'quiz'
    from public.quiz_attempts as qa
   where qa.completed_at is not null
  union all
  select rs.user_id, (rs.started_at at time zone 'utc')::date, 'review'
    from public.review_sessions as rs
)
select
  e.activity_date,
  count(distinct e.user_id) as active_learners,
  count(*) filter (where e.kind = 'lesson') as lessons_completed,
  count(*) filter (where e.kind = 'quiz') as quizzes_completed,
  count(*) filter (where e.kind = 'review') as review_sessions
from events as e
group by e.activity_date
with no data;

create unique index if not exists active_learning_days_activity_date_key
  on analytics.active_learning_days (activity_date);

comment on materialized view analytics.active_learning_days is
  'Per UTC date with any activity: distinct active learners, lessons completed, quizzes completed, review sessions started.';

create materialized view if not exists analytics.popular_tracks as
with per_track as (
  select l.track_id, count(distinct lc.user_id) as learners, count(*) as lesson_completions
    from public.lesson_completions as lc
    join public.lessons as l on l.id = lc.lesson_id
   group by l.track_id
)
select
  t.id as track_id,
  t.slug,
  t.title,
  coalesce(p.learners, 0) as learners,
  coalesce(p.lesson_completions, 0) as lesson_completions,
  rank() over (order by coalesce(p.learners, 0) desc, coalesce(p.lesson_completions, 0) desc) as popularity_rank
from public.tracks as t
left join per_track as p on p.track_id = t.id
with no data;

create unique index if not exists popular_tracks_track_id_key
  on analytics.popular_tracks (track_id);

comment on materialized view analytics.popular_tracks is
  'Every track: distinct learners with a lesson completion in it, lesson completions, and rank() by (learners desc, lesson_completions desc).';

revoke all on analytics.active_learning_days, analytics.popular_tracks from public, anon, authenticated, service_role;

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

-- A function created just now still has PUBLIC's default execute, and whatever default
-- privileges gave authenticated: take authenticated's away then, and only then, so that
-- re-applying this file keeps the execute grant the stack gave authenticated.
do $$
declare
  wrapper regprocedure;
begin
  foreach wrapper in array array[
    'analytics.get_active_learning_days()',
    'analytics.get_popular_tracks()'
  ]::regprocedure[]
  loop
    if pg_catalog.has_function_privilege('public', wrapper, 'execute') then
      execute pg_catalog.format('revoke execute on function %s from authenticated', wrapper);
    end if;
  end loop;
end
$$;

revoke execute on function analytics.get_active_learning_days(), analytics.get_popular_tracks()
  from public, anon, service_role;
