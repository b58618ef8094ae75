// The catalog, normalized: every object of the schemas in scope as {kind, name, parent, props},
// read in ONE statement (CATALOG_SQL), the same for the generated expected schema
// (sql/schema.json) and for the Schema resource's read. See docs/schema-drift.md.
//
// Normalization (what makes two deploys of the same migrations read the same, whatever the
// PostgreSQL minor version, the data or the oids):
// - names as PostgreSQL prints them with format('%I.%I'); functions with their argument
//   types (oidvectortypes), never an oid;
// - ACLs as {grantee: [privileges]} with the built-in default when the ACL is null
//   (acldefault), grantees sorted, `public` for PUBLIC, grantors left out;
// - function bodies as stored (prosrc is never reformatted), split into lines; view and
//   constraint text is compared with whitespace collapsed (pg_get_viewdef's layout changes
//   between versions);
// - nothing that data, vacuum, analyze or a refresh changes: no row counts, no statistics,
//   no relispopulated, no sequence values, no relfilenode.
import type { ClientBase } from "pg";

/** Kinds of object, in the order a report lists them. */
export const OBJECT_KINDS = [
  "schema",
  "type",
  "sequence",
  "table",
  "constraint",
  "index",
  "view",
  "materialized view",
  "function",
  "trigger",
  "policy",
  "event trigger",
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** {grantee: sorted privileges}; `public` is PUBLIC. */
export type Acl = Record<string, string[]>;

export interface CatalogObject {
  kind: ObjectKind;
  /** Schema-qualified (functions with argument types); triggers, policies and constraints by their own name. */
  name: string;
  /** The relation a trigger, policy, constraint or index belongs to. */
  parent?: string;
  /** The schema the object lives in (none for event triggers). */
  schema?: string;
  props: Record<string, unknown>;
}

/**
 * Schemas the platform manages, never compared (Supabase's own and PostgreSQL's). pg_* and
 * supabase_* are prefixes.
 */
export const PLATFORM_SCHEMAS = [
  "auth",
  "storage",
  "cron",
  "extensions",
  "graphql",
  "graphql_public",
  "realtime",
  "_realtime",
  "_analytics",
  "vault",
  "pgsodium",
  "pgsodium_masks",
  "pgbouncer",
  "net",
  "information_schema",
] as const;
export const PLATFORM_SCHEMA_PREFIXES = ["pg_", "supabase_"] as const;

export function isPlatformSchema(schema: string): boolean {
  return (PLATFORM_SCHEMAS as readonly string[]).includes(schema) || PLATFORM_SCHEMA_PREFIXES.some((prefix) => schema.startsWith(prefix));
}

/** The ACL of a catalog row as {grantee: privileges}; `acl` null means the built-in default for `type`. */
function aclSql(acl: string, type: string, owner: string): string {
  return `(select coalesce(pg_catalog.jsonb_object_agg(g.grantee, g.privileges), '{}')
     from (select case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee) end as grantee,
                  pg_catalog.jsonb_agg(pg_catalog.lower(a.privilege_type) || case when a.is_grantable then ' with grant option' else '' end
                                       order by a.privilege_type) as privileges
           from pg_catalog.aclexplode(coalesce(${acl}, pg_catalog.acldefault('${type}', ${owner}))) a
           group by a.grantee) g)`;
}

const RELATION_NAME = "pg_catalog.format('%I.%I', n.nspname, c.relname)";

/**
 * $1 text[]: schemas to read whole; $2 text[]: objects outside them to read (names as this
 * query prints them), with the constraints, indexes, triggers and policies of those
 * relations; $3 text[]: the schemas those objects live in. One row: objects, a json array.
 */
export const CATALOG_SQL = `
with ns as (
  select n.oid, n.nspname, n.nspname = any($1::text[]) as whole
  from pg_catalog.pg_namespace n
  where n.nspname = any($1::text[]) or n.nspname = any($3::text[])
),
objects as (
  select 'schema' as kind, n.nspname::text as name, null::text as parent, n.nspname::text as schema,
         pg_catalog.jsonb_build_object('owner', pg_catalog.pg_get_userbyid(s.nspowner), 'acl', ${aclSql("s.nspacl", "n", "s.nspowner")}) as props
  from ns n join pg_catalog.pg_namespace s on s.oid = n.oid
  union all
  select case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' else 'table' end,
         ${RELATION_NAME}, null, n.nspname,
         pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'owner', pg_catalog.pg_get_userbyid(c.relowner),
           'acl', ${aclSql("c.relacl", "r", "c.relowner")},
           'rowLevelSecurity', case when c.relkind in ('r', 'p') then c.relrowsecurity end,
           'forceRowLevelSecurity', case when c.relkind in ('r', 'p') then c.relforcerowsecurity end,
           'options', case when c.reloptions is not null then pg_catalog.to_jsonb(c.reloptions) end,
           'definition', case when c.relkind in ('v', 'm') then pg_catalog.pg_get_viewdef(c.oid, true) end,
           'columns', case when c.relkind in ('r', 'p', 'v', 'm') then (
             select pg_catalog.jsonb_object_agg(a.attname, pg_catalog.concat_ws(' ',
                      pg_catalog.format_type(a.atttypid, a.atttypmod),
                      case when a.attcollation <> t.typcollation then 'collate ' || a.attcollation::pg_catalog.regcollation::text end,
                      case when a.attnotnull then 'not null' end,
                      case a.attidentity when 'a' then 'generated always as identity' when 'd' then 'generated by default as identity' end,
                      case when a.attgenerated = 's' then 'generated always as (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) || ') stored'
                           when d.adbin is not null then 'default ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) end))
             from pg_catalog.pg_attribute a
             join pg_catalog.pg_type t on t.oid = a.atttypid
             left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) end,
           'columnAcl', (
             select pg_catalog.jsonb_object_agg(a.attname, ${aclSql("a.attacl", "c", "c.relowner")})
             from pg_catalog.pg_attribute a
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attacl is not null)
         ))
  from pg_catalog.pg_class c join ns n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'v', 'm', 'S')
  union all
  select 'constraint', co.conname, ${RELATION_NAME}, n.nspname,
         pg_catalog.jsonb_build_object('definition', pg_catalog.pg_get_constraintdef(co.oid))
  from pg_catalog.pg_constraint co
  join pg_catalog.pg_class c on c.oid = co.conrelid
  join ns n on n.oid = c.relnamespace
  union all
  select 'index', pg_catalog.format('%I.%I', n.nspname, i.relname), ${RELATION_NAME}, n.nspname,
         pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'definition', pg_catalog.pg_get_indexdef(i.oid),
           'valid', x.indisvalid,
           'constraint', (select co.conname from pg_catalog.pg_constraint co where co.conindid = i.oid and co.conrelid = c.oid)))
  from pg_catalog.pg_index x
  join pg_catalog.pg_class i on i.oid = x.indexrelid
  join pg_catalog.pg_class c on c.oid = x.indrelid
  join ns n on n.oid = c.relnamespace
  union all
  select 'type', pg_catalog.format('%I.%I', n.nspname, t.typname), null, n.nspname,
         pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'owner', pg_catalog.pg_get_userbyid(t.typowner),
           'acl', ${aclSql("t.typacl", "T", "t.typowner")},
           'type', case t.typtype when 'e' then 'enum' when 'd' then 'domain' when 'c' then 'composite' when 'r' then 'range' else t.typtype::text end,
           'labels', case when t.typtype = 'e' then (select pg_catalog.jsonb_agg(e.enumlabel order by e.enumsortorder) from pg_catalog.pg_enum e where e.enumtypid = t.oid) end,
           'baseType', case when t.typtype = 'd' then pg_catalog.format_type(t.typbasetype, t.typtypmod) end,
           'constraints', case when t.typtype = 'd' then (select pg_catalog.jsonb_agg(pg_catalog.pg_get_constraintdef(co.oid) order by co.conname) from pg_catalog.pg_constraint co where co.contypid = t.oid) end))
  from pg_catalog.pg_type t join ns n on n.oid = t.typnamespace
  where t.typtype in ('e', 'd', 'r')
     or (t.typtype = 'c' and (select c.relkind from pg_catalog.pg_class c where c.oid = t.typrelid) = 'c')
  union all
  select 'function', pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.oidvectortypes(p.proargtypes)), null, n.nspname,
         pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'kind', case p.prokind when 'f' then 'function' when 'p' then 'procedure' when 'a' then 'aggregate' else 'window' end,
           'owner', pg_catalog.pg_get_userbyid(p.proowner),
           'acl', ${aclSql("p.proacl", "f", "p.proowner")},
           'arguments', pg_catalog.pg_get_function_arguments(p.oid),
           'returns', pg_catalog.pg_get_function_result(p.oid),
           'language', l.lanname,
           'volatility', case p.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end,
           'security', case when p.prosecdef then 'definer' else 'invoker' end,
           'strict', p.proisstrict,
           'leakproof', p.proleakproof,
           'parallel', case p.proparallel when 's' then 'safe' when 'r' then 'restricted' else 'unsafe' end,
           'settings', coalesce((select pg_catalog.jsonb_agg(s order by s) from pg_catalog.unnest(p.proconfig) s), '[]'),
           'body', case when p.prosqlbody is not null then pg_catalog.pg_get_function_sqlbody(p.oid) else p.prosrc end,
           'definition', case when p.prokind in ('f', 'p') then pg_catalog.pg_get_functiondef(p.oid) end))
  from pg_catalog.pg_proc p
  join ns n on n.oid = p.pronamespace
  join pg_catalog.pg_language l on l.oid = p.prolang
  union all
  select 'trigger', tg.tgname, ${RELATION_NAME}, n.nspname,
         pg_catalog.jsonb_build_object(
           'definition', pg_catalog.pg_get_triggerdef(tg.oid),
           'enabled', case tg.tgenabled when 'O' then 'enabled' when 'D' then 'disabled' when 'R' then 'replica' else 'always' end)
  from pg_catalog.pg_trigger tg
  join pg_catalog.pg_class c on c.oid = tg.tgrelid
  join ns n on n.oid = c.relnamespace
  where not tg.tgisinternal
  union all
  select 'policy', po.polname, ${RELATION_NAME}, n.nspname,
         pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'command', case po.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update' when 'd' then 'delete' else 'all' end,
           'permissive', po.polpermissive,
           'roles', (select pg_catalog.jsonb_agg(case when r = 0 then 'public' else pg_catalog.pg_get_userbyid(r) end order by 1)
                     from pg_catalog.unnest(po.polroles) r),
           'using', pg_catalog.pg_get_expr(po.polqual, po.polrelid),
           'check', pg_catalog.pg_get_expr(po.polwithcheck, po.polrelid)))
  from pg_catalog.pg_policy po
  join pg_catalog.pg_class c on c.oid = po.polrelid
  join ns n on n.oid = c.relnamespace
  union all
  select 'event trigger', e.evtname, null, null,
         pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'event', e.evtevent,
           'function', e.evtfoid::pg_catalog.regprocedure::text,
           'tags', pg_catalog.to_jsonb(e.evttags),
           'owner', pg_catalog.pg_get_userbyid(e.evtowner),
           'enabled', case e.evtenabled when 'O' then 'enabled' when 'D' then 'disabled' when 'R' then 'replica' else 'always' end))
  from pg_catalog.pg_event_trigger e
  where e.evtname = any($2::text[])
)
select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('kind', o.kind, 'name', o.name, 'parent', o.parent, 'schema', o.schema, 'props', o.props)
                                     order by o.kind, o.parent nulls first, o.name), '[]') as objects
from objects o
where o.kind = 'event trigger'
   or o.schema = any($1::text[])
   or o.name = any($2::text[])
   or o.parent = any($2::text[])`;

/** The scope of a read: schemas read whole, and single objects elsewhere (with their parts). */
export interface CatalogScope {
  schemas: readonly string[];
  objects: readonly string[];
}

/** The schema part of a schema-qualified name as format('%I.%I') prints it. */
export function schemaOf(name: string): string {
  const match = /^("(?:[^"]|"")*"|[^."]+)\./.exec(name);
  if (!match) return name;
  const part = match[1];
  return part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part;
}

function normalize(object: CatalogObject): CatalogObject {
  const { parent, schema, ...rest } = object;
  return { ...rest, ...(parent ? { parent } : {}), ...(schema ? { schema } : {}) };
}

/** Every object in scope, in one round trip. */
export async function readCatalog(client: ClientBase, scope: CatalogScope): Promise<CatalogObject[]> {
  const outside = [...new Set(scope.objects.map(schemaOf))];
  const { rows } = await client.query<{ objects: CatalogObject[] }>(CATALOG_SQL, [scope.schemas, scope.objects, outside]);
  return rows[0].objects.map(normalize);
}

/** `kind name` or `kind name on parent`: unique within a database. */
export function objectKey(object: Pick<CatalogObject, "kind" | "name" | "parent">): string {
  return object.parent ? `${object.kind} ${object.name} on ${object.parent}` : `${object.kind} ${object.name}`;
}
