-- 20261202106000_refresh_lock_key.sql
--
-- The advisory lock key of the analytics refresh, stated once in SQL.
--
-- The refresh takes a transaction-scoped advisory lock so that one runs at a time, and a
-- migration that rebuilds what the refresh reads takes the same lock so no scheduled refresh
-- runs meanwhile. The applied migrations before this one write the key as a literal; they are
-- immutable. Every migration from now on takes it from here:
--
--   select pg_catalog.pg_advisory_xact_lock(analytics.refresh_lock_key());
--
-- and a function that takes it declares `refresh_lock_key constant bigint := analytics.refresh_lock_key();`.
-- The TypeScript side names the same key REFRESH_LOCK_KEY (infra/migrations/lockKeys.ts);
-- tests/sql/declarations.test.ts checks that the two agree and that the refresh takes this key.
-- Internal: only the owner (the deployer, and the owner's security definer functions) calls it.
--
-- Idempotent: create or replace.

create or replace function analytics.refresh_lock_key()
returns bigint
language sql
immutable
parallel safe
set search_path = ''
as $$
  select 7406300::bigint
$$;

comment on function analytics.refresh_lock_key() is
  'The advisory lock key of the analytics refresh (pg_advisory_xact_lock); a migration that rebuilds what the refresh reads takes it too. Internal.';

revoke all on function analytics.refresh_lock_key() from public, anon, authenticated, service_role;
