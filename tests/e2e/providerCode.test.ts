// Provider code and the state, through the test engine and Pulumi's real runtime and
// dynamic-provider plugin, on a copy of the checkout (its files are edited here): the state
// holds a reference to each provider, not its code; a comment-only edit of a provider previews
// no change at all; a state moved with its checkout to another path refreshes with the code
// found there; a change of behaviour shows exactly what it alters; and destroy runs.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { withClient } from "../support/db";
import * as pulumi from "@pulumi/pulumi";
import { cronJobProvider, extensionProvider, grantProvider, migrationProvider } from "../../infra/postgres";
import { Engine } from "../../tools/engine/engine";
import { readStateFile, writeStateFile } from "../../tools/engine/state";
import { PROVIDER_KEY, reveal } from "../../tools/engine/wire";
import { copyCheckout, editFile as edit } from "./checkout";
import { OwnCluster, startOwnCluster } from "./ownCluster";
import { STATE_PASSPHRASE } from "./stackEngine";

/** Starting a cluster of its own (initdb and the bootstrap) on a busy machine. */
const CLUSTER_START_TIMEOUT = 180_000;
/** Guards against a hung program; not a measurement. */
const RUN_TIMEOUT = 240_000;
/** A reference to a provider: a few lines. A serialized provider was about 61 KB. */
const MAX_PROVIDER_REFERENCE_BYTES = 400;
/**
 * The local stack's state with references; with serialized providers it was 4.0 MB. About 50 KB
 * of it is the Schema resource's packed expected schema (input and output, docs/schema-drift.md).
 */
const MAX_STATE_BYTES = 480_000;
const PROVIDERS: Record<string, unknown> = {
  "pulumi-nodejs:dynamic/postgres:Extension": extensionProvider,
  "pulumi-nodejs:dynamic/postgres:Migration": migrationProvider,
  "pulumi-nodejs:dynamic/postgres:Grant": grantProvider,
  "pulumi-nodejs:dynamic/postgres:CronJob": cronJobProvider,
};

describe("provider code is referenced from the state, not stored in it", () => {
  let database: OwnCluster;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-provider-code-"));
  const stateFile = path.join(workDir, "state.json");
  const first = copyCheckout(path.join(workDir, "first"));
  const engines: Engine[] = [];

  const engine = (checkout: string) => {
    const created = new Engine({
      rootDirectory: checkout,
      stack: "local",
      stateFile,
      passphrase: STATE_PASSPHRASE,
      config: { databaseUrl: database.url },
      secretConfig: ["databaseUrl"],
      typeCheck: false,
    });
    engines.push(created);
    return created;
  };

  beforeAll(async () => {
    database = await startOwnCluster();
  }, CLUSTER_START_TIMEOUT);
  afterAll(async () => {
    for (const each of engines) await each.close();
    database?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it(
    "up records a small reference per resource, with no path of the checkout",
    async () => {
      const result = await engine(first).up();
      expect(result.changes.length).toBeGreaterThan(20);
      const dynamic = result.state.resources.filter((resource) => resource.type.startsWith("pulumi-nodejs:dynamic/"));
      for (const resource of dynamic) {
        for (const props of [resource.inputs, resource.outputs]) {
          const code = reveal(props[PROVIDER_KEY]) as string;
          expect(Buffer.byteLength(code)).toBeLessThanOrEqual(MAX_PROVIDER_REFERENCE_BYTES);
        }
        expect(resource.inputs).not.toHaveProperty("providerVersion");
      }
      const stateText = fs.readFileSync(stateFile, "utf8");
      expect(stateText).not.toContain(first);
      // The whole local stack (32 resources) was 4.0 MB when each held its provider's code.
      expect(Buffer.byteLength(stateText)).toBeLessThan(MAX_STATE_BYTES);
    },
    RUN_TIMEOUT,
  );

  it(
    "a comment-only edit of a provider previews no change at all",
    async () => {
      edit(first, "infra/postgres/grant.ts", /^/, "// A comment that changes no behaviour.\n");
      edit(first, "infra/toolkit/errors.ts", /^/, "// Another one, in the shared toolkit.\n");
      const preview = await engine(first).preview({ refresh: true });
      expect(preview.changes).toEqual([]);
      expect(preview.drift).toEqual([]);
    },
    RUN_TIMEOUT,
  );

  it(
    "the state moved with its checkout to another path refreshes and updates with the code found there",
    async () => {
      const moved = path.join(workDir, "moved");
      fs.renameSync(first, moved);
      const refreshed = await engine(moved).refresh({ dryRun: true });
      expect(refreshed.drift).toEqual([]);
      expect((await engine(moved).up({ refresh: true })).changes).toEqual([]);
    },
    RUN_TIMEOUT,
  );

  it(
    "an old state holding serialized provider code: refresh runs the stored code; the first up updates every dynamic resource and nothing else, storing references",
    async () => {
      const moved = path.join(workDir, "moved");
      // What pulumi.dynamic.Resource stored: the provider's closure, serialized, plus providerVersion.
      const serialized = new Map<string, string>();
      for (const [type, provider] of Object.entries(PROVIDERS)) {
        serialized.set(type, (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text);
      }
      const state = readStateFile(stateFile, STATE_PASSPHRASE);
      const dynamic = state.resources.filter((resource) => serialized.has(resource.type));
      for (const resource of dynamic) {
        const code = serialized.get(resource.type)!;
        resource.inputs = { ...resource.inputs, [PROVIDER_KEY]: code, providerVersion: "9c1d2e3f4a5b6c7d" };
        resource.outputs = { ...resource.outputs, [PROVIDER_KEY]: code, providerVersion: "9c1d2e3f4a5b6c7d" };
      }
      writeStateFile(stateFile, state, STATE_PASSPHRASE);
      expect(fs.statSync(stateFile).size).toBeGreaterThan(1_000_000);

      expect((await engine(moved).refresh({ dryRun: true })).drift).toEqual([]);
      const preview = await engine(moved).preview();
      const everyDynamic = dynamic.map((resource) => `update ${resource.name}`).sort();
      expect(preview.changes.map((change) => `${change.op} ${change.name}`).sort()).toEqual(everyDynamic);
      const up = await engine(moved).up();
      expect(up.changes.map((change) => `${change.op} ${change.name}`).sort()).toEqual(everyDynamic);
      expect(fs.statSync(stateFile).size).toBeLessThan(MAX_STATE_BYTES);
      expect((await engine(moved).preview()).changes).toEqual([]);
    },
    RUN_TIMEOUT,
  );

  it(
    "a change of behaviour shows as exactly what it alters: a read that reports another schedule is drift on that property only",
    async () => {
      const moved = path.join(workDir, "moved");
      // The CronJob read now reports the schedule with a trailing space: refresh runs this code.
      edit(moved, "infra/postgres/cronJob.ts", "schedule: job.schedule,", "schedule: `${job.schedule} `,");
      const preview = await engine(moved).preview({ refresh: true });
      expect(preview.drift.map((drift) => `${drift.name}.${drift.property}`)).toEqual(["cron-refresh-analytics-views.schedule"]);
      expect(preview.changes.map((change) => `${change.op} ${change.name}`)).toEqual(["update cron-refresh-analytics-views"]);
    },
    RUN_TIMEOUT,
  );

  it(
    "destroy runs the checkout's code: every object is gone",
    async () => {
      const moved = path.join(workDir, "moved");
      const result = await engine(moved).destroy();
      expect(result.state.resources).toEqual([]);
      const jobs = await withClient(database.url, async (client) => (await client.query("select 1 from cron.job")).rowCount);
      expect(jobs).toBe(0);
    },
    RUN_TIMEOUT,
  );
});
