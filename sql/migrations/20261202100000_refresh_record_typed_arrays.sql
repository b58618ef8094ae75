-- 20261202100000_refresh_record_typed_arrays.sql
--
-- analytics.refresh_views_and_record() as in 20260128100008, except that `failed` and
-- `errors` start as typed empty arrays ('{}'::text[]). The untyped literal made plpgsql
-- cast a text value to text[] at every call, which `supabase db lint` (plpgsql_check)
-- reports as a warning. Behaviour, ownership and privileges are unchanged: create or
-- replace keeps the function's grants and comment.
--
-- Idempotent: re-applying changes nothing.

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
  failed text[] := '{}'::text[];
  errors text[] := '{}'::text[];
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
