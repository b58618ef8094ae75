// The Supabase look-alike bootstrap (sql/local/) on the real test cluster: the platform's
// defaults that the migrations must defend against are really there.
import { createFreshDatabase, FreshDatabase, withClient, withCronDatabase } from "../support/db";

describe("Supabase look-alike bootstrap", () => {
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await createFreshDatabase("bootstrap");
  });
  afterAll(async () => {
    await db.drop();
  });

  it("creates the API roles", async () => {
    const roles = await withClient(db.url, async (client) => {
      const { rows } = await client.query<{ rolname: string }>(
        "select rolname from pg_catalog.pg_roles where rolname = any($1) order by rolname",
        [["anon", "authenticated", "service_role", "authenticator", "supabase_auth_admin"]],
      );
      return rows.map((row) => row.rolname);
    });
    expect(roles).toEqual(["anon", "authenticated", "authenticator", "service_role", "supabase_auth_admin"]);
  });

  it("makes a function that postgres creates in public executable by anon (the platform default)", async () => {
    const result = await withClient(db.url, async (client) => {
      await client.query("create function public.bootstrap_probe() returns int language sql set search_path = '' as 'select 42'");
      await client.query("begin");
      await client.query("set local role anon");
      const { rows } = await client.query<{ value: number }>("select public.bootstrap_probe() as value");
      await client.query("rollback");
      return rows[0].value;
    });
    expect(result).toBe(42);
  });

  it("grants new public tables to authenticated by default", async () => {
    const privileged = await withClient(db.url, async (client) => {
      await client.query("create table public.bootstrap_table (id int)");
      const { rows } = await client.query<{ ok: boolean }>(
        "select has_table_privilege('authenticated', 'public.bootstrap_table', 'select') as ok",
      );
      return rows[0].ok;
    });
    expect(privileged).toBe(true);
  });

  it("reads request.jwt.claims in auth.jwt() and auth.uid() as PostgREST sets them", async () => {
    const claims = { sub: "7c1f2a9e-0d5b-4d8e-9a51-3f0c6b2e8d41", role: "authenticated", user_role: "admin" };
    const row = await withClient(db.url, async (client) => {
      await client.query("begin");
      await client.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
      await client.query("set local role authenticated");
      const { rows } = await client.query<{ jwt: Record<string, string>; uid: string }>(
        "select auth.jwt() as jwt, auth.uid()::text as uid",
      );
      await client.query("rollback");
      return rows[0];
    });
    expect(row).toEqual({ jwt: claims, uid: claims.sub });
  });

  it("is idempotent: applying it again to a used database succeeds", async () => {
    const { bootstrapSql } = await import("../support/db");
    await withClient(db.url, (client) => client.query(bootstrapSql()));
  });
});

describe("the cron database", () => {
  it("can create pg_cron in pg_catalog and schedule a job", async () => {
    const jobs = await withCronDatabase((url) =>
      withClient(url, async (client) => {
        await client.query("create extension if not exists pg_cron with schema pg_catalog");
        await client.query("select cron.schedule('bootstrap-probe', '*/5 * * * *', 'select 1')");
        const { rows } = await client.query<{ jobname: string; schedule: string }>("select jobname, schedule from cron.job");
        return rows;
      }),
    );
    expect(jobs).toEqual([{ jobname: "bootstrap-probe", schedule: "*/5 * * * *" }]);
  });
});
