// The SQL review on small, purpose-written migrations: the shapes a refresh function can take,
// grants hidden in do blocks, function settings changed by alter, indexes dropped later, and
// error positions. Everything goes through the real PostgreSQL parser (libpg_query).
import { formatLike, quoteIdent } from "../../policy/lib/sql/dynamicSql";
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

describe("the SQL review: refresh_all_views() shapes", () => {
  it.each([
    ["static statements", "begin\n  refresh materialized view concurrently analytics.a;\n  refresh materialized view concurrently analytics.b;\nend", "plpgsql"],
    ["a SQL-language body", "refresh materialized view concurrently analytics.a; refresh materialized view concurrently analytics.b", "sql"],
    [
      "foreach over a constant array, format() and a populated check",
      `declare
  views constant text[] := array['a', 'b'];
  v text;
begin
  foreach v in array views loop
    if (select c.relispopulated from pg_catalog.pg_class c where c.oid = pg_catalog.to_regclass('analytics.' || v)) then
      execute pg_catalog.format('refresh materialized view concurrently analytics.%I', v);
    else
      execute pg_catalog.format('refresh materialized view analytics.%I', v);
    end if;
  end loop;
end`,
      "plpgsql",
    ],
    [
      "for over unnest, || and quote_ident",
      `declare v text;
begin
  for v in select unnest(array['a', 'b']) loop
    execute 'refresh materialized view concurrently analytics.' || quote_ident(v);
  end loop;
end`,
      "plpgsql",
    ],
    [
      "an integer loop over subscripts, with the mode chosen by CASE",
      `declare
  views text[] := array['a', 'b'];
  populated boolean;
begin
  for i in 1 .. pg_catalog.array_length(views, 1) loop
    select c.relispopulated into populated from pg_catalog.pg_class c where c.relname = views[i];
    execute format('refresh materialized view %s analytics.%I', case when populated then 'concurrently' else '' end, views[i]);
  end loop;
end`,
      "plpgsql",
    ],
    [
      "concat() and positional format arguments",
      `declare v text;
begin
  foreach v in array array['a', 'b'] loop
    execute concat('refresh materialized view ', format('%2$s %1$I.%3$I', 'analytics', 'concurrently', v));
  end loop;
end`,
      "plpgsql",
    ],
    [
      "a mode variable assigned on two paths",
      `declare v text; mode text := '';
begin
  foreach v in array array['a', 'b'] loop
    if v = 'b' then mode := 'concurrently'; end if;
    mode := 'concurrently';
    execute format('refresh materialized view %s analytics.%I', mode, v);
  end loop;
end`,
      "plpgsql",
    ],
  ])("accepts %s", async (_shape, body, language) => {
    expect(await review(VIEWS, refreshFunction(body, language))).toEqual([]);
  });

  it("follows calls into other functions the migrations define", async () => {
    const helper = `create function analytics.refresh_one(name text) returns void language plpgsql set search_path = '' as $$
begin
  execute format('refresh materialized view concurrently analytics.%I', name);
end $$;`;
    // The helper takes its view as a parameter: the policy cannot tell which views it refreshes.
    const findings = await review(VIEWS, helper, refreshFunction("begin\n  perform analytics.refresh_one('a');\n  perform analytics.refresh_one('b');\nend"));
    expect(findings).toEqual([
      expect.stringContaining(
        "analytics.refresh_all_views() (with analytics.refresh_one(), which it calls) never refreshes analytics.a concurrently; once the view is populated refresh it with `refresh materialized view concurrently analytics.a`",
      ),
      expect.stringContaining("never refreshes analytics.b concurrently"),
    ]);
    expect(findings[0]).toContain(
      "The policy could not work out the SQL of execute statements in analytics.refresh_one() at m2.sql line 3: build them from string constants, format(), || and a constant array of view names.",
    );
  });

  it("reports a view that is never refreshed at all, and one refreshed only plainly", async () => {
    const findings = await review(VIEWS, refreshFunction("begin\n  refresh materialized view analytics.a;\nend"));
    expect(findings).toEqual([
      "m2.sql line 1, column 1: analytics.refresh_all_views() never refreshes analytics.a concurrently; once the view is populated refresh it with `refresh materialized view concurrently analytics.a` (plain only while it is not yet populated), so that readers are not locked out by the 30-minute refresh.",
      expect.stringContaining("never refreshes analytics.b concurrently"),
    ]);
  });

  it("reports an unconditional plain refresh next to a concurrent one, at its line", async () => {
    const body = "begin\n  refresh materialized view concurrently analytics.a;\n  refresh materialized view concurrently analytics.b;\n  refresh materialized view analytics.b;\nend";
    expect(await review(VIEWS, refreshFunction(body))).toEqual([expect.stringMatching(/^m2\.sql line 7: analytics\.refresh_all_views\(\) refreshes analytics\.b without `concurrently` on every call/)]);
  });

  it("reports a missing refresh_all_views()", async () => {
    expect(await review(VIEWS)).toEqual([
      "no migration defines analytics.refresh_all_views(), which the refresh-analytics-views cron job calls; restore the migration that creates it",
    ]);
  });
});

describe("the SQL review: grants", () => {
  const refresh = refreshFunction("begin refresh materialized view concurrently analytics.a; refresh materialized view concurrently analytics.b; end");

  it.each([
    ["a grant in a do block", "do $$\nbegin\n  if true then\n    grant select on analytics.a to anon;\n  end if;\nend $$;", "m3.sql line 4: grants anon access to analytics.a"],
    [
      "a grant built with format() in a do block",
      "do $$\ndeclare r text;\nbegin\n  foreach r in array array['anon'] loop\n    execute format('grant usage on schema analytics to %I', r);\n  end loop;\nend $$;",
      "m3.sql line 5: grants anon access to schema analytics",
    ],
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

  it("forgets dropped functions and views", async () => {
    const definer = "create function analytics.helper() returns int language sql security definer as $$ select 1 $$;";
    const extraView = "create materialized view analytics.c as select 1 as id;";
    expect(await review(VIEWS, refresh, definer, extraView, "drop function analytics.helper();\ndrop materialized view analytics.c;")).toEqual([]);
  });

  it("notices a unique index dropped later, or one that cannot serve a concurrent refresh", async () => {
    expect(await review(VIEWS, refresh, "drop index if exists analytics.b_key;")).toEqual([
      "m1.sql line 5, column 1: materialized view analytics.b (created here): it has no unique index; add `create unique index if not exists b_key on analytics.b (<key columns>)` without a WHERE clause, which refresh materialized view concurrently requires",
    ]);
    expect(await review(VIEWS, refresh, "drop index analytics.b_key;\ncreate unique index b_expr on analytics.b ((id + 1));")).toEqual([
      expect.stringContaining("its unique index cannot serve `refresh materialized view concurrently` because it indexes an expression, not columns"),
    ]);
  });
});

describe("the SQL review: errors and positions", () => {
  it("gives line and column in characters, after multi-byte text", async () => {
    expect(await review("-- héllo wörld\nselect 'ünïcode';\nselect 'é😀' as x from from t;")).toContain(
      'm1.sql line 3, column 23: does not parse: syntax error at or near "from"; fix the SQL there (PostgreSQL rejects it the same way)',
    );
  });

  it("reports a PL/pgSQL body that does not parse, at its statement", async () => {
    const findings = await review(VIEWS, "\ncreate function analytics.f() returns void language plpgsql as $$\nbegin\n  iff true then null; end if;\nend $$;");
    expect(findings).toContain(
      'm2.sql line 2, column 1: the PL/pgSQL body does not parse: syntax error at or near "iff"; fix the SQL there (PostgreSQL rejects it the same way) (the PL/pgSQL parser reports no position; look inside this statement)',
    );
  });

  it("reports a statement inside a PL/pgSQL body that does not parse (the PL/pgSQL parser checks them)", async () => {
    const findings = await review(VIEWS, "create function analytics.f() returns void language plpgsql as $$\nbegin\n  perform 1;\n  update analytics.x set y = 1 wher true;\nend $$;");
    expect(findings).toEqual(expect.arrayContaining([expect.stringContaining('m2.sql line 1, column 1: the PL/pgSQL body does not parse: syntax error at or near "wher"')]));
  });

  it("reports a SQL-language body that does not parse, at its position in the file", async () => {
    const findings = await review(VIEWS, "create function analytics.f() returns int language sql as $$\n  select 1\n  from from t $$;");
    expect(findings).toContain('m2.sql line 3, column 8: the function body does not parse: syntax error at or near "from"; fix the SQL there (PostgreSQL rejects it the same way)');
  });

  it("reports a do block that does not parse", async () => {
    const findings = await review(VIEWS, "-- guard\ndo $$ begin if not exists (select 1) then selec 1; end if; end $$;");
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(/^m2\.sql line 2, column 1: the do block does not parse: syntax error at or near "selec"/)]));
  });
});

describe("format() and quote_ident() as PostgreSQL evaluates them", () => {
  it.each([
    ["refresh materialized view %s analytics.%I", ["concurrently", "a"], "refresh materialized view concurrently analytics.a"],
    ["%I.%I", ["analytics", "Mixed Case"], 'analytics."Mixed Case"'],
    ["%L and %%", ["it's"], "'it''s' and %"],
    ["%2$s %1$s", ["a", "b"], "b a"],
    ["[%5s|%-5s]", ["ab", "cd"], "[   ab|cd   ]"],
  ])("format(%j, ...%j)", (template, args, expected) => {
    expect(formatLike(template, args)).toBe(expected);
  });

  it("gives up on what it does not implement instead of guessing", () => {
    expect(formatLike("%*s", ["5", "a"])).toBeUndefined();
    expect(formatLike("%s %s", ["only one"])).toBeUndefined();
  });

  it("quotes like quote_ident()", () => {
    expect(quoteIdent("summary_stats")).toBe("summary_stats");
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
  });
});
