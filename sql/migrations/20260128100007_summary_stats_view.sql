-- 20260128100007_summary_stats_view.sql
--
-- analytics.summary_stats: one row (id = 1) of totals, with its unique index and its admin
-- wrapper analytics.get_summary_stats().
--
-- total_learners counts distinct learners with any activity event (lesson completion,
-- completed quiz attempt, review session); learners_active_7d those with an activity date
-- on or after today - 6 (UTC), i.e. the last seven days including today. total_quiz_attempts
-- counts every attempt, finished or not. refreshed_at is the time of the refresh.
--
-- Created `with no data`, populated by 20260128100009. Idempotent: re-applying changes
-- nothing (a re-applied file keeps the stack's grants).

create materialized view if not exists analytics.summary_stats as
with learner_days as (
  select lc.user_id, (lc.completed_at at time zone 'utc')::date as activity_date
    from public.lesson_completions as lc
  union
  select qa.user_id, (qa.completed_at at time zone 'utc')::date
    from public.quiz_attempts as qa
   where qa.completed_at is not null
  union
  select rs.user_id, (rs.started_at at time zone 'utc')::date
    from public.review_sessions as rs
)
select
  1 as id,
  (select count(distinct d.user_id) from learner_days as d) as total_learners,
  (select count(distinct d.user_id)
     from learner_days as d
    where d.activity_date >= (now() at time zone 'utc')::date - 6) as learners_active_7d,
  (select count(*) from public.lesson_completions) as total_lesson_completions,
  (select count(*) from public.quiz_attempts) as total_quiz_attempts,
  (select count(*) from public.review_sessions) as total_review_sessions,
  (select count(*) from public.explanation_views) as total_explanation_views,
  now() as refreshed_at
with no data;

create unique index if not exists summary_stats_id_key
  on analytics.summary_stats (id);

comment on materialized view analytics.summary_stats is
  'One row (id 1): learners with any activity, learners active in the last 7 UTC days, event totals, refresh time.';

revoke all on analytics.summary_stats from public, anon, authenticated, service_role;

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

-- A function created just now still has PUBLIC's default execute, and whatever default
-- privileges gave authenticated: take authenticated's away then, and only then, so that
-- re-applying this file keeps the execute grant the stack gave authenticated.
do $$
begin
  if pg_catalog.has_function_privilege('public', 'analytics.get_summary_stats()', 'execute') then
    revoke execute on function analytics.get_summary_stats() from authenticated;
  end if;
end
$$;

revoke execute on function analytics.get_summary_stats() from public, anon, service_role;
