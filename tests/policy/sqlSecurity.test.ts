// The SQL security policy over the stack: the real migrations pass, and each single change to
// them (a file appended, or one file edited) is reported on the Migration that carries it.
import { MigrationFile, parseMigrationFile } from "../../infra/migrations";
import { sqlSecurityPolicy } from "../../policy/policies/sqlSecurity";
import { messages, runPolicy } from "./policyHarness";
import { asPolicyResources, compliantStack, realMigrations, urnOf } from "./stackFixture";

async function review(migrations: MigrationFile[]) {
  const resources = compliantStack({ migrations });
  return { resources, result: await runPolicy(sqlSecurityPolicy, asPolicyResources(resources)) };
}

function appended(name: string, sql: string): MigrationFile[] {
  return [...realMigrations(), parseMigrationFile(`sql/migrations/20260128100010_${name}.sql`, sql)];
}

function edited(version: string, edit: (sql: string) => string): MigrationFile[] {
  return realMigrations().map((file) => (file.version === version ? parseMigrationFile(file.file, edit(file.sql)) : file));
}

describe("supabase-analytics-sql-security", () => {
  it("accepts the real migrations", async () => {
    const { result } = await review(realMigrations());
    expect(messages(result)).toEqual([]);
    expect(result.notApplicable).toEqual([]);
  });

  it("reports a security definer function without search_path, on its Migration", async () => {
    const { resources, result } = await review(
      appended("report_helper", "-- a helper\ncreate function analytics.report_helper() returns bigint\nlanguage sql security definer\nas $$ select pg_catalog.count(*) from public.tracks $$;\n"),
    );
    expect(result.violations).toEqual([
      {
        policy: "supabase-analytics-sql-security",
        enforcementLevel: "mandatory",
        urn: urnOf(resources, "migration-20260128100010"),
        message:
          "sql/migrations/20260128100010_report_helper.sql line 2, column 1: function analytics.report_helper() is security definer but does not set search_path; add `set search_path = ''` to it (and schema-qualify every name in its body), so that a caller cannot make it run their own objects with its owner's rights",
      },
    ]);
  });

  it("reports a grant to anon on an analytics function", async () => {
    const { result } = await review(appended("open_refresh", "-- oops\ngrant execute on function analytics.manual_refresh() to anon;\n"));
    expect(messages(result)).toEqual([
      "sql/migrations/20260128100010_open_refresh.sql line 2, column 1: grants anon access to analytics.manual_refresh(); remove the grant (anon and public never reach analytics or the hook: admins go through the analytics admin functions, the auth server through supabase_auth_admin)",
    ]);
  });

  it("reports a grant to public on the hook", async () => {
    const { result } = await review(appended("open_hook", "grant execute on function public.custom_access_token_hook(jsonb) to public;\n"));
    expect(messages(result)).toEqual([expect.stringContaining("line 1, column 1: grants public access to public.custom_access_token_hook(jsonb); remove the grant")]);
  });

  it("reports plain refreshes: refresh_all_views without concurrently", async () => {
    // Plain refreshes in the file that defines the refresh body last (later files redefine it).
    const definer = [...realMigrations()].reverse().find((m) => m.sql.includes("create or replace function analytics.refresh_views_and_record()"));
    if (!definer) throw new Error("no migration defines analytics.refresh_views_and_record()");
    const migrations = edited(definer.version, (sql) => sql.split("refresh materialized view concurrently").join("refresh materialized view"));
    const { resources, result } = await review(migrations);
    expect(result.violations).toHaveLength(7);
    for (const violation of result.violations) {
      // Reported where refresh_all_views() is defined (it calls the edited body).
      expect(violation.urn).toBe(urnOf(resources, "migration-20260128100008"));
      expect(violation.message).toMatch(
        /^sql\/migrations\/20260128100008_create_analytics_cron\.sql line \d+, column 1: analytics\.refresh_all_views\(\) \(with analytics\.refresh_views_and_record\(\)(, analytics\.\w+\(\))*, which it calls\) never refreshes analytics\.\w+ concurrently; once the view is populated refresh it with `refresh materialized view concurrently analytics\.\w+`/,
      );
    }
    expect(result.violations.map((violation) => /never refreshes (\S+)/.exec(violation.message)?.[1])).toEqual([
      "analytics.active_learning_days",
      "analytics.popular_tracks",
      "analytics.streak_dropoffs",
      "analytics.quiz_completion_rates",
      "analytics.review_session_usage",
      "analytics.explanation_engagement",
      "analytics.summary_stats",
    ]);
  });

  it("reports a plain refresh that runs on every call", async () => {
    const sql = [
      "-- refresh summary stats twice",
      "create or replace function analytics.refresh_all_views() returns void",
      "language plpgsql security definer set search_path = '' as $$",
      "begin",
      "  perform analytics.refresh_views_and_record();",
      "  refresh materialized view analytics.summary_stats;",
      "end",
      "$$;",
      "",
    ].join("\n");
    const { result } = await review(appended("refresh_twice", sql));
    expect(messages(result)).toEqual([
      "sql/migrations/20260128100010_refresh_twice.sql line 6: analytics.refresh_all_views() refreshes analytics.summary_stats without `concurrently` on every call of analytics.refresh_all_views(); keep the plain refresh only in the branch for a view that is not yet populated (pg_class.relispopulated), and refresh it concurrently otherwise",
    ]);
  });

  it("reports a new materialized view without a unique index (and not refreshed concurrently)", async () => {
    const { result } = await review(appended("weekly_signups", "create materialized view if not exists analytics.weekly_signups as\n  select 1 as week with no data;\n"));
    expect(messages(result)).toEqual([
      "sql/migrations/20260128100010_weekly_signups.sql line 1, column 1: materialized view analytics.weekly_signups (created here): it has no unique index; add `create unique index if not exists weekly_signups_key on analytics.weekly_signups (<key columns>)` without a WHERE clause, which refresh materialized view concurrently requires",
      expect.stringContaining("never refreshes analytics.weekly_signups concurrently"),
    ]);
  });

  it("reports a file that does not parse, naming the file and the position", async () => {
    const { resources, result } = await review(appended("broken", "-- a view\n\ncreate materialized vew analytics.x as select 1;\n"));
    expect(result.violations).toEqual([
      expect.objectContaining({
        urn: urnOf(resources, "migration-20260128100010"),
        message: 'sql/migrations/20260128100010_broken.sql line 3, column 21: does not parse: syntax error at or near "vew"; fix the SQL there (PostgreSQL rejects it the same way)',
      }),
    ]);
  });

  it("does not apply to a stack without migrations", async () => {
    const result = await runPolicy(sqlSecurityPolicy, asPolicyResources(compliantStack({ migrations: [] })));
    expect(result.notApplicable).toEqual(["the stack has no Migration resources"]);
  });
});
