// The real PostgreSQL parser (libpg_query compiled to WASM; the async calls load it on first use).
// Everything the pack knows about SQL comes from these parse trees and tokens, never from
// pattern matching over SQL text.
import { parse, parsePlPgSQL, scan, hasSqlDetails } from "libpg-query";
import type { Node, RawStmt } from "libpg-query";

export type { Node };

export interface ParsedStatement {
  node: Node;
  /** UTF-8 byte offset of the statement in the parsed text. */
  byteStart: number;
  /** Byte length; 0 means "to the end of the text". */
  byteLength: number;
}

export interface SqlSyntaxError {
  message: string;
  /** 0-based code point offset in the parsed text, when the parser reports one. */
  codePointOffset?: number;
}

export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; error: SqlSyntaxError };

function syntaxError(error: unknown): SqlSyntaxError {
  if (hasSqlDetails(error)) {
    return { message: error.message, codePointOffset: error.sqlDetails?.cursorPosition };
  }
  if (error instanceof Error) return { message: error.message };
  throw error;
}

export async function parseStatements(sql: string): Promise<ParseOutcome<ParsedStatement[]>> {
  let stmts: RawStmt[];
  try {
    stmts = (await parse(sql)).stmts ?? [];
  } catch (error) {
    return { ok: false, error: syntaxError(error) };
  }
  return {
    ok: true,
    value: stmts
      .filter((raw): raw is RawStmt & { stmt: Node } => raw.stmt !== undefined)
      .map((raw) => ({ node: raw.stmt, byteStart: raw.stmt_location ?? 0, byteLength: raw.stmt_len ?? 0 })),
  };
}

/** An expression on its own (`format('...', v)`), parsed as the target of a `select`. */
export async function parseExpression(expression: string): Promise<Node | undefined> {
  const parsed = await parseStatements(`select ${expression}`);
  if (!parsed.ok || parsed.value.length !== 1) return undefined;
  const select = parsed.value[0].node;
  if (!("SelectStmt" in select)) return undefined;
  const target = select.SelectStmt.targetList;
  if (!target || target.length !== 1) return undefined;
  const first = target[0];
  return "ResTarget" in first ? first.ResTarget.val : undefined;
}

export interface PlpgsqlParse {
  plpgsql_funcs?: Array<{ PLpgSQL_function: PlpgsqlFunction }>;
}

/** The parts of libpg_query's PL/pgSQL tree that the pack reads; the rest stays untyped. */
export interface PlpgsqlFunction {
  datums?: PlpgsqlDatum[];
  action?: unknown;
}
export type PlpgsqlDatum =
  | { PLpgSQL_var: { refname: string; default_val?: PlpgsqlExpr; lineno?: number } }
  | { PLpgSQL_rec: { refname: string; dno?: number } }
  | { PLpgSQL_row: { refname: string; fields?: Array<{ name: string; varno: number }> } }
  | { PLpgSQL_recfield: { fieldname: string; recparentno: number } };
export interface PlpgsqlExpr {
  PLpgSQL_expr: { query: string; parseMode?: number };
}

/**
 * The PL/pgSQL tree of one `create function ... language plpgsql` or `do` statement. Errors carry
 * no position (libpg_query reports none for PL/pgSQL); callers point at the statement.
 */
export async function parseRoutine(statementSql: string): Promise<ParseOutcome<PlpgsqlFunction | undefined>> {
  try {
    const result = (await parsePlPgSQL(statementSql)) as unknown as PlpgsqlParse;
    const routines = (result.plpgsql_funcs ?? []).map((entry) => entry.PLpgSQL_function);
    return { ok: true, value: routines.find((routine) => routine.action !== undefined) };
  } catch (error) {
    return { ok: false, error: syntaxError(error) };
  }
}

export interface Token {
  /** Byte offsets in the scanned text. */
  start: number;
  end: number;
  text: string;
  tokenName: string;
}

export async function tokens(sql: string): Promise<Token[]> {
  return (await scan(sql)).tokens;
}

/** Keys that say where a node was written, not what it means. */
const POSITION_KEYS = new Set(["location", "list_start", "list_end", "rexpr_list_start", "rexpr_list_end"]);

function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !POSITION_KEYS.has(key)).map(([key, child]) => [key, withoutPositions(child)]));
}

/** True when both texts are the same statements to PostgreSQL (case, spacing, `;` and comments aside). */
export async function sameSql(left: string, right: string): Promise<boolean> {
  const [a, b] = await Promise.all([parseStatements(left), parseStatements(right)]);
  if (!a.ok || !b.ok) return false;
  const shape = (statements: ParsedStatement[]) => JSON.stringify(withoutPositions(statements.map((statement) => statement.node)));
  return shape(a.value) === shape(b.value);
}
