// A migration that opens schema analytics to anon: refused by a stack policy (sql-security,
// judged in AnalyzeStack) and by no resource policy, so it shows when the pack judges.
import * as fs from "node:fs";
import * as path from "node:path";
import { expectedSchemaPath } from "../../infra/expectedSchema";
import { MIGRATIONS_DIR } from "../../infra/migrations";
import type { LocalCluster } from "../../scripts/lib/localCluster";
import { withClient } from "../support/db";
import { copyMigrations, regenerateExpectedSchema } from "../support/migrationsCopy";

/** A migration a stack policy (sql-security, AnalyzeStack) refuses and no resource policy sees. */
export const ANON_MIGRATION = {
  file: "29990101000000_open_analytics_to_anon.sql",
  sql: "-- Opens schema analytics to anon: what the policy pack must stop before it is applied.\ngrant usage on schema analytics to anon;\n",
};

/**
 * The repository's migrations plus ANON_MIGRATION, in a folder of their own (config
 * migrationsDir), with the expected schema beside them generated on `cluster` (so the Schema
 * resource takes the migration as the stack's own). Remove `path.dirname(dir)` when done.
 */
export async function migrationsWithAnonGrant(cluster: Pick<LocalCluster, "adminUrl" | "deployerUrl">): Promise<string> {
  const dir = copyMigrations("e2e-anon-migrations");
  fs.writeFileSync(path.join(dir, ANON_MIGRATION.file), ANON_MIGRATION.sql);
  await regenerateExpectedSchema(dir, cluster);
  return dir;
}

/** Takes ANON_MIGRATION out of the folder again, with the committed expected schema. */
export function withoutAnonGrant(dir: string): void {
  fs.rmSync(path.join(dir, ANON_MIGRATION.file));
  fs.copyFileSync(expectedSchemaPath(MIGRATIONS_DIR), expectedSchemaPath(dir));
}

/** Whether anon can use schema analytics (false when the schema does not exist). */
export async function anonReachesAnalytics(url: string): Promise<boolean> {
  return withClient(url, async (client) => {
    const { rows } = await client.query("select to_regnamespace('analytics') is not null and has_schema_privilege('anon', 'analytics', 'usage') as open");
    return rows[0].open as boolean;
  });
}
