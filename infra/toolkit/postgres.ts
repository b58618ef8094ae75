// PostgreSQL primitives of every module that talks to the database (the providers and the
// migrations module): the error shape, SQLSTATE tests, transactions, and the deploy session's
// timeouts. The session itself is opened in infra/postgres/connection.ts.
import type { ClientBase } from "pg";
import { isErrorLike, isProviderError } from "./errors";

/** Longest wait for a table or catalog lock held by someone else; then the statement fails (55P03). */
export const LOCK_TIMEOUT = "10s";
/** Longest single statement of Extension, Grant and CronJob operations and of every read. */
export const STATEMENT_TIMEOUT = "60s";

/** The fields of a node-postgres DatabaseError that the messages use. */
export interface PgErrorFields {
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
  where?: string;
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
}

/**
 * A PostgreSQL error (a severity and a 5-character SQLSTATE), as opposed to a client or
 * network error, whose `code` is a Node.js code such as EPIPE.
 */
export function asPgError(error: unknown): PgErrorFields | undefined {
  if (!isErrorLike(error)) return undefined;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  const fromServer = typeof severity === "string" && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
  return fromServer ? (error as Error & PgErrorFields) : undefined;
}

export function sqlState(error: unknown): string | undefined {
  return asPgError(error)?.code ?? (isProviderError(error) ? error.code : undefined);
}

export function hasSqlState(error: unknown, ...codes: string[]): boolean {
  const code = sqlState(error);
  return code !== undefined && codes.includes(code);
}

/** PostgreSQL's message with its detail, hint and context, one per line, for a provider error. */
export function describePgError(error: PgErrorFields): string {
  const lines = [`${error.message} (SQLSTATE ${error.code})`];
  if (error.detail) lines.push(`detail: ${error.detail}`);
  if (error.hint) lines.push(`hint: ${error.hint}`);
  if (error.where) lines.push(`where: ${error.where.split("\n").join(" <- ")}`);
  if (error.internalQuery) {
    lines.push(`in: ${error.internalQuery}${error.internalPosition ? ` (at character ${error.internalPosition})` : ""}`);
  }
  return lines.join("\n  ");
}

/** Rolls back after a failure. A rollback that fails without SQLSTATE means the session is gone, and the server aborts the transaction itself. */
async function rollbackAfterFailure(client: ClientBase): Promise<void> {
  try {
    await client.query("rollback");
  } catch (rollbackError) {
    if (asPgError(rollbackError)) throw rollbackError;
  }
}

/** Runs fn between begin and commit; rolls back when it fails. */
export async function inTransaction<T>(client: ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query("begin");
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    await rollbackAfterFailure(client);
    throw error;
  }
  await client.query("commit");
  return result;
}
