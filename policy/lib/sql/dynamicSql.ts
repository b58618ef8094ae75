// What a PL/pgSQL `execute <expression>` can run, worked out from the expression's parse tree.
//
// The pack has to see the refresh statements of analytics.refresh_all_views(), and those are
// often built at run time: `execute format('refresh materialized view concurrently analytics.%I',
// v_view)` inside `foreach v_view in array array[...]`. The evaluator folds such expressions into
// the finite set of strings they can produce: string constants, `||`, format() (%s %I %L %%),
// concat(), quote_ident(), casts, CASE (every branch) and variables whose values come from
// constants or constant arrays. Anything else (a catalog lookup, a function result) is "cannot
// tell", and the caller says so instead of guessing.
import type { Node } from "./parser";

/** One string the expression can produce; `guarded` when only some runs produce it (CASE, alternatives). */
export interface Alternative {
  text: string;
  guarded: boolean;
}
/** Every string the expression can produce, or undefined when the pack cannot tell. */
export type Evaluation = Alternative[] | undefined;

export interface Environment {
  /** The values a variable can hold when read as a scalar. */
  scalar(name: string): Evaluation;
  /** The elements of an array variable. */
  elements(name: string): Evaluation;
}

/** More alternatives than this is not a refresh function any more; give up rather than explode. */
const MAX_ALTERNATIVES = 2000;

function stringValue(node: Node | undefined): string | undefined {
  return node && "String" in node ? node.String.sval ?? "" : undefined;
}

function functionName(names: Node[] | undefined): string | undefined {
  const parts = (names ?? []).map(stringValue);
  if (parts.some((part) => part === undefined)) return undefined;
  const [schema, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (schema !== undefined && schema !== "pg_catalog") return undefined;
  return name;
}

function product(parts: Evaluation[], combine: (texts: string[]) => string | undefined): Evaluation {
  let partial: Array<{ texts: string[]; guarded: boolean }> = [{ texts: [], guarded: false }];
  for (const part of parts) {
    if (!part) return undefined;
    const next: typeof partial = [];
    for (const prefix of partial) {
      for (const alternative of part) {
        next.push({ texts: [...prefix.texts, alternative.text], guarded: prefix.guarded || alternative.guarded });
      }
    }
    if (next.length > MAX_ALTERNATIVES) return undefined;
    partial = next;
  }
  const results: Alternative[] = [];
  for (const candidate of partial) {
    const text = combine(candidate.texts);
    if (text === undefined) return undefined;
    results.push({ text, guarded: candidate.guarded });
  }
  return results;
}

/** PostgreSQL's quote_ident(): plain lowercase identifiers stay bare, everything else is double-quoted. */
export function quoteIdent(identifier: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(identifier) ? identifier : `"${identifier.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * PostgreSQL's format() for the conversions %s, %I, %L and %%, with optional `n$` positions,
 * `-` flag and width. Returns undefined for anything else (e.g. `*` widths).
 */
export function formatLike(template: string, args: readonly string[]): string | undefined {
  let output = "";
  let nextArg = 0;
  for (let i = 0; i < template.length; i++) {
    const char = template[i];
    if (char !== "%") {
      output += char;
      continue;
    }
    const spec = /^(?:(\d+)\$)?(-?)(\d*)([sIL%])/.exec(template.slice(i + 1));
    if (!spec) return undefined;
    i += spec[0].length;
    const [, position, leftAlign, width, conversion] = spec;
    if (conversion === "%") {
      output += "%";
      continue;
    }
    const index = position ? Number(position) - 1 : nextArg;
    nextArg = index + 1;
    if (index >= args.length) return undefined;
    const value = args[index];
    let converted = conversion === "I" ? quoteIdent(value) : conversion === "L" ? quoteLiteral(value) : value;
    if (width) converted = leftAlign ? converted.padEnd(Number(width)) : converted.padStart(Number(width));
    output += converted;
  }
  return output;
}

function union(parts: Evaluation[], guarded: boolean): Evaluation {
  const results: Alternative[] = [];
  for (const part of parts) {
    if (!part) return undefined;
    results.push(...part.map((alternative) => ({ text: alternative.text, guarded: alternative.guarded || guarded })));
  }
  return results;
}

function evaluateFunctionCall(name: string, args: Node[], env: Environment): Evaluation {
  const values = args.map((arg) => evaluateScalar(arg, env));
  switch (name) {
    case "format":
      if (values.length === 0) return undefined;
      return product(values, ([template, ...rest]) => formatLike(template, rest));
    case "concat":
      return product(values, (texts) => texts.join(""));
    case "quote_ident":
      return values.length === 1 ? product(values, ([text]) => quoteIdent(text)) : undefined;
    default:
      return undefined;
  }
}

/** Every string `node` can evaluate to, read as a scalar. */
export function evaluateScalar(node: Node | undefined, env: Environment): Evaluation {
  if (!node) return undefined;
  if ("A_Const" in node) {
    const constant = node.A_Const;
    if (constant.sval) return [{ text: constant.sval.sval ?? "", guarded: false }];
    if (constant.ival) return [{ text: String(constant.ival.ival ?? 0), guarded: false }];
    return undefined;
  }
  if ("TypeCast" in node) return evaluateScalar(node.TypeCast.arg, env);
  if ("A_Expr" in node) {
    const expr = node.A_Expr;
    const operator = (expr.name ?? []).map(stringValue).join(".");
    if (expr.kind !== "AEXPR_OP" || operator !== "||") return undefined;
    return product([evaluateScalar(expr.lexpr, env), evaluateScalar(expr.rexpr, env)], (texts) => texts.join(""));
  }
  if ("FuncCall" in node) {
    const name = functionName(node.FuncCall.funcname);
    return name ? evaluateFunctionCall(name, node.FuncCall.args ?? [], env) : undefined;
  }
  if ("CaseExpr" in node) {
    const branches = (node.CaseExpr.args ?? []).map((arm) => ("CaseWhen" in arm ? evaluateScalar(arm.CaseWhen.result, env) : undefined));
    if (node.CaseExpr.defresult) branches.push(evaluateScalar(node.CaseExpr.defresult, env));
    return union(branches, true);
  }
  if ("ColumnRef" in node) {
    const fields = node.ColumnRef.fields ?? [];
    const name = fields.length === 1 ? stringValue(fields[0]) : undefined;
    return name === undefined ? undefined : env.scalar(name);
  }
  if ("A_Indirection" in node) {
    // `views[i]`: any element of a known array.
    const indirection = node.A_Indirection.indirection ?? [];
    const single = indirection.length === 1 && "A_Indices" in indirection[0] && !indirection[0].A_Indices.is_slice;
    return single ? evaluateElements(node.A_Indirection.arg, env) : undefined;
  }
  return undefined;
}

/** The elements of an array expression: `array['a', 'b']`, an array variable, or a cast of either. */
export function evaluateElements(node: Node | undefined, env: Environment): Evaluation {
  if (!node) return undefined;
  if ("A_ArrayExpr" in node) return union((node.A_ArrayExpr.elements ?? []).map((element) => evaluateScalar(element, env)), false);
  if ("TypeCast" in node) return evaluateElements(node.TypeCast.arg, env);
  if ("ColumnRef" in node) {
    const fields = node.ColumnRef.fields ?? [];
    const name = fields.length === 1 ? stringValue(fields[0]) : undefined;
    return name === undefined ? undefined : env.elements(name);
  }
  return undefined;
}

/**
 * The rows of a `for v in <query> loop` over constants: `select unnest(<array>)` or
 * `select x from unnest(<array>) as x`.
 */
export function evaluateQueryRows(select: Node, env: Environment): Evaluation {
  if (!("SelectStmt" in select)) return undefined;
  const statement = select.SelectStmt;
  const targets = statement.targetList ?? [];
  if (targets.length !== 1 || !("ResTarget" in targets[0])) return undefined;
  const value = targets[0].ResTarget.val;
  const unnestArgument = (call: Node | undefined): Node | undefined =>
    call && "FuncCall" in call && functionName(call.FuncCall.funcname) === "unnest" && call.FuncCall.args?.length === 1
      ? call.FuncCall.args[0]
      : undefined;
  const from = statement.fromClause ?? [];
  if (from.length === 0) {
    const argument = unnestArgument(value);
    return argument ? evaluateElements(argument, env) : undefined;
  }
  if (from.length === 1 && "RangeFunction" in from[0] && value && "ColumnRef" in value) {
    const functions = from[0].RangeFunction.functions ?? [];
    const first = functions.length === 1 && "List" in functions[0] ? functions[0].List.items?.[0] : undefined;
    const argument = unnestArgument(first);
    return argument ? evaluateElements(argument, env) : undefined;
  }
  return undefined;
}
