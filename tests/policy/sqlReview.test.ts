// The SQL review on small, purpose-written migrations: grants hidden in do blocks, function
// settings changed by alter, and error positions. Everything goes through the real PostgreSQL
// parser (libpg_query).
import { reviewMigrations, Finding } from "../../policy/lib/sql/review";

const VIEWS = `
create schema if not exists analytics;
create materialized view if not exists analytics.a as select 1 as id with no data;
create unique index if not exists a_key on analytics.a (id);
create materialized view if not exists analytics.b as select 1 as id with no data;
create unique index if not exists b_key on analytics.b (id);
`;

function refreshFunction(body: string, language = "plpgsql"): string {
  return `create or replace function analytics.refresh_all_views() returns void
language ${language} security definer set search_path = ''
as $fn$
${body}
$fn$;
`;
}

async function review(...files: string[]): Promise<string[]> {
  const findings: Finding[] = await reviewMigrations(files.map((sql, index) => ({ file: `m${index + 1}.sql`, sql, urn: `urn:m${index + 1}` })));
  return findings.map((finding) => finding.message);
}

describe("the SQL review: grants", () => {
  const refresh = refreshFunction("begin refresh materialized view concurrently analytics.a; refresh materialized view concurrently analytics.b; end");

  it.each([
    ["a grant in a do block", "do $$\nbegin\n  if true then\n    grant select on analytics.a to anon;\n  end if;\nend $$;", "m3.sql line 4: grants anon access to analytics.a"],
    ["a grant in a do block whose body starts on the next line", "do\n$$\nbegin\n  grant usage on schema analytics to public;\nend\n$$;", "m3.sql line 4: grants public access to schema analytics"],
    ["a grant on every table of the schema", "grant select on all tables in schema analytics to public;", "m3.sql line 1, column 1: grants public access to every object of its kind in schema analytics"],
    ["default privileges", "alter default privileges in schema analytics grant execute on functions to anon;", "default privileges grant anon access to objects created later in schema analytics"],
    ["every function of schema public", "grant execute on all functions in schema public to anon;", "grants anon access to every function in schema public, the hook included"],
  ])("reports %s", async (_what, sql, expected) => {
    expect(await review(VIEWS, refresh, sql)).toEqual([expect.stringContaining(expected)]);
  });

  it.each([
    ["revokes", "revoke all on schema analytics from public, anon;\nrevoke execute on function analytics.refresh_all_views() from anon;"],
    ["grants to other roles", "grant usage on schema analytics to authenticated;\ngrant select on public.user_roles to supabase_auth_admin;"],
    ["grants to anon outside analytics", "grant select on public.tracks to anon;"],
  ])("leaves %s alone", async (_what, sql) => {
    expect(await review(VIEWS, refresh, sql)).toEqual([]);
  });
});

describe("the SQL review: functions and views replayed in order", () => {
  const refresh = refreshFunction("begin refresh materialized view concurrently analytics.a; refresh materialized view concurrently analytics.b; end");
  const helper = "create function analytics.helper(n int) returns int language sql as $$ select n $$;";

  it("sees security definer added by alter function, at the alter", async () => {
    expect(await review(VIEWS, refresh, helper, "-- later\nalter function analytics.helper(integer) security definer;")).toEqual([
      expect.stringMatching(/^m4\.sql line 2, column 1: function analytics\.helper\(int4\) is security definer but does not set search_path/),
    ]);
  });

  it("sees search_path set, then reset, by alter function", async () => {
    const definer = "create function analytics.helper(n int) returns int language sql security definer as $$ select n $$;";
    expect(await review(VIEWS, refresh, definer, "alter function analytics.helper(int) set search_path = '';")).toEqual([]);
    expect(await review(VIEWS, refresh, definer, "alter function analytics.helper(int) set search_path = '';", "alter function analytics.helper reset search_path;")).toEqual([
      expect.stringContaining("m5.sql line 1, column 1: function analytics.helper(int4) is security definer but does not set search_path"),
    ]);
  });

  it("requires an explicit search_path value (from current takes the migration session's path)", async () => {
    const fromCurrent = "create function analytics.helper() returns int language sql security definer set search_path from current as $$ select 1 $$;";
    expect(await review(VIEWS, refresh, fromCurrent)).toEqual([expect.stringContaining("function analytics.helper() is security definer but does not set search_path")]);
  });

  it("forgets dropped functions", async () => {
    const definer = "create function analytics.helper() returns int language sql security definer as $$ select 1 $$;";
    expect(await review(VIEWS, refresh, definer, "drop function analytics.helper();")).toEqual([]);
  });
});

describe("the SQL review: errors and positions", () => {
  it("gives line and column in characters, after multi-byte text", async () => {
    expect(await review("-- héllo wörld\nselect 'ünïcode';\nselect 'é😀' as x from from t;")).toContain(
      'm1.sql line 3, column 23: does not parse: syntax error at or near "from"; fix the SQL there (PostgreSQL rejects it the same way)',
    );
  });

  it("reports a do block that does not parse", async () => {
    const findings = await review(VIEWS, "-- guard\ndo $$ begin if not exists (select 1) then selec 1; end if; end $$;");
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(/^m2\.sql line 2, column 1: the do block does not parse: syntax error at or near "selec"/)]));
  });
});
