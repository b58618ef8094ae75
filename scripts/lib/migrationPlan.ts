// The migration plan for reviewers: every migration in version order with its state, computed
// from sql/migrations (loadMigrations) and the live history in
// supabase_migrations.schema_migrations, read in a READ ONLY transaction so the plan can never
// write to the database it inspects.
import { Client } from "pg";
import type { MigrationFile } from "../../infra/migrations";
import { LocalMigration, recordedChecksum, withContentChecksums } from "./contentChecksum";
import { maskSecrets } from "./secretMask";

/**
 * applied: recorded with the same content; pending: not recorded yet (the next `up` applies it);
 * changed-after-apply: recorded with different content (the next `up` refuses it);
 * missing-locally: recorded, but no file in sql/migrations; local-only: no database to compare with.
 */
export type MigrationState = "applied" | "pending" | "changed-after-apply" | "missing-locally" | "local-only";

export interface RecordedMigration {
  version: string;
  name: string | null;
  statements: string[] | null;
}

export interface PlanEntry {
  version: string;
  name: string;
  state: MigrationState;
  /** The local file's sha256 (the Migration resource's `checksum` input), or for missing-locally the recorded content's checksum. */
  checksum: string;
  /** Checksum of the file's statements as the provider records them (contentChecksum.ts). */
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

export interface MigrationPlan {
  source: "database" | "local-only";
  /** The database URL with its password masked. */
  database?: string;
  /** Why the plan is local-only, when it is. */
  note?: string;
  entries: PlanEntry[];
}

export const HISTORY_TABLE = "supabase_migrations.schema_migrations";
/** Reads nothing but the history; `to_regclass` tells an empty history from a missing table. */
const HISTORY_TABLE_EXISTS_SQL = "select to_regclass('supabase_migrations.schema_migrations') is not null as present";
const HISTORY_SQL = "select version, name, statements from supabase_migrations.schema_migrations order by version";
/** Seconds; a plan waits on nobody: the history table is small and only read. */
const PLAN_STATEMENT_TIMEOUT = "15s";
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Runs fn inside `begin transaction read only` and always rolls back. Any write attempted
 * inside fails with SQLSTATE 25006 (read_only_sql_transaction).
 */
export async function withReadOnlyTransaction<T>(client: Client, fn: (client: Client) => Promise<T>): Promise<T> {
  await client.query("begin transaction read only");
  try {
    await client.query(`set local statement_timeout = '${PLAN_STATEMENT_TIMEOUT}'`);
    return await fn(client);
  } finally {
    await client.query("rollback");
  }
}

export async function readHistory(client: Client): Promise<RecordedMigration[]> {
  return withReadOnlyTransaction(client, async (tx) => {
    const { rows } = await tx.query<{ present: boolean }>(HISTORY_TABLE_EXISTS_SQL);
    if (!rows[0].present) return [];
    const history = await tx.query<RecordedMigration>(HISTORY_SQL);
    return history.rows;
  });
}

/** Connects, reads the history read-only, disconnects. Connection errors propagate (masked by the caller). */
export async function readMigrationHistory(databaseUrl: string): Promise<RecordedMigration[]> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: "supabase-analytics plan" });
  await client.connect();
  try {
    return await readHistory(client);
  } finally {
    await client.end();
  }
}

/**
 * The plan from local migrations (with content checksums) and the recorded history, or
 * undefined history for a local-only listing. Same rules as the Migration provider: a version
 * recorded with the file's statements is applied, with other statements changed-after-apply,
 * without statements applied (the provider adopts it).
 */
export function buildPlan(local: readonly LocalMigration[], recorded: readonly RecordedMigration[] | undefined): PlanEntry[] {
  const fileFacts = (m: LocalMigration) => ({
    version: m.version,
    name: m.name,
    checksum: m.checksum,
    file: m.file,
    ...(m.contentChecksum ? { contentChecksum: m.contentChecksum } : {}),
    ...(m.parseProblem ? { parseProblem: m.parseProblem } : {}),
  });
  if (!recorded) return local.map((m) => ({ ...fileFacts(m), state: "local-only" }));
  const recordedByVersion = new Map(recorded.map((r) => [r.version, r]));
  const localVersions = new Set(local.map((m) => m.version));
  const newestRecorded = recorded.map((r) => r.version).sort().pop();
  const entries: PlanEntry[] = [];
  for (const migration of local) {
    const row = recordedByVersion.get(migration.version);
    if (!row) {
      const outOfOrder = newestRecorded !== undefined && migration.version < newestRecorded;
      entries.push({ ...fileFacts(migration), state: "pending", sql: migration.sql, ...(outOfOrder ? { outOfOrder } : {}) });
      continue;
    }
    if (row.statements === null) {
      entries.push({ ...fileFacts(migration), state: "applied", recordedWithoutStatements: true });
      continue;
    }
    const recordedSum = recordedChecksum(row.statements);
    const state = recordedSum === migration.contentChecksum ? "applied" : "changed-after-apply";
    entries.push({ ...fileFacts(migration), state, recordedChecksum: recordedSum });
  }
  for (const row of recorded) {
    if (localVersions.has(row.version)) continue;
    const recordedSum = recordedChecksum(row.statements ?? []);
    entries.push({ version: row.version, name: row.name ?? "", state: "missing-locally", checksum: recordedSum, recordedChecksum: recordedSum });
  }
  return entries.sort((a, b) => a.version.localeCompare(b.version));
}

export async function planMigrations(files: readonly MigrationFile[], databaseUrl: string | undefined, redactedUrl?: string): Promise<MigrationPlan> {
  const local = await withContentChecksums(files);
  if (!databaseUrl) {
    return { source: "local-only", note: "no database given; pass --database-url or --stack to compare with the applied history", entries: buildPlan(local, undefined) };
  }
  try {
    const history = await readMigrationHistory(databaseUrl);
    return { source: "database", database: redactedUrl, entries: buildPlan(local, history) };
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    const reason = maskSecrets((error as Error).message || String((error as { code?: string }).code));
    return { source: "local-only", database: redactedUrl, note: `${redactedUrl ?? "the database"} is not reachable: ${reason}`, entries: buildPlan(local, undefined) };
  }
}

/** Network errors from node. */
const UNREACHABLE_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);
/** SQLSTATEs of a server that will not let us in: 3D000 no such database, 57P03 starting up, 53300 too many connections. */
const UNREACHABLE_SQLSTATES = new Set(["3D000", "57P03", "53300"]);
/** SQLSTATE classes: 08 connection exception, 28 invalid authorization. */
const UNREACHABLE_SQLSTATE_CLASSES = ["08", "28"];

/**
 * True for "no database to compare with" (the plan then lists local files only); anything else,
 * such as a permission error on the history table, is a real failure.
 */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (UNREACHABLE_ERRNOS.has(code) || UNREACHABLE_SQLSTATES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && UNREACHABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  }
  // pg's own connect timeout and the "URL is not a URL" cases carry no code.
  const message = (error as Error).message ?? "";
  return /connection timeout|timeout expired|Invalid URL|ERR_INVALID_URL/i.test(message) || (error as { code?: string }).code === "ERR_INVALID_URL";
}
