// `pulumi up --policy-pack policy` through the test engine: the pack runs in Pulumi's policy
// runtime (the analyzer plugin) and is consulted over gRPC. `pulumi up` previews first, so a
// mandatory violation stops it before any step; `up --skip-preview` (how the Automation API and
// pulumi/actions run `up`) applies the steps and only then hears the stack policies.
import * as fs from "node:fs";
import * as path from "node:path";
import { createFreshDatabase, FreshDatabase, withClient } from "../support/db";
import { PolicyAnalyzer } from "../../tools/engine/policy";
import { anonReachesAnalytics, migrationsWithAnonGrant } from "./anonMigration";
import { startOwnCluster } from "./ownCluster";
import { engineFailure, postgresStack, StackEngine } from "./stackEngine";

/** Guards against a hung runtime (and a cluster start on a busy machine); not a measurement. */
const RUN_TIMEOUT = 300_000;

describe("the policy pack gating up", () => {
  let database: FreshDatabase;
  let stack: StackEngine;
  let policy: PolicyAnalyzer;

  beforeAll(async () => {
    [database, policy] = await Promise.all([createFreshDatabase("e2e_policy"), PolicyAnalyzer.start()]);
    stack = postgresStack(database.url);
  }, RUN_TIMEOUT);
  afterAll(async () => {
    policy?.stop();
    await stack?.dispose();
    await database?.drop();
  });

  it(
    "the stack as configured passes every policy in a preview",
    async () => {
      const result = await stack.engine({}, { policy }).preview();
      expect(result.policy.filter((diagnostic) => diagnostic.mandatory)).toEqual([]);
      expect(result.changes.length).toBeGreaterThan(0);
      expect(result.changes.every((change) => change.op === "create")).toBe(true);
    },
    RUN_TIMEOUT,
  );

  it(
    "a schedule other than */30 violates the refresh-schedule policy and up stops before any step",
    async () => {
      const error = await engineFailure(stack.engine({ refreshSchedule: "*/15 * * * *" }, { policy }).up());
      expect(error.message).toMatch(/policy violations/);
      expect(error.policy.filter((diagnostic) => diagnostic.mandatory).map((diagnostic) => diagnostic.policy)).toEqual(["supabase-analytics-refresh-schedule"]);
      expect(error.changes).toEqual([]);
      expect(stack.stateText()).toBe("");
      // Nothing reached the database: no migration history, no analytics schema.
      const touched = await withClient(database.url, async (client) =>
        (await client.query("select to_regnamespace('supabase_migrations') is not null or to_regnamespace('analytics') is not null as touched")).rows[0].touched,
      );
      expect(touched).toBe(false);
    },
    RUN_TIMEOUT,
  );

  it(
    "up --skip-preview applies every step before AnalyzeStack refuses an anon-granting migration",
    async () => {
      // Steps reach the database here: a cluster of its own (pg_cron works in one database only).
      const cluster = await startOwnCluster();
      const skipStack = postgresStack(cluster.url);
      const migrationsDir = await migrationsWithAnonGrant({ adminUrl: cluster.adminUrl, deployerUrl: cluster.url });
      try {
        const error = await engineFailure(skipStack.engine({ migrationsDir }, { policy }).up({ skipPreview: true }));
        expect(error.policy.filter((diagnostic) => diagnostic.mandatory).map((diagnostic) => diagnostic.policy)).toEqual(["supabase-analytics-sql-security"]);
        // The real order: the grant is already in the database, and in the state, when the job fails.
        expect(await anonReachesAnalytics(cluster.url)).toBe(true);
        expect(error.changes).toContainEqual({ name: "migration-29990101000000", type: "pulumi-nodejs:dynamic/postgres:Migration", op: "create" });
        expect(skipStack.stateText()).toContain("migration-29990101000000");
      } finally {
        await skipStack.dispose();
        cluster.stop();
        fs.rmSync(path.dirname(migrationsDir), { recursive: true, force: true });
      }
    },
    RUN_TIMEOUT,
  );
});
