// Applies the migrations of sql/migrations/ (and the stack's declared grants) to a test
// database, the way a deploy does: each file in one transaction, in version order, with a
// row in supabase_migrations.schema_migrations. The Migration resource (infra/postgres/) is
// the production path; this helper is the tests' stand-in, small enough to trust.
import { Client } from "pg";
import { ALL_GRANTS, AdminGrant, grantStatement } from "../../infra/adminSurface";
import { loadMigrations, MigrationFile } from "../../infra/migrations";
import { withClient } from "./db";

/** The history table the Supabase CLI uses (columns as in ARCHITECTURE.md). */
const CREATE_HISTORY_SQL = `
  create schema if not exists supabase_migrations;
  create table if not exists supabase_migrations.schema_migrations (
    version text primary key,
    name text,
    statements text[]
  );
`;

export interface ApplyOptions {
  /** Record each file in supabase_migrations.schema_migrations and skip versions already there (default true). */
  history?: boolean;
  /** Apply only versions <= this one. */
  through?: string;
  /** The files to apply (default: every file of sql/migrations/). */
  migrations?: readonly MigrationFile[];
}

/** 1-based line of a character position (PostgreSQL error positions are 1-based). */
function lineOf(sql: string, position: number): number {
  return sql.slice(0, Math.max(0, position - 1)).split("\n").length;
}

function describeFailure(migration: MigrationFile, error: unknown): Error {
  const pgError = error as { message?: string; position?: string; code?: string };
  const where = pgError.position ? ` at line ${lineOf(migration.sql, Number(pgError.position))}` : "";
  return new Error(`${migration.file}${where}: ${pgError.message ?? String(error)} (SQLSTATE ${pgError.code ?? "?"})`);
}

/** Runs one migration file in its own transaction, without touching the history table. */
export async function applyMigrationFile(client: Client, migration: MigrationFile): Promise<void> {
  await client.query("begin");
  try {
    await client.query(migration.sql);
    await client.query("commit");
  } catch (error) {
    await client.query("rollback");
    throw describeFailure(migration, error);
  }
}

async function appliedVersions(client: Client): Promise<Set<string>> {
  await client.query(CREATE_HISTORY_SQL);
  const { rows } = await client.query<{ version: string }>("select version from supabase_migrations.schema_migrations");
  return new Set(rows.map((row) => row.version));
}

async function applyWithHistory(client: Client, migration: MigrationFile): Promise<void> {
  await client.query("begin");
  try {
    await client.query(migration.sql);
    await client.query(
      "insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)",
      [migration.version, migration.name, [migration.sql]],
    );
    await client.query("commit");
  } catch (error) {
    await client.query("rollback");
    throw describeFailure(migration, error);
  }
}

/** Applies the migrations in version order; returns the versions it applied. */
export async function applyMigrations(url: string, options: ApplyOptions = {}): Promise<string[]> {
  const history = options.history ?? true;
  const selected = (options.migrations ?? loadMigrations()).filter(
    (migration) => options.through === undefined || migration.version <= options.through,
  );
  return withClient(url, async (client) => {
    await client.query("set client_min_messages = warning");
    const done = history ? await appliedVersions(client) : new Set<string>();
    const applied: string[] = [];
    for (const migration of selected) {
      if (done.has(migration.version)) continue;
      if (history) await applyWithHistory(client, migration);
      else await applyMigrationFile(client, migration);
      applied.push(migration.version);
    }
    return applied;
  });
}

/** Applies the stack's declared grants (ALL_GRANTS by default), as the Grant resources would. */
export async function applyGrants(url: string, grants: readonly AdminGrant[] = ALL_GRANTS): Promise<void> {
  await withClient(url, async (client) => {
    for (const grant of grants) await client.query(grantStatement(grant));
  });
}
