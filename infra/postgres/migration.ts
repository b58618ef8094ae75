// Migration: one file of sql/migrations/ applied once, recorded in the Supabase CLI's history
// table (supabase_migrations.schema_migrations). The rules live in the migrations module (infra/migrations):
// one transaction under an advisory lock, adopt what is recorded with the same statements,
// refuse changed content and out-of-order versions, point failures at statement, line, column.
//
// - read reports the recorded content: `checksum` stays the file's when the row holds the
//   file's statements, and becomes the recorded content's checksum when the row was edited
//   out of band, or "(not recorded)" when it was deleted. Both show in preview --refresh as
//   drift on `checksum`, and update puts the row back (re-applying the file when the row is
//   gone). A deleted row is not a missing resource: the stack applied the file, in order,
//   and its objects are still there; answering "gone" would make the next deploy create it
//   again, and a create of an older version is refused as out of order.
// - A changed file (checksum) on an applied migration shows in preview as an update, which
//   refuses: applied migrations are immutable.
// - delete leaves the schema and the history row (migrations are append-only), unless the
//   file has a `<version>_<name>.down.sql`: then it runs it and deletes the row.
import type * as pulumi from "@pulumi/pulumi";
import {
  applyMigration,
  hasNoTransactionMarker,
  MIGRATION_NAME_PATTERN,
  MIGRATION_VERSION_PATTERN,
  MigrationFileInput,
  migrationFileName,
  readRecordedStatements,
  revertMigration,
  sha256Hex,
  splitStatements,
  Statement,
  statementsChecksum,
  statementsProblem,
} from "../migrations";
import { failure, isKnownString, isProviderError, isUnknown, optionalBoolean, propertyFailures, providerError } from "../toolkit";
import { withDatabase } from "./connection";
import { CommonInputs, connectionFailures, PostgresArgs, diffProperties, STORED_ONLY_KEYS } from "./providerInputs";

/** One file of sql/migrations (loadMigrations() gives version, name, sql, checksum and downSql). */
export interface MigrationArgs extends PostgresArgs {
  /**
   * 14-digit UTC timestamp, the file name's prefix.
   * @default none (required)
   */
  version: pulumi.Input<string>;
  /**
   * The file name's rest, lowercase letters, digits and underscores.
   * @default none (required)
   */
  name: pulumi.Input<string>;
  /**
   * The file's SQL, applied statement by statement in one transaction (unless the header says no-transaction).
   * @default none (required)
   */
  sql: pulumi.Input<string>;
  /**
   * sha256 hex of the file (loadMigrations()).
   * @default none (required)
   */
  checksum: pulumi.Input<string>;
  /**
   * Apply even when a newer version is already recorded.
   * @default false
   */
  allowOutOfOrder?: pulumi.Input<boolean>;
  /**
   * The `<version>_<name>.down.sql` file: what deleting the resource runs.
   * @default none: deleting the resource changes nothing in the database (schema and history row stay)
   */
  downSql?: pulumi.Input<string>;
}

export interface MigrationInputs extends CommonInputs {
  version: string;
  name: string;
  sql: string;
  checksum: string;
  allowOutOfOrder: boolean;
  downSql?: string;
}

export interface MigrationOutputs extends MigrationInputs {
  /** Checksum of the file's statements (statementsChecksum): what the history row holds when in sync. */
  statementsChecksum: string;
}

/** read's `checksum` for a history row without statements. */
export const NO_RECORDED_STATEMENTS = "(no statements recorded)";
/** read's `checksum` when the version has no history row (deleted out of band, or no history table). */
export const NOT_RECORDED = "(not recorded)";

const REPLACE_KEYS = ["version", "name"];
const DIFF_KEYS = ["version", "name", "sql", "checksum", "allowOutOfOrder", "downSql", ...STORED_ONLY_KEYS];

/** The file's statements, refused (with the file named) when they cannot run as one migration. */
async function fileStatements(sql: string, file: string, noTransaction: boolean): Promise<Statement[]> {
  const statements = await splitStatements(sql, file);
  const problem = statementsProblem(statements, sql, noTransaction);
  if (problem) throw providerError(`${file}: ${problem}`);
  return statements;
}

async function migrationFile(inputs: MigrationInputs): Promise<MigrationFileInput> {
  const file = migrationFileName(inputs.version, inputs.name);
  const noTransaction = hasNoTransactionMarker(inputs.sql);
  return {
    version: inputs.version,
    name: inputs.name,
    sql: inputs.sql,
    statements: await fileStatements(inputs.sql, file, noTransaction),
    noTransaction,
    allowOutOfOrder: inputs.allowOutOfOrder,
  };
}

function resolveInputs(news: MigrationInputs): MigrationInputs {
  return { ...news, allowOutOfOrder: news.allowOutOfOrder ?? false };
}

function outputs(inputs: MigrationInputs, migration: MigrationFileInput): MigrationOutputs {
  return { ...inputs, statementsChecksum: statementsChecksum(migration.statements.map((statement) => statement.text)) };
}

/** A check failure for SQL that does not parse or cannot run as a migration; other errors propagate. */
async function sqlProblem(sql: unknown, file: string, noTransaction: boolean): Promise<string | undefined> {
  if (typeof sql !== "string" || sql.trim() === "") return "required: the file's SQL";
  try {
    await fileStatements(sql, file, noTransaction);
    return undefined;
  } catch (error) {
    if (isProviderError(error)) return error.message;
    throw error;
  }
}

function checksumProblem(value: unknown, sql: unknown): string | undefined {
  if (typeof value !== "string" || !/^[0-9a-f]{64}$/.test(value)) return "must be the sha256 hex (64 lowercase hex digits) of the file";
  if (isKnownString(sql) && sha256Hex(sql) !== value) {
    return `is ${value} but the sha256 of sql is ${sha256Hex(sql)}; take both from the same file (loadMigrations())`;
  }
  return undefined;
}

function immutabilityError(version: string, name: string, applied: string, now: string): Error {
  return providerError(
    `migration ${version}_${name} was applied with checksum ${applied}; the file now has ${now}. ` +
      "Applied migrations are immutable: restore the file and add a new migration",
  );
}

export const migrationProvider: pulumi.dynamic.ResourceProvider<MigrationInputs, MigrationOutputs> = {
  async check(_olds, news) {
    const known = isKnownString(news.version) && isKnownString(news.name);
    const file = known ? migrationFileName(news.version, news.name) : "sql";
    const failures = [
      ...connectionFailures(news.connection),
      ...propertyFailures("version", news.version, (value) =>
        typeof value === "string" && MIGRATION_VERSION_PATTERN.test(value)
          ? undefined
          : "must be 14 digits, the file's UTC timestamp (YYYYMMDDHHMMSS), e.g. 20270115093000",
      ),
      ...propertyFailures("name", news.name, (value) =>
        typeof value === "string" && MIGRATION_NAME_PATTERN.test(value)
          ? undefined
          : "must be lowercase letters, digits and underscores, starting with a letter or digit (the file name after the version)",
      ),
      ...(isUnknown(news.sql) ? [] : failure("sql", await sqlProblem(news.sql, file, typeof news.sql === "string" && hasNoTransactionMarker(news.sql)))),
      ...propertyFailures("checksum", news.checksum, (value) => checksumProblem(value, news.sql)),
      ...propertyFailures("allowOutOfOrder", news.allowOutOfOrder, optionalBoolean),
    ];
    if (news.downSql !== undefined && !isUnknown(news.downSql)) {
      const downFile = known ? migrationFileName(news.version, news.name, ".down.sql") : "downSql";
      failures.push(...failure("downSql", await sqlProblem(news.downSql, downFile, false)));
    }
    return { inputs: resolveInputs(news), failures };
  },

  async diff(_id, olds, news) {
    const { changed, replaces } = diffProperties(
      { ...olds, allowOutOfOrder: olds.allowOutOfOrder ?? false },
      { ...news, allowOutOfOrder: news.allowOutOfOrder ?? false },
      DIFF_KEYS,
      REPLACE_KEYS,
    );
    // A new version or name is another history row: the old one goes first (running its
    // down file, if any), so a renamed file is not applied and then reverted.
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
  },

  async create(news) {
    const inputs = resolveInputs(news);
    const migration = await migrationFile(inputs);
    const file = migrationFileName(inputs.version, inputs.name);
    await withDatabase(inputs.connection, `migration ${file}`, (client) => applyMigration(client, migration, "create"));
    return { id: inputs.version, outs: outputs(inputs, migration) };
  },

  async read(id, props) {
    if (!props) return {};
    const version = props.version ?? id;
    const row = await withDatabase(props.connection, `reading migration ${version}`, (client) => readRecordedStatements(client, version));
    let checksum: string;
    if (!row) {
      // The migration's objects are still there; only its record is gone. Drift, not a
      // missing resource: update re-applies the file (idempotent, as every migration is)
      // and records it again, whatever newer versions are recorded.
      checksum = NOT_RECORDED;
    } else if (row.statements === null) {
      checksum = NO_RECORDED_STATEMENTS;
    } else {
      const recorded = statementsChecksum(row.statements);
      const expected = props.statementsChecksum ?? outputs(props, await migrationFile(resolveInputs(props))).statementsChecksum;
      checksum = recorded === expected ? props.checksum : recorded;
    }
    return { id, props: { ...props, checksum } };
  },

  async update(_id, olds, news) {
    const inputs = resolveInputs(news);
    const migration = await migrationFile(inputs);
    const applied = olds.sql !== undefined ? sha256Hex(olds.sql) : olds.checksum;
    if (applied !== inputs.checksum) throw immutabilityError(inputs.version, inputs.name, applied, inputs.checksum);
    if (olds.checksum !== inputs.checksum) {
      // The file is the one the stack applied, but the history row was edited or deleted
      // out of band (read reported it): put the row back, re-running the file if it is gone.
      const file = migrationFileName(inputs.version, inputs.name);
      await withDatabase(inputs.connection, `migration ${file}`, (client) => applyMigration(client, migration, "repair"));
    }
    return { outs: outputs(inputs, migration) };
  },

  async delete(_id, props) {
    if (props.downSql === undefined || props.downSql === "") return;
    const downFile = migrationFileName(props.version, props.name, ".down.sql");
    const down = await fileStatements(props.downSql, downFile, false);
    const downSql = props.downSql;
    await withDatabase(props.connection, `reverting migration ${downFile}`, (client) =>
      revertMigration(client, props.version, props.name, downSql, down),
    );
  },
};

