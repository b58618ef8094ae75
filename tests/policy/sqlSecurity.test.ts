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

  it("reports a real admin function edited to drop its search_path, on the Migration that carries it", async () => {
    const body = "as $$\nbegin\n  perform analytics.assert_admin('analytics.get_active_learning_days()')";
    // The file that defines the wrapper last (a later definition replaces an earlier one).
    const definer = [...realMigrations()].reverse().find((file) => file.sql.includes(`set search_path = ''\n${body}`));
    if (!definer) throw new Error("no migration defines analytics.get_active_learning_days() with that body");
    const migrations = edited(definer.version, (sql) => sql.split(`set search_path = ''\n${body}`).join(body));
    expect(migrations.find((file) => file.version === definer.version)?.sql).not.toEqual(definer.sql);
    const before = definer.sql.slice(0, definer.sql.indexOf(body));
    const line = before.slice(0, before.lastIndexOf("create or replace function analytics.get_active_learning_days()")).split("\n").length;
    const { resources, result } = await review(migrations);
    expect(result.violations).toEqual([
      expect.objectContaining({
        urn: urnOf(resources, `migration-${definer.version}`),
        message: expect.stringMatching(
          new RegExp(`^sql/migrations/${definer.version}_\\w+\\.sql line ${line}, column 1: function analytics\\.get_active_learning_days\\(\\) is security definer but does not set search_path`),
        ),
      }),
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
