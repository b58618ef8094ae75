// Names out of parse trees: qualified object names, function signatures, role specs.
import type { FunctionParameter, ObjectWithArgs, RangeVar, TypeName } from "libpg-query";
import type { Node } from "./parser";

/** Unqualified names resolve to public (the default search_path of a migration session). */
export const DEFAULT_SCHEMA = "public";

export function stringValue(node: Node | undefined): string | undefined {
  return node && "String" in node ? node.String.sval ?? "" : undefined;
}

export function stringList(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map(stringValue).filter((value): value is string => value !== undefined);
}

export interface QualifiedName {
  schema: string;
  name: string;
}

export function qualify(parts: string[]): QualifiedName {
  return parts.length >= 2 ? { schema: parts[parts.length - 2], name: parts[parts.length - 1] } : { schema: DEFAULT_SCHEMA, name: parts[0] ?? "" };
}

export function relationName(relation: RangeVar | undefined): QualifiedName {
  return { schema: relation?.schemaname ?? DEFAULT_SCHEMA, name: relation?.relname ?? "" };
}

export function display(name: QualifiedName): string {
  return `${name.schema}.${name.name}`;
}

/** `text`, `int4`, `text[]`: the type as PostgreSQL's grammar normalises it, without pg_catalog. */
export function typeDisplay(type: TypeName | undefined): string {
  const names = stringList(type?.names);
  const base = names[names.length - 1] ?? "?";
  return base + "[]".repeat(type?.arrayBounds?.length ?? 0);
}

/** Argument types that make up a function's identity (OUT and TABLE parameters do not). */
export function signatureTypes(parameters: Node[] | undefined): string[] {
  return (parameters ?? [])
    .map((node) => ("FunctionParameter" in node ? (node.FunctionParameter as FunctionParameter) : undefined))
    .filter((parameter): parameter is FunctionParameter => parameter !== undefined)
    .filter((parameter) => parameter.mode !== "FUNC_PARAM_OUT" && parameter.mode !== "FUNC_PARAM_TABLE")
    .map((parameter) => typeDisplay(parameter.argType));
}

export interface FunctionIdentity extends QualifiedName {
  /** Undefined when a statement names the function without arguments (`alter function f reset ...`). */
  args?: string[];
}

export function functionOfObject(object: ObjectWithArgs | undefined): FunctionIdentity {
  const name = qualify(stringList(object?.objname));
  if (!object || object.args_unspecified) return name;
  const args = (object.objargs ?? []).map((node) => ("TypeName" in node ? typeDisplay(node.TypeName) : "?"));
  return { ...name, args };
}

export function functionDisplay(identity: FunctionIdentity): string {
  return `${display(identity)}(${(identity.args ?? []).join(", ")})`;
}

export function functionKey(identity: QualifiedName & { args: string[] }): string {
  return `${identity.schema}.${identity.name}(${identity.args.join(",")})`;
}
