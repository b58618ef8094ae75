-- 20260128100004_core_streak_and_quiz_views.sql
--
-- Core views: analytics.streak_dropoffs and analytics.quiz_completion_rates, each with its
-- unique index and its admin wrapper analytics.get_<view>().
--
-- A streak is a maximal run of consecutive UTC activity dates of one learner. It has dropped
-- off when its last date is before yesterday (UTC date of now() minus one day): a streak
-- that ends yesterday or today may still go on. The view computes streaks in one pass over
-- the activity (distinct learner-days, then gaps-and-islands: a date minus its row number
-- within the learner is constant along a run of consecutive dates).
--
-- Created `with no data`, populated by 20260128100009. Idempotent: re-applying changes
-- nothing (a re-applied file keeps the stack's grants).

create materialized view if not exists analytics.streak_dropoffs as
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
),
islands as (
  select
    d.user_id,
    d.activity_date,
    d.activity_date - (row_number() over (partition by d.user_id order by d.activity_date))::int as island
  from learner_days as d
),
streaks as (
  select i.user_id, count(*)::int as streak_length, max(i.activity_date) as last_date
    from islands as i
   group by i.user_id, i.island
)
select
  s.streak_length,
  count(*) as dropoffs,
  count(distinct s.user_id) as learners
from streaks as s
where s.last_date < (now() at time zone 'utc')::date - 1
group by s.streak_length
with no data;

create unique index if not exists streak_dropoffs_streak_length_key
  on analytics.streak_dropoffs (streak_length);

comment on materialized view analytics.streak_dropoffs is
  'Per streak length: streaks (runs of consecutive UTC activity dates) that ended before yesterday, and the distinct learners who had them.';

create materialized view if not exists analytics.quiz_completion_rates as
with per_quiz as (
  select
    qa.quiz_id,
    count(*) as attempts,
    count(qa.completed_at) as completed_attempts,
    avg(qa.score) filter (where qa.completed_at is not null) as avg_score
  from public.quiz_attempts as qa
  group by qa.quiz_id
)
select
  q.id as quiz_id,
  coalesce(p.attempts, 0) as attempts,
  coalesce(p.completed_attempts, 0) as completed_attempts,
  round(p.completed_attempts::numeric / nullif(p.attempts, 0), 4) as completion_rate,
  round(p.avg_score, 2) as avg_score
from public.quizzes as q
left join per_quiz as p on p.quiz_id = q.id
with no data;

create unique index if not exists quiz_completion_rates_quiz_id_key
  on analytics.quiz_completion_rates (quiz_id);

comment on materialized view analytics.quiz_completion_rates is
  'Every quiz: attempts, completed attempts, completion_rate (null without attempts) and the average score of completed attempts.';

revoke all on analytics.streak_dropoffs, analytics.quiz_completion_rates from public, anon, authenticated, service_role;

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

-- A function created just now still has PUBLIC's default execute, and whatever default
-- privileges gave authenticated: take authenticated's away then, and only then, so that
-- re-applying this file keeps the execute grant the stack gave authenticated.
do $$
declare
  wrapper regprocedure;
begin
  foreach wrapper in array array[
    'analytics.get_streak_dropoffs()',
    'analytics.get_quiz_completion_rates()'
  ]::regprocedure[]
  loop
    if pg_catalog.has_function_privilege('public', wrapper, 'execute') then
      execute pg_catalog.format('revoke execute on function %s from authenticated', wrapper);
    end if;
  end loop;
end
$$;

revoke execute on function analytics.get_streak_dropoffs(), analytics.get_quiz_completion_rates()
  from public, anon, service_role;
