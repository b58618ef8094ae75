-- 20261202105000_privileges_kept_across_recreate.sql
--
-- Privileges that survive a migration which drops an object and creates it again.
--
-- A materialized view cannot change its query in place, and a function cannot change its
-- return type: a migration drops and re-creates them. The new object starts with the default
-- privileges, so the stack's grants on it (the admin surface, made by Grant resources that
-- ran in an earlier deploy and have nothing to do now) would be lost. Instead of each such
-- migration carrying its own save-and-restore block, it calls:
--
--   select analytics.save_privileges();     -- before the first drop
--   ... drop and create ...
--   select analytics.restore_privileges();  -- after everything exists again
--
-- restore_privileges() gives each object of the saved schemas that was re-created (same
-- identity, new oid) exactly the privileges it had; an object kept in place, and one the
-- migration dropped for good, is left alone, so a revoke the migration itself makes is kept.
-- Both are security invoker (the deployer owns the objects whose privileges it re-applies)
-- and executable by nobody but their owner.

create or replace function analytics.save_privileges(schemas text[] default array['analytics'])
returns void
language plpgsql
set search_path = ''
as $$
declare
  -- Named, and so not a literal in the statements below: the table does not exist when
  -- plpgsql_check (supabase db lint) checks the body, and it checks literal dynamic SQL too.
  saved_table constant text := 'pg_temp.saved_privileges';
begin
  -- Not `on commit drop`: a file applied statement by statement (psql) keeps it until restore.
  create temp table if not exists saved_privileges (
    kind text not null,
    identity text not null,
    saved_oid oid not null,
    acl aclitem[],
    primary key (kind, identity)
  );
  execute pg_catalog.format('truncate %s', saved_table);
  execute pg_catalog.format($sql$
    insert into %s (kind, identity, saved_oid, acl)
    select case when c.relkind = 'S' then 'sequence' else 'table' end, c.oid::regclass::text, c.oid, c.relacl
      from pg_catalog.pg_class as c
      join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
     where n.nspname = any ($1)
       and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
    union all
    select 'function', p.oid::regprocedure::text, p.oid, p.proacl
      from pg_catalog.pg_proc as p
      join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
     where n.nspname = any ($1)
       and p.prokind in ('f', 'p')
  $sql$, saved_table) using schemas;
end
$$;

create or replace function analytics.restore_privileges()
returns void
language plpgsql
set search_path = ''
as $$
declare
  saved_table constant text := 'pg_temp.saved_privileges';  -- see analytics.save_privileges()
  saved_kind text;
  saved_identity text;
  saved_oid oid;
  saved_acl aclitem[];
  current_oid oid;
  owner_oid oid;
  current_acl aclitem[];
  default_kind "char";
  entry record;
begin
  if pg_catalog.to_regclass(saved_table) is null then
    raise exception 'analytics.restore_privileges(): nothing saved in this session'
      using errcode = '55000', hint = 'Call analytics.save_privileges() before the first drop, in the same session.';
  end if;
  for saved_kind, saved_identity, saved_oid, saved_acl in execute pg_catalog.format('select kind, identity, saved_oid, acl from %s order by kind, identity', saved_table) loop
    if saved_kind = 'function' then
      current_oid := pg_catalog.to_regprocedure(saved_identity);
      select p.proowner, p.proacl into owner_oid, current_acl from pg_catalog.pg_proc as p where p.oid = current_oid;
    else
      current_oid := pg_catalog.to_regclass(saved_identity);
      select c.relowner, c.relacl into owner_oid, current_acl from pg_catalog.pg_class as c where c.oid = current_oid;
    end if;
    -- Kept in place (same oid) or gone for good: nothing to restore.
    continue when current_oid is null or current_oid = saved_oid;
    -- A null ACL means the kind's defaults (PUBLIC may execute a function).
    default_kind := case saved_kind when 'function' then 'f' when 'sequence' then 's' else 'r' end;
    for entry in
      select distinct a.grantee
        from pg_catalog.aclexplode(coalesce(current_acl, pg_catalog.acldefault(default_kind, owner_oid))) as a
       where a.grantee <> owner_oid
    loop
      execute pg_catalog.format('revoke all on %s %s from %s', saved_kind, saved_identity,
        case when entry.grantee = 0 then 'public' else entry.grantee::regrole::text end);
    end loop;
    for entry in
      select a.grantee, a.privilege_type, a.is_grantable
        from pg_catalog.aclexplode(coalesce(saved_acl, pg_catalog.acldefault(default_kind, owner_oid))) as a
       where a.grantee <> owner_oid
    loop
      execute pg_catalog.format('grant %s on %s %s to %s%s', entry.privilege_type, saved_kind, saved_identity,
        case when entry.grantee = 0 then 'public' else entry.grantee::regrole::text end,
        case when entry.is_grantable then ' with grant option' else '' end);
    end loop;
  end loop;
  -- A temp table of these two functions; no client reads it.
  execute pg_catalog.format('drop table %s', saved_table);
end
$$;

revoke all on function analytics.save_privileges(text[]) from public, anon, authenticated, service_role;
revoke all on function analytics.restore_privileges() from public, anon, authenticated, service_role;
