// A migration file as a list of statements: what the Migration resource executes one by one
// and records in supabase_migrations.schema_migrations.statements.
//
// The real PostgreSQL parser (libpg-query) decides where statements end, so semicolons in
// strings, dollar quotes, comments and BEGIN ATOMIC bodies are never split points. Each
// statement's text is then written the way the Supabase CLI records it (pkg/parser
// SplitAndTrim): everything after the previous semicolon, comments included, without the
// trailing semicolon and surrounding whitespace. A comment after the last semicolon is
// recorded as a statement of its own, as the CLI does. So for ordinary files the recorded
// statements are the CLI's, and a migration applied by either tool is recognised by the other.
import { providerError } from "../toolkit";

export interface Statement {
  /** 1-based, as in error messages. */
  number: number;
  /** What is sent to the server and recorded. */
  text: string;
  /** Code-point offset of `text` in the file, for line and column of errors. */
  offset: number;
  /** The parse node (CreateStmt, IndexStmt, ...), or "comment" for a comment-only piece. */
  kind: string;
  /** For TransactionStmt: its kind (TRANS_STMT_COMMIT, ...). */
  transactionKind?: string;
}

interface RawStatement {
  stmt?: Record<string, { kind?: string }>;
  stmt_location?: number;
  stmt_len?: number;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** 1-based line and column (in characters) of a code-point offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  let index = 0;
  for (const char of text) {
    if (index >= offset) break;
    if (char === "\n") {
      line++;
      column = 1;
    } else {
      column++;
    }
    index++;
  }
  return { line, column };
}

/** The CLI's trim: trailing semicolons, then surrounding whitespace. */
function cliTrim(text: string): string {
  return text.replace(/;+$/, "").trim();
}

/**
 * Byte offsets of the semicolons in a stretch between statements (only whitespace, comments
 * and empty statements live there), skipping those inside `--` and nested block comments.
 */
function separatorsBetweenStatements(gap: Buffer): number[] {
  const separators: number[] = [];
  let depth = 0;
  for (let i = 0; i < gap.length; i++) {
    const ch = gap[i];
    const next = gap[i + 1];
    if (depth > 0) {
      if (ch === 0x2a && next === 0x2f) {
        depth--;
        i++;
      } else if (ch === 0x2f && next === 0x2a) {
        depth++;
        i++;
      }
    } else if (ch === 0x2d && next === 0x2d) {
      while (i < gap.length && gap[i] !== 0x0a) i++;
    } else if (ch === 0x2f && next === 0x2a) {
      depth++;
      i++;
    } else if (ch === 0x3b) {
      separators.push(i);
    }
  }
  return separators;
}

interface Piece {
  start: number;
  end: number;
  raw?: RawStatement;
}

/** Cuts the file (bytes) into the CLI's pieces: one per parsed statement, plus comment-only ones. */
function pieces(bytes: Buffer, parsed: RawStatement[]): Piece[] {
  const result: Piece[] = [];
  let cursor = 0;
  const commentPieces = (from: number, to: number): number => {
    let start = from;
    for (const separator of separatorsBetweenStatements(bytes.subarray(from, to))) {
      result.push({ start, end: from + separator });
      start = from + separator + 1;
    }
    return start;
  };
  for (const raw of parsed) {
    const location = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? location + raw.stmt_len : bytes.length;
    const start = commentPieces(cursor, location);
    result.push({ start, end, raw });
    cursor = end + 1;
  }
  if (cursor < bytes.length) {
    const start = commentPieces(cursor, bytes.length);
    result.push({ start, end: bytes.length });
  }
  return result;
}

async function parseSql(sql: string, file: string): Promise<RawStatement[]> {
  const { parse } = require("libpg-query") as typeof import("libpg-query");
  try {
    const result = (await parse(sql)) as { stmts?: RawStatement[] };
    return result.stmts ?? [];
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    if (!details) throw error;
    const where = details.cursorPosition === undefined ? "" : (() => {
      const { line, column } = lineAndColumn(sql, details.cursorPosition);
      return ` at line ${line}, column ${column}`;
    })();
    throw providerError(`${file}: ${(error as Error).message}${where} (PostgreSQL parser); fix the SQL`, "42601");
  }
}

/**
 * The statements of a migration file, in order, as executed and recorded. Throws a provider
 * error naming the file, line and column when the SQL does not parse.
 */
export async function splitStatements(sql: string, file: string): Promise<Statement[]> {
  const parsed = await parseSql(sql, file);
  const bytes = Buffer.from(sql, "utf8");
  const statements: Statement[] = [];
  for (const piece of pieces(bytes, parsed)) {
    const raw = bytes.subarray(piece.start, piece.end).toString("utf8");
    const text = cliTrim(raw);
    if (text === "") continue;
    const leading = raw.length - raw.trimStart().length;
    const offset = codePoints(bytes.subarray(0, piece.start).toString("utf8")) + codePoints(raw.slice(0, leading));
    const node = piece.raw?.stmt ? Object.keys(piece.raw.stmt)[0] : "comment";
    const transactionKind = node === "TransactionStmt" ? piece.raw?.stmt?.TransactionStmt?.kind : undefined;
    statements.push({ number: statements.length + 1, text, offset, kind: node, transactionKind });
  }
  return statements;
}

/** Transaction control that would break a migration's own transaction (savepoints are fine). */
const TRANSACTION_CONTROL = new Set([
  "TRANS_STMT_BEGIN",
  "TRANS_STMT_START",
  "TRANS_STMT_COMMIT",
  "TRANS_STMT_ROLLBACK",
  "TRANS_STMT_PREPARE",
  "TRANS_STMT_COMMIT_PREPARED",
  "TRANS_STMT_ROLLBACK_PREPARED",
]);

/**
 * Why these statements cannot run as one migration file, or undefined. A transactional file
 * must not commit or roll back itself; a no-transaction file holds exactly one statement.
 */
export function statementsProblem(statements: readonly Statement[], sql: string, noTransaction: boolean): string | undefined {
  const real = statements.filter((statement) => statement.kind !== "comment");
  if (real.length === 0) return "no SQL statement in the file";
  if (noTransaction && real.length !== 1) {
    return `a file marked "-- migration: no-transaction" must hold exactly one statement; it has ${real.length}: split it into one file per statement`;
  }
  const control = real.find((statement) => statement.transactionKind && TRANSACTION_CONTROL.has(statement.transactionKind));
  if (control && !noTransaction) {
    const { line } = lineAndColumn(sql, control.offset);
    return `statement ${control.number} (line ${line}) controls the transaction; the migration runs in one transaction already: remove it`;
  }
  return undefined;
}
