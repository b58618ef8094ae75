-- 20260128100009_populate_analytics_views.sql
--
-- analytics.health_check() (admins), and the one initial population of the analytics views:
-- a single refresh through refresh_all_views()'s body, so that a deploy scans the base tables
-- in one place, and the run is recorded in analytics.refresh_runs like every other. A failed
-- population fails this migration (and so the deploy), naming the views and errors.
--
-- If a scheduled refresh holds the refresh lock at that moment, this run is recorded as
-- skipped and the running refresh populates the views.
--
-- Idempotent: re-applying refreshes the views again (concurrently, readers are not blocked)
-- and changes no object or privilege (a re-applied file keeps the stack's grants).

create or replace function analytics.health_check()
returns table (
  view_name text,
  row_count bigint,
  is_populated boolean,
  refreshed_at timestamptz,
  last_refresh_status text,
  last_successful_refresh_at timestamptz
)
language plpgsql
stable
-- security definer: the caller (authenticated, admin) can neither select the views nor read
-- refresh_runs; it checks is_admin() first.
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  view_order constant text[] := array[
    'active_learning_days',
    'popular_tracks',
    'streak_dropoffs',
    'quiz_completion_rates',
    'review_session_usage',
    'explanation_engagement',
    'summary_stats'
  ];
  matview record;
  latest_status text;
  latest_success timestamptz;
begin
  perform analytics.assert_admin('analytics.health_check()');

  -- The latest refresh that did something, and the latest that refreshed every view.
  select r.status into latest_status
    from analytics.refresh_runs as r
   where r.status <> 'skipped'
   order by r.started_at desc, r.id desc
   limit 1;
  select r.finished_at into latest_success
    from analytics.refresh_runs as r
   where r.status = 'succeeded'
   order by r.finished_at desc
   limit 1;

  -- Every materialized view in the schema, so that a view the refresh does not know about
  -- shows up too (unpopulated, never refreshed).
  for matview in
    select c.relname::text as name, c.relispopulated as populated
      from pg_catalog.pg_class as c
     where c.relnamespace = 'analytics'::regnamespace
       and c.relkind = 'm'
     order by pg_catalog.array_position(view_order, c.relname::text) nulls last, c.relname
  loop
    view_name := matview.name;
    is_populated := matview.populated;
    row_count := null;
    if matview.populated then
      execute pg_catalog.format('select count(*) from analytics.%I', matview.name) into row_count;
    end if;
    -- The end of the latest run that refreshed this view successfully.
    select max(r.finished_at) into refreshed_at
      from analytics.refresh_runs as r
     where r.view_durations ? matview.name;
    last_refresh_status := latest_status;
    last_successful_refresh_at := latest_success;
    return next;
  end loop;
end
$$;

comment on function analytics.health_check() is
  'Admins only: one row per analytics view with row count (null when unpopulated), populated flag, last successful refresh of the view, and the status of the latest refresh run and time of the latest fully successful one.';

-- A function created just now still has PUBLIC's default execute, and whatever default
-- privileges gave authenticated: take authenticated's away then, and only then, so that
-- re-applying this file keeps the execute grant the stack gave authenticated.
do $$
begin
  if pg_catalog.has_function_privilege('public', 'analytics.health_check()', 'execute') then
    revoke execute on function analytics.health_check() from authenticated;
  end if;
end
$$;

revoke execute on function analytics.health_check() from public, anon, service_role;

-- The population: the body of analytics.refresh_all_views() (same lock, same record), called
-- directly to see the recorded run. refresh_all_views() returns normally when a view fails,
-- so that the cron job's failures are recorded; a deploy must fail instead.
do $$
declare
  run analytics.refresh_runs := analytics.refresh_views_and_record();
begin
  if run.status = 'failed' then
    raise exception 'the initial population of the analytics views failed: %', run.error_message
      using hint = 'Nothing was applied; fix the cause (often a lock held on a base table) and deploy again.';
  end if;
end
$$;
