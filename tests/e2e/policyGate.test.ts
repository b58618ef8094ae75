// `pulumi up --policy-pack policy` through the test engine: the pack runs in Pulumi's policy
// runtime (the analyzer plugin) and is consulted over gRPC during the preview that `up` runs
// first. The real stack passes it; a mandatory violation stops the update before any step.
import { createFreshDatabase, FreshDatabase, withClient } from "../support/db";
import { PolicyAnalyzer } from "../support/engine/policy";
import { engineFailure, postgresStack, StackEngine } from "./stackEngine";

/** Guards against a hung runtime; not a measurement. */
const RUN_TIMEOUT = 240_000;

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
});
