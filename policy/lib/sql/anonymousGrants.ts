// Grants in migration SQL that open schema analytics or the auth hook to anon or public.
import type { AlterDefaultPrivilegesStmt, GrantStmt } from "libpg-query";
import { ANALYTICS_SCHEMA, HOOK_FUNCTION } from "../../requirements";
import { display, functionDisplay, functionOfObject, relationName, stringList, stringValue } from "./names";
import type { Node } from "./parser";

const FUNCTION_OBJECTS = new Set(["OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"]);

/** `anon` or `public` among the grantees, as written. */
function anonymousGrantees(grant: GrantStmt): string[] {
  const names: string[] = [];
  for (const grantee of grant.grantees ?? []) {
    if (!("RoleSpec" in grantee)) continue;
    const role = grantee.RoleSpec;
    if (role.roletype === "ROLESPEC_PUBLIC") names.push("public");
    else if (role.roletype === "ROLESPEC_CSTRING" && role.rolename?.toLowerCase() === "anon") names.push("anon");
  }
  return names;
}

function isHook(name: { schema: string; name: string }): boolean {
  return name.schema === HOOK_FUNCTION.schema && name.name === HOOK_FUNCTION.name;
}

/** The protected objects a grant reaches: `schema analytics`, `analytics.v`, the hook... */
function protectedTargets(grant: GrantStmt): string[] {
  const objects = grant.objects ?? [];
  const isFunctionGrant = FUNCTION_OBJECTS.has(grant.objtype ?? "");
  if (grant.targtype === "ACL_TARGET_ALL_IN_SCHEMA") {
    return stringList(objects)
      .filter((schema) => schema === ANALYTICS_SCHEMA || (isFunctionGrant && schema === HOOK_FUNCTION.schema))
      .map((schema) => (schema === ANALYTICS_SCHEMA ? `every object of its kind in schema ${schema}` : `every function in schema ${schema}, the hook included`));
  }
  const reached: string[] = [];
  for (const object of objects) {
    if (grant.objtype === "OBJECT_SCHEMA") {
      const schema = stringValue(object);
      if (schema === ANALYTICS_SCHEMA) reached.push(`schema ${schema}`);
    } else if ("RangeVar" in object) {
      const relation = relationName(object.RangeVar);
      if (relation.schema === ANALYTICS_SCHEMA) reached.push(display(relation));
    } else if ("ObjectWithArgs" in object && isFunctionGrant) {
      const fn = functionOfObject(object.ObjectWithArgs);
      if (fn.schema === ANALYTICS_SCHEMA || isHook(fn)) reached.push(functionDisplay(fn));
    }
  }
  return reached;
}

/** A problem statement when `grant` gives anon or public access to analytics or the hook. */
export function anonymousGrantProblem(node: Node): string | undefined {
  if ("GrantStmt" in node) {
    const grant = node.GrantStmt;
    if (!grant.is_grant) return undefined;
    const roles = anonymousGrantees(grant);
    const targets = protectedTargets(grant);
    if (roles.length === 0 || targets.length === 0) return undefined;
    return `grants ${roles.join(" and ")} access to ${targets.join(", ")}; remove the grant (anon and public never reach analytics or the hook: admins go through the analytics admin functions, the auth server through supabase_auth_admin)`;
  }
  if ("AlterDefaultPrivilegesStmt" in node) return defaultPrivilegesProblem(node.AlterDefaultPrivilegesStmt);
  return undefined;
}

function defaultPrivilegesProblem(statement: AlterDefaultPrivilegesStmt): string | undefined {
  const grant = statement.action;
  if (!grant?.is_grant) return undefined;
  const roles = anonymousGrantees(grant);
  if (roles.length === 0) return undefined;
  const schemasOption = (statement.options ?? []).find((option) => "DefElem" in option && option.DefElem.defname === "schemas");
  const schemas =
    schemasOption && "DefElem" in schemasOption && schemasOption.DefElem.arg && "List" in schemasOption.DefElem.arg
      ? stringList(schemasOption.DefElem.arg.List.items)
      : undefined;
  const isFunctionGrant = FUNCTION_OBJECTS.has(grant.objtype ?? "");
  const reaches =
    schemas === undefined
      ? "objects created later in every schema, analytics included"
      : schemas.includes(ANALYTICS_SCHEMA)
        ? "objects created later in schema analytics"
        : isFunctionGrant && schemas.includes(HOOK_FUNCTION.schema)
          ? "functions created later in schema public, such as the hook"
          : undefined;
  if (!reaches) return undefined;
  return `default privileges grant ${roles.join(" and ")} access to ${reaches}; remove them (revoke, do not grant, default privileges for anon and public)`;
}

