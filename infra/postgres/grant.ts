// Grant: one privilege of one role on one object (execute on a function, select on a table,
// usage on a schema). create grants, delete revokes.
//
// read looks at the object's own ACL (aclexplode over proacl / relacl / nspacl, or the
// built-in default when it is null) for an entry naming the role. has_*_privilege would
// also say yes through PUBLIC or a role membership, and so hide a revoke made out of band;
// the ACL does not. A revoked grant reads as `granted: false` (drift, restored by update);
// a missing object or role reads as no id.
//
// Statements are written by the server: format('%I') quotes the role, and the object is
// resolved with to_regprocedure / to_regclass / parse_ident and printed back by PostgreSQL,
// so no input is ever concatenated into SQL.
import type * as pulumi from "@pulumi/pulumi";
import type { ClientBase } from "pg";
import { underMigrationLock } from "../migrations";
import { dynamicResource, failure, hasSqlState, isKnownString, isUnknown, optionalBoolean, propertyFailures, providerError } from "../toolkit";
import { withDatabase } from "./connection";
import {
  GRANT_OBJECT_TYPES as OBJECT_TYPES,
  GrantObjectType,
  grantObjectProblem,
  grantText,
  Privilege,
  PRIVILEGE_FOR_OBJECT_TYPE,
  roleNameProblem,
} from "./objectNames";
import { CommonInputs, connectionFailures, PostgresArgs, diffProperties, POSTGRES_SECRETS, STORED_ONLY_KEYS } from "./providerInputs";

export interface GrantArgs extends PostgresArgs {
  /**
   * The grantee, e.g. authenticated; never public.
   * @default none (required)
   */
  role: pulumi.Input<string>;
  /**
   * Lowercase, the one the object type takes: execute (function), select (table), usage (schema).
   * @default none (required)
   */
  privilege: pulumi.Input<Privilege>;
  /**
   * What `object` names: function, table (also views and materialized views) or schema.
   * @default none (required)
   */
  objectType: pulumi.Input<GrantObjectType>;
  /**
   * Schema-qualified; functions with argument types: analytics.manual_refresh().
   * @default none (required)
   */
  object: pulumi.Input<string>;
}

export interface GrantInputs extends CommonInputs {
  role: string;
  privilege: Privilege;
  objectType: GrantObjectType;
  object: string;
  /** Set to true by the resource; read reports false when the privilege was revoked out of band. */
  granted?: boolean;
}

export type GrantOutputs = GrantInputs;

const REPLACE_KEYS = ["role", "privilege", "objectType", "object"];
const DIFF_KEYS = [...REPLACE_KEYS, "granted", ...STORED_ONLY_KEYS];

/** Where each object type lives in the catalog: its row for $1 (as `o`), its name as PostgreSQL prints it, its ACL. */
const CATALOG: Record<GrantObjectType, { from: string; where: string; printed: string; placeholder: string; acl: string }> = {
  function: {
    from: "pg_catalog.pg_proc o",
    where: "o.oid = pg_catalog.to_regprocedure($1)",
    printed: "o.oid::pg_catalog.regprocedure",
    placeholder: "%s",
    acl: "coalesce(o.proacl, pg_catalog.acldefault('f', o.proowner))",
  },
  table: {
    from: "pg_catalog.pg_class o",
    where: "o.oid = pg_catalog.to_regclass($1)",
    printed: "o.oid::pg_catalog.regclass",
    placeholder: "%s",
    acl: "coalesce(o.relacl, pg_catalog.acldefault('r', o.relowner))",
  },
  schema: {
    from: "pg_catalog.pg_namespace o",
    where: "pg_catalog.array_length(pg_catalog.parse_ident($1), 1) = 1 and o.nspname = (pg_catalog.parse_ident($1))[1]",
    printed: "o.nspname",
    placeholder: "%I",
    acl: "coalesce(o.nspacl, pg_catalog.acldefault('n', o.nspowner))",
  },
};

function byObjectType(sql: (objectType: GrantObjectType) => string): Record<GrantObjectType, string> {
  return { function: sql("function"), table: sql("table"), schema: sql("schema") };
}

/** $1 object, $2 role. Columns: statement (no row when the object is missing), role_exists. */
function statementSql(action: "grant" | "revoke", objectType: GrantObjectType): string {
  const { from, where, printed, placeholder } = CATALOG[objectType];
  const text = `${action} ${PRIVILEGE_FOR_OBJECT_TYPE[objectType]} on ${objectType} ${placeholder} ${action === "grant" ? "to" : "from"} %I`;
  return `
    select pg_catalog.format('${text}', ${printed}, $2::text) as statement,
           exists (select 1 from pg_catalog.pg_roles where rolname = $2) as role_exists
    from ${from}
    where ${where}`;
}

const GRANT_STATEMENT_SQL = byObjectType((objectType) => statementSql("grant", objectType));
const REVOKE_STATEMENT_SQL = byObjectType((objectType) => statementSql("revoke", objectType));

/** $1 object, $2 role. One row when object and role exist; granted: the object's ACL has the role's entry. */
const GRANTED_SQL = byObjectType(
  (objectType) => `
    select exists (
             select 1 from pg_catalog.aclexplode(${CATALOG[objectType].acl}) a
             where a.grantee = r.oid and a.privilege_type = '${PRIVILEGE_FOR_OBJECT_TYPE[objectType].toUpperCase()}'
           ) as granted
    from ${CATALOG[objectType].from}, pg_catalog.pg_roles r
    where ${CATALOG[objectType].where} and r.rolname = $2`,
);

/**
 * to_regprocedure raises 42704 when an argument type does not exist (PostgreSQL 15): the
 * function cannot exist then either. 3F000: a schema named in a type does not exist.
 */
const OBJECT_MISSING = ["42704", "3F000"];

function privilegeProblem(value: Privilege, objectType: GrantObjectType): string | undefined {
  const allowed = Object.values(PRIVILEGE_FOR_OBJECT_TYPE);
  if (!allowed.includes(value)) return `must be one of ${allowed.join(", ")} (lowercase)`;
  if (OBJECT_TYPES.includes(objectType) && PRIVILEGE_FOR_OBJECT_TYPE[objectType] !== value) {
    return `a ${objectType} takes ${PRIVILEGE_FOR_OBJECT_TYPE[objectType]}, not ${value}`;
  }
  return undefined;
}

function resolveInputs(news: GrantInputs): GrantInputs {
  return { ...news, granted: news.granted ?? true };
}

/** The statement the server wrote for this grant or revoke; undefined when object or role is missing. */
async function serverStatement(client: ClientBase, sql: string, inputs: GrantInputs): Promise<{ statement?: string; roleExists: boolean; objectExists: boolean }> {
  let rows: Array<{ statement: string; role_exists: boolean }>;
  try {
    ({ rows } = await client.query<{ statement: string; role_exists: boolean }>(sql, [inputs.object, inputs.role]));
  } catch (error) {
    if (hasSqlState(error, ...OBJECT_MISSING)) return { roleExists: true, objectExists: false };
    throw error;
  }
  if (rows.length === 0) return { roleExists: true, objectExists: false };
  if (!rows[0].role_exists) return { roleExists: false, objectExists: true };
  return { statement: rows[0].statement, roleExists: true, objectExists: true };
}

async function grant(client: ClientBase, inputs: GrantInputs): Promise<void> {
  const { statement, roleExists, objectExists } = await serverStatement(client, GRANT_STATEMENT_SQL[inputs.objectType], inputs);
  if (!objectExists) {
    throw providerError(
      `${grantText(inputs)}: ${inputs.objectType} ${inputs.object} does not exist. Create it in a migration and make ` +
        "the Grant depend on that Migration (check cannot see this at preview: the migration has not run then).",
      "42704",
    );
  }
  if (!roleExists) throw providerError(`${grantText(inputs)}: role ${inputs.role} does not exist; create it first`, "42704");
  await client.query(statement as string);
}

/** Grants under the migration lock, so a migration altering the same object never races it. */
function lockedGrant(client: ClientBase, inputs: GrantInputs): Promise<void> {
  return underMigrationLock(client, () => grant(client, inputs));
}

async function isGranted(client: ClientBase, inputs: GrantInputs): Promise<boolean | undefined> {
  try {
    const { rows } = await client.query<{ granted: boolean }>(GRANTED_SQL[inputs.objectType], [inputs.object, inputs.role]);
    return rows[0]?.granted;
  } catch (error) {
    if (hasSqlState(error, ...OBJECT_MISSING)) return undefined;
    throw error;
  }
}

export const grantProvider: pulumi.dynamic.ResourceProvider<GrantInputs, GrantOutputs> = {
  async check(_olds, news) {
    const failures = [
      ...connectionFailures(news.connection),
      ...propertyFailures("role", news.role, roleNameProblem),
      ...propertyFailures("objectType", news.objectType, (value) =>
        OBJECT_TYPES.includes(value) ? undefined : `must be one of ${OBJECT_TYPES.join(", ")}`,
      ),
      ...propertyFailures("privilege", news.privilege, (value) => privilegeProblem(value, news.objectType)),
    ];
    if (!isUnknown(news.object) && OBJECT_TYPES.includes(news.objectType)) {
      const problem = isKnownString(news.object) ? await grantObjectProblem(news.objectType, news.object) : `required: a ${news.objectType} name`;
      failures.push(...failure("object", problem));
    }
    failures.push(...propertyFailures("granted", news.granted, optionalBoolean));
    return { inputs: resolveInputs(news), failures };
  },

  async diff(_id, olds, news) {
    const { changed, replaces } = diffProperties(resolveInputs(olds), resolveInputs(news), DIFF_KEYS, REPLACE_KEYS);
    // Revoke first: a replacement naming the same privilege under another spelling of the
    // object must not end revoked.
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
  },

  async create(news) {
    const inputs = resolveInputs(news);
    await withDatabase(inputs.connection, grantText(inputs), (client) => lockedGrant(client, inputs));
    return { id: `${inputs.role}:${inputs.privilege}:${inputs.objectType}:${inputs.object}`, outs: inputs };
  },

  async read(id, props) {
    if (!props) return {};
    const inputs = resolveInputs(props);
    const granted = await withDatabase(inputs.connection, `reading ${grantText(inputs)}`, (client) => isGranted(client, inputs));
    if (granted === undefined) return {};
    return { id, props: { ...inputs, granted } };
  },

  async update(_id, olds, news) {
    const inputs = resolveInputs(news);
    if (olds.granted === false && inputs.granted) {
      await withDatabase(inputs.connection, grantText(inputs), (client) => lockedGrant(client, inputs));
    }
    return { outs: inputs };
  },

  async delete(_id, props) {
    const inputs = resolveInputs(props);
    await withDatabase(inputs.connection, `revoke of ${grantText(inputs)}`, (client) =>
      underMigrationLock(client, async () => {
        const { statement } = await serverStatement(client, REVOKE_STATEMENT_SQL[inputs.objectType], inputs);
        // A missing object or role holds no privilege: nothing to revoke.
        if (statement) await client.query(statement);
      }),
    );
  },
};

/** pulumi-nodejs:dynamic/postgres:Grant */
export const Grant = dynamicResource<GrantArgs, GrantOutputs>(
  { provider: grantProvider, module: "postgres", type: "Grant", file: __filename, secrets: POSTGRES_SECRETS },
  (args) => ({ ...args, granted: true }),
);
export type Grant = InstanceType<typeof Grant>;
