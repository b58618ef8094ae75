-- 20260128100005_engagement_review_views.sql
--
-- Engagement view analytics.review_session_usage, with its unique index and its admin
-- wrapper analytics.get_review_session_usage().
--
-- Per UTC date of started_at: sessions, distinct learners, cards reviewed, and the average
-- duration in seconds of the sessions that ended (a session never ended counts as a session
-- but has no duration).
--
-- Created `with no data`, populated by 20260128100009. Idempotent: re-applying changes
-- nothing (a re-applied file keeps the stack's grants).

create materialized view if not exists analytics.review_session_usage as
select
  (rs.started_at at time zone 'utc')::date as session_date,
  count(*) as sessions,
  count(distinct rs.user_id) as learners,
  sum(rs.cards_reviewed) as cards_reviewed,
  round(avg(extract(epoch from rs.ended_at - rs.started_at)) filter (where rs.ended_at is not null), 1) as avg_duration_seconds
from public.review_sessions as rs
group by 1
with no data;

create unique index if not exists review_session_usage_session_date_key
  on analytics.review_session_usage (session_date);

comment on materialized view analytics.review_session_usage is
  'Per UTC date of started_at: review sessions, distinct learners, cards reviewed, average duration (seconds) of ended sessions.';

revoke all on analytics.review_session_usage from public, anon, authenticated, service_role;

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

-- A function created just now still has PUBLIC's default execute, and whatever default
-- privileges gave authenticated: take authenticated's away then, and only then, so that
-- re-applying this file keeps the execute grant the stack gave authenticated.
do $$
begin
  if pg_catalog.has_function_privilege('public', 'analytics.get_review_session_usage()', 'execute') then
    revoke execute on function analytics.get_review_session_usage() from authenticated;
  end if;
end
$$;

revoke execute on function analytics.get_review_session_usage() from public, anon, service_role;
