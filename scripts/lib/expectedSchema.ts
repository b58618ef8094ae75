// Generates the expected schema: the catalog of a fresh database (the Supabase look-alike
// bootstrap, sql/local) before and after the migrations, applied as the demoted `postgres`.
// What the migrations own is derived, never listed: every object of a schema they create,
// and every other object that was not there before them (in public: the tables, functions,
// types, and the triggers and policies they put on them).
import { Client } from "pg";
import type { MigrationFile } from "../../infra/migrations";
import { CatalogObject, ExpectedSchema, isPlatformSchema, OBJECT_KINDS, objectKey, readCatalog } from "../../infra/postgres";
import { migrationFingerprints } from "../../infra/expectedSchema";
import { createFreshDatabase, LocalCluster, withClient } from "./localCluster";

const SCHEMAS_SQL = "select nspname from pg_catalog.pg_namespace order by nspname";
const EVENT_TRIGGERS_SQL = "select evtname from pg_catalog.pg_event_trigger order by evtname";

/** Every object of every schema that is not the platform's, and every event trigger. */
async function snapshot(client: Client): Promise<{ schemas: string[]; objects: CatalogObject[] }> {
  const schemas = (await client.query<{ nspname: string }>(SCHEMAS_SQL)).rows.map((row) => row.nspname).filter((name) => !isPlatformSchema(name));
  const eventTriggers = (await client.query<{ evtname: string }>(EVENT_TRIGGERS_SQL)).rows.map((row) => row.evtname);
  return { schemas, objects: await readCatalog(client, { schemas, objects: eventTriggers }) };
}

/** The file's order: by kind (schemas, types, tables, … as OBJECT_KINDS lists them), then relation, then name. */
function readingOrder(a: CatalogObject, b: CatalogObject): number {
  const place = (object: CatalogObject) => `${object.parent ?? object.name}\u0000${object.name}`;
  const [x, y] = [place(a), place(b)];
  // Code-point order: the same on every machine, whatever its locale.
  return OBJECT_KINDS.indexOf(a.kind) - OBJECT_KINDS.indexOf(b.kind) || (x < y ? -1 : x > y ? 1 : 0);
}

async function applyMigrations(client: Client, migrations: readonly MigrationFile[]): Promise<void> {
  await client.query("set client_min_messages = warning");
  for (const migration of migrations) {
    try {
      if (migration.noTransaction) {
        await client.query(migration.sql);
        continue;
      }
      await client.query("begin");
      await client.query(migration.sql);
      await client.query("commit");
    } catch (error) {
      if (!migration.noTransaction) await client.query("rollback");
      throw new Error(`${migration.file}: ${(error as Error).message}`);
    }
  }
}

/** The expected schema of these migrations, from a fresh database of `cluster` (dropped after). */
export async function generateExpectedSchema(cluster: Pick<LocalCluster, "adminUrl" | "deployerUrl">, migrations: readonly MigrationFile[]): Promise<ExpectedSchema> {
  const database = await createFreshDatabase(cluster, "expected_schema");
  try {
    const before = await withClient(database.adminUrl, snapshot);
    await withClient(database.url, (client) => applyMigrations(client, migrations));
    const after = await withClient(database.adminUrl, snapshot);
    const existed = new Set(before.objects.map(objectKey));
    const ownedSchemas = after.schemas.filter((schema) => !before.schemas.includes(schema));
    const objects = after.objects.filter((object) => (object.schema !== undefined && ownedSchemas.includes(object.schema)) || !existed.has(objectKey(object)));
    return { migrations: migrationFingerprints(migrations), ownedSchemas, objects: objects.sort(readingOrder) };
  } finally {
    await database.drop();
  }
}
