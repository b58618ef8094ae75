// The migration plan of `npm run plan`: the files classified against the live history (the
// migrations module's buildPlan, by the rules the Migration resource follows), read in a READ
// ONLY transaction through the providers' own connection code (libpq's sslmode, the same
// redaction), so the plan can never write to the database it inspects.
import { buildPlan, MigrationFile, PlanEntry, readHistory, withContentChecksums } from "../../infra/migrations";
import { withDatabase } from "../../infra/postgres";

export type { MigrationState, PlanEntry } from "../../infra/migrations";

export interface MigrationPlan {
  source: "database" | "local-only";
  /** The database URL with its password masked. */
  database?: string;
  /** Why the plan is local-only, when it is. */
  note?: string;
  entries: PlanEntry[];
}

/** What plan sessions are doing, in errors. */
const READING_HISTORY = "reading the migration history";

/** True when the plan never reached the database (URL, network, admission, authentication): it then lists the files only. */
function isConnectFailure(error: unknown): error is Error {
  return (error as { connectFailed?: unknown } | undefined)?.connectFailed === true;
}

/**
 * The plan of the files against the database's history, or of the files alone without a
 * database or when it cannot be reached (the note says why). Any other failure, such as a
 * permission error on the history table, is thrown.
 */
export async function planMigrations(files: readonly MigrationFile[], databaseUrl: string | undefined, redactedUrl?: string): Promise<MigrationPlan> {
  const local = await withContentChecksums(files);
  if (!databaseUrl) {
    return { source: "local-only", note: "no database given; pass --database-url or --stack to compare with the applied history", entries: buildPlan(local, undefined) };
  }
  try {
    const history = await withDatabase(databaseUrl, READING_HISTORY, readHistory);
    return { source: "database", database: redactedUrl, entries: buildPlan(local, history) };
  } catch (error) {
    if (!isConnectFailure(error)) throw error;
    const note = `${redactedUrl ?? "the database"} is not reachable: ${error.message}`;
    return { source: "local-only", database: redactedUrl, note, entries: buildPlan(local, undefined) };
  }
}
