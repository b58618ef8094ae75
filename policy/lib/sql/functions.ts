// The functions the migrations leave behind, replayed statement by statement in version order
// (create, alter, drop), with their security and search_path settings: later statements win, as
// they do in the database.
import type { AlterFunctionStmt, CreateFunctionStmt, DefElem, DropStmt } from "libpg-query";
import { Finding, findingAt, SourceLocation } from "./findings";
import { FunctionIdentity, functionDisplay, functionKey, functionOfObject, qualify, QualifiedName, signatureTypes, stringList } from "./names";
import type { Node } from "./parser";

interface FunctionSettings {
  identity: QualifiedName & { args: string[] };
  securityDefiner: boolean;
  /** `set search_path = <explicit value>` is attached to the function. */
  pinsSearchPath: boolean;
  /** Where the function was last created or altered. */
  location: SourceLocation;
}

const ROUTINE_OBJECTS = new Set(["OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"]);

function definitionOptions(options: Node[] | undefined): DefElem[] {
  return (options ?? []).filter((option): option is { DefElem: DefElem } => "DefElem" in option).map((option) => option.DefElem);
}

/** Applies `security ...` and `set/reset search_path` options to a function's settings. */
function applyOptions(options: DefElem[], settings: FunctionSettings): void {
  for (const option of options) {
    if (option.defname === "security") {
      settings.securityDefiner = option.arg !== undefined && "Boolean" in option.arg && option.arg.Boolean.boolval === true;
    }
    if ((option.defname === "set" || option.defname === "reset") && option.arg && "VariableSetStmt" in option.arg) {
      const setting = option.arg.VariableSetStmt;
      if (setting.kind === "VAR_RESET_ALL") settings.pinsSearchPath = false;
      // `set search_path from current` takes the migration session's path: not pinned.
      else if (setting.name === "search_path") settings.pinsSearchPath = setting.kind === "VAR_SET_VALUE";
    }
  }
}

export class FunctionModel {
  private readonly functions = new Map<string, FunctionSettings>();

  apply(node: Node, location: SourceLocation): void {
    if ("CreateFunctionStmt" in node) this.create(node.CreateFunctionStmt, location);
    else if ("AlterFunctionStmt" in node) this.alter(node.AlterFunctionStmt, location);
    else if ("DropStmt" in node) this.drop(node.DropStmt);
  }

  private create(statement: CreateFunctionStmt, location: SourceLocation): void {
    const identity = { ...qualify(stringList(statement.funcname)), args: signatureTypes(statement.parameters) };
    const settings: FunctionSettings = { identity, securityDefiner: false, pinsSearchPath: false, location };
    applyOptions(definitionOptions(statement.options), settings);
    this.functions.set(functionKey(identity), settings);
  }

  /** The functions a statement names: exactly one with arguments given, else every overload. */
  private matching(identity: FunctionIdentity): FunctionSettings[] {
    if (identity.args) {
      const found = this.functions.get(functionKey({ ...identity, args: identity.args }));
      return found ? [found] : [];
    }
    return [...this.functions.values()].filter((fn) => fn.identity.schema === identity.schema && fn.identity.name === identity.name);
  }

  private alter(statement: AlterFunctionStmt, location: SourceLocation): void {
    for (const settings of this.matching(functionOfObject(statement.func))) {
      applyOptions(definitionOptions(statement.actions), settings);
      settings.location = location;
    }
  }

  private drop(statement: DropStmt): void {
    if (!ROUTINE_OBJECTS.has(statement.removeType ?? "")) return;
    for (const object of statement.objects ?? []) {
      if (!("ObjectWithArgs" in object)) continue;
      for (const settings of this.matching(functionOfObject(object.ObjectWithArgs))) this.functions.delete(functionKey(settings.identity));
    }
  }

  definerWithoutSearchPath(): Finding[] {
    return [...this.functions.values()]
      .filter((fn) => fn.securityDefiner && !fn.pinsSearchPath)
      .map((fn) =>
        findingAt(
          fn.location,
          `function ${functionDisplay(fn.identity)} is security definer but does not set search_path; add \`set search_path = ''\` to it (and schema-qualify every name in its body), so that a caller cannot make it run their own objects with its owner's rights`,
        ),
      );
  }
}
