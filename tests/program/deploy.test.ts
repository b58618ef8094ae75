// End to end: the real program (target postgres) deployed through deploy() (the test engine:
// Pulumi's runtime and dynamic-provider plugin) against the cron database of a cluster of its own, then
// redeployed, drifted, extended and tampered with.
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { ADMIN_GRANTS, ALL_GRANTS, ANALYTICS_VIEWS, grantResourceName } from "../../infra/adminSurface";
import { loadMigrations } from "../../infra/migrations";
import { withClient } from "../support/db";
import { deploy, DeployError, DeployState, refresh } from "../support/deploy";
import { ADMIN_USER_ID, attempt, Caller, CALLER_NAMES, MEMBER_USER_ID, NO_ROLE_USER_ID } from "../support/securityMatrix";
import { OwnCluster, startOwnCluster } from "../e2e/ownCluster";
import { copyMigrations, regenerateExpectedSchema } from "../support/migrationsCopy";

const VERSIONS = loadMigrations().map((migration) => migration.version);
/** Starting a cluster of its own (initdb and the bootstrap) on a busy machine. */
const CLUSTER_START_TIMEOUT = 180_000;
/** Each deploy starts the program and the provider plugin: a guard against a hang, not a measurement. */
const DEPLOY_TIMEOUT = 240_000;
const ADMIN_CLAIMS = { sub: ADMIN_USER_ID, role: "authenticated", user_role: "admin" };
const ADMIN_FUNCTIONS = ADMIN_GRANTS.filter((grant) => grant.objectType === "function").map((grant) => grant.object);

/** What each caller gets from an admin function of the deployed stack (see tests/sql/security.test.ts for the full matrix). */
function expectedForAdminFunction(caller: Caller): "data" | "42501" {
  return caller === "admin" ? "data" : "42501";
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(url, async (client) => (await client.query(sql, params)).rows as T[]);
}

const byName = (a: { relname: string }, b: { relname: string }) => a.relname.localeCompare(b.relname);

async function populatedViews(url: string): Promise<{ relname: string; relispopulated: boolean }[]> {
  const rows = await query<{ relname: string; relispopulated: boolean }>(
    url,
    "select c.relname, c.relispopulated from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'analytics' and c.relkind = 'm'",
  );
  return rows.sort(byName);
}

/**
 * A migration that drops analytics.get_popular_tracks() and creates it again (as a change of its
 * return type would), with the definition the database holds now.
 */
async function recreateWrapperMigration(url: string, version: string, name: string, keepPrivileges: boolean): Promise<{ file: string; sql: string }> {
  const [{ definition }] = await query<{ definition: string }>(
    url,
    "select pg_catalog.pg_get_functiondef('analytics.get_popular_tracks()'::regprocedure) as definition",
  );
  const body = `drop function analytics.get_popular_tracks();\n${definition};`;
  const sql = keepPrivileges
    ? `select analytics.save_privileges();\n${body}\nselect analytics.restore_privileges();\n`
    : `${body}\nrevoke all on function analytics.get_popular_tracks() from public, anon, authenticated, service_role;\n`;
  return { file: `${version}_${name}.sql`, sql: `-- ${version}_${name}.sql: re-creates a granted admin wrapper.\n${sql}` };
}

const WRAPPER_GRANT = grantResourceName({ role: "authenticated", object: "analytics.get_popular_tracks()" });

describe("deploying target postgres end to end", () => {
  let database: OwnCluster;
  let url: string;
  let state: DeployState;
  const migrationsDir = copyMigrations("migrations");

  beforeAll(async () => {
    database = await startOwnCluster();
    url = database.url;
  }, CLUSTER_START_TIMEOUT);
  afterAll(async () => {
    database?.stop();
    fs.rmSync(path.dirname(migrationsDir), { recursive: true, force: true });
  });

  it("first deploy on a fresh bootstrapped database creates everything", async () => {
    const result = await deploy({ databaseUrl: url, config: { migrationsDir } });
    state = result.state;
    expect(result.changes.every((change) => change.op === "create")).toBe(true);
    expect(result.changes.map((change) => change.name).sort()).toEqual(
      [
        "extension-pg_cron",
        ...VERSIONS.map((version) => `migration-${version}`),
        ...ALL_GRANTS.map(grantResourceName),
        "cron-refresh-analytics-views",
        "schema",
      ].sort(),
    );
    expect(result.outputs).toMatchObject({ target: "postgres", migrationVersions: VERSIONS, refreshSchedule: "*/30 * * * *", databaseUrl: "[secret]" });
    expect(JSON.stringify(result.outputs)).not.toContain("postgres:postgres@");
  }, DEPLOY_TIMEOUT);

  it("records every migration, creates pg_cron and the 30-minute job, and applies the grants", async () => {
    const recorded = await query<{ version: string }>(url, "select version from supabase_migrations.schema_migrations order by version");
    expect(recorded.map((row) => row.version)).toEqual(VERSIONS);
    const extension = await query<{ schema: string }>(
      url,
      "select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_cron'",
    );
    expect(extension).toEqual([{ schema: "pg_catalog" }]);
    const jobs = await query(url, "select jobname, schedule, command, active from cron.job");
    expect(jobs).toEqual([
      { jobname: "refresh-analytics-views", schedule: "*/30 * * * *", command: "select analytics.refresh_all_views()", active: true },
    ]);
    for (const grant of ALL_GRANTS) {
      const check =
        grant.objectType === "function"
          ? "select has_function_privilege($1, $2, $3) as ok"
          : grant.objectType === "table"
            ? "select has_table_privilege($1, $2, $3) as ok"
            : "select has_schema_privilege($1, $2, $3) as ok";
      const [row] = await query<{ ok: boolean }>(url, check, [grant.role, grant.object, grant.privilege]);
      expect({ grant: grantResourceName(grant), ok: row.ok }).toEqual({ grant: grantResourceName(grant), ok: true });
    }
  });

  it("holds the security matrix: only admins reach the admin functions, nobody selects the views directly", async () => {
    await query(url, "insert into auth.users (id) values ($1), ($2), ($3) on conflict do nothing", [ADMIN_USER_ID, MEMBER_USER_ID, NO_ROLE_USER_ID]);
    await query(url, "insert into public.user_roles (user_id, role) values ($1, 'admin'), ($2, 'member') on conflict do nothing", [
      ADMIN_USER_ID,
      MEMBER_USER_ID,
    ]);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const seen: string[] = [];
      const expected: string[] = [];
      for (const caller of CALLER_NAMES) {
        for (const fn of ADMIN_FUNCTIONS) {
          const statement = fn === "analytics.manual_refresh()" ? `select ${fn}` : `select * from ${fn}`;
          const result = await attempt(client, caller, statement);
          seen.push(`${caller} ${fn}: ${result.ok ? "data" : result.code}`);
          expected.push(`${caller} ${fn}: ${expectedForAdminFunction(caller)}`);
        }
        for (const view of ANALYTICS_VIEWS) {
          const result = await attempt(client, caller, `select * from analytics.${view}`);
          seen.push(`${caller} analytics.${view}: ${result.ok ? "data" : result.code}`);
          expected.push(`${caller} analytics.${view}: 42501`);
        }
      }
      expect(seen).toEqual(expected);
    } finally {
      await client.end();
    }
  });

  it("keeps data behind the admin functions: anon is refused, an admin's manual_refresh populates the views", async () => {
    // The migrations populated the views: empty them first, or this could not fail.
    for (const view of ANALYTICS_VIEWS) await query(url, `refresh materialized view analytics.${view} with no data`);
    expect(await populatedViews(url)).toEqual(ANALYTICS_VIEWS.map((view) => ({ relname: view, relispopulated: false })).sort(byName));
    const anon = withClient(url, async (client) => {
      await client.query("begin");
      try {
        await client.query("set local role anon");
        return await client.query("select analytics.manual_refresh()");
      } finally {
        await client.query("rollback");
      }
    });
    await expect(anon).rejects.toMatchObject({ code: "42501" });

    await query(url, "insert into auth.users (id) values ($1) on conflict do nothing", [ADMIN_CLAIMS.sub]);
    await query(url, "insert into public.user_roles (user_id, role) values ($1, 'admin') on conflict do nothing", [ADMIN_CLAIMS.sub]);
    const refreshedAt = await withClient(url, async (client) => {
      await client.query("begin");
      await client.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(ADMIN_CLAIMS)]);
      await client.query("set local role authenticated");
      const { rows } = await client.query<{ at: Date }>("select analytics.manual_refresh() as at");
      await client.query("commit");
      return rows[0].at;
    });
    expect(refreshedAt).toBeInstanceOf(Date);
    expect(await populatedViews(url)).toEqual(ANALYTICS_VIEWS.map((view) => ({ relname: view, relispopulated: true })).sort(byName));
  });

  it("second deploy changes nothing", async () => {
    const result = await deploy({ databaseUrl: url, config: { migrationsDir }, state });
    expect(result.changes).toEqual([]);
    state = result.state;
  }, DEPLOY_TIMEOUT);

  it("refresh reports exactly the drift made out of band, and the next deploy restores it", async () => {
    const revoked = ALL_GRANTS.find((grant) => grant.object === "analytics.manual_refresh()")!;
    await query(url, "select cron.alter_job((select jobid from cron.job where jobname = 'refresh-analytics-views'), schedule := '*/15 * * * *')");
    await query(url, "revoke execute on function analytics.manual_refresh() from authenticated");
    await query(url, "delete from supabase_migrations.schema_migrations where version = $1", [VERSIONS[3]]);

    const { drift } = await refresh({ databaseUrl: url, state });
    expect(drift.map(({ name, property }) => ({ name, property })).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      [
        { name: "cron-refresh-analytics-views", property: "schedule" },
        { name: grantResourceName(revoked), property: "granted" },
        { name: `migration-${VERSIONS[3]}`, property: "checksum" },
      ].sort((a, b) => a.name.localeCompare(b.name)),
    );
    expect(drift.find((entry) => entry.property === "schedule")).toMatchObject({ old: "*/30 * * * *", new: "*/15 * * * *" });
    expect(drift.find((entry) => entry.property === "granted")).toMatchObject({ old: true, new: false });

    const restored = await deploy({ databaseUrl: url, config: { migrationsDir }, state });
    expect(restored.changes.map((change) => `${change.op} ${change.name}`).sort()).toEqual(
      [`update cron-refresh-analytics-views`, `update ${grantResourceName(revoked)}`, `update migration-${VERSIONS[3]}`].sort(),
    );
    state = restored.state;
    expect((await refresh({ databaseUrl: url, state })).drift).toEqual([]);
    const [job] = await query<{ schedule: string }>(url, "select schedule from cron.job where jobname = 'refresh-analytics-views'");
    expect(job.schedule).toBe("*/30 * * * *");
  }, 2 * DEPLOY_TIMEOUT);

  it("a new migration file: only it is applied", async () => {
    fs.writeFileSync(
      // A version newer than every real migration, so it is not refused as out of order.
      path.join(migrationsDir, "29990301000000_track_title_index.sql"),
      "-- 29990301000000_track_title_index.sql: lookups of tracks by title.\ncreate index if not exists tracks_title_idx on public.tracks (title);\n",
    );
    await regenerateExpectedSchema(migrationsDir, { adminUrl: database.adminUrl, deployerUrl: database.url });
    const result = await deploy({ databaseUrl: url, config: { migrationsDir }, state });
    // The expected schema now holds the new index: the Schema resource takes it in.
    expect(result.changes).toEqual([
      { name: "migration-29990301000000", type: "pulumi-nodejs:dynamic/postgres:Migration", op: "create" },
      { name: "schema", type: "pulumi-nodejs:dynamic/postgres:Schema", op: "update" },
    ]);
    expect(result.outputs.migrationVersions).toEqual([...VERSIONS, "29990301000000"]);
    state = result.state;
  }, DEPLOY_TIMEOUT);

  it("a migration that re-creates a granted function on its own loses the grant: the Grant has nothing to do in that deploy", async () => {
    const migration = await recreateWrapperMigration(url, "29990302000000", "recreate_wrapper_without_helper", false);
    fs.writeFileSync(path.join(migrationsDir, migration.file), migration.sql);
    await regenerateExpectedSchema(migrationsDir, { adminUrl: database.adminUrl, deployerUrl: database.url });
    const result = await deploy({ databaseUrl: url, config: { migrationsDir }, state });
    // The Schema resource takes in the expected schema of the new file set (no object differs from it).
    expect(result.changes.map((change) => `${change.op} ${change.name}`)).toEqual(["create migration-29990302000000", "update schema"]);
    state = result.state;
    const { drift } = await refresh({ databaseUrl: url, state });
    expect(drift.map(({ name, property, old, new: live }) => ({ name, property, old, live }))).toEqual([
      { name: WRAPPER_GRANT, property: "granted", old: true, live: false },
    ]);
    // The next deploy (up --refresh) sees the lost grant and gives it back.
    const restored = await deploy({ databaseUrl: url, config: { migrationsDir }, state });
    expect(restored.changes.map((change) => `${change.op} ${change.name}`)).toEqual([`update ${WRAPPER_GRANT}`]);
    state = restored.state;
  }, 2 * DEPLOY_TIMEOUT);

  it("a migration that re-creates a granted function between save_privileges() and restore_privileges() keeps its grants", async () => {
    const migration = await recreateWrapperMigration(url, "29990303000000", "recreate_wrapper_with_helper", true);
    fs.writeFileSync(path.join(migrationsDir, migration.file), migration.sql);
    await regenerateExpectedSchema(migrationsDir, { adminUrl: database.adminUrl, deployerUrl: database.url });
    const [{ before }] = await query<{ before: number }>(url, "select 'analytics.get_popular_tracks()'::regprocedure::oid::int as before");
    const result = await deploy({ databaseUrl: url, config: { migrationsDir }, state });
    expect(result.changes.map((change) => `${change.op} ${change.name}`)).toEqual(["create migration-29990303000000", "update schema"]);
    state = result.state;
    const [after] = await query<{ oid: number; authenticated: boolean; anon: boolean }>(
      url,
      `select 'analytics.get_popular_tracks()'::regprocedure::oid::int as oid,
              has_function_privilege('authenticated', 'analytics.get_popular_tracks()', 'execute') as authenticated,
              has_function_privilege('anon', 'analytics.get_popular_tracks()', 'execute') as anon`,
    );
    expect(after).toEqual({ oid: expect.any(Number), authenticated: true, anon: false });
    expect(after.oid).not.toBe(before);
    expect((await refresh({ databaseUrl: url, state })).drift).toEqual([]);
  }, DEPLOY_TIMEOUT);

  it("editing an applied file fails with the immutability message and changes nothing", async () => {
    const file = fs.readdirSync(migrationsDir).find((name) => name.startsWith(VERSIONS[0]))!;
    const before = await query(url, "select version, name, statements from supabase_migrations.schema_migrations order by version");
    fs.appendFileSync(path.join(migrationsDir, file), "\ncreate table if not exists public.sneaky (id int);\n");
    const attempt = deploy({ databaseUrl: url, config: { migrationsDir }, state });
    await expect(attempt).rejects.toBeInstanceOf(DeployError);
    await expect(attempt).rejects.toThrow(/immutable/);
    expect(await query(url, "select version, name, statements from supabase_migrations.schema_migrations order by version")).toEqual(before);
    expect(await query(url, "select to_regclass('public.sneaky') as sneaky")).toEqual([{ sneaky: null }]);
  }, DEPLOY_TIMEOUT);
});
