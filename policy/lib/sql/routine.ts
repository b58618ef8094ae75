// The SQL a PL/pgSQL routine (function body or `do` block) runs: its static statements and its
// `execute` statements, each with the line it is on and whether it only runs on some paths.
import { Environment, Evaluation, evaluateElements, evaluateQueryRows, evaluateScalar } from "./dynamicSql";
import { Node, parseExpression, parseStatements, PlpgsqlDatum, PlpgsqlExpr, PlpgsqlFunction, tokens } from "./parser";

export interface SqlSite {
  /** Line in the body, 1 = the line the body starts on. */
  lineInBody: number;
  /** Inside an if, case, while or exception handler: runs on some paths only. */
  guarded: boolean;
  /** Static statements: the SQL text. */
  sql?: string;
  /** `execute <expression>`: the expression text. */
  expression?: string;
}

type Binding =
  | { kind: "value"; expression: Node | undefined }
  | { kind: "element"; expression: Node | undefined }
  | { kind: "row"; query: Node | undefined }
  | { kind: "unknown" };

/** An expression or statement of the body, as PL/pgSQL stores it (parseMode 0 statement, 2 expression, 3 assignment). */
export interface RoutineExpression {
  query: string;
  parseMode: number;
}

interface RoutineWalk {
  sites: SqlSite[];
  expressions: RoutineExpression[];
  bindings: Array<{ name: string; binding: Binding | Promise<Binding> }>;
}

const BRANCHING_STATEMENTS = new Set(["PLpgSQL_stmt_if", "PLpgSQL_stmt_case", "PLpgSQL_stmt_while", "PLpgSQL_exception"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function expressionText(value: unknown): string | undefined {
  return isRecord(value) && isRecord(value.PLpgSQL_expr) && typeof value.PLpgSQL_expr.query === "string"
    ? value.PLpgSQL_expr.query
    : undefined;
}

function datumName(datums: PlpgsqlDatum[], varno: unknown): string | undefined {
  const datum = typeof varno === "number" ? datums[varno] : undefined;
  if (!datum) return undefined;
  if ("PLpgSQL_var" in datum) return datum.PLpgSQL_var.refname;
  if ("PLpgSQL_rec" in datum) return datum.PLpgSQL_rec.refname;
  if ("PLpgSQL_row" in datum) return datum.PLpgSQL_row.refname;
  return undefined;
}

/** Names a loop or `into` target writes: the fields of a row, or a record/variable name. */
function targetNames(target: unknown): string[] {
  if (!isRecord(target)) return [];
  const row = target.PLpgSQL_row;
  if (isRecord(row) && Array.isArray(row.fields)) {
    return row.fields.filter(isRecord).map((field) => String(field.name));
  }
  for (const key of ["PLpgSQL_rec", "PLpgSQL_var"]) {
    const datum = target[key];
    if (isRecord(datum) && typeof datum.refname === "string") return [datum.refname];
  }
  return [];
}

async function parsedExpression(query: string | undefined): Promise<Node | undefined> {
  return query === undefined ? undefined : parseExpression(query);
}

/** `v := expr` (or `v = expr`): the expression after the assignment token, found with the SQL scanner. */
export async function assignedExpression(assignment: string): Promise<Node | undefined> {
  const scanned = await tokens(assignment);
  const operator = scanned.find((token) => token.text === ":=" || token.text === "=");
  if (!operator) return undefined;
  return parseExpression(Buffer.from(assignment, "utf8").subarray(operator.end).toString("utf8"));
}

async function rowQuery(query: string | undefined): Promise<Binding> {
  if (query === undefined) return { kind: "unknown" };
  const parsed = await parseStatements(query);
  return parsed.ok && parsed.value.length === 1 ? { kind: "row", query: parsed.value[0].node } : { kind: "unknown" };
}

function recordStatement(kind: string, statement: Record<string, unknown>, datums: PlpgsqlDatum[], guarded: boolean, walk: RoutineWalk) {
  const lineInBody = typeof statement.lineno === "number" ? statement.lineno : 1;
  const bind = (name: string | undefined, binding: Binding | Promise<Binding>) => {
    if (name) walk.bindings.push({ name, binding });
  };
  switch (kind) {
    case "PLpgSQL_stmt_execsql": {
      const sql = expressionText(statement.sqlstmt);
      if (sql !== undefined) walk.sites.push({ lineInBody, guarded, sql });
      if (statement.into) for (const name of targetNames(statement.target)) bind(name, { kind: "unknown" });
      break;
    }
    case "PLpgSQL_stmt_dynexecute": {
      const expression = expressionText(statement.query);
      if (expression !== undefined) walk.sites.push({ lineInBody, guarded, expression });
      if (statement.into) for (const name of targetNames(statement.target)) bind(name, { kind: "unknown" });
      break;
    }
    case "PLpgSQL_stmt_assign": {
      const assignment = expressionText(statement.expr);
      bind(datumName(datums, statement.varno), assignment === undefined ? { kind: "unknown" } : assignedExpression(assignment).then((expression) => ({ kind: "value", expression })));
      break;
    }
    case "PLpgSQL_stmt_foreach_a":
      bind(datumName(datums, statement.varno), parsedExpression(expressionText(statement.expr)).then((expression) => ({ kind: "element", expression })));
      break;
    case "PLpgSQL_stmt_fors": {
      const names = targetNames(statement.var);
      const binding = names.length === 1 ? rowQuery(expressionText(statement.query)) : ({ kind: "unknown" } as const);
      for (const name of names) bind(name, binding);
      break;
    }
    default:
      // Loop counters, cursors, `get diagnostics` and other writers: values the pack cannot know.
      for (const key of ["var", "target"]) for (const name of targetNames(statement[key])) bind(name, { kind: "unknown" });
  }
}

function walkStatements(value: unknown, datums: PlpgsqlDatum[], guarded: boolean, walk: RoutineWalk): void {
  if (Array.isArray(value)) {
    for (const item of value) walkStatements(item, datums, guarded, walk);
    return;
  }
  if (!isRecord(value)) return;
  const query = expressionText(value);
  if (query !== undefined) {
    const mode = (value.PLpgSQL_expr as { parseMode?: unknown }).parseMode;
    walk.expressions.push({ query, parseMode: typeof mode === "number" ? mode : 0 });
  }
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith("PLpgSQL_stmt_") && isRecord(child)) recordStatement(key, child, datums, guarded, walk);
    walkStatements(child, datums, guarded || BRANCHING_STATEMENTS.has(key), walk);
  }
}

export interface RoutineSql {
  sites: SqlSite[];
  /** Every expression and statement of the body, for questions such as "which functions does it call". */
  expressions: RoutineExpression[];
  environment: Environment;
}

/** The SQL sites of a routine and what its variables can hold. */
export async function routineSql(routine: PlpgsqlFunction): Promise<RoutineSql> {
  const datums = routine.datums ?? [];
  const walk: RoutineWalk = { sites: [], expressions: [], bindings: [] };
  for (const datum of datums) {
    if ("PLpgSQL_var" in datum && datum.PLpgSQL_var.default_val) {
      const defaultValue = (datum.PLpgSQL_var.default_val as PlpgsqlExpr).PLpgSQL_expr.query;
      walk.expressions.push({ query: defaultValue, parseMode: 2 });
      walk.bindings.push({ name: datum.PLpgSQL_var.refname, binding: parsedExpression(defaultValue).then((expression) => ({ kind: "value", expression })) });
    }
  }
  walkStatements(routine.action, datums, false, walk);
  const bindings = new Map<string, Binding[]>();
  for (const { name, binding } of walk.bindings) {
    const key = name.toLowerCase();
    bindings.set(key, [...(bindings.get(key) ?? []), await binding]);
  }
  return { sites: walk.sites, expressions: walk.expressions, environment: bindingEnvironment(bindings) };
}

function bindingEnvironment(bindings: Map<string, Binding[]>): Environment {
  const visiting = new Set<string>();
  const resolve = (name: string, read: (binding: Binding) => Evaluation): Evaluation => {
    const key = name.toLowerCase();
    const sources = bindings.get(key);
    if (!sources || visiting.has(key)) return undefined;
    visiting.add(key);
    try {
      const results: Evaluation[] = sources.map(read);
      if (results.some((result) => result === undefined)) return undefined;
      // Several assignments: which value a statement sees depends on the path taken.
      const guarded = sources.length > 1;
      return results.flatMap((result) => (result ?? []).map((alternative) => ({ text: alternative.text, guarded: alternative.guarded || guarded })));
    } finally {
      visiting.delete(key);
    }
  };
  const environment: Environment = {
    scalar: (name) =>
      resolve(name, (binding) => {
        switch (binding.kind) {
          case "value":
            return evaluateScalar(binding.expression, environment);
          case "element":
            return evaluateElements(binding.expression, environment);
          case "row":
            return binding.query ? evaluateQueryRows(binding.query, environment) : undefined;
          default:
            return undefined;
        }
      }),
    elements: (name) => resolve(name, (binding) => (binding.kind === "value" ? evaluateElements(binding.expression, environment) : undefined)),
  };
  return environment;
}
