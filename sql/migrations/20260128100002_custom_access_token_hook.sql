-- 20260128100002_custom_access_token_hook.sql
--
-- The custom access token hook, as Supabase documents it
-- (https://supabase.com/docs/guides/auth/auth-hooks/custom-access-token-hook): the auth
-- server calls it, as supabase_auth_admin, before it issues a JWT, and the returned claims
-- carry user_role, the user's role from public.user_roles (JSON null when the user has none).
-- analytics.is_admin() reads that claim.
--
-- Security invoker: it runs as supabase_auth_admin, which may read public.user_roles through
-- the policy below and nothing else. Only supabase_auth_admin may execute it. Its two grants
-- (execute on this function, select on public.user_roles) are stack resources (HOOK_GRANTS in
-- infra/adminSurface.ts), not part of this file. The AuthHook resource registers the hook
-- as pg-functions://postgres/public/custom_access_token_hook.
--
-- Idempotent: re-applying changes nothing.

create or replace function public.custom_access_token_hook(event jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  claims jsonb := event -> 'claims';
  user_role public.app_role;
begin
  select ur.role
    into user_role
    from public.user_roles as ur
   where ur.user_id = (event ->> 'user_id')::uuid;

  -- Always set the claim, so that a user_role sent in by anyone else never survives.
  claims := pg_catalog.jsonb_set(claims, '{user_role}', coalesce(pg_catalog.to_jsonb(user_role), 'null'::jsonb));
  return pg_catalog.jsonb_set(event, '{claims}', claims);
end
$$;

comment on function public.custom_access_token_hook(jsonb) is
  'Supabase custom access token hook: sets claims.user_role from public.user_roles. Executable by supabase_auth_admin only.';

-- The platform's default privileges made this public function executable by anon,
-- authenticated and service_role: only the auth server may run it.
revoke execute on function public.custom_access_token_hook(jsonb) from public, anon, authenticated, service_role;

-- The auth server reaches public objects through schema public.
grant usage on schema public to supabase_auth_admin;

-- Repeated from 20260128100001 on purpose: the hook's table is never readable through the API.
revoke all on table public.user_roles from public, anon, authenticated;

do $$
begin
  if not exists (
    select 1
      from pg_catalog.pg_policy
     where polrelid = 'public.user_roles'::regclass
       and polname = 'auth admin reads user roles'
  ) then
    create policy "auth admin reads user roles"
      on public.user_roles
      as permissive
      for select
      to supabase_auth_admin
      using (true);
  end if;
end
$$;
