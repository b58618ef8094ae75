// Target supabase, whole, through the test engine and the real runtime: stack `dev` as its
// files configure it, the Management API played by the spec-validating fake, the database
// reached through a session pooler stand-in (TLS, postgres.<ref>, the project's password)
// in front of the cron database of a local cluster. RandomPassword is the engine's stand-in.
import { ALL_GRANTS, grantResourceName } from "../../infra/adminSurface";
import { loadMigrations } from "../../infra/migrations";
import { withClient } from "../support/db";
import { displayOutputs } from "../../tools/engine/engine";
import { isSecret } from "../../tools/engine/wire";
import { FakeManagementApi, startFakeManagementApi } from "../support/fakeManagementApi";
import type { SessionPooler } from "../support/fakeManagementApi/pooler";
import { engineFailure, projectStack, StackEngine } from "./stackEngine";
import { OwnCluster, startOwnCluster } from "./ownCluster";

const VERSIONS = loadMigrations().map((migration) => migration.version);
/** Starting a cluster of its own (initdb and the bootstrap) on a busy machine. */
const CLUSTER_START_TIMEOUT = 180_000;
/** Guards against a hang (provisioning polls included); not a measurement. */
const RUN_TIMEOUT = 300_000;

describe("target supabase end to end against the fake Management API", () => {
  let database: OwnCluster;
  let fake: FakeManagementApi;
  let pooler: SessionPooler;
  let stack: StackEngine;

  beforeAll(async () => {
    database = await startOwnCluster();
    fake = await startFakeManagementApi();
    pooler = await fake.startPooler(database.url);
    stack = projectStack({
      stack: "dev",
      config: { "supabase:accessToken": fake.token, "supabase:apiUrl": fake.url },
      secretConfig: ["supabase:accessToken"],
      env: { ...process.env, ...pooler.routeEnvironment(/\.pooler\.supabase\.com$/) },
    });
  }, CLUSTER_START_TIMEOUT);
  afterAll(async () => {
    await stack?.dispose();
    await fake?.close();
    database?.stop();
  });


  it(
    "up creates the project, then migrations, grants, cron job, PostgREST config and hook through the pooler URL",
    async () => {
      const result = await stack.engine().up();
      const created = result.changes.map((change) => `${change.op} ${change.name}`).sort();
      expect(created).toEqual(
        expect.arrayContaining(["create db-password", "create project", "create extension-pg_cron", `create migration-${VERSIONS[0]}`, `create ${grantResourceName(ALL_GRANTS[0])}`]),
      );
      expect(result.changes.every((change) => change.op === "create")).toBe(true);
      const types = new Set(result.changes.map((change) => change.type.split(":").pop()));
      expect([...types].sort()).toEqual(["AuthHook", "CronJob", "DatabaseConnection", "Extension", "Grant", "Migration", "PostgrestConfig", "Project", "RandomPassword", "Schema"]);

      const [project] = [...fake.projects.values()];
      expect(project).toMatchObject({ name: "supabase-analytics-dev", organizationSlug: "learning-app", region: "eu-central-1" });
      // The generated password: 40 letters and digits (length 40, special false), never shown.
      expect(project.dbPass).toMatch(/^[A-Za-z0-9]{40}$/);
      for (const text of [result.output, stack.stateText(), JSON.stringify(displayOutputs(result.outputs))]) expect(text).not.toContain(project.dbPass);
      expect(Object.keys(result.outputs).sort()).toEqual(["apiUrl", "databaseUrl", "hookUri", "migrationVersions", "projectRef", "refreshSchedule", "target"]);
      expect(isSecret(result.outputs.databaseUrl)).toBe(true);
      expect(displayOutputs(result.outputs)).toMatchObject({ target: "supabase", projectRef: project.ref, migrationVersions: VERSIONS });

      // The API side: the hook enabled, analytics exposed to PostgREST; the database side: the job.
      expect(project.auth).toMatchObject({ hook_custom_access_token_enabled: true });
      expect(project.postgrest.db_schema.split(",")).toContain("analytics");
      const jobs = await withClient(database.url, async (client) => (await client.query("select schedule from cron.job where jobname = 'refresh-analytics-views'")).rows);
      expect(jobs).toEqual([{ schedule: "*/30 * * * *" }]);
      fake.assertNoViolations();
    },
    RUN_TIMEOUT,
  );

  it.each([16, 32])(
    "up --refresh and the drift check at --parallel %i change nothing, within the pooler's 15 sessions",
    async (parallel) => {
      const refusedBefore = pooler.refusals.length;
      // Each command with a plugin of its own that ends with it, as the CLI runs them.
      const upEngine = stack.engine({}, { parallel });
      const up = await upEngine.up({ refresh: true });
      await upEngine.close();
      expect(up.changes).toEqual([]);
      const driftEngine = stack.engine({}, { parallel });
      const drift = await driftEngine.preview({ refresh: true });
      await driftEngine.close();
      expect({ changes: drift.changes, drift: drift.drift }).toEqual({ changes: [], drift: [] });
      expect(pooler.refusals.slice(refusedBefore)).toEqual([]);
      expect(pooler.peakClients).toBeLessThanOrEqual(pooler.poolSize);
      fake.assertNoViolations();
    },
    RUN_TIMEOUT,
  );

  it(
    "destroy honours protect (the project stays) and retainOnDelete (the database objects stay)",
    async () => {
      const guarded = { protectProject: "true", retainDatabaseObjects: "true" };
      // Resource options only: no step changes anything, the state records them.
      expect((await stack.engine(guarded).up()).changes).toEqual([]);
      // `pulumi destroy` previews first: the protected project fails the preview, nothing is deleted.
      const previewed = await engineFailure(stack.engine(guarded).destroy());
      expect(previewed.message).toMatch(/project is protected/);
      expect(previewed.changes).toEqual([]);
      const [project] = [...fake.projects.values()];
      expect(project.auth).toMatchObject({ hook_custom_access_token_enabled: true });
      // --skip-preview deletes what it reaches, dependents first: the hook and PostgREST config
      // through the API, the retained database objects only from the state; the project stays.
      const error = await engineFailure(stack.engine(guarded).destroy({ skipPreview: true }));
      expect(error.message).toMatch(/project is protected/);
      expect(project.status).toBe("ACTIVE_HEALTHY");
      expect(error.changes.map((change) => change.name)).toEqual(expect.arrayContaining(["auth-hook-custom-access-token", `cron-refresh-analytics-views`]));
      expect(error.state.resources.filter((resource) => resource.custom).map((resource) => resource.name).sort()).toEqual(["db-password", "project"]);
      const jobs = await withClient(database.url, async (client) => (await client.query("select 1 from cron.job where jobname = 'refresh-analytics-views'")).rowCount);
      expect(jobs).toBe(1);
      expect(project.auth).toMatchObject({ hook_custom_access_token_enabled: false });
      fake.assertNoViolations();
    },
    RUN_TIMEOUT,
  );
});
