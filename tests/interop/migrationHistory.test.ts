// The stack and the real Supabase CLI share one migration history
// (supabase_migrations.schema_migrations): whichever tool applied a file, the other sees it as
// applied, adopts it without running it again, and drift is still found. Runs against the cron
// database (the stack creates pg_cron), reset between the scenarios.
import * as fs from "node:fs";
import * as path from "node:path";
import { loadMigrations, MIGRATIONS_DIR } from "../../infra/migrations";
import { applyMigrations } from "../support/applySql";
import { acquireCronDatabase, adminUrl, CronDatabase, deployerUrl, withClient } from "../support/db";
import { copyMigrations, regenerateExpectedSchema } from "../support/migrationsCopy";
import { expectedSchemaPath } from "../../infra/expectedSchema";
import { deploy, DeployState, refresh } from "../support/deploy";
import { SupabaseCli, superuserUrl } from "./supabaseCli";

const MIGRATIONS = loadMigrations();
const VERSIONS = MIGRATIONS.map((migration) => migration.version);
const NEWEST = MIGRATIONS[MIGRATIONS.length - 1];
const HISTORY_SQL = "select version, name, statements, xmin::text as xmin from supabase_migrations.schema_migrations order by version";

/** Every version listed by the CLI as both local and remote. */
const AGREEING = VERSIONS.map((version) => ({ local: version, remote: version }));

/** One hour after the newest migration: a version the next file of the folder could have. */
function nextVersion(): string {
  const v = NEWEST.version;
  const time = Date.UTC(+v.slice(0, 4), +v.slice(4, 6) - 1, +v.slice(6, 8), +v.slice(8, 10), +v.slice(10, 12), +v.slice(12, 14));
  return new Date(time + 3_600_000).toISOString().replace(/\D/g, "").slice(0, 14);
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(url, async (client) => (await client.query(sql, params)).rows as T[]);
}

/**
 * Records every DDL command run in the database (an event trigger, which only a superuser may
 * create), so a test can tell whether a migration file ran again: every file runs DDL.
 */
const AUDIT_SQL = `
  create schema interop_audit;
  create table interop_audit.ddl (command_tag text not null, object_identity text);
  -- security definer: the deployer's DDL fires it, and only the superuser may write the audit.
  create function interop_audit.record() returns event_trigger language plpgsql security definer set search_path = '' as $$
  begin
    insert into interop_audit.ddl (command_tag, object_identity)
    select c.command_tag, c.object_identity from pg_catalog.pg_event_trigger_ddl_commands() as c;
  end
  $$;
  create event trigger interop_audit_ddl on ddl_command_end execute function interop_audit.record();
`;
const DROP_AUDIT_SQL = "drop event trigger if exists interop_audit_ddl; drop schema if exists interop_audit cascade;";
/** GRANT is the Grant resources' work, which re-asserts privileges on every create. */
const AUDITED_DDL_SQL = "select command_tag, object_identity from interop_audit.ddl where command_tag not in ('GRANT', 'REVOKE')";

/**
 * Each scenario holds the cron database only while it runs, so the other test files that need
 * it get their turn in between; waiting for it may take longer than a test's own timeout.
 */
const CRON_DATABASE_WAIT_MS = 300_000;
/** A refresh and a deploy, each starting the program and the provider plugin, on a busy machine: a guard, not a measurement. */
const DEPLOY_TIMEOUT = 240_000;

describe("the Supabase CLI and the stack share one migration history", () => {
  let database: CronDatabase | undefined;
  let url: string;
  const migrationsDir = copyMigrations("interop-migrations");
  let cli: SupabaseCli;

  async function acquire(): Promise<void> {
    database = await acquireCronDatabase();
    url = database.url;
  }
  async function release(): Promise<void> {
    await database?.release();
    database = undefined;
  }

  beforeAll(async () => {
    cli = await SupabaseCli.start({ migrationsDir });
  });
  afterAll(async () => {
    await cli?.close();
    fs.rmSync(path.dirname(migrationsDir), { recursive: true, force: true });
  });

  describe("stack first", () => {
    let state: DeployState;

    beforeAll(async () => {
      await acquire();
      state = (await deploy({ databaseUrl: url, config: { migrationsDir } })).state;
    }, CRON_DATABASE_WAIT_MS);
    afterAll(release);

    it("supabase migration list agrees with the deployed stack version by version", async () => {
      expect(await cli.migrationList(url)).toEqual(AGREEING);
    });

    it("supabase db push --dry-run has nothing to push", async () => {
      expect(await cli.pushDryRun(url)).toEqual([]);
    });

    it("supabase db lint at warning level finds nothing in the stack's schemas", async () => {
      expect(await cli.lint(url, ["analytics", "public"])).toMatchObject({ code: 0, results: [] });
    });

    it("a history row deleted behind both tools shows in the CLI and as drift, and the next deploy restores it", async () => {
      await query(url, "delete from supabase_migrations.schema_migrations where version = $1", [NEWEST.version]);
      expect(await cli.migrationList(url)).toEqual(AGREEING.map((row) => (row.local === NEWEST.version ? { ...row, remote: "" } : row)));
      expect(await cli.pushDryRun(url)).toEqual([path.basename(NEWEST.file)]);
      const { drift } = await refresh({ databaseUrl: url, state });
      expect(drift).toEqual([expect.objectContaining({ name: `migration-${NEWEST.version}`, property: "checksum", new: "(not recorded)" })]);

      state = (await deploy({ databaseUrl: url, config: { migrationsDir }, state })).state;
      expect(await cli.migrationList(url)).toEqual(AGREEING);
      expect(await cli.pushDryRun(url)).toEqual([]);
    }, DEPLOY_TIMEOUT);

    it("a history row renamed behind both tools shows in the CLI as a remote-only version", async () => {
      const renamed = "20000101000000";
      const oldest = VERSIONS[0];
      await query(url, "update supabase_migrations.schema_migrations set version = $1 where version = $2", [renamed, oldest]);
      try {
        const rows = await cli.migrationList(url);
        expect(rows).toContainEqual({ local: "", remote: renamed });
        expect(rows).toContainEqual({ local: oldest, remote: "" });
        expect(rows).not.toEqual(AGREEING);
      } finally {
        await query(url, "update supabase_migrations.schema_migrations set version = $1 where version = $2", [oldest, renamed]);
      }
    });

    it("a new file: the stack applies it, then the CLI lists it as applied and has nothing to push", async () => {
      const version = nextVersion();
      const file = `${version}_interop_new_file.sql`;
      fs.writeFileSync(
        path.join(migrationsDir, file),
        [
          `-- ${file}`,
          "--",
          "-- A table added by a later migration, to see the CLI pick up what the stack applied.",
          "",
          "create table if not exists public.interop_probe (id bigint generated always as identity primary key);",
          "alter table public.interop_probe enable row level security;",
          "",
        ].join("\n"),
      );
      try {
        await regenerateExpectedSchema(migrationsDir, { adminUrl: adminUrl(), deployerUrl: deployerUrl() });
        const result = await deploy({ databaseUrl: url, config: { migrationsDir }, state });
        // The expected schema now holds the new table: the Schema resource takes it in.
        expect(result.changes).toEqual([
          expect.objectContaining({ name: `migration-${version}`, op: "create" }),
          expect.objectContaining({ name: "schema", op: "update" }),
        ]);
        expect(await cli.migrationList(url)).toEqual([...AGREEING, { local: version, remote: version }]);
        expect(await cli.pushDryRun(url)).toEqual([]);
      } finally {
        // The next scenario (the CLI first) pushes the folder: it must hold the real files only.
        fs.rmSync(path.join(migrationsDir, file));
        fs.copyFileSync(expectedSchemaPath(MIGRATIONS_DIR), expectedSchemaPath(migrationsDir));
      }
    }, DEPLOY_TIMEOUT);
  });

  describe("CLI first: a database migrated by supabase db push, then deployed by the stack", () => {
    let history: unknown[];
    let state: DeployState;

    beforeAll(async () => {
      await acquire();
      await cli.push(url);
      history = await query(url, HISTORY_SQL);
      await withClient(superuserUrl(url), (client) => client.query(AUDIT_SQL));
    }, CRON_DATABASE_WAIT_MS);
    afterAll(async () => {
      // Event triggers are database-wide: the next user of the cron database must not inherit it.
      if (database) await withClient(superuserUrl(url), (client) => client.query(DROP_AUDIT_SQL));
      await release();
    });

    it("the CLI applied and recorded every file", async () => {
      expect(await cli.migrationList(url)).toEqual(AGREEING);
      expect(history.map((row) => (row as { version: string }).version)).toEqual(VERSIONS);
    });

    it("is adopted: no migration runs again and no history row changes", async () => {
      const result = await deploy({ databaseUrl: url, config: { migrationsDir } });
      state = result.state;
      expect(result.changes.filter((change) => change.name.startsWith("migration-"))).toEqual(
        VERSIONS.map((version) => expect.objectContaining({ name: `migration-${version}`, op: "create" })),
      );
      expect(await query(url, AUDITED_DDL_SQL)).toEqual([]);
      expect(await query(url, HISTORY_SQL)).toEqual(history);
      expect(await cli.pushDryRun(url)).toEqual([]);
    }, DEPLOY_TIMEOUT);

    it("a second deploy is a no-op", async () => {
      const result = await deploy({ databaseUrl: url, config: { migrationsDir }, state });
      state = result.state;
      expect(result.changes).toEqual([]);
      expect(await query(url, AUDITED_DDL_SQL)).toEqual([]);
      expect(await query(url, HISTORY_SQL)).toEqual(history);
    }, DEPLOY_TIMEOUT);

    it("drift is still found: a history row edited behind both tools", async () => {
      const oldest = VERSIONS[0];
      await query(url, "update supabase_migrations.schema_migrations set statements = array['select 1'] where version = $1", [oldest]);
      const { drift } = await refresh({ databaseUrl: url, state });
      expect(drift).toEqual([expect.objectContaining({ name: `migration-${oldest}`, property: "checksum" })]);
    });

    it("the DDL audit these checks rely on sees a file that runs again", async () => {
      await applyMigrations(url, { history: false, migrations: [NEWEST] });
      expect((await query(url, AUDITED_DDL_SQL)).length).toBeGreaterThan(0);
    });
  });
});
