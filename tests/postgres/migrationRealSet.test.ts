// The real sql/migrations/ set through the Migration provider, twice: the first pass applies
// every file in version order, the second adopts every one of them without running any SQL
// (an event trigger would see any DDL).
import { loadMigrations, splitStatements } from "../../infra/migrations";
import { migrationProvider, MigrationInputs, MigrationOutputs } from "../../infra/postgres";
import { createFreshDatabase, FreshDatabase, withClient } from "../support/db";
import { queryRows } from "./support";

const DDL_WATCH_SQL = `
  create table public.ddl_seen (tag text, at timestamptz default now());
  create function public.ddl_watch() returns event_trigger language plpgsql set search_path = '' as $$
  begin
    insert into public.ddl_seen (tag) values (tg_tag);
  end
  $$;
`;
/** Event triggers are a superuser's (on Supabase, supautils creates them for postgres): the cluster owner makes this one. */
const DDL_WATCH_TRIGGER_SQL = "create event trigger ddl_watch on ddl_command_start execute function public.ddl_watch()";

describe("Migration: the real sql/migrations set", () => {
  const migrations = loadMigrations();
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await createFreshDatabase("pg_real_set");
  });
  afterAll(async () => {
    await db.drop();
  });

  function inputsOf(index: number): MigrationInputs {
    const file = migrations[index];
    return {
      connection: db.url,
      version: file.version,
      name: file.name,
      sql: file.sql,
      checksum: file.checksum,
      allowOutOfOrder: false,
      downSql: file.downSql,
      
    };
  }

  async function deployAll(): Promise<MigrationOutputs[]> {
    const outputs: MigrationOutputs[] = [];
    for (let index = 0; index < migrations.length; index++) {
      const checked = await migrationProvider.check!({} as MigrationInputs, inputsOf(index));
      expect({ file: migrations[index].file, failures: checked.failures }).toEqual({ file: migrations[index].file, failures: [] });
      outputs.push((await migrationProvider.create(checked.inputs as MigrationInputs)).outs as MigrationOutputs);
    }
    return outputs;
  }

  it("applies every file in order, then adopts all of them without re-running", async () => {
    expect(migrations.length).toBeGreaterThan(0);
    const first = await deployAll();
    const recorded = await queryRows<{ version: string; name: string; statements: string[] }>(
      db.url,
      "select version, name, statements from supabase_migrations.schema_migrations order by version",
    );
    expect(recorded.map((row) => `${row.version}_${row.name}`)).toEqual(migrations.map((file) => `${file.version}_${file.name}`));
    for (const [index, file] of migrations.entries()) {
      const statements = await splitStatements(file.sql, file.file);
      expect(recorded[index].statements).toEqual(statements.map((statement) => statement.text));
    }

    await withClient(db.url, (client) => client.query(DDL_WATCH_SQL));
    await withClient(db.adminUrl, (client) => client.query(DDL_WATCH_TRIGGER_SQL));
    const second = await deployAll();
    expect(second).toEqual(first);
    expect(await queryRows(db.url, "select tag from public.ddl_seen")).toEqual([]);
    // The watch does see DDL.
    await withClient(db.url, (client) => client.query("create table public.ddl_probe (id int)"));
    expect(await queryRows(db.url, "select tag from public.ddl_seen")).toEqual([{ tag: "CREATE TABLE" }]);

    // And every resource reads back in sync.
    for (const [index, outs] of first.entries()) {
      const read = await migrationProvider.read!(migrations[index].version, outs);
      expect(read.props?.checksum).toBe(outs.checksum);
    }
  });
});
