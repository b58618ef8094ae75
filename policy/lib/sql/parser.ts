// The real PostgreSQL parser (libpg_query compiled to WASM; the async calls load it on first use).
// Everything the pack knows about SQL comes from these parse trees and tokens, never from
// pattern matching over SQL text.
import { parse, parsePlPgSQL, hasSqlDetails } from "libpg-query";
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

interface PlpgsqlParse {
  plpgsql_funcs?: Array<{ PLpgSQL_function: PlpgsqlFunction }>;
}

/** libpg_query's PL/pgSQL tree of one routine; only `action` (its statements) is read. */
export interface PlpgsqlFunction {
  action?: unknown;
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
