// Applying and reverting one migration file against supabase_migrations.schema_migrations,
// the Supabase CLI's history table, so `supabase migration list` agrees with the stack.
//
// Serialization: every apply runs under MIGRATION_LOCK_KEY, a transaction-level advisory lock
// (a session-level one for no-transaction files), so two deployers never apply at once. The
// Supabase CLI takes no advisory lock, so the transaction also locks the history table in
// SHARE ROW EXCLUSIVE mode: the CLI's insert into it waits until this transaction ends and a
// CLI run already inside its own transaction makes this one wait, so each tool sees the
// other's history before deciding.
//
// History rules, checked under the lock:
//   - the version is recorded with the same statements: adopted, nothing runs;
//   - recorded without statements (an old CLI, `migration repair`): adopted, statements filled in;
//   - recorded with other statements: refused, applied migrations are immutable;
//   - not recorded but older than the newest recorded version: refused as out of order,
//     unless allowOutOfOrder (or the stack itself is restoring a row it recorded before).
//
// The same rules decide a plan's states (verdict below), so `npm run plan` says what a deploy
// will do. The plan reads the history in a READ ONLY transaction (readHistory).
import type { ClientBase } from "pg";
import {
  asPgError,
  describePgError,
  hasSqlState,
  inTransaction,
  LOCK_TIMEOUT,
  providerError,
  ProviderError,
  STATEMENT_TIMEOUT,
} from "../toolkit";
import { statementsChecksum } from "./checksums";
import { migrationFileName } from "./files";
import { MIGRATION_LOCK_KEY } from "./lockKeys";
import { lineAndColumn, Statement } from "./statements";

/** Longest single statement of a migration (creating and populating materialized views takes a while). */
export const MIGRATION_STATEMENT_TIMEOUT = "30min";
/** Longest wait for another deployer (or the Supabase CLI) to finish applying migrations. */
export const MIGRATION_LOCK_WAIT = "10min";
/** A plan waits on nobody: the history table is small and only read. */
const PLAN_STATEMENT_TIMEOUT = "15s";

/** The Supabase CLI's statements (pkg/migration/history.go), run only when something is missing. */
const CREATE_HISTORY_TABLE_SQL = [
  "create schema if not exists supabase_migrations",
  "create table if not exists supabase_migrations.schema_migrations (version text not null primary key)",
  "alter table supabase_migrations.schema_migrations add column if not exists statements text[]",
  "alter table supabase_migrations.schema_migrations add column if not exists name text",
] as const;
/** Whether the table and its three columns exist (ALTER TABLE would lock it even when nothing changes). */
const HISTORY_TABLE_READY_SQL = `
  select count(*) = 3 as ready
  from pg_catalog.pg_attribute
  where attrelid = pg_catalog.to_regclass('supabase_migrations.schema_migrations')
    and attname in ('version', 'name', 'statements')
    and not attisdropped`;
const LOCK_HISTORY_TABLE_SQL = "lock table supabase_migrations.schema_migrations in share row exclusive mode";
const HISTORY_STATE_SQL = `
  select
    exists (select 1 from supabase_migrations.schema_migrations where version = $1) as recorded,
    (select statements from supabase_migrations.schema_migrations where version = $1) as statements,
    (select max(version) from supabase_migrations.schema_migrations) as newest`;
const INSERT_HISTORY_SQL = "insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)";
const REWRITE_HISTORY_SQL = "update supabase_migrations.schema_migrations set name = $2, statements = $3 where version = $1";
const DELETE_HISTORY_SQL = "delete from supabase_migrations.schema_migrations where version = $1";
const READ_HISTORY_SQL = "select name, statements from supabase_migrations.schema_migrations where version = $1";
const READ_ALL_HISTORY_SQL = "select version, name, statements from supabase_migrations.schema_migrations order by version";
const READ_ONLY_TRANSACTION_SQL = "begin transaction read only";
const TRANSACTION_LOCK_SQL = "select pg_catalog.pg_advisory_xact_lock($1::bigint)";
const SESSION_LOCK_SQL = "select pg_catalog.pg_advisory_lock($1::bigint)";
const SESSION_UNLOCK_SQL = "select pg_catalog.pg_advisory_unlock($1::bigint)";
/** $3: true for the transaction only (set local), false for the session. */
const TIMEOUTS_SQL = "select pg_catalog.set_config('lock_timeout', $1, $3), pg_catalog.set_config('statement_timeout', $2, $3)";
/** The history table or its schema does not exist yet. */
const HISTORY_MISSING = ["42P01", "3F000"];

/** One migration file as the provider sees it. */
export interface MigrationFileInput {
  version: string;
  name: string;
  sql: string;
  /** The file's statements (statements.ts), as executed and recorded. */
  statements: Statement[];
  noTransaction: boolean;
  allowOutOfOrder: boolean;
}

/** applied: the SQL ran; adopted: already recorded with this content; restored: the row was rewritten. */
export type ApplyOutcome = "applied" | "adopted" | "restored";
export type ApplyMode = "create" | "repair";

/** One row of the history table. */
export interface RecordedMigration {
  version: string;
  name: string | null;
  statements: string[] | null;
}

/**
 * How a migration stands against the history, by the rules above: applied (recorded with
 * these statements, or without statements: adopted), changed-after-apply (recorded with other
 * statements), pending (not recorded; out of order when a newer version is).
 */
export interface Verdict {
  state: "applied" | "changed-after-apply" | "pending";
  /** Recorded without statements (an old Supabase CLI, `migration repair`): adopted, statements filled in. */
  recordedWithoutStatements?: true;
  /** The recorded statements' checksum, when there are some. */
  recordedChecksum?: string;
  outOfOrder?: true;
}

export function verdict(
  version: string,
  contentChecksum: string | undefined,
  row: Pick<RecordedMigration, "statements"> | undefined,
  newest: string | undefined,
): Verdict {
  if (!row) return newest !== undefined && newest > version ? { state: "pending", outOfOrder: true } : { state: "pending" };
  if (row.statements === null) return { state: "applied", recordedWithoutStatements: true };
  const recordedChecksum = statementsChecksum(row.statements);
  return { state: recordedChecksum === contentChecksum ? "applied" : "changed-after-apply", recordedChecksum };
}

/** What the history row holds for a version; undefined when there is no row (or no table). */
export async function readRecordedStatements(client: ClientBase, version: string): Promise<{ statements: string[] | null } | undefined> {
  try {
    const { rows } = await client.query<{ statements: string[] | null }>(READ_HISTORY_SQL, [version]);
    return rows[0];
  } catch (error) {
    if (hasSqlState(error, ...HISTORY_MISSING)) return undefined;
    throw error;
  }
}

async function ensureHistoryTable(client: ClientBase): Promise<void> {
  const { rows } = await client.query<{ ready: boolean }>(HISTORY_TABLE_READY_SQL);
  if (rows[0].ready) return;
  for (const statement of CREATE_HISTORY_TABLE_SQL) await client.query(statement);
}

async function setTimeouts(client: ClientBase, lockTimeout: string, statementTimeout: string, local: boolean): Promise<void> {
  await client.query(TIMEOUTS_SQL, [lockTimeout, statementTimeout, local]);
}

/**
 * Waits (up to MIGRATION_LOCK_WAIT) for the migration lock, held until the transaction ends,
 * then locks the history table, creating it first when `create` is set. False when the table
 * does not exist and was not created.
 */
async function lockHistoryInTransaction(client: ClientBase, create: boolean): Promise<boolean> {
  await setTimeouts(client, MIGRATION_LOCK_WAIT, MIGRATION_STATEMENT_TIMEOUT, true);
  await client.query(TRANSACTION_LOCK_SQL, [MIGRATION_LOCK_KEY]);
  if (create) {
    await ensureHistoryTable(client);
  } else {
    const { rows } = await client.query<{ ready: boolean }>(HISTORY_TABLE_READY_SQL);
    if (!rows[0].ready) return false;
  }
  await client.query(LOCK_HISTORY_TABLE_SQL);
  await setTimeouts(client, LOCK_TIMEOUT, MIGRATION_STATEMENT_TIMEOUT, true);
  return true;
}

/**
 * Runs fn in a transaction that holds the migration lock. Grants take it as well: a GRANT
 * rewrites its object's catalog row, and so does a migration that alters the object. The
 * engine runs independent resources in parallel, and without the lock the later writer fails
 * with "tuple concurrently updated" (XX000) instead of waiting.
 */
export async function underMigrationLock<T>(client: ClientBase, fn: () => Promise<T>): Promise<T> {
  return inTransaction(client, async () => {
    await setTimeouts(client, MIGRATION_LOCK_WAIT, STATEMENT_TIMEOUT, true);
    await client.query(TRANSACTION_LOCK_SQL, [MIGRATION_LOCK_KEY]);
    await setTimeouts(client, LOCK_TIMEOUT, STATEMENT_TIMEOUT, true);
    return fn();
  });
}

function changedContentError(file: string, recorded: string, expected: string): ProviderError {
  return providerError(
    `migration ${file}: its version is already recorded in supabase_migrations.schema_migrations with different statements ` +
      `(recorded content checksum ${recorded}, this file's ${expected}). Applied migrations are immutable: restore the file ` +
      "to what was applied (`supabase migration fetch` writes it back from the history) and put the change in a new migration.",
  );
}

function outOfOrderError(file: string, newest: string): ProviderError {
  return providerError(
    `migration ${file} is older than the newest recorded migration (${newest}): applying it now would run it out of order. ` +
      `Give it a version newer than ${newest} (rename the file with a new timestamp), or set allowOutOfOrder if it does not ` +
      "depend on the newer migrations. If it was applied before and only its history row was deleted, restore the row " +
      "(`supabase migration repair --status applied <version>`) or set allowOutOfOrder for one deploy.",
  );
}

/**
 * Decides, under the lock, whether to run the file, and records it. "create" follows the
 * history rules; "repair" is the stack restoring what it applied before: a deleted row is
 * re-applied whatever its order, an edited row is rewritten to the file's statements.
 */
async function applyUnderLock(client: ClientBase, file: string, migration: MigrationFileInput, mode: ApplyMode, run: () => Promise<void>): Promise<ApplyOutcome> {
  const texts = migration.statements.map((statement) => statement.text);
  const expected = statementsChecksum(texts);
  const { rows } = await client.query<{ recorded: boolean; statements: string[] | null; newest: string | null }>(HISTORY_STATE_SQL, [migration.version]);
  const state = rows[0];
  const found = verdict(migration.version, expected, state.recorded ? state : undefined, state.newest ?? undefined);
  if (found.state === "applied" && !found.recordedWithoutStatements) return "adopted";
  if (found.state === "changed-after-apply" && mode === "create") throw changedContentError(file, found.recordedChecksum as string, expected);
  if (found.state !== "pending") {
    await client.query(REWRITE_HISTORY_SQL, [migration.version, migration.name, texts]);
    return mode === "create" ? "adopted" : "restored";
  }
  if (found.outOfOrder && mode === "create" && !migration.allowOutOfOrder) throw outOfOrderError(file, state.newest as string);
  await run();
  await client.query(INSERT_HISTORY_SQL, [migration.version, migration.name, texts]);
  return "applied";
}

/** The error of a failing statement: file, statement number, line and column, PostgreSQL's words, and what happened. */
export function statementError(file: string, sql: string, statement: Statement, error: unknown, outcome: string): unknown {
  const pgError = asPgError(error);
  if (!pgError) return error;
  const position = pgError.position ? Number(pgError.position) : undefined;
  const { line, column } = lineAndColumn(sql, statement.offset + (position ? position - 1 : 0));
  const location = position ? `line ${line}, column ${column}` : `line ${line}, where the statement starts`;
  const sourceLine = sql.split("\n")[line - 1] ?? "";
  const lines = [
    `migration ${file} failed at statement ${statement.number} (${location}): ${describePgError(pgError)}`,
    `  ${line} | ${sourceLine}`,
  ];
  if (position) lines.push(`  ${" ".repeat(String(line).length)} | ${" ".repeat(Math.max(column - 1, 0))}^`);
  if (pgError.code === "25001") {
    lines.push('  This statement cannot run inside a transaction: put it alone in a file whose header has "-- migration: no-transaction".');
  }
  lines.push(outcome);
  return providerError(lines.join("\n"), pgError.code);
}

async function runStatements(client: ClientBase, file: string, sql: string, statements: Statement[], outcome: string): Promise<void> {
  for (const statement of statements) {
    try {
      await client.query(statement.text);
    } catch (error) {
      throw statementError(file, sql, statement, error, outcome);
    }
  }
}

const ROLLED_BACK = "Nothing was applied and nothing was recorded: the transaction was rolled back. Fix the file and deploy again.";
const NOT_REVERTED = "Nothing was reverted: the transaction was rolled back and the history row is kept. Fix the down file and delete again.";
const NOT_RECORDED =
  "The file runs outside a transaction, so nothing was recorded, but the statement may have left something behind " +
  "(create index concurrently leaves an INVALID index: drop it) before you deploy again.";

/**
 * Applies one migration file: in one transaction under the migration lock, or, for a
 * no-transaction file, its single statement under the session lock (see applyUnderLock for
 * the modes).
 */
export async function applyMigration(client: ClientBase, migration: MigrationFileInput, mode: ApplyMode): Promise<ApplyOutcome> {
  const file = migrationFileName(migration.version, migration.name);
  if (!migration.noTransaction) {
    return inTransaction(client, async () => {
      await lockHistoryInTransaction(client, true);
      return applyUnderLock(client, file, migration, mode, () =>
        runStatements(client, file, migration.sql, migration.statements, ROLLED_BACK),
      );
    });
  }
  await setTimeouts(client, MIGRATION_LOCK_WAIT, MIGRATION_STATEMENT_TIMEOUT, false);
  await client.query(SESSION_LOCK_SQL, [MIGRATION_LOCK_KEY]);
  // On failure the lock goes with the session, which the caller always closes.
  await setTimeouts(client, LOCK_TIMEOUT, MIGRATION_STATEMENT_TIMEOUT, false);
  await inTransaction(client, () => ensureHistoryTable(client));
  const outcome = await applyUnderLock(client, file, migration, mode, () =>
    runStatements(client, file, migration.sql, migration.statements, NOT_RECORDED),
  );
  await client.query(SESSION_UNLOCK_SQL, [MIGRATION_LOCK_KEY]);
  return outcome;
}

/**
 * Runs a down file and deletes the history row, under the migration lock. Nothing happens
 * when the version is not recorded (already reverted, or never applied).
 */
export async function revertMigration(client: ClientBase, version: string, name: string, downSql: string, down: Statement[]): Promise<boolean> {
  const file = migrationFileName(version, name, ".down.sql");
  return inTransaction(client, async () => {
    if (!(await lockHistoryInTransaction(client, false))) return false;
    const recorded = await client.query(READ_HISTORY_SQL, [version]);
    if (recorded.rowCount === 0) return false;
    await runStatements(client, file, downSql, down, NOT_REVERTED);
    await client.query(DELETE_HISTORY_SQL, [version]);
    return true;
  });
}

/**
 * Runs fn inside `begin transaction read only` and always rolls back: any write attempted
 * inside fails with SQLSTATE 25006 (read_only_sql_transaction).
 */
export async function withReadOnlyTransaction<T>(client: ClientBase, fn: (client: ClientBase) => Promise<T>): Promise<T> {
  await client.query(READ_ONLY_TRANSACTION_SQL);
  try {
    await setTimeouts(client, LOCK_TIMEOUT, PLAN_STATEMENT_TIMEOUT, true);
    return await fn(client);
  } finally {
    await client.query("rollback");
  }
}

/** The whole history in version order, read only; empty when there is no history table yet. */
export async function readHistory(client: ClientBase): Promise<RecordedMigration[]> {
  return withReadOnlyTransaction(client, async (tx) => {
    try {
      return (await tx.query<RecordedMigration>(READ_ALL_HISTORY_SQL)).rows;
    } catch (error) {
      if (hasSqlState(error, ...HISTORY_MISSING)) return [];
      throw error;
    }
  });
}
