-- 20260128100001_analytics_admin_rbac.sql
--
-- Schema analytics, the app roles (enum public.app_role, table public.user_roles) and the
-- admin check analytics.is_admin().
--
-- Who may use schema analytics: nobody but its owner, until the stack grants `usage` on the
-- schema and `execute` on the admin functions to authenticated (Grant resources declared in
-- infra/adminSurface.ts). Those functions check is_admin() themselves.
--
-- Default privileges. On Supabase, default privileges grant new public objects to anon,
-- authenticated and service_role; the same kind of per-schema defaults may exist for
-- analytics. They are revoked here for objects that this role creates in analytics.
-- PostgreSQL cannot take away PUBLIC's execute on new functions per schema (that default is
-- global: a per-schema revoke from public is a no-op), so every migration that creates a
-- function in analytics revokes execute from public, anon and authenticated itself, and
-- nobody but the owner and authenticated has usage on the schema.
--
-- Idempotent: re-applying changes nothing.

create schema if not exists analytics;
comment on schema analytics is 'Learning analytics: materialized views read only through admin functions.';

revoke all on schema analytics from public, anon;

alter default privileges in schema analytics revoke all on tables from anon, authenticated, service_role;
alter default privileges in schema analytics revoke all on sequences from anon, authenticated, service_role;
alter default privileges in schema analytics revoke all on functions from anon, authenticated, service_role;

do $$
begin
  if pg_catalog.to_regtype('public.app_role') is null then
    create type public.app_role as enum ('admin', 'member');
  end if;
end
$$;

comment on type public.app_role is 'A user''s role in the app; custom_access_token_hook copies it into the JWT claim user_role.';

create table if not exists public.user_roles (
  user_id uuid primary key references auth.users (id) on delete cascade,
  role public.app_role not null
);

comment on table public.user_roles is 'App role per user. Read by the auth server (supabase_auth_admin) in custom_access_token_hook; no API access.';

alter table public.user_roles enable row level security;

-- The platform's default privileges gave this new table to anon and authenticated: nobody
-- reads or writes roles through the API.
revoke all on table public.user_roles from public, anon, authenticated;

create or replace function analytics.is_admin()
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce(auth.jwt() ->> 'user_role' = 'admin', false)
$$;

comment on function analytics.is_admin() is 'True only when the request''s JWT claim user_role is admin.';

-- The one place that raises the admin-only error, so every admin function says the same.
create or replace function analytics.assert_admin(function_name text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if not analytics.is_admin() then
    raise exception using
      errcode = '42501',
      message = pg_catalog.format('permission denied: %s is for admins only', function_name),
      hint = 'Call it with the JWT of a user whose role in public.user_roles is admin (JWT claim user_role = admin).';
  end if;
end
$$;

comment on function analytics.assert_admin(text) is 'Raises SQLSTATE 42501 unless analytics.is_admin().';

-- Internal helpers: only the admin functions (security definer, owner postgres) call them.
revoke execute on function analytics.is_admin(), analytics.assert_admin(text) from public, anon, authenticated, service_role;
