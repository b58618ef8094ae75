// The Schema provider against a real PostgreSQL 15 with the migrations and the admin grants
// applied as the demoted `postgres`: a fresh deploy with data, refreshes and vacuum reads
// clean; each edit a user can make in the dashboard's SQL editor reads as one line naming the
// object, and update puts it back (or refuses it, naming the object), after which the read is
// clean again. The same edits through the real runtime: tests/e2e/schemaDrift.test.ts.
import { ALL_GRANTS } from "../../infra/adminSurface";
import { expectedSchemaPath, migrationFingerprints, readExpectedSchema } from "../../infra/expectedSchema";
import { loadMigrations, MIGRATIONS_DIR } from "../../infra/migrations";
import { packExpectedSchema, schemaProvider, SchemaInputs, SchemaOutputs } from "../../infra/postgres";
import { applyGrants, applyMigrations } from "../support/applySql";
import { withClient } from "../support/db";
import { generateLearningData, loadLearningData, utcDate } from "../support/learningData";
import { queryRows, rejectionOf, roundTripProvider, useFreshDatabase } from "./support";
import { DRIFT_EDITS, REFUSED_EDITS } from "../support/schemaEdits";

const EXPECTED = readExpectedSchema(expectedSchemaPath(MIGRATIONS_DIR));
const MANAGED = ALL_GRANTS.map(({ role, privilege, objectType, object }) => ({ role, privilege, objectType, object }));
/** Applying every migration on a busy machine. */
const DEPLOY_TIMEOUT = 120_000;

function inputsFor(url: string): SchemaInputs {
  return { connection: url, expected: packExpectedSchema(EXPECTED), managedGrants: MANAGED, migrations: migrationFingerprints(loadMigrations()), drift: [], securityDrift: [] };
}

async function deployed(url: string): Promise<SchemaOutputs> {
  await applyMigrations(url);
  await applyGrants(url);
  const checked = await schemaProvider.check!({} as SchemaInputs, inputsFor(url));
  expect(checked.failures).toEqual([]);
  return (await schemaProvider.create(checked.inputs as SchemaInputs)).outs as SchemaOutputs;
}

async function readDrift(outs: SchemaOutputs): Promise<SchemaOutputs> {
  return (await schemaProvider.read!("schema", outs)).props as SchemaOutputs;
}

describe("Schema: check", () => {
  it("refuses an expected schema generated from other migrations, naming them and the fix", async () => {
    const inputs = inputsFor("postgresql://postgres:postgres@127.0.0.1:5432/postgres");
    const newer = { ...inputs, migrations: [...inputs.migrations, "29990101000000 0000"] };
    const checked = await schemaProvider.check!({} as SchemaInputs, newer);
    expect(checked.failures).toEqual([
      {
        property: "expected",
        reason: expect.stringMatching(/generated from other migrations than the stack's \(differing: 29990101000000\): run `npm run gen:schema`/),
      },
    ]);
    expect((await schemaProvider.check!({} as SchemaInputs, inputs)).failures).toEqual([]);
  });

  it("refuses an expected schema that is not a packed one", async () => {
    const checked = await schemaProvider.check!({} as SchemaInputs, { ...inputsFor("postgresql://postgres:postgres@127.0.0.1:5432/postgres"), expected: "{}" });
    expect(checked.failures).toEqual([{ property: "expected", reason: expect.stringMatching(/^required: the expected schema, packed: not a packed expected schema/) }]);
  });

  it("carries the security-relevant lines of the last read into the preview, and only after a read found drift", async () => {
    const inputs = inputsFor("postgresql://postgres:postgres@127.0.0.1:5432/postgres");
    const found = { ...inputs, drift: ["a", "b"], securityDrift: ["b"] };
    expect((await schemaProvider.check!(found, inputs)).inputs?.securityDrift).toEqual(["b"]);
    // The inputs an update stored (drift declared empty) carry nothing into the next preview.
    expect((await schemaProvider.check!({ ...inputs, securityDrift: ["b"] }, inputs)).inputs?.securityDrift).toEqual([]);
  });
});

describe("Schema: the objects the migrations own, against sql/schema.json", () => {
  const database = useFreshDatabase("pg_schema");

  it(
    "a fresh deploy reads clean, and so do data, refreshes, vacuum and analyze",
    async () => {
      const outs = await deployed(database().url);
      expect(outs.drift).toEqual([]);
      await withClient(database().adminUrl, async (client) => {
        await loadLearningData(client, generateLearningData({ seed: 21, today: utcDate(Date.now()), fillerLearners: 5, historyDays: 10 }));
        await client.query("select analytics.refresh_all_views()");
        await client.query("select analytics.refresh_all_views()");
        await client.query("vacuum analyze");
      });
      expect((await readDrift(outs)).drift).toEqual([]);
    },
    DEPLOY_TIMEOUT,
  );

  it(
    "each restorable edit reads as its line; update puts it back through the serialized provider; the next read is clean",
    async () => {
      const outs = await deployed(database().url);
      const provider = await roundTripProvider(schemaProvider);
      for (const edit of DRIFT_EDITS) {
        await withClient(database().url, (client) => client.query(edit.sql));
        const found = (await provider.read!("schema", outs)).props as SchemaOutputs;
        expect({ edit: edit.name, drift: found.drift }).toEqual({ edit: edit.name, drift: edit.lines });
        expect({ edit: edit.name, security: found.securityDrift }).toEqual({ edit: edit.name, security: edit.security ? edit.lines : [] });
        const checked = await provider.check!(found, inputsFor(database().url));
        expect(checked.inputs?.securityDrift).toEqual(found.securityDrift);
        const updated = await provider.update!("schema", found, checked.inputs as SchemaInputs);
        expect({ edit: edit.name, after: updated.outs?.drift }).toEqual({ edit: edit.name, after: [] });
        expect({ edit: edit.name, drift: (await readDrift(outs)).drift }).toEqual({ edit: edit.name, drift: [] });
        if (edit.verify) expect(await queryRows(database().url, edit.verify.sql)).toEqual(edit.verify.rows);
      }
    },
    DEPLOY_TIMEOUT * 2,
  );

  it(
    "data-holding edits are refused, naming the object and the fix; the rest of the drift is still put back",
    async () => {
      const outs = await deployed(database().url);
      for (const edit of REFUSED_EDITS) {
        await withClient(database().url, (client) => client.query(edit.sql));
        const found = await readDrift(outs);
        expect({ edit: edit.name, drift: found.drift }).toEqual({ edit: edit.name, drift: edit.lines });
        const error = await rejectionOf(schemaProvider.update!("schema", found, inputsFor(database().url)));
        for (const line of edit.lines) expect(error.message).toContain(line);
        expect(error.message).toMatch(/write a migration/);
        expect((await readDrift(outs)).drift).toEqual(edit.lines);
        await withClient(database().url, (client) => client.query(edit.undo));
        expect((await readDrift(outs)).drift).toEqual([]);
      }
    },
    DEPLOY_TIMEOUT,
  );
});
