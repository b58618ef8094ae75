-- 20260128100008_create_analytics_cron.sql
--
-- Refreshing the analytics views: analytics.refresh_runs (one row per refresh call),
-- analytics.refresh_all_views() (what the cron job runs), analytics.manual_refresh() (admins,
-- through the API) and analytics.get_cron_job_status() (admins).
--
-- The schedule is NOT created here: the stack owns it (CronJob resource
-- `refresh-analytics-views`, `*/30 * * * *`, `select analytics.refresh_all_views()`), so that
-- drift detection sees it, and pg_cron is created by the stack's Extension resource. This
-- file therefore applies on a database without pg_cron.
--
-- Refresh design (docs/readme/sql.md has the long version):
-- * One refresh at a time: a transaction-scoped advisory lock, key 7406300
--   (pg_try_advisory_xact_lock(7406300)). A caller that does not get it returns at once and
--   records a `skipped` run, instead of queueing behind the running refresh.
-- * Each view is refreshed `concurrently` once populated (readers are never blocked), plain
--   while it has never been populated (concurrently is impossible then).
-- * Failure: each view is refreshed in its own subtransaction (a plpgsql exception block).
--   A view whose refresh fails keeps its previous data; the other views are still refreshed;
--   the run is recorded as `failed` with the error of every failed view, and a WARNING is
--   raised. refresh_all_views() itself returns normally, because raising would roll back the
--   record along with everything else: a transaction cannot both fail and commit a row. So
--   the truth about a scheduled refresh is in refresh_runs (health_check() shows it), not in
--   cron.job_run_details. Query cancellation (statement_timeout, pg_cancel_backend) is not
--   caught: it aborts the whole run, nothing is recorded, and cron records the failure.
-- * manual_refresh() raises when the run is skipped (55P03) or failed: an admin must see the
--   error; that run's row is rolled back with the caller's transaction.
--
-- Idempotent: re-applying changes nothing (a re-applied file keeps the stack's grants).

create table if not exists analytics.refresh_runs (
  id bigint generated always as identity primary key,
  started_at timestamptz not null,
  finished_at timestamptz not null,
  status text not null check (status in ('succeeded', 'failed', 'skipped')),
  skipped boolean not null default false,
  -- milliseconds per view refreshed successfully in this run: {"popular_tracks": 12.345, ...}
  view_durations jsonb not null default '{}'::jsonb,
  -- how each attempted view was refreshed: {"popular_tracks": "concurrently", ...}
  refresh_modes jsonb not null default '{}'::jsonb,
  failed_views text[] not null default '{}',
  -- `<view>: <message> (SQLSTATE <code>)`, one line per failed view
  error_message text,
  -- the JWT subject of an API caller, else the database session user (the cron job's user)
  requested_by text not null,
  constraint refresh_runs_skipped_matches_status check (skipped = (status = 'skipped')),
  constraint refresh_runs_failure_has_error check ((status = 'failed') = (error_message is not null))
);

comment on table analytics.refresh_runs is
  'One row per analytics.refresh_all_views() / manual_refresh() call: succeeded, failed (with errors) or skipped (another refresh held the lock). Rows older than 90 days are pruned by the refresh.';

create index if not exists refresh_runs_started_at_idx on analytics.refresh_runs (started_at);

alter table analytics.refresh_runs enable row level security;

revoke all on analytics.refresh_runs from public, anon, authenticated, service_role;
revoke all on all sequences in schema analytics from public, anon, authenticated, service_role;

-- The refresh itself, shared by refresh_all_views() and manual_refresh(); returns the
-- recorded run. Security invoker: only the two security definer functions (owner postgres)
-- call it.
create or replace function analytics.refresh_views_and_record()
returns analytics.refresh_runs
language plpgsql
volatile
set search_path = ''
as $$
declare
  -- The advisory lock key of the analytics refresh. Documented in docs/readme/sql.md; change
  -- it only together with the tests that look for it in pg_locks.
  refresh_lock_key constant bigint := 7406300;
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
  failed text[] := '{}';
  errors text[] := '{}';
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

  insert into analytics.refresh_runs (
    started_at, finished_at, status, skipped, view_durations, refresh_modes, failed_views, error_message, requested_by
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
    requester
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
  'Refreshes the analytics views under advisory lock 7406300 and records the run in analytics.refresh_runs; internal.';

create or replace function analytics.refresh_all_views()
returns void
language plpgsql
volatile
-- security definer: refreshing a materialized view requires owning it, and the run must be
-- recorded in refresh_runs whichever role the cron job runs as.
security definer
set search_path = ''
as $$
begin
  perform analytics.refresh_views_and_record();
end
$$;

comment on function analytics.refresh_all_views() is
  'Refreshes the 7 analytics views (concurrently once populated); skips at once while another refresh runs; records every run in analytics.refresh_runs. Run by the refresh-analytics-views cron job.';

create or replace function analytics.manual_refresh()
returns timestamptz
language plpgsql
volatile
-- security definer: admins call it through the API as authenticated, which may neither
-- refresh the views nor write refresh_runs; it checks is_admin() first.
security definer
set search_path = ''
as $$
declare
  run analytics.refresh_runs;
begin
  perform analytics.assert_admin('analytics.manual_refresh()');
  run := analytics.refresh_views_and_record();
  if run.status = 'skipped' then
    raise exception using
      errcode = '55P03',
      message = 'analytics.manual_refresh(): another refresh is running',
      hint = 'Its results are visible when it finishes; try again in a minute.';
  elsif run.status = 'failed' then
    raise exception using
      message = pg_catalog.format('analytics.manual_refresh() failed: %s', run.error_message),
      hint = 'Every view keeps its previous data.';
  end if;
  return run.finished_at;
end
$$;

comment on function analytics.manual_refresh() is
  'Admins only: refreshes the analytics views now and returns the completion time; raises 55P03 while another refresh runs.';

create or replace function analytics.get_cron_job_status()
returns table (
  jobid bigint,
  jobname text,
  schedule text,
  command text,
  active boolean,
  last_run_status text,
  last_run_started_at timestamptz,
  last_run_finished_at timestamptz,
  last_run_message text
)
language plpgsql
stable
-- security definer: the caller (authenticated, admin) has no access to schema cron; it
-- checks is_admin() first.
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  perform analytics.assert_admin('analytics.get_cron_job_status()');
  -- Without pg_cron there is no job to report: no rows. The body is resolved when it runs,
  -- so this function can be created before pg_cron exists.
  if pg_catalog.to_regclass('cron.job') is null or pg_catalog.to_regclass('cron.job_run_details') is null then
    return;
  end if;
  return query
    select
      j.jobid,
      j.jobname::text,
      j.schedule,
      j.command,
      j.active,
      last_run.status,
      last_run.start_time,
      last_run.end_time,
      last_run.return_message
    from cron.job as j
    left join lateral (
      select d.status, d.start_time, d.end_time, d.return_message
        from cron.job_run_details as d
       where d.jobid = j.jobid
       order by d.runid desc
       limit 1
    ) as last_run on true
    where j.jobname = 'refresh-analytics-views'
    order by j.jobid;
end
$$;

comment on function analytics.get_cron_job_status() is
  'Admins only: the refresh-analytics-views cron job and its last run; no rows when the job or pg_cron is missing.';

-- Internal: nobody but the owner runs these.
revoke execute on function analytics.refresh_views_and_record(), analytics.refresh_all_views()
  from public, anon, authenticated, service_role;

-- A function created just now still has PUBLIC's default execute, and whatever default
-- privileges gave authenticated: take authenticated's away then, and only then, so that
-- re-applying this file keeps the execute grant the stack gave authenticated.
do $$
declare
  admin_function regprocedure;
begin
  foreach admin_function in array array[
    'analytics.manual_refresh()',
    'analytics.get_cron_job_status()'
  ]::regprocedure[]
  loop
    if pg_catalog.has_function_privilege('public', admin_function, 'execute') then
      execute pg_catalog.format('revoke execute on function %s from authenticated', admin_function);
    end if;
  end loop;
end
$$;

revoke execute on function analytics.manual_refresh(), analytics.get_cron_job_status()
  from public, anon, service_role;
