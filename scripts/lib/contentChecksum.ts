// Migration content checksums, computed exactly as the Migration provider does
// (infra/postgres/statements.ts): a file is split into statements by the real PostgreSQL parser,
// the way the Supabase CLI records them, and the checksum of recorded content is sha256 hex of
// JSON.stringify(statements). A version is "applied" when the file's statements have the
// checksum of the statements recorded in supabase_migrations.schema_migrations: the same rule
// the provider uses to adopt a recorded version or refuse it as changed after apply.
import type { MigrationFile } from "../../infra/migrations";
import { isProviderError } from "../../infra/postgres/errors";
import { splitStatements, statementsChecksum } from "../../infra/postgres/statements";

export function recordedChecksum(statements: readonly string[]): string {
  return statementsChecksum(statements);
}

export interface LocalMigration extends MigrationFile {
  /** Checksum of the statements the provider would execute and record; undefined when the file does not parse. */
  contentChecksum?: string;
  /** Why the file does not parse (file, line, column), when it does not. */
  parseProblem?: string;
}

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
