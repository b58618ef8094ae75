-- 20260128100006_engagement_explanation_views.sql
--
-- Engagement view analytics.explanation_engagement, with its unique index and its admin
-- wrapper analytics.get_explanation_engagement().
--
-- Every explanation (also those nobody viewed): views, distinct viewers, helpful and
-- not-helpful votes (a view without a vote counts in neither), and the average dwell time.
--
-- Created `with no data`, populated by 20260128100009. Idempotent: re-applying changes
-- nothing (a re-applied file keeps the stack's grants).

create materialized view if not exists analytics.explanation_engagement as
with per_explanation as (
  select
    ev.explanation_id,
    count(*) as views,
    count(distinct ev.user_id) as unique_viewers,
    count(*) filter (where ev.helpful) as helpful_votes,
    count(*) filter (where not ev.helpful) as not_helpful_votes,
    avg(ev.dwell_seconds) as avg_dwell_seconds
  from public.explanation_views as ev
  group by ev.explanation_id
)
select
  e.id as explanation_id,
  coalesce(p.views, 0) as views,
  coalesce(p.unique_viewers, 0) as unique_viewers,
  coalesce(p.helpful_votes, 0) as helpful_votes,
  coalesce(p.not_helpful_votes, 0) as not_helpful_votes,
  round(p.avg_dwell_seconds, 1) as avg_dwell_seconds
from public.explanations as e
left join per_explanation as p on p.explanation_id = e.id
with no data;

create unique index if not exists explanation_engagement_explanation_id_key
  on analytics.explanation_engagement (explanation_id);

comment on materialized view analytics.explanation_engagement is
  'Every explanation: views, distinct viewers, helpful and not-helpful votes, average dwell seconds (null without views).';

revoke all on analytics.explanation_engagement from public, anon, authenticated, service_role;

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

-- A function created just now still has PUBLIC's default execute, and whatever default
-- privileges gave authenticated: take authenticated's away then, and only then, so that
-- re-applying this file keeps the execute grant the stack gave authenticated.
do $$
begin
  if pg_catalog.has_function_privilege('public', 'analytics.get_explanation_engagement()', 'execute') then
    revoke execute on function analytics.get_explanation_engagement() from authenticated;
  end if;
end
$$;

revoke execute on function analytics.get_explanation_engagement() from public, anon, service_role;
