// The Migration provider against a real PostgreSQL 15: apply, history rules, failures that
// point at the statement, no-transaction files, drift of the history row, down files, and
// concurrent deployers.
import { MIGRATION_LOCK_KEY, sha256Hex, statementsChecksum } from "../../infra/migrations";
import { migrationProvider, MigrationInputs, MigrationOutputs, NO_RECORDED_STATEMENTS, NOT_RECORDED } from "../../infra/postgres";
import { UNKNOWN } from "../../infra/toolkit";
import { withClient } from "../support/db";
import { queryRows, rejectionOf, useFreshDatabase } from "./support";

interface HistoryRow extends Record<string, unknown> {
  version: string;
  name: string | null;
  statements: string[] | null;
}

function migration(url: string, version: string, name: string, sql: string, extra: Partial<MigrationInputs> = {}): MigrationInputs {
  return { connection: url, version, name, sql, checksum: sha256Hex(sql), allowOutOfOrder: false, ...extra };
}

async function history(url: string): Promise<HistoryRow[]> {
  const [{ present }] = await queryRows<{ present: boolean }>(url, "select to_regclass('supabase_migrations.schema_migrations') is not null as present");
  if (!present) return [];
  return queryRows<HistoryRow>(url, "select version, name, statements from supabase_migrations.schema_migrations order by version");
}

async function tableExists(url: string, table: string): Promise<boolean> {
  const [{ present }] = await queryRows<{ present: boolean }>(url, "select to_regclass($1) is not null as present", [table]);
  return present;
}

/** Create as the engine does: check first, then create with the checked inputs. */
async function deploy(inputs: MigrationInputs): Promise<MigrationOutputs> {
  const checked = await migrationProvider.check!({} as MigrationInputs, inputs);
  expect(checked.failures).toEqual([]);
  const { outs } = await migrationProvider.create(checked.inputs as MigrationInputs);
  return outs as MigrationOutputs;
}


describe("Migration: create, read, diff, update, delete", () => {
  const database = useFreshDatabase("pg_migration");

  const sql = "-- the lifecycle table\ncreate table public.lifecycle (id int primary key);\ninsert into public.lifecycle values (1);\n";

  it("applies the file in one transaction and records it as the Supabase CLI does", async () => {
    const inputs = migration(database().url, "20260101000000", "lifecycle", sql);
    const outs = await deploy(inputs);
    expect(outs).toMatchObject({ ...inputs, allowOutOfOrder: false });
    const statements = ["-- the lifecycle table\ncreate table public.lifecycle (id int primary key)", "insert into public.lifecycle values (1)"];
    expect(outs.statementsChecksum).toBe(statementsChecksum(statements));
    expect(await history(database().url)).toEqual([{ version: "20260101000000", name: "lifecycle", statements }]);
    expect(await queryRows(database().url, "select id from public.lifecycle")).toEqual([{ id: 1 }]);
    // The table has the CLI's columns and key.
    const columns = await queryRows(
      database().url,
      "select column_name, data_type from information_schema.columns where table_schema = 'supabase_migrations' and table_name = 'schema_migrations' order by ordinal_position",
    );
    expect(columns).toEqual([
      { column_name: "version", data_type: "text" },
      { column_name: "statements", data_type: "ARRAY" },
      { column_name: "name", data_type: "text" },
    ]);
  });

  it("reads back what it created, diffs quietly, and stores a connection change without database work", async () => {
    const inputs = migration(database().url, "20260101000000", "lifecycle", sql);
    const outs = await deploy(inputs);
    const read = await migrationProvider.read!("20260101000000", outs);
    expect(read).toEqual({ id: "20260101000000", props: outs });
    expect(await migrationProvider.diff!("20260101000000", outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });

    const moved = { ...inputs, connection: `${database().url}?application_name=rotated` };
    expect(await migrationProvider.diff!("20260101000000", outs, moved)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    // Re-running the file would fail on the primary key: update must not touch the database.
    const updated = await migrationProvider.update!("20260101000000", outs, moved);
    expect(updated.outs).toMatchObject({ connection: moved.connection, checksum: inputs.checksum });
    expect(await queryRows(database().url, "select count(*)::int as n from public.lifecycle")).toEqual([{ n: 1 }]);
  });

  it("replaces on a new version or name, and reports a changed file as an update that update refuses", async () => {
    const inputs = migration(database().url, "20260101000000", "lifecycle", sql);
    const outs = await deploy(inputs);
    expect(await migrationProvider.diff!("x", outs, { ...inputs, version: "20260101000001" })).toEqual({
      changes: true,
      replaces: ["version"],
      deleteBeforeReplace: true,
    });
    expect(await migrationProvider.diff!("x", outs, { ...inputs, name: "renamed" })).toMatchObject({ replaces: ["name"] });

    const edited = migration(database().url, "20260101000000", "lifecycle", `${sql}insert into public.lifecycle values (2);\n`);
    const diff = await migrationProvider.diff!("20260101000000", outs, edited);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const error = await rejectionOf(migrationProvider.update!("20260101000000", outs, edited));
    expect(error.message).toBe(
      `migration 20260101000000_lifecycle was applied with checksum ${inputs.checksum}; the file now has ${edited.checksum}. ` +
        "Applied migrations are immutable: restore the file and add a new migration",
    );
    expect(await queryRows(database().url, "select id from public.lifecycle order by id")).toEqual([{ id: 1 }]);
  });

  it("delete leaves the schema and the history row when there is no down file", async () => {
    const outs = await deploy(migration(database().url, "20260101000000", "lifecycle", sql));
    await migrationProvider.delete!("20260101000000", outs);
    expect(await tableExists(database().url, "public.lifecycle")).toBe(true);
    expect((await history(database().url)).map((row) => row.version)).toEqual(["20260101000000"]);
  });

  it("delete runs the down file and removes the history row; a second delete does nothing", async () => {
    const downSql = "drop table public.lifecycle;\n";
    const outs = await deploy(migration(database().url, "20260101000000", "lifecycle", sql, { downSql }));
    await migrationProvider.delete!("20260101000000", outs);
    expect(await tableExists(database().url, "public.lifecycle")).toBe(false);
    expect(await history(database().url)).toEqual([]);
    await migrationProvider.delete!("20260101000000", outs);
  });

  it("names the down file, statement and line when a down file fails, and keeps the row", async () => {
    const outs = await deploy(migration(database().url, "20260101000000", "lifecycle", sql, { downSql: "drop table public.lifecycle;\ndrop table public.nope;\n" }));
    const error = await rejectionOf(migrationProvider.delete!("20260101000000", outs));
    expect(error.message).toContain("migration 20260101000000_lifecycle.down.sql failed at statement 2 (line 2");
    expect(error.message).toContain('table "nope" does not exist');
    expect(error.message).toContain("Nothing was reverted: the transaction was rolled back and the history row is kept.");
    expect(await tableExists(database().url, "public.lifecycle")).toBe(true);
    expect(await history(database().url)).toHaveLength(1);
  });
});

describe("Migration: history rules", () => {
  const database = useFreshDatabase("pg_migration");

  it("adopts a version recorded with the same statements without running it again", async () => {
    const sql = "create table public.once (id int primary key);\ninsert into public.once values (1);\n";
    const inputs = migration(database().url, "20260101000000", "once", sql);
    const first = await deploy(inputs);
    const second = await deploy(inputs);
    expect(second).toEqual(first);
    expect(await queryRows(database().url, "select count(*)::int as n from public.once")).toEqual([{ n: 1 }]);
  });

  it("adopts a migration the Supabase CLI recorded (same statement split) without running it", async () => {
    const sql = "-- made by the CLI\ncreate table public.cli_made (id int);\n\ncomment on table public.cli_made is 'x; y';\n-- trailing note\n";
    // What `supabase db push` records for this file (pkg/parser SplitAndTrim).
    const cliStatements = ["-- made by the CLI\ncreate table public.cli_made (id int)", "comment on table public.cli_made is 'x; y'", "-- trailing note"];
    await withClient(database().url, async (client) => {
      await client.query(
        "create schema supabase_migrations; create table supabase_migrations.schema_migrations (version text not null primary key, statements text[], name text)",
      );
      await client.query("insert into supabase_migrations.schema_migrations values ($1, $2, $3)", ["20260101000000", cliStatements, "cli_made"]);
    });
    const outs = await deploy(migration(database().url, "20260101000000", "cli_made", sql));
    expect(outs.statementsChecksum).toBe(statementsChecksum(cliStatements));
    // Adopted: the file was not run (it would have created the table).
    expect(await tableExists(database().url, "public.cli_made")).toBe(false);
  });

  it("adopts a row recorded without statements and fills them in", async () => {
    const sql = "create table public.repaired (id int);\n";
    await withClient(database().url, async (client) => {
      await client.query("create schema supabase_migrations; create table supabase_migrations.schema_migrations (version text primary key, name text, statements text[])");
      await client.query("insert into supabase_migrations.schema_migrations (version) values ('20260101000000')");
    });
    await deploy(migration(database().url, "20260101000000", "repaired", sql));
    expect(await tableExists(database().url, "public.repaired")).toBe(false);
    expect(await history(database().url)).toEqual([{ version: "20260101000000", name: "repaired", statements: ["create table public.repaired (id int)"] }]);
  });

  it("refuses a version recorded with different statements, and says what to do", async () => {
    await deploy(migration(database().url, "20260101000000", "first", "create table public.first_one (id int);\n"));
    const error = await rejectionOf(deploy(migration(database().url, "20260101000000", "first", "create table public.other_one (id int);\n")));
    expect(error.message).toMatch(/^migration 20260101000000_first\.sql: its version is already recorded .* with different statements/);
    expect(error.message).toContain("Applied migrations are immutable");
    expect(error.message).toContain("new migration");
    expect(await tableExists(database().url, "public.other_one")).toBe(false);
  });

  it("refuses a version older than the newest recorded one unless allowOutOfOrder", async () => {
    await deploy(migration(database().url, "20260101000002", "newer", "create table public.newer (id int);\n"));
    const older = migration(database().url, "20260101000001", "older", "create table public.older (id int);\n");
    const error = await rejectionOf(deploy(older));
    expect(error.message).toContain("migration 20260101000001_older.sql is older than the newest recorded migration (20260101000002)");
    expect(error.message).toContain("allowOutOfOrder");
    expect(await tableExists(database().url, "public.older")).toBe(false);

    await deploy({ ...older, allowOutOfOrder: true });
    expect(await tableExists(database().url, "public.older")).toBe(true);
    expect((await history(database().url)).map((row) => row.version)).toEqual(["20260101000001", "20260101000002"]);
  });
});

describe("Migration: a failing statement", () => {
  const database = useFreshDatabase("pg_migration");

  const broken = [
    "-- three statements; the third one is wrong",
    "create table public.half (id int);",
    "insert into public.half values (1);",
    "select id from public.half_typo;",
    "create table public.never (id int);",
    "",
  ].join("\n");

  it("rolls everything back, records nothing, and points at the statement, line and column", async () => {
    const error = await rejectionOf(deploy(migration(database().url, "20260101000000", "broken", broken)));
    expect(error.message).toContain("migration 20260101000000_broken.sql failed at statement 3 (line 4, column 16)");
    expect(error.message).toContain('relation "public.half_typo" does not exist (SQLSTATE 42P01)');
    expect(error.message).toContain("4 | select id from public.half_typo;");
    expect(error.message).toContain("Nothing was applied and nothing was recorded");
    expect(error.code).toBe("42P01");
    expect(await tableExists(database().url, "public.half")).toBe(false);
    expect(await history(database().url)).toEqual([]);

    // Fixed file: applies.
    const fixed = broken.replace("public.half_typo", "public.half");
    await deploy(migration(database().url, "20260101000000", "broken", fixed));
    expect(await tableExists(database().url, "public.never")).toBe(true);
    expect((await history(database().url)).map((row) => row.version)).toEqual(["20260101000000"]);
  });

  it("carries PostgreSQL's hint, and counts characters (not bytes) for the column", async () => {
    const sql = "-- naïve café: multi-byte text before the error\nselect 'é', pg_catalog.no_such_function(1);\n";
    const error = await rejectionOf(deploy(migration(database().url, "20260101000000", "hinted", sql)));
    expect(error.message).toContain("failed at statement 1 (line 2, column 13)");
    expect(error.message).toContain("hint: No function matches the given name and argument types.");
  });

  it("reports SQL that does not parse in check, with line and column, before anything runs", async () => {
    const sql = "create table public.ok (id int);\ncreate tabel public.bad (id int);\n";
    const inputs = migration(database().url, "20260101000000", "unparsable", sql);
    const checked = await migrationProvider.check!({} as MigrationInputs, inputs);
    expect(checked.failures).toEqual([
      { property: "sql", reason: expect.stringContaining('20260101000000_unparsable.sql: syntax error at or near "tabel" at line 2, column 8') },
    ]);
    const error = await rejectionOf(migrationProvider.create(inputs));
    expect(error.message).toContain("line 2, column 8");
    expect(await history(database().url)).toEqual([]);
  });

  it("refuses a file that commits or rolls back its own transaction", async () => {
    const inputs = migration(database().url, "20260101000000", "self_commit", "create table public.sc (id int);\ncommit;\n");
    const checked = await migrationProvider.check!({} as MigrationInputs, inputs);
    expect(checked.failures).toEqual([{ property: "sql", reason: expect.stringContaining("statement 2 (line 2) controls the transaction") }]);
    await rejectionOf(migrationProvider.create(inputs));
    expect(await tableExists(database().url, "public.sc")).toBe(false);
  });
});

describe("Migration: no-transaction files", () => {
  const database = useFreshDatabase("pg_migration");

  it("runs create index concurrently outside a transaction and records it", async () => {
    await deploy(migration(database().url, "20260101000000", "table", "create table public.indexed (id int);\n"));
    const sql = "-- migration: no-transaction\n-- builds the index without blocking writes\ncreate index concurrently if not exists indexed_id on public.indexed (id);\n";
    await deploy(migration(database().url, "20260101000001", "index", sql));
    expect(await tableExists(database().url, "public.indexed_id")).toBe(true);
    expect((await history(database().url)).map((row) => row.version)).toEqual(["20260101000000", "20260101000001"]);
    // Adopted the second time.
    await deploy(migration(database().url, "20260101000001", "index", sql));
  });

  it("enforces exactly one statement", async () => {
    const sql = "-- migration: no-transaction\ncreate table public.a (id int);\ncreate index concurrently a_id on public.a (id);\n";
    const inputs = migration(database().url, "20260101000000", "two", sql);
    const checked = await migrationProvider.check!({} as MigrationInputs, inputs);
    expect(checked.failures).toEqual([{ property: "sql", reason: expect.stringContaining("must hold exactly one statement; it has 2") }]);
    await rejectionOf(migrationProvider.create(inputs));
    expect(await tableExists(database().url, "public.a")).toBe(false);
  });

  it("tells how to fix create index concurrently in a transactional file", async () => {
    await deploy(migration(database().url, "20260101000000", "table", "create table public.t (id int);\n"));
    const error = await rejectionOf(deploy(migration(database().url, "20260101000001", "index", "create index concurrently t_id on public.t (id);\n")));
    expect(error.message).toContain("SQLSTATE 25001");
    expect(error.message).toContain('"-- migration: no-transaction"');
  });
});

describe("Migration: drift of the history row", () => {
  const database = useFreshDatabase("pg_migration");

  const sql = "create table if not exists public.drifting (id int);\n";

  it("reports an edited row as a changed checksum, and update restores the row", async () => {
    const inputs = migration(database().url, "20260101000000", "drifting", sql);
    const outs = await deploy(inputs);
    await withClient(database().url, (client) =>
      client.query("update supabase_migrations.schema_migrations set statements = array['select 1'] where version = '20260101000000'"),
    );
    const read = await migrationProvider.read!("20260101000000", outs);
    expect(read.id).toBe("20260101000000");
    expect(read.props?.checksum).toBe(statementsChecksum(["select 1"]));
    const diff = await migrationProvider.diff!("20260101000000", read.props as MigrationOutputs, inputs);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });

    const updated = await migrationProvider.update!("20260101000000", read.props as MigrationOutputs, inputs);
    expect(updated.outs?.checksum).toBe(inputs.checksum);
    expect(await history(database().url)).toEqual([{ version: "20260101000000", name: "drifting", statements: ["create table if not exists public.drifting (id int)"] }]);
    expect((await migrationProvider.read!("20260101000000", updated.outs as MigrationOutputs)).props?.checksum).toBe(inputs.checksum);
  });

  it("reports a row without statements as drift", async () => {
    const outs = await deploy(migration(database().url, "20260101000000", "drifting", sql));
    await withClient(database().url, (client) => client.query("update supabase_migrations.schema_migrations set statements = null"));
    expect((await migrationProvider.read!("20260101000000", outs)).props?.checksum).toBe(NO_RECORDED_STATEMENTS);
  });

  it("reports a deleted row as drift, and update re-applies and records it even when newer versions are recorded", async () => {
    const inputs = migration(database().url, "20260101000000", "drifting", sql);
    const outs = await deploy(inputs);
    await deploy(migration(database().url, "20260101000005", "newer", "select 1;\n"));
    await withClient(database().url, (client) =>
      client.query("delete from supabase_migrations.schema_migrations where version = '20260101000000'; drop table public.drifting"),
    );
    const read = await migrationProvider.read!("20260101000000", outs);
    expect(read.id).toBe("20260101000000");
    expect(read.props?.checksum).toBe(NOT_RECORDED);
    expect(await migrationProvider.diff!("20260101000000", read.props as MigrationOutputs, inputs)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const updated = await migrationProvider.update!("20260101000000", read.props as MigrationOutputs, inputs);
    expect(updated.outs?.checksum).toBe(inputs.checksum);
    expect((await history(database().url)).map((row) => row.version)).toEqual(["20260101000000", "20260101000005"]);
    expect(await tableExists(database().url, "public.drifting")).toBe(true);
    expect((await migrationProvider.read!("20260101000000", outs)).props?.checksum).toBe(inputs.checksum);
  });

  it("a create of that older version (a stack that lost its state) is refused as out of order, with the way out", async () => {
    await deploy(migration(database().url, "20260101000000", "drifting", sql));
    await deploy(migration(database().url, "20260101000005", "newer", "select 1;\n"));
    await withClient(database().url, (client) => client.query("delete from supabase_migrations.schema_migrations where version = '20260101000000'"));
    const error = await rejectionOf(migrationProvider.create(migration(database().url, "20260101000000", "drifting", sql)));
    expect(error.message).toContain("supabase migration repair --status applied");
  });

  it("reports not recorded when the history table itself is missing", async () => {
    const outs = await deploy(migration(database().url, "20260101000000", "drifting", sql));
    await withClient(database().url, (client) => client.query("drop schema supabase_migrations cascade"));
    expect((await migrationProvider.read!("20260101000000", outs)).props?.checksum).toBe(NOT_RECORDED);
  });

  it("restores an edited row of an older migration even when newer ones are recorded", async () => {
    const older = migration(database().url, "20260101000000", "drifting", sql);
    const outs = await deploy(older);
    await deploy(migration(database().url, "20260101000005", "newer", "select 1;\n"));
    await withClient(database().url, (client) =>
      client.query("update supabase_migrations.schema_migrations set statements = array['edited'] where version = '20260101000000'"),
    );
    const read = await migrationProvider.read!("20260101000000", outs);
    await migrationProvider.update!("20260101000000", read.props as MigrationOutputs, older);
    expect((await history(database().url))[0].statements).toEqual(["create table if not exists public.drifting (id int)"]);
  });
});

describe("Migration: concurrent deployers", () => {
  const database = useFreshDatabase("pg_migration");

  const LOG_SQL = "create table if not exists public.apply_log (seq bigint generated always as identity, version text);\n";

  function logged(version: string): string {
    return `${LOG_SQL}insert into public.apply_log (version) values ('${version}');\n`;
  }

  /** Sessions waiting for the migration lock (pg_locks: advisory, not granted). */
  async function waiters(url: string): Promise<number> {
    const [{ n }] = await queryRows<{ n: number }>(
      url,
      "select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = $1 and not granted and database = (select oid from pg_database where datname = current_database())",
      [MIGRATION_LOCK_KEY],
    );
    return n;
  }

  async function untilWaiters(url: string, expected: number): Promise<void> {
    for (let attempt = 0; attempt < 500; attempt++) {
      if ((await waiters(url)) >= expected) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`never saw ${expected} deployers waiting for the migration lock`);
  }

  /** Holds the migration lock while `start` launches deployers, then lets them go in arrival order. */
  async function withLockHeld<T>(url: string, start: (hold: (expected: number) => Promise<void>) => Promise<T>): Promise<T> {
    return withClient(url, async (client) => {
      await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      try {
        return await start((expected) => untilWaiters(url, expected));
      } finally {
        await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
      }
    });
  }

  async function applyLog(url: string): Promise<string[]> {
    return (await queryRows<{ version: string }>(url, "select version from public.apply_log order by seq")).map((row) => row.version);
  }

  it("applies the same migration once when two deployers create it at the same time", async () => {
    const inputs = migration(database().url, "20260101000000", "shared", logged("20260101000000"));
    // Serialize from the test: both wait for the lock, then run one after the other.
    const both = await withLockHeld(database().url, async (hold) => {
      const first = migrationProvider.create(inputs);
      await hold(1);
      const second = migrationProvider.create(inputs);
      await hold(2);
      return [first, second];
    });
    const results = await Promise.all(both);
    expect(results[0]).toEqual(results[1]);
    expect(await applyLog(database().url)).toEqual(["20260101000000"]);
    expect((await history(database().url)).map((row) => row.version)).toEqual(["20260101000000"]);
  });

  it("applies two different migrations one after the other, in version order", async () => {
    const one = migration(database().url, "20260101000001", "one", logged("20260101000001"));
    const two = migration(database().url, "20260101000002", "two", logged("20260101000002"));
    const both = await withLockHeld(database().url, async (hold) => {
      const first = migrationProvider.create(one);
      await hold(1);
      const second = migrationProvider.create(two);
      await hold(2);
      return [first, second];
    });
    await Promise.all(both);
    expect(await applyLog(database().url)).toEqual(["20260101000001", "20260101000002"]);
    expect((await history(database().url)).map((row) => row.version)).toEqual(["20260101000001", "20260101000002"]);
  });

  it("refuses the older of two racing migrations when the newer one got the lock first", async () => {
    const one = migration(database().url, "20260101000001", "one", logged("20260101000001"));
    const two = migration(database().url, "20260101000002", "two", logged("20260101000002"));
    const both = await withLockHeld(database().url, async (hold) => {
      const newer = migrationProvider.create(two);
      await hold(1);
      const older = migrationProvider.create(one);
      await hold(2);
      return [newer, older];
    });
    const [newer, older] = await Promise.allSettled(both);
    expect(newer.status).toBe("fulfilled");
    expect(older.status).toBe("rejected");
    expect((older as PromiseRejectedResult).reason.message).toContain("out of order");
    expect(await applyLog(database().url)).toEqual(["20260101000002"]);
    expect((await history(database().url)).map((row) => row.version)).toEqual(["20260101000002"]);
  });
});

describe("Migration: check", () => {
  const good = (): MigrationInputs => migration("postgresql://deployer:secret@db.example.com:5432/postgres?sslmode=require", "20260101000000", "good", "select 1;\n");

  it("accepts a well-formed file without connecting, and defaults allowOutOfOrder", async () => {
    const { allowOutOfOrder: _unused, ...withoutDefault } = good();
    const checked = await migrationProvider.check!({} as MigrationInputs, withoutDefault as MigrationInputs);
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ allowOutOfOrder: false });
  });

  it.each([
    ["version", { version: "2026010100000" }, "must be 14 digits"],
    ["version", { version: "2026-01-01" }, "must be 14 digits"],
    ["name", { name: "Bad-Name" }, "lowercase letters, digits and underscores"],
    ["checksum", { checksum: "abc" }, "sha256 hex"],
    ["checksum", { checksum: sha256Hex("select 2;\n") }, "but the sha256 of sql is"],
    ["sql", { sql: "   ", checksum: sha256Hex("   ") }, "required"],
    ["allowOutOfOrder", { allowOutOfOrder: "yes" as unknown as boolean }, "true or false"],
    ["downSql", { downSql: "drop tabel x;" }, "syntax error"],
    ["connection", { connection: "mysql://x@y/z" }, "postgresql:// URL"],
    ["connection", { connection: "postgresql://u:p@h/d?sslmode=no-verify" }, "sslmode=no-verify is not supported"],
    ["connection", { connection: "postgresql://u:p@aws-0-eu-central-1.pooler.supabase.com:6543/postgres?sslmode=require" }, "transaction pooler"],
  ])("fails on %s %j", async (property, change, reason) => {
    const checked = await migrationProvider.check!({} as MigrationInputs, { ...good(), ...change } as MigrationInputs);
    expect(checked.failures).toEqual([{ property, reason: expect.stringContaining(reason) }]);
  });

  it("skips the checks of values that are unknown during preview", async () => {
    const checked = await migrationProvider.check!({} as MigrationInputs, { ...good(), connection: UNKNOWN, sql: UNKNOWN, checksum: UNKNOWN });
    expect(checked.failures).toEqual([]);
  });
});
