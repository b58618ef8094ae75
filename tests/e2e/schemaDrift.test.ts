// Schema drift through the real runtime (the test engine: Pulumi's Node runtime, the real
// dynamic-provider plugin and policy analyzer), the local stack deployed as the demoted
// `postgres` on a cluster of its own: a fresh deploy with data, refreshes and vacuum shows no
// drift; the dashboard edits each show as one line of the Schema resource's `drift` in a
// refresh; the security-relevant ones are mandatory violations in a preview with the policy
// pack; up --refresh --skip-preview (with the pack) puts them back and the next refresh is
// clean; data-holding edits are refused by up with a message naming each object.
import { withClient } from "../support/db";
import { PolicyAnalyzer } from "../../tools/engine/policy";
import { generateLearningData, loadLearningData, utcDate } from "../support/learningData";
import { DRIFT_EDITS, REFUSED_EDITS } from "../support/schemaEdits";
import { engineFailure, postgresStack, StackEngine } from "./stackEngine";
import { OwnCluster, startOwnCluster } from "./ownCluster";

/** Starting a cluster of its own (initdb and the bootstrap) on a busy machine. */
const CLUSTER_START_TIMEOUT = 180_000;
/** Guards against a hung program; not a measurement. */
const RUN_TIMEOUT = 240_000;
const SCHEMA_POLICY = "supabase-analytics-schema-security-drift";

async function run(url: string, sql: string): Promise<void> {
  await withClient(url, (client) => client.query(sql));
}

function schemaDrift(drift: Array<{ name: string; property: string; old: unknown; new: unknown }>) {
  return drift.filter((entry) => entry.name === "schema");
}

describe("schema drift through the real runtime", () => {
  let database: OwnCluster;
  let url: string;
  let stack: StackEngine;
  let policy: PolicyAnalyzer;

  beforeAll(async () => {
    [database, policy] = await Promise.all([startOwnCluster(), PolicyAnalyzer.start()]);
    url = database.url;
    stack = postgresStack(url);
  }, CLUSTER_START_TIMEOUT);
  afterAll(async () => {
    policy?.stop();
    await stack?.dispose();
    database?.stop();
  });

  it(
    "a fresh deploy, data, view refreshes, vacuum and analyze: no drift",
    async () => {
      const created = await stack.engine().up();
      expect(created.changes).toContainEqual({ name: "schema", type: "pulumi-nodejs:dynamic/postgres:Schema", op: "create" });
      await withClient(database.adminUrl, async (client) => {
        await loadLearningData(client, generateLearningData({ seed: 2112, today: utcDate(Date.now()), fillerLearners: 5, historyDays: 10 }));
        // What the cron job runs, twice (the second refresh is incremental), then maintenance.
        await client.query("select analytics.refresh_all_views()");
        await client.query("insert into public.tracks (id, slug, title) values (gen_random_uuid(), 'late-track', 'Late')");
        await client.query("select analytics.refresh_all_views()");
        await client.query("vacuum analyze");
      });
      expect((await stack.engine().refresh({ dryRun: true })).drift).toEqual([]);
    },
    RUN_TIMEOUT,
  );

  it(
    "the dashboard edits: refresh shows one line each, a preview with the pack fails on the security ones, up --refresh puts them back",
    async () => {
      for (const edit of DRIFT_EDITS) await run(url, edit.sql);
      const expected = DRIFT_EDITS.flatMap((edit) => edit.lines);
      const security = DRIFT_EDITS.filter((edit) => edit.security).flatMap((edit) => edit.lines);

      const found = schemaDrift((await stack.engine().refresh({ dryRun: true })).drift);
      expect(found.map((entry) => entry.property).sort()).toEqual(["drift", "securityDrift"]);
      const drift = found.find((entry) => entry.property === "drift")!;
      expect(drift.old).toEqual([]);
      expect([...(drift.new as string[])].sort()).toEqual([...expected].sort());
      expect([...(found.find((entry) => entry.property === "securityDrift")!.new as string[])].sort()).toEqual([...security].sort());

      // The drift check: refresh, then a preview with the policy pack.
      const failure = await engineFailure(stack.engine({}, { policy }).preview({ refresh: true }));
      const violations = failure.policy.filter((diagnostic) => diagnostic.mandatory && diagnostic.policy === SCHEMA_POLICY);
      // The analyzer puts the policy's description before the message.
      const reported = violations.map((diagnostic) => /Schema "schema": (.*)\. The database differs/s.exec(diagnostic.message)?.[1]);
      expect(reported.sort()).toEqual([...security].sort());

      // What the Automation API and pulumi/actions run: the pack's stack check after the steps sees the repair.
      const restored = await stack.engine({}, { policy }).up({ refresh: true, skipPreview: true });
      expect(restored.policy.filter((diagnostic) => diagnostic.mandatory)).toEqual([]);
      expect(restored.changes).toEqual([{ name: "schema", type: "pulumi-nodejs:dynamic/postgres:Schema", op: "update" }]);
      for (const edit of DRIFT_EDITS) {
        if (!edit.verify) continue;
        const rows = await withClient(url, async (client) => (await client.query(edit.verify!.sql)).rows);
        expect({ edit: edit.name, rows }).toEqual({ edit: edit.name, rows: edit.verify.rows });
      }
      expect((await stack.engine().refresh({ dryRun: true })).drift).toEqual([]);
      const clean = await stack.engine({}, { policy }).preview({ refresh: true });
      expect(clean.changes).toEqual([]);
      expect(clean.policy.filter((diagnostic) => diagnostic.mandatory)).toEqual([]);
    },
    RUN_TIMEOUT * 3,
  );

  it(
    "data-holding edits: up --refresh refuses them, naming each object and the fix; once put right by hand the check is clean",
    async () => {
      for (const edit of REFUSED_EDITS) await run(url, edit.sql);
      const lines = REFUSED_EDITS.flatMap((edit) => edit.lines);
      const found = schemaDrift((await stack.engine().refresh({ dryRun: true })).drift);
      expect(found.find((entry) => entry.property === "drift")?.new).toEqual(lines);

      const refused = await engineFailure(stack.engine().up({ refresh: true }));
      for (const line of lines) expect(refused.message).toContain(line);
      expect(refused.message).toMatch(/write a migration/);

      for (const edit of REFUSED_EDITS) await run(url, edit.undo);
      await stack.engine().up({ refresh: true });
      expect((await stack.engine().refresh({ dryRun: true })).drift).toEqual([]);
    },
    RUN_TIMEOUT * 3,
  );
});
