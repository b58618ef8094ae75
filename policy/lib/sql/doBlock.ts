// The static SQL statements a `do` block runs while its migration applies (a grant guarded by
// `if not exists ...`, say), out of libpg_query's PL/pgSQL tree. `execute` strings are not
// read: what they run is only known when they run (see policy/README.md).

export interface DoBlockStatement {
  /** Line in the block's body; 1 is the line the body starts on. */
  lineInBody: number;
  sql: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Every `PLpgSQL_stmt_execsql` in the tree, however deeply nested (if, loop, exception blocks). */
export function staticStatements(tree: unknown, found: DoBlockStatement[] = []): DoBlockStatement[] {
  if (!isRecord(tree)) return found;
  const statement = (tree as { PLpgSQL_stmt_execsql?: { lineno?: number; sqlstmt?: { PLpgSQL_expr?: { query?: string } } } }).PLpgSQL_stmt_execsql;
  const sql = statement?.sqlstmt?.PLpgSQL_expr?.query;
  if (statement && typeof sql === "string") found.push({ lineInBody: statement.lineno ?? 1, sql });
  for (const child of Object.values(tree)) staticStatements(child, found);
  return found;
}
