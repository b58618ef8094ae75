// `supabase db lint` (plpgsql_check, through the real CLI) at warning level over the schemas
// the stack owns: what it finds in a function, and that the migrations leave nothing for it.
// tests/interop/migrationHistory.test.ts lints the database a deploy of the stack leaves.
//
// The functions read cron.job, so plpgsql_check needs pg_cron: these run in the cron database,
// reset before each test, with pg_cron created as the platform creates it (not by the files).
import { applyMigrations } from "../support/applySql";
import { acquireCronDatabase, CronDatabase, resetCronDatabase, withClient } from "../support/db";
import { SupabaseCli } from "./supabaseCli";

const SCHEMAS = ["analytics", "public"];
/** The last file before the migration that typed refresh_views_and_record's empty arrays. */
const BEFORE_TYPED_ARRAYS = "20260128100009";

/** Function name, context and detail of each finding, for readable comparisons. */
function findings(results: { function: string; issues: { level: string; detail?: string; context?: string }[] }[]): string[] {
  return results.flatMap((result) =>
    result.issues.map((issue) => `${result.function}: ${issue.level}: ${issue.detail ?? ""} (${issue.context ?? ""})`),
  );
}

describe("supabase db lint at warning level", () => {
  let cli: SupabaseCli;
  let database: CronDatabase;

  async function migratedDatabase(through?: string): Promise<string> {
    // The reset restores the bootstrap, pg_cron included, as the platform installs it.
    await resetCronDatabase(database.adminUrl);
    await applyMigrations(database.url, { through });
    return database.url;
  }

  beforeAll(async () => {
    cli = await SupabaseCli.start();
    // Other test files hold the cron database in turn: waiting may outlast a test's timeout.
    database = await acquireCronDatabase();
  }, 300_000);
  afterAll(async () => {
    await cli?.close();
    await database?.release();
  });

  it("is clean on a database with every migration applied", async () => {
    const url = await migratedDatabase();
    expect(await cli.lint(url, SCHEMAS)).toMatchObject({ code: 0, results: [] });
  });

  it("found the two text to text[] casts in refresh_views_and_record before the migration that typed them", async () => {
    const url = await migratedDatabase(BEFORE_TYPED_ARRAYS);
    const result = await cli.lint(url, SCHEMAS);
    expect(result.code).toBe(1);
    expect(findings(result.results)).toEqual([
      'analytics.refresh_views_and_record: warning: cast "text" value to "text[]" type (during statement block local variable "failed" initialization on line 22)',
      'analytics.refresh_views_and_record: warning: cast "text" value to "text[]" type (during statement block local variable "errors" initialization on line 23)',
    ]);
  });

  it("fails on a warning in a function of the stack's schemas", async () => {
    const url = await migratedDatabase();
    await withClient(url, (client) =>
      client.query(`
        create function analytics.lint_fixture() returns integer language plpgsql set search_path = '' as $$
        declare
          total integer := 0;
          unused text;
        begin
          return total;
        end
        $$;
      `),
    );
    const result = await cli.lint(url, SCHEMAS);
    expect(result.code).toBe(1);
    expect(result.results.map((entry) => entry.function)).toEqual(["analytics.lint_fixture"]);
    expect(result.results[0].issues).toEqual([expect.objectContaining({ level: "warning", message: 'unused variable "unused"' })]);
  });
});
