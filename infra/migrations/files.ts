// Reads sql/migrations/: `<14-digit UTC timestamp>_<name>.sql`, applied in version order.
// The program makes one Migration resource per file; `npm run plan` and the tests read the
// same list, so every consumer agrees on versions, names and checksums.
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256Hex } from "./checksums";

const REPOSITORY_ROOT = path.resolve(__dirname, "../..");
export const MIGRATIONS_DIR = path.join(REPOSITORY_ROOT, "sql/migrations");
/** A version: the file's 14-digit UTC timestamp (YYYYMMDDHHMMSS). */
const VERSION = "\\d{14}";
/** A name: lowercase letters, digits and underscores, not starting with an underscore. */
const NAME = "[a-z0-9][a-z0-9_]*";
export const MIGRATION_VERSION_PATTERN = new RegExp(`^${VERSION}$`);
export const MIGRATION_NAME_PATTERN = new RegExp(`^${NAME}$`);
export const MIGRATION_FILE_PATTERN = new RegExp(`^(${VERSION})_(${NAME})\\.sql$`);
export const DOWN_FILE_PATTERN = new RegExp(`^(${VERSION})_(${NAME})\\.down\\.sql$`);
/** A header line that makes the Migration provider run the file outside a transaction. */
export const NO_TRANSACTION_MARKER = /^--\s*migration:\s*no-transaction\s*$/m;

export interface MigrationFile {
  version: string;
  name: string;
  /** Path relative to the repository root, for messages. */
  file: string;
  sql: string;
  /** sha256 hex of the file's bytes. */
  checksum: string;
  noTransaction: boolean;
  /** The `<version>_<name>.down.sql` beside it, if any: what deleting the resource runs. */
  downSql?: string;
}

export class MigrationFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "MigrationFileError";
  }
}

/** `<version>_<name><suffix>`: the file name of a migration (or, with ".down.sql", of its down file). */
export function migrationFileName(version: string, name: string, suffix = ".sql"): string {
  return `${version}_${name}${suffix}`;
}

/** The leading comment block: where the no-transaction marker must stand. */
function header(sql: string): string {
  const lines = sql.split("\n");
  const end = lines.findIndex((line) => line.trim() !== "" && !line.trimStart().startsWith("--"));
  return lines.slice(0, end === -1 ? lines.length : end).join("\n");
}

/** Whether the file's leading comment block has the no-transaction marker (the Migration provider asks too). */
export function hasNoTransactionMarker(sql: string): boolean {
  return NO_TRANSACTION_MARKER.test(header(sql));
}

export function parseMigrationFile(file: string, sql: string): MigrationFile {
  const base = path.basename(file);
  const match = MIGRATION_FILE_PATTERN.exec(base);
  if (!match) {
    throw new MigrationFileError(
      file,
      "file name must be <14-digit UTC timestamp>_<lowercase_name>.sql, e.g. 20260128100010_add_index.sql; rename it",
    );
  }
  if (sql.trim() === "") throw new MigrationFileError(file, "the file is empty; write the migration or remove the file");
  return {
    version: match[1],
    name: match[2],
    file,
    sql,
    checksum: sha256Hex(sql),
    noTransaction: hasNoTransactionMarker(sql),
  };
}

/**
 * All migrations of a folder in version order. Refuses anything that is not a migration or
 * its down file, and duplicate versions, naming the file and the fix.
 */
export function loadMigrations(dir: string = MIGRATIONS_DIR, relativeTo = REPOSITORY_ROOT): MigrationFile[] {
  if (!fs.existsSync(dir)) throw new MigrationFileError(path.relative(relativeTo, dir), "migrations folder not found");
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const downFiles = new Map<string, { file: string; sql: string }>();
  const migrations: MigrationFile[] = [];
  for (const entry of entries) {
    const file = path.relative(relativeTo, path.join(dir, entry.name));
    if (!entry.isFile()) throw new MigrationFileError(file, "not a file; sql/migrations holds only .sql files");
    const down = DOWN_FILE_PATTERN.exec(entry.name);
    if (down) {
      downFiles.set(migrationFileName(down[1], down[2], ""), { file, sql: fs.readFileSync(path.join(dir, entry.name), "utf8") });
      continue;
    }
    if (!entry.name.endsWith(".sql")) {
      throw new MigrationFileError(file, "not a .sql file; sql/migrations holds only migrations, move it elsewhere");
    }
    migrations.push(parseMigrationFile(file, fs.readFileSync(path.join(dir, entry.name), "utf8")));
  }
  const seen = new Map<string, string>();
  for (const migration of migrations) {
    const other = seen.get(migration.version);
    if (other) {
      throw new MigrationFileError(migration.file, `duplicate version ${migration.version} (also ${other}); give one of them a new timestamp`);
    }
    seen.set(migration.version, migration.file);
  }
  for (const [key, down] of downFiles) {
    const migration = migrations.find((m) => migrationFileName(m.version, m.name, "") === key);
    if (!migration) throw new MigrationFileError(down.file, "down file without a matching migration; rename or remove it");
    migration.downSql = down.sql;
  }
  return migrations.sort((a, b) => a.version.localeCompare(b.version));
}
