-- sql/local/00_supabase_bootstrap.sql
--
-- Makes a plain PostgreSQL 15 cluster look like a hosted Supabase database, for the
-- `postgres` target (the embedded `local` stack) and the tests. Never applied to Supabase.
--
-- Applied by the cluster owner `supabase_admin` (the superuser, as on Supabase).
--
-- What it reproduces:
--   * the deployer `postgres`, demoted as supabase/postgres's demote-postgres migration leaves
--     it: NOSUPERUSER CREATEROLE CREATEDB REPLICATION BYPASSRLS, with the memberships and
--     grants the platform's later migrations give it, and nothing more;
--   * the superuser-only settings supautils lets postgres set (privileged_role_allowed_configs);
--   * the role statement_timeouts the platform sets: 3s for anon, 8s for authenticated and
--     authenticator (PostgREST applies the impersonated role's settings to each request);
--   * the API roles: anon, authenticated, service_role, authenticator, supabase_auth_admin;
--   * schema auth with auth.users, auth.jwt(), auth.uid() and auth.role(), reading the
--     request.jwt.claims setting the way PostgREST sets it;
--   * schema extensions;
--   * Supabase's default privileges in schema public: every table, sequence and function
--     that postgres creates there is granted to anon, authenticated and service_role.
--     That is the platform's trap (a new function is executable by anon unless revoked),
--     and the tests must see it.
--
-- Idempotent: scripts/local-postgres applies it on every start.

-- The deployer. On Supabase the database is created by supabase_admin and `postgres` is
-- demoted after the init scripts; here it is created (when missing) and demoted every time,
-- so a cluster made with `postgres` as superuser is demoted too.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'postgres') then
    create role postgres login;
  end if;
end
$$;
alter role postgres nosuperuser createdb createrole login replication bypassrls;
alter role postgres set search_path to "$user", public, extensions;

-- Roles are cluster-wide; create each one only when missing.
do $$
declare
  r record;
begin
  for r in
    select *
    from (values
      ('anon', false, false),
      ('authenticated', false, false),
      ('service_role', false, true),
      ('authenticator', true, false),
      ('supabase_auth_admin', true, false)
    ) as t(name, can_login, bypass_rls)
  loop
    if not exists (select 1 from pg_catalog.pg_roles where rolname = r.name) then
      execute format(
        'create role %I %s %s noinherit',
        r.name,
        case when r.can_login then 'login' else 'nologin' end,
        case when r.bypass_rls then 'bypassrls' else 'nobypassrls' end
      );
    end if;
  end loop;
end
$$;

-- PostgREST logs in as authenticator and switches to the request's role.
grant anon, authenticated, service_role to authenticator;

-- The platform's short statement timeouts for the API roles (supabase/postgres init scripts
-- and set_authenticator_timeout). A role setting applies at login (authenticator) and when
-- PostgREST switches to the request's role and applies that role's settings.
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';

-- What the platform's migrations grant the deployer: the API roles (so it can `set role`),
-- the auth admin, and the predefined monitoring roles.
grant anon, authenticated, service_role, supabase_auth_admin to postgres;
grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;

-- supautils.privileged_role_allowed_configs: superuser-only settings the platform lets
-- `postgres` set. These are the ones plain PostgreSQL 15 has (the others belong to extensions
-- this cluster does not load); PostgreSQL 15's `grant set on parameter` does what supautils does.
grant set on parameter session_replication_role, log_lock_waits, log_min_messages, track_io_timing to postgres;
-- supabase_auth_admin runs the auth server's queries, including hooks; it must not inherit.
alter role supabase_auth_admin set search_path = auth;

create schema if not exists extensions;
grant usage on schema extensions to anon, authenticated, service_role;

create schema if not exists auth authorization supabase_auth_admin;
grant usage on schema auth to anon, authenticated, service_role;

create table if not exists auth.users (
  id uuid primary key,
  email text,
  raw_app_meta_data jsonb not null default '{}'::jsonb,
  raw_user_meta_data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
alter table auth.users owner to supabase_auth_admin;

-- The claims of the current request, as PostgREST sets them per transaction.
create or replace function auth.jwt()
returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(
    nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),
    nullif(pg_catalog.current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

create or replace function auth.uid()
returns uuid
language sql
stable
set search_path = ''
as $$
  select coalesce(
    nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
    (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role()
returns text
language sql
stable
set search_path = ''
as $$
  select coalesce(
    nullif(pg_catalog.current_setting('request.jwt.claim.role', true), ''),
    (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

grant execute on function auth.jwt(), auth.uid(), auth.role() to anon, authenticated, service_role;

-- Schema public as Supabase ships it.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on sequences to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on functions to anon, authenticated, service_role;


-- demote-postgres: what `postgres` keeps on the platform's schemas once demoted.
do $$
begin
  execute pg_catalog.format('grant all on database %I to postgres', pg_catalog.current_database());
end
$$;
grant all on schema auth, extensions to postgres;
grant all on all tables in schema auth, extensions to postgres;
grant all on all sequences in schema auth, extensions to postgres;
grant all on all routines in schema auth, extensions to postgres;
