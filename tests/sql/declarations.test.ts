// The program's declarations (infra/adminSurface.ts, infra/migrations/lockKeys.ts) against the
// database the migrations build. Adding a view is a migration plus one entry in ANALYTICS_VIEWS:
// this file fails, naming the view, when one is there without the other, or when the view
// lacks what the list promises (a unique index, a get_<view>() wrapper, a place in the refresh
// and in health_check()).
import { Client } from "pg";
import { ALL_GRANTS, ANALYTICS_SCHEMA, ANALYTICS_VIEWS } from "../../infra/adminSurface";
import { REFRESH_LOCK_KEY } from "../../infra/migrations";
import { applyMigrations } from "../support/applySql";
import { createFreshDatabase, FreshDatabase } from "../support/db";

/** Names in `declared` and not in `built`, and the reverse. */
function mismatch(declared: readonly string[], built: readonly string[]): { declaredOnly: string[]; builtOnly: string[] } {
  return { declaredOnly: declared.filter((name) => !built.includes(name)), builtOnly: built.filter((name) => !declared.includes(name)) };
}

const MATCH = { declaredOnly: [], builtOnly: [] };

describe("the declarations match the database the migrations build", () => {
  let db: FreshDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createFreshDatabase("declarations");
    await applyMigrations(db.url);
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it("ANALYTICS_VIEWS lists exactly the materialized views of schema analytics", async () => {
    const { rows } = await client.query<{ name: string }>(
      "select c.relname as name from pg_catalog.pg_class c where c.relnamespace = $1::regnamespace and c.relkind = 'm' order by 1",
      [ANALYTICS_SCHEMA],
    );
    expect(mismatch(ANALYTICS_VIEWS, rows.map((row) => row.name))).toEqual(MATCH);
  });

  it("each listed view has a unique index (refresh ... concurrently needs one) and its get_<view>() wrapper", async () => {
    const { rows } = await client.query<{ view: string; unique_index: boolean; wrapper: string | null }>(
      `select v.view,
              exists (select 1 from pg_catalog.pg_index i
                       where i.indrelid = pg_catalog.to_regclass('analytics.' || v.view) and i.indisunique) as unique_index,
              pg_catalog.to_regprocedure('analytics.get_' || v.view || '()')::text as wrapper
         from pg_catalog.unnest($1::text[]) as v(view)`,
      [ANALYTICS_VIEWS],
    );
    const lacking = rows.filter((row) => !row.unique_index || row.wrapper === null).map((row) => row.view);
    expect({ lacking }).toEqual({ lacking: [] });
  });

  it("every object of the admin surface exists", async () => {
    const { rows } = await client.query<{ object: string }>(
      `select g.object
         from pg_catalog.jsonb_to_recordset($1::jsonb) as g(object text, "objectType" text)
        where case g."objectType"
                when 'function' then pg_catalog.to_regprocedure(g.object) is null
                when 'table' then pg_catalog.to_regclass(g.object) is null
                else not exists (select 1 from pg_catalog.pg_namespace n where n.nspname = g.object)
              end`,
      [JSON.stringify(ALL_GRANTS)],
    );
    expect(rows.map((row) => row.object)).toEqual([]);
  });

  it("refresh_all_views() refreshes, and health_check() reports, exactly the listed views", async () => {
    await client.query("select analytics.refresh_all_views()");
    const { rows: runs } = await client.query<{ modes: Record<string, string> }>(
      "select refresh_modes as modes from analytics.refresh_runs order by id desc limit 1",
    );
    expect(mismatch(ANALYTICS_VIEWS, Object.keys(runs[0].modes))).toEqual(MATCH);
    // health_check() is for admins: the claims of one, for this transaction only.
    await client.query("begin");
    await client.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify({ role: "authenticated", user_role: "admin" })]);
    const { rows: health } = await client.query<{ view_name: string }>("select view_name from analytics.health_check()");
    await client.query("rollback");
    expect(mismatch(ANALYTICS_VIEWS, health.map((row) => row.view_name))).toEqual(MATCH);
  });

  it("REFRESH_LOCK_KEY is analytics.refresh_lock_key(), and the refresh skips while another session holds it", async () => {
    const { rows } = await client.query<{ key: string }>("select analytics.refresh_lock_key()::text as key");
    expect(Number(rows[0].key)).toBe(REFRESH_LOCK_KEY);
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query("begin");
      await holder.query("select pg_catalog.pg_advisory_xact_lock($1::bigint)", [REFRESH_LOCK_KEY]);
      await client.query("select analytics.refresh_all_views()");
      const { rows: runs } = await client.query<{ status: string }>("select status from analytics.refresh_runs order by id desc limit 1");
      expect(runs[0].status).toBe("skipped");
    } finally {
      await holder.query("rollback");
      await holder.end();
    }
  });
});
