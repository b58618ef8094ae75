-- sql/local/10_pg_cron.sql
--
-- pg_cron as the platform installs it, in the cron database only (cron.database_name).
--
-- On Supabase, `postgres` runs `create extension pg_cron with schema pg_catalog`; supautils
-- (privileged_extensions) runs it as supabase_admin, then the extension's after-create
-- script (supabase/postgres: postgresql_extension_custom_scripts/pg_cron/after-create.sql)
-- grants `postgres` the cron functions and tables, but only `select` on cron.job. There is
-- no supautils here, so the cluster owner creates the extension up front and applies the
-- same grants; the stack's Extension resource then finds it installed, as it would after
-- the first deploy on the platform. Nothing beyond the after-create script is granted.
do $$
begin
  if pg_catalog.current_database() operator(pg_catalog.<>) pg_catalog.current_setting('cron.database_name', true) then
    return;
  end if;
  if not exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    create extension pg_cron with schema pg_catalog;
  end if;

  -- after-create.sql, as the platform runs it.
  grant usage on schema cron to postgres with grant option;
  grant all on all functions in schema cron to postgres with grant option;
  alter default privileges for user supabase_admin in schema cron grant all on sequences to postgres with grant option;
  alter default privileges for user supabase_admin in schema cron grant all on tables to postgres with grant option;
  alter default privileges for user supabase_admin in schema cron grant all on functions to postgres with grant option;
  grant all privileges on all tables in schema cron to postgres with grant option;
  revoke all on table cron.job from postgres;
  grant select on table cron.job to postgres with grant option;
end
$$;
