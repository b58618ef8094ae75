-- 20260128100011_refresh_without_parallel_workers.sql
--
-- CANDIDATE, measured by `npm run bench` (bench/results/<scale>.md: the "candidate" refresh
-- variant and readers table); not part of the stack until it is moved to sql/migrations.
--
-- Runs the analytics refresh without parallel query workers, so that it takes one core.
--
-- Why: the readers of the admin API are never blocked by the concurrent refresh (no lock
-- waits at all), but on a 2-core database their p99 latency grows 3-4x while a refresh runs:
-- the refresh's parallel plans (a leader and two workers, max_parallel_workers_per_gather = 2)
-- keep both cores busy and the readers wait for CPU. Without workers the refresh took about as
-- long on the bench's 2 cores, and left a core to the readers. On a database with many cores
-- the trade-off differs: drop this setting there (alter function ... reset).
--
-- The setting applies while the function runs (and to what it calls): the cron job's
-- refresh_all_views() and the admins' manual_refresh().
--
-- Idempotent: setting the same value again changes nothing.
alter function analytics.refresh_all_views() set max_parallel_workers_per_gather = 0;
alter function analytics.manual_refresh() set max_parallel_workers_per_gather = 0;
