// The database objects the migrations leave behind, replayed statement by statement in version
// order: functions (with their security and search_path settings), materialized views of schema
// analytics and their indexes. Later statements win, as they do in the database.
import type { AlterFunctionStmt, CreateFunctionStmt, DefElem, DropStmt, IndexStmt } from "libpg-query";
import { ANALYTICS_SCHEMA } from "./anonymousGrants";
import { Finding, findingAt, SourceLocation } from "./findings";
import {
  display,
  FunctionIdentity,
  functionDisplay,
  functionKey,
  functionOfObject,
  QualifiedName,
  qualifiedFromList,
  qualify,
  relationName,
  signatureTypes,
  stringList,
  stringValue,
} from "./names";
import type { Node } from "./parser";

export interface FunctionDefinition {
  identity: QualifiedName & { args: string[] };
  language: string;
  securityDefiner: boolean;
  /** `set search_path = <explicit value>` is attached to the function. */
  pinsSearchPath: boolean;
  /** Where the function was last created or altered. */
  location: SourceLocation;
  /** Where the function was last created: its body is there. */
  definedAt: SourceLocation;
  /** The `create function` statement itself. */
  statementSql: string;
  /** The body (`as $$...$$`). */
  body?: string;
  /** File line on which the body starts (PL/pgSQL line 1). */
  bodyLine?: number;
}

interface MaterializedView {
  name: QualifiedName;
  location: SourceLocation;
}

interface IndexDefinition {
  view: string;
  /** Unique, not partial, on plain columns: what `refresh ... concurrently` can use. */
  usableForConcurrentRefresh: boolean;
  /** Why a unique index is not usable. */
  unusableBecause?: string;
}

function definitionOptions(options: Node[] | undefined): DefElem[] {
  return (options ?? []).filter((option): option is { DefElem: DefElem } => "DefElem" in option).map((option) => option.DefElem);
}

/** Applies `security ...` and `set/reset search_path` options to a function's state. */
function applyFunctionOptions(options: DefElem[], state: Pick<FunctionDefinition, "securityDefiner" | "pinsSearchPath">): void {
  for (const option of options) {
    if (option.defname === "security") {
      state.securityDefiner = option.arg !== undefined && "Boolean" in option.arg && option.arg.Boolean.boolval === true;
    }
    if ((option.defname === "set" || option.defname === "reset") && option.arg && "VariableSetStmt" in option.arg) {
      const setting = option.arg.VariableSetStmt;
      if (setting.kind === "VAR_RESET_ALL") state.pinsSearchPath = false;
      else if (setting.name === "search_path") state.pinsSearchPath = setting.kind === "VAR_SET_VALUE";
    }
  }
}

export class SchemaModel {
  readonly functions = new Map<string, FunctionDefinition>();
  private readonly views = new Map<string, MaterializedView>();
  private readonly indexes = new Map<string, IndexDefinition>();
  private unnamedIndexes = 0;

  /** Replays one statement. `statementSql` is its text; `bodyLine` the file line its body starts on. */
  apply(node: Node, location: SourceLocation, statementSql: string, bodyLine?: number): void {
    if ("CreateFunctionStmt" in node) this.createFunction(node.CreateFunctionStmt, location, statementSql, bodyLine);
    else if ("AlterFunctionStmt" in node) this.alterFunction(node.AlterFunctionStmt, location);
    else if ("DropStmt" in node) this.drop(node.DropStmt);
    else if ("CreateTableAsStmt" in node && node.CreateTableAsStmt.objtype === "OBJECT_MATVIEW") {
      const name = relationName(node.CreateTableAsStmt.into?.rel);
      if (name.schema === ANALYTICS_SCHEMA && !this.views.has(display(name))) this.views.set(display(name), { name, location });
    } else if ("IndexStmt" in node) this.createIndex(node.IndexStmt);
  }

  private createFunction(statement: CreateFunctionStmt, location: SourceLocation, statementSql: string, bodyLine?: number): void {
    const identity = { ...qualify(stringList(statement.funcname)), args: signatureTypes(statement.parameters) };
    const options = definitionOptions(statement.options);
    const language = options.find((option) => option.defname === "language");
    const body = options.find((option) => option.defname === "as");
    const definition: FunctionDefinition = {
      identity,
      // Without a language clause only a SQL-standard body (`begin atomic`) is valid, which is SQL.
      language: (language?.arg && stringValue(language.arg)) || "sql",
      securityDefiner: false,
      pinsSearchPath: false,
      location,
      definedAt: location,
      statementSql,
      body: body?.arg && "List" in body.arg ? stringValue(body.arg.List.items?.[0]) : undefined,
      bodyLine,
    };
    applyFunctionOptions(options, definition);
    this.functions.set(functionKey(identity), definition);
  }

  /** The functions a statement names: exactly one with arguments given, else every overload. */
  private matchingFunctions(identity: FunctionIdentity): FunctionDefinition[] {
    if (identity.args) {
      const found = this.functions.get(functionKey({ ...identity, args: identity.args }));
      return found ? [found] : [];
    }
    return [...this.functions.values()].filter((fn) => fn.identity.schema === identity.schema && fn.identity.name === identity.name);
  }

  private alterFunction(statement: AlterFunctionStmt, location: SourceLocation): void {
    for (const definition of this.matchingFunctions(functionOfObject(statement.func))) {
      applyFunctionOptions(definitionOptions(statement.actions), definition);
      definition.location = location;
    }
  }

  private drop(statement: DropStmt): void {
    const objects = statement.objects ?? [];
    switch (statement.removeType) {
      case "OBJECT_FUNCTION":
      case "OBJECT_PROCEDURE":
      case "OBJECT_ROUTINE":
        for (const object of objects) {
          if (!("ObjectWithArgs" in object)) continue;
          for (const definition of this.matchingFunctions(functionOfObject(object.ObjectWithArgs))) {
            this.functions.delete(functionKey(definition.identity));
          }
        }
        break;
      case "OBJECT_MATVIEW":
        for (const object of objects) {
          const name = qualifiedFromList(object);
          if (!name) continue;
          this.views.delete(display(name));
          for (const [key, index] of this.indexes) if (index.view === display(name)) this.indexes.delete(key);
        }
        break;
      case "OBJECT_INDEX":
        for (const object of objects) {
          const name = "List" in object ? stringList(object.List.items) : [];
          // An unqualified index name is looked up on the search path; match it in any schema.
          for (const key of this.indexes.keys()) {
            if (name.length >= 2 ? key === name.join(".") : key.endsWith(`.${name[0]}`)) this.indexes.delete(key);
          }
        }
        break;
      default:
        break;
    }
  }

  private createIndex(statement: IndexStmt): void {
    if (!statement.unique) return;
    const view = relationName(statement.relation);
    if (view.schema !== ANALYTICS_SCHEMA) return;
    const expressions = (statement.indexParams ?? []).some((param) => "IndexElem" in param && param.IndexElem.expr !== undefined);
    const unusableBecause = statement.whereClause ? "it is partial (has a WHERE clause)" : expressions ? "it indexes an expression, not columns" : undefined;
    const key = `${view.schema}.${statement.idxname ?? `<unnamed ${++this.unnamedIndexes}>`}`;
    this.indexes.set(key, { view: display(view), usableForConcurrentRefresh: !unusableBecause, unusableBecause });
  }

  /** Materialized views of schema analytics that remain after every migration. */
  analyticsViews(): MaterializedView[] {
    return [...this.views.values()];
  }

  findFunction(schema: string, name: string): FunctionDefinition | undefined {
    return [...this.functions.values()].filter((fn) => fn.identity.schema === schema && fn.identity.name === name).pop();
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

  viewsWithoutUniqueIndex(): Finding[] {
    const findings: Finding[] = [];
    for (const view of this.views.values()) {
      const key = display(view.name);
      const indexes = [...this.indexes.values()].filter((index) => index.view === key);
      if (indexes.some((index) => index.usableForConcurrentRefresh)) continue;
      const unusable = indexes.find((index) => index.unusableBecause);
      const why = unusable ? `its unique index cannot serve \`refresh materialized view concurrently\` because ${unusable.unusableBecause}` : "it has no unique index";
      findings.push(
        findingAt(
          view.location,
          `materialized view ${key} (created here): ${why}; add \`create unique index if not exists ${view.name.name}_key on ${key} (<key columns>)\` without a WHERE clause, which refresh materialized view concurrently requires`,
        ),
      );
    }
    return findings;
  }
}
