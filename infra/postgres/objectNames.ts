// The Grant vocabulary (privileges, object types, the grant's text), defined once for the
// Grant resource, the program's declared admin surface and the tests; and the syntax checks of
// the names the Grant resource takes, with the real PostgreSQL grammar (libpg-query): the
// object is put in a GRANT statement that is parsed, never executed, and the parse tree must
// hold exactly that one object of the expected shape. Whether the object exists is the
// database's business, at create time (check runs at preview, before the migration that
// creates it).

export type Privilege = "execute" | "usage" | "select";
export type GrantObjectType = "function" | "table" | "schema";

/** The one privilege each object type takes here. */
export const PRIVILEGE_FOR_OBJECT_TYPE: Record<GrantObjectType, Privilege> = {
  function: "execute",
  table: "select",
  schema: "usage",
};

export const GRANT_OBJECT_TYPES = Object.keys(PRIVILEGE_FOR_OBJECT_TYPE) as GrantObjectType[];

/** One privilege of one role on one object, as the Grant resource's inputs name it. */
export interface GrantSpec {
  role: string;
  privilege: Privilege;
  objectType: GrantObjectType;
  /** Schema-qualified; functions with their argument types, e.g. `analytics.manual_refresh()`. */
  object: string;
}

/** `grant execute on function analytics.manual_refresh() to authenticated`: the statement, as messages and tests write it. */
export function grantText(grant: GrantSpec): string {
  return `grant ${grant.privilege} on ${grant.objectType} ${grant.object} to ${grant.role}`;
}

/** A role name as pg_roles.rolname holds it: lowercase identifier characters, at most 63 bytes. */
export const ROLE_NAME_PATTERN = /^[a-z_][a-z0-9_$]*$/;

const PROBE_ROLE = "probe_role";

const EXAMPLES: Record<GrantObjectType, string> = {
  function: "a schema-qualified function with its argument types, e.g. analytics.manual_refresh() or public.custom_access_token_hook(jsonb)",
  table: "a schema-qualified table or view, e.g. public.user_roles",
  schema: "a schema name, e.g. analytics",
};

interface NameNode {
  String?: { sval: string };
}

interface GrantNode {
  GrantStmt?: {
    objects?: Array<{
      ObjectWithArgs?: {
        objname?: NameNode[];
        args_unspecified?: boolean;
        objfuncargs?: Array<{ FunctionParameter?: { name?: string; mode?: string } }>;
      };
      RangeVar?: { catalogname?: string; schemaname?: string; relname?: string };
      String?: { sval: string };
    }>;
    grantees?: Array<{ RoleSpec?: { rolename?: string } }>;
  };
}

function shapeProblem(objectType: GrantObjectType, statement: GrantNode): string | undefined {
  const grant = statement.GrantStmt;
  const grantees = grant?.grantees ?? [];
  if (!grant || grant.objects?.length !== 1 || grantees.length !== 1 || grantees[0].RoleSpec?.rolename !== PROBE_ROLE) {
    return "must name exactly one object";
  }
  const object = grant.objects[0];
  if (objectType === "function") {
    const fn = object.ObjectWithArgs;
    if (!fn || fn.objname?.length !== 2) return "must be schema-qualified (schema.function(...))";
    if (fn.args_unspecified) return "must list the argument types in parentheses, () when there are none";
    const named = (fn.objfuncargs ?? []).find((arg) => arg.FunctionParameter?.name || !["FUNC_PARAM_DEFAULT", "FUNC_PARAM_IN"].includes(arg.FunctionParameter?.mode ?? ""));
    if (named) return "must list argument types only, without names or modes (regprocedure syntax)";
    return undefined;
  }
  if (objectType === "table") {
    const table = object.RangeVar;
    if (!table || !table.schemaname || table.catalogname) return "must be schema-qualified (schema.table)";
    return undefined;
  }
  return object.String ? undefined : "must be one schema name";
}

/** Why `object` is not a valid name for a Grant on that object type, or undefined. Uses the parser; no database. */
export async function grantObjectProblem(objectType: GrantObjectType, object: string): Promise<string | undefined> {
  const { parse } = require("libpg-query") as typeof import("libpg-query");
  if (object.trim() === "") return `required: ${EXAMPLES[objectType]}`;
  let statements: GrantNode[];
  try {
    const result = (await parse(grantText({ role: PROBE_ROLE, privilege: PRIVILEGE_FOR_OBJECT_TYPE[objectType], objectType, object }))) as { stmts?: Array<{ stmt: GrantNode }> };
    statements = (result.stmts ?? []).map((raw) => raw.stmt);
  } catch (error) {
    if (!(error as { sqlDetails?: unknown }).sqlDetails) throw error;
    return `"${object}" is not ${EXAMPLES[objectType]} (${(error as Error).message})`;
  }
  if (statements.length !== 1) return `"${object}" is not ${EXAMPLES[objectType]}`;
  const problem = shapeProblem(objectType, statements[0]);
  return problem ? `"${object}" ${problem}; expected ${EXAMPLES[objectType]}` : undefined;
}

export function roleNameProblem(role: unknown): string | undefined {
  if (typeof role !== "string" || role === "") return "required: a role name such as authenticated";
  if (role === "public") return "PUBLIC is not a role this resource grants to (the stack revokes from PUBLIC in migrations)";
  if (!ROLE_NAME_PATTERN.test(role) || Buffer.byteLength(role) > 63) {
    return `"${role}" is not a role name: lowercase letters, digits, _ and $, starting with a letter or _, at most 63 bytes`;
  }
  return undefined;
}
