// The migrations module: sql/migrations files, their checksums, how a file becomes statements,
// the Supabase CLI's history table (apply, revert, read), the advisory lock keys and the plan's
// classification. The program, the Migration provider, `npm run plan`, the bench and the tests
// use this entry only. It imports nothing from infra/ but the toolkit.
export {
  DOWN_FILE_PATTERN,
  hasNoTransactionMarker,
  loadMigrations,
  MIGRATION_FILE_PATTERN,
  MIGRATION_NAME_PATTERN,
  MIGRATION_VERSION_PATTERN,
  migrationFileName,
  MigrationFileError,
  MIGRATIONS_DIR,
  NO_TRANSACTION_MARKER,
  parseMigrationFile,
} from "./files";
export type { MigrationFile } from "./files";
export { sha256Hex, statementsChecksum } from "./checksums";
export { lineAndColumn, splitStatements, statementsProblem } from "./statements";
export type { Statement } from "./statements";
export {
  applyMigration,
  MIGRATION_LOCK_WAIT,
  MIGRATION_STATEMENT_TIMEOUT,
  readHistory,
  readRecordedStatements,
  revertMigration,
  underMigrationLock,
  verdict,
  withReadOnlyTransaction,
} from "./history";
export type { ApplyMode, ApplyOutcome, MigrationFileInput, RecordedMigration, Verdict } from "./history";
export { MIGRATION_LOCK_KEY, REFRESH_LOCK_KEY } from "./lockKeys";
export { buildPlan, withContentChecksums } from "./plan";
export type { LocalMigration, MigrationState, PlanEntry } from "./plan";
