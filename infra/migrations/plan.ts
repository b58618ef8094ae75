// The migration plan for reviewers: every migration in version order with its state, from the
// files and the recorded history, by the same rules the Migration resource follows (verdict in
// history.ts). Pure: the caller reads the history (readHistory) through a session of its own.
import { isProviderError } from "../toolkit";
import { statementsChecksum } from "./checksums";
import type { MigrationFile } from "./files";
import { RecordedMigration, verdict } from "./history";
import { splitStatements } from "./statements";

/**
 * applied: recorded with the same content; pending: not recorded yet (the next `up` applies it);
 * changed-after-apply: recorded with different content (the next `up` refuses it);
 * missing-locally: recorded, but no file in sql/migrations; local-only: no database to compare with.
 */
export type MigrationState = "applied" | "pending" | "changed-after-apply" | "missing-locally" | "local-only";

export interface PlanEntry {
  version: string;
  name: string;
  state: MigrationState;
  /** The local file's sha256 (the Migration resource's `checksum` input), or for missing-locally the recorded content's checksum. */
  checksum: string;
  /** Checksum of the file's statements as the provider records them. */
  contentChecksum?: string;
  /** Checksum of the statements recorded in the database, when it has the version. */
  recordedChecksum?: string;
  /** Recorded without statements (an old Supabase CLI, `migration repair`): the next `up` adopts it and fills them in. */
  recordedWithoutStatements?: boolean;
  /** The file does not parse: where and why. */
  parseProblem?: string;
  /** Path of the local file, relative to the repository root. */
  file?: string;
  /** Full SQL, for pending migrations. */
  sql?: string;
  /** A pending version older than the newest applied one: the Migration provider refuses it unless allowOutOfOrder. */
  outOfOrder?: boolean;
}

export interface LocalMigration extends MigrationFile {
  /** Checksum of the statements the provider would execute and record; undefined when the file does not parse. */
  contentChecksum?: string;
  /** Why the file does not parse (file, line, column), when it does not. */
  parseProblem?: string;
}

/** The files with the checksum of the statements the provider would record. */
export async function withContentChecksums(migrations: readonly MigrationFile[]): Promise<LocalMigration[]> {
  const result: LocalMigration[] = [];
  for (const migration of migrations) {
    try {
      const statements = await splitStatements(migration.sql, migration.file);
      result.push({ ...migration, contentChecksum: statementsChecksum(statements.map((s) => s.text)) });
    } catch (error) {
      // The parser's own complaint (a provider error naming file, line and column) is part of the plan.
      if (!isProviderError(error)) throw error;
      result.push({ ...migration, parseProblem: error.message });
    }
  }
  return result;
}

function fileFacts(m: LocalMigration): Omit<PlanEntry, "state"> {
  return {
    version: m.version,
    name: m.name,
    checksum: m.checksum,
    file: m.file,
    ...(m.contentChecksum ? { contentChecksum: m.contentChecksum } : {}),
    ...(m.parseProblem ? { parseProblem: m.parseProblem } : {}),
  };
}

function localEntry(migration: LocalMigration, row: RecordedMigration | undefined, newest: string | undefined): PlanEntry {
  const found = verdict(migration.version, migration.contentChecksum, row ?? undefined, newest);
  if (found.state === "pending") return { ...fileFacts(migration), state: "pending", sql: migration.sql, ...(found.outOfOrder ? { outOfOrder: true } : {}) };
  if (found.recordedWithoutStatements) return { ...fileFacts(migration), state: found.state, recordedWithoutStatements: true };
  return { ...fileFacts(migration), state: found.state, recordedChecksum: found.recordedChecksum };
}

/** The plan's entries; without a recorded history (undefined) every file is local-only. */
export function buildPlan(local: readonly LocalMigration[], recorded: readonly RecordedMigration[] | undefined): PlanEntry[] {
  if (!recorded) return local.map((m) => ({ ...fileFacts(m), state: "local-only" }));
  const recordedByVersion = new Map(recorded.map((r) => [r.version, r]));
  const localVersions = new Set(local.map((m) => m.version));
  const newest = recorded.map((r) => r.version).sort().pop();
  const entries = local.map((migration) => localEntry(migration, recordedByVersion.get(migration.version), newest));
  for (const row of recorded.filter((r) => !localVersions.has(r.version))) {
    const recordedSum = statementsChecksum(row.statements ?? []);
    entries.push({ version: row.version, name: row.name ?? "", state: "missing-locally", checksum: recordedSum, recordedChecksum: recordedSum });
  }
  return entries.sort((a, b) => a.version.localeCompare(b.version));
}
