// The local stack's life through the test engine and Pulumi's real runtime and dynamic-provider
// plugin: first up (type-checked with the project's compiler settings, as the CLI runs it), a
// no-op up, a preview, out-of-band drift found by refresh and restored by up --refresh, a new
// migration applied alone, an edited applied file refused, a removed one deleted, and destroy.
import * as fs from "node:fs";
import * as path from "node:path";
import { ALL_GRANTS, grantResourceName } from "../../infra/adminSurface";
import { loadMigrations, MIGRATIONS_DIR } from "../../infra/migrations";
import { withClient } from "../support/db";
import { displayOutputs } from "../../tools/engine/engine";
import { isSecret } from "../../tools/engine/wire";
import { engineFailure, postgresStack, StackEngine } from "./stackEngine";
import { OwnCluster, startOwnCluster } from "./ownCluster";
import { copyMigrations, regenerateExpectedSchema } from "../support/migrationsCopy";
import { expectedSchemaPath } from "../../infra/expectedSchema";

const VERSIONS = loadMigrations().map((migration) => migration.version);
const JOB = "refresh-analytics-views";
const EVERY_RESOURCE = ["extension-pg_cron", ...VERSIONS.map((version) => `migration-${version}`), ...ALL_GRANTS.map(grantResourceName), `cron-${JOB}`, "schema"].sort();
/** Starting a cluster of its own (initdb and the bootstrap) on a busy machine. */
const CLUSTER_START_TIMEOUT = 180_000;
/** Guards against a hung program; not a measurement. */
const RUN_TIMEOUT = 240_000;

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(url, async (client) => (await client.query(sql, params)).rows as T[]);
}

async function cronJob(url: string) {
  return query<{ schedule: string; active: boolean }>(url, "select schedule, active from cron.job where jobname = $1", [JOB]);
}

const ops = (changes: { op: string; name: string }[]) => changes.map((change) => `${change.op} ${change.name}`).sort();

describe("the local stack through the real runtime", () => {
  let database: OwnCluster;
  let url: string;
  let stack: StackEngine;
  const migrationsDir = copyMigrations("e2e-migrations");
  const revoked = ALL_GRANTS.find((grant) => grant.object === "analytics.manual_refresh()")!;

  beforeAll(async () => {
    database = await startOwnCluster();
    url = database.url;
    stack = postgresStack(url);
  }, CLUSTER_START_TIMEOUT);
  afterAll(async () => {
    await stack?.dispose();
    database?.stop();
    fs.rmSync(path.dirname(migrationsDir), { recursive: true, force: true });
  });

  it(
    "up on a new stack creates every resource; the runtime type-checks the program with infra/tsconfig.json",
    async () => {
      const result = await stack.engine({ migrationsDir }, { typeCheck: true }).up();
      expect(ops(result.changes)).toEqual(EVERY_RESOURCE.map((name) => `create ${name}`).sort());
      // Every output defined (no "Undefined value" warning), the URL secret.
      expect(Object.keys(result.outputs).sort()).toEqual(["databaseUrl", "migrationVersions", "refreshSchedule", "target"]);
      expect(isSecret(result.outputs.databaseUrl)).toBe(true);
      expect(displayOutputs(result.outputs)).toMatchObject({ target: "postgres", migrationVersions: VERSIONS, refreshSchedule: "*/30 * * * *", databaseUrl: "[secret]" });
      expect(result.output).not.toMatch(/Undefined value|error TS/);
      // The state file holds every resource, and the URL only encrypted.
      expect(result.state.resources.filter((resource) => resource.custom).map((resource) => resource.name).sort()).toEqual(EVERY_RESOURCE);
      expect(stack.stateText()).not.toContain(url);
      expect(stack.stateText()).not.toContain(new URL(url).password ? `:${new URL(url).password}@` : "@");
      expect(await cronJob(url)).toEqual([{ schedule: "*/30 * * * *", active: true }]);
      const recorded = await query<{ version: string }>(url, "select version from supabase_migrations.schema_migrations order by version");
      expect(recorded.map((row) => row.version)).toEqual(VERSIONS);
    },
    RUN_TIMEOUT,
  );

  it(
    "a second up changes nothing",
    async () => {
      const result = await stack.engine({ migrationsDir }).up({ refresh: true });
      expect(result.changes).toEqual([]);
      expect(result.drift).toEqual([]);
    },
    RUN_TIMEOUT,
  );

  it(
    "preview shows a config change and writes nothing",
    async () => {
      const before = stack.stateText();
      const result = await stack.engine({ migrationsDir, refreshSchedule: "*/20 * * * *" }).preview();
      expect(result.changes).toEqual([{ name: `cron-${JOB}`, type: "pulumi-nodejs:dynamic/postgres:CronJob", op: "update" }]);
      expect(stack.stateText()).toBe(before);
      expect(await cronJob(url)).toEqual([{ schedule: "*/30 * * * *", active: true }]);
    },
    RUN_TIMEOUT,
  );

  it(
    "three out-of-band drifts: refresh finds them, a plain up misses them, up --refresh restores them",
    async () => {
      await query(url, "select cron.alter_job((select jobid from cron.job where jobname = $1), schedule => '*/7 * * * *', active => false)", [JOB]);
      await query(url, "revoke execute on function analytics.manual_refresh() from authenticated");
      await query(url, "delete from supabase_migrations.schema_migrations where version = $1", [VERSIONS[3]]);

      const found = await stack.engine({ migrationsDir }).refresh({ dryRun: true });
      expect(found.drift.map((drift) => `${drift.name} ${drift.property}`).sort()).toEqual(
        [`cron-${JOB} active`, `cron-${JOB} schedule`, `${grantResourceName(revoked)} granted`, `migration-${VERSIONS[3]} checksum`].sort(),
      );

      const plain = await stack.engine({ migrationsDir }).up();
      expect(plain.changes).toEqual([]);
      expect(await cronJob(url)).toEqual([{ schedule: "*/7 * * * *", active: false }]);

      const restored = await stack.engine({ migrationsDir }).up({ refresh: true });
      expect(ops(restored.changes)).toEqual([`update cron-${JOB}`, `update ${grantResourceName(revoked)}`, `update migration-${VERSIONS[3]}`].sort());
      expect(await cronJob(url)).toEqual([{ schedule: "*/30 * * * *", active: true }]);
      const [granted] = await query<{ ok: boolean }>(url, "select has_function_privilege('authenticated', 'analytics.manual_refresh()', 'execute') as ok");
      expect(granted.ok).toBe(true);
      expect((await stack.engine({ migrationsDir }).refresh({ dryRun: true })).drift).toEqual([]);
    },
    RUN_TIMEOUT * 2,
  );

  it(
    "a new migration file is applied alone",
    async () => {
      fs.writeFileSync(
        path.join(migrationsDir, "29990301000000_track_title_index.sql"),
        "-- 29990301000000_track_title_index.sql: lookups of tracks by title.\ncreate index if not exists tracks_title_idx on public.tracks (title);\n",
      );
      await regenerateExpectedSchema(migrationsDir, { adminUrl: database.adminUrl, deployerUrl: url });
      const result = await stack.engine({ migrationsDir }).up({ refresh: true });
      // The expected schema now holds the new index: the Schema resource takes it in.
      expect(result.changes).toEqual([
        { name: "migration-29990301000000", type: "pulumi-nodejs:dynamic/postgres:Migration", op: "create" },
        { name: "schema", type: "pulumi-nodejs:dynamic/postgres:Schema", op: "update" },
      ]);
      expect(displayOutputs(result.outputs).migrationVersions).toEqual([...VERSIONS, "29990301000000"]);
      expect(await query(url, "select to_regclass('public.tracks_title_idx') is not null as exists")).toEqual([{ exists: true }]);
    },
    RUN_TIMEOUT,
  );

  it(
    "an edited applied file is refused and nothing changes",
    async () => {
      const file = fs.readdirSync(migrationsDir).find((name) => name.startsWith(VERSIONS[0]))!;
      const history = "select version, name, statements from supabase_migrations.schema_migrations order by version";
      const before = await query(url, history);
      fs.appendFileSync(path.join(migrationsDir, file), "\ncreate table if not exists public.sneaky (id int);\n");
      try {
        const error = await engineFailure(stack.engine({ migrationsDir }).up({ refresh: true }));
        expect(error.message).toMatch(/immutable/);
        expect(error.changes).toEqual([]);
        expect(await query(url, history)).toEqual(before);
        expect(await query(url, "select to_regclass('public.sneaky') as sneaky")).toEqual([{ sneaky: null }]);
      } finally {
        fs.writeFileSync(path.join(migrationsDir, file), fs.readFileSync(path.join(MIGRATIONS_DIR, file)));
      }
    },
    RUN_TIMEOUT,
  );

  it(
    "a migration file removed from the folder: up deletes its resource (and only that)",
    async () => {
      fs.rmSync(path.join(migrationsDir, "29990301000000_track_title_index.sql"));
      fs.copyFileSync(expectedSchemaPath(MIGRATIONS_DIR), expectedSchemaPath(migrationsDir));
      const result = await stack.engine({ migrationsDir }).up({ refresh: true });
      // Its index stays (the file had no down migration): the Schema resource now reports it as not the migrations'.
      expect(result.changes).toEqual([
        { name: "schema", type: "pulumi-nodejs:dynamic/postgres:Schema", op: "update" },
        { name: "migration-29990301000000", type: "pulumi-nodejs:dynamic/postgres:Migration", op: "delete" },
      ]);
      expect(result.state.resources.find((resource) => resource.name === "schema")?.outputs.drift).toEqual(["unexpected index public.tracks_title_idx on public.tracks"]);
      expect(result.state.resources.map((resource) => resource.name)).not.toContain("migration-29990301000000");
      expect(displayOutputs(result.outputs).migrationVersions).toEqual(VERSIONS);
    },
    RUN_TIMEOUT,
  );

  it(
    "destroy deletes every resource, dependents first, and empties the state",
    async () => {
      const result = await stack.engine({ migrationsDir }).destroy();
      const names = result.changes.map((change) => change.name);
      expect(result.changes.every((change) => change.op === "delete")).toBe(true);
      expect([...names].sort()).toEqual(EVERY_RESOURCE);
      // The job and the grants go before the extension and the migrations they depend on.
      expect(names.indexOf(`cron-${JOB}`)).toBeLessThan(names.indexOf("extension-pg_cron"));
      expect(names.indexOf(grantResourceName(revoked))).toBeLessThan(names.indexOf(`migration-${VERSIONS[0]}`));
      expect(stack.stateText()).toContain('"resources": []');
      const [granted] = await query<{ ok: boolean }>(url, "select has_function_privilege('authenticated', 'analytics.manual_refresh()', 'execute') as ok");
      expect(granted.ok).toBe(false);
      // pg_cron is the platform's (the stack adopted it): destroy leaves it, and only the stack's job is gone.
      expect(await query(url, "select extnamespace::regnamespace::text as schema from pg_extension where extname = 'pg_cron'")).toEqual([{ schema: "pg_catalog" }]);
      expect(await query(url, `select 1 from cron.job where jobname = '${JOB}'`)).toEqual([]);
    },
    RUN_TIMEOUT,
  );
});
