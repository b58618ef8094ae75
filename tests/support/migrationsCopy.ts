// A private copy of sql/migrations for tests that add or edit migration files: the files in
// `<tmp>/migrations` and the committed expected schema beside them (`<tmp>/schema.json`, where
// the program looks for it), and a way to regenerate that schema after the files change.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expectedSchemaPath, expectedSchemaText } from "../../infra/expectedSchema";
import { loadMigrations, MIGRATIONS_DIR } from "../../infra/migrations";
import { generateExpectedSchema } from "../../scripts/lib/expectedSchema";
import { LocalCluster, prepareTemplateDatabase, TEMPLATE_DATABASE, withClient } from "../../scripts/lib/localCluster";

/** The copied migrations folder; remove `path.dirname(dir)` when done. */
export function copyMigrations(prefix: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const dir = path.join(root, "migrations");
  fs.mkdirSync(dir);
  for (const file of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, file), path.join(dir, file));
  fs.copyFileSync(expectedSchemaPath(MIGRATIONS_DIR), expectedSchemaPath(dir));
  return dir;
}

/** Rewrites the expected schema beside `dir` from a fresh deploy of its files on `cluster` (as `npm run gen:schema` does). */
export async function regenerateExpectedSchema(dir: string, cluster: Pick<LocalCluster, "adminUrl" | "deployerUrl">): Promise<void> {
  const hasTemplate = await withClient(cluster.adminUrl, async (client) => {
    const { rows } = await client.query("select 1 from pg_catalog.pg_database where datname = $1", [TEMPLATE_DATABASE]);
    return rows.length > 0;
  });
  if (!hasTemplate) await prepareTemplateDatabase(cluster.adminUrl);
  const schema = await generateExpectedSchema(cluster, loadMigrations(dir, path.dirname(dir)));
  fs.writeFileSync(expectedSchemaPath(dir), expectedSchemaText(schema));
}
