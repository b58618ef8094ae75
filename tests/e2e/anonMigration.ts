// A migration that opens schema analytics to anon: refused by a stack policy (sql-security,
// judged in AnalyzeStack) and by no resource policy, so it shows when the pack judges.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MIGRATIONS_DIR } from "../../infra/migrations";
import { withClient } from "../support/db";

/** A migration a stack policy (sql-security, AnalyzeStack) refuses and no resource policy sees. */
export const ANON_MIGRATION = {
  file: "29990101000000_open_analytics_to_anon.sql",
  sql: "-- Opens schema analytics to anon: what the policy pack must stop before it is applied.\ngrant usage on schema analytics to anon;\n",
};

/** The repository's migrations plus ANON_MIGRATION, in a folder of their own (config migrationsDir). */
export function migrationsWithAnonGrant(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-anon-migrations-"));
  for (const file of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, file), path.join(dir, file));
  fs.writeFileSync(path.join(dir, ANON_MIGRATION.file), ANON_MIGRATION.sql);
  return dir;
}

/** Whether anon can use schema analytics (false when the schema does not exist). */
export async function anonReachesAnalytics(url: string): Promise<boolean> {
  return withClient(url, async (client) => {
    const { rows } = await client.query("select to_regnamespace('analytics') is not null and has_schema_privilege('anon', 'analytics', 'usage') as open");
    return rows[0].open as boolean;
  });
}
