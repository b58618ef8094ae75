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
    await withClient(db.adminUrl, (client) => client.query(bootstrapSql()));
  });
});

describe("the role model (as supabase/postgres leaves it)", () => {
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await createFreshDatabase("roles");
  });
  afterAll(async () => {
    await db.drop();
  });

  it("connects the tests as the demoted deployer: postgres with Supabase's attributes, and a separate superuser owns the cluster", async () => {
    const roles = await withClient(db.url, async (client) => {
      const { rows } = await client.query(
        `select rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin
         from pg_catalog.pg_roles where rolname in ('postgres', 'supabase_admin') order by rolname`,
      );
      const me = await client.query<{ user: string }>("select current_user as user");
      return { rows, user: me.rows[0].user };
    });
    expect(roles.user).toBe("postgres");
    expect(roles.rows).toEqual([
      { rolname: "postgres", rolsuper: false, rolcreaterole: true, rolcreatedb: true, rolreplication: true, rolbypassrls: true, rolcanlogin: true },
      { rolname: "supabase_admin", rolsuper: true, rolcreaterole: true, rolcreatedb: true, rolreplication: true, rolbypassrls: true, rolcanlogin: true },
    ]);
  });

  it("hands every deploying test the deployer: fresh databases and the cron database connect as non-superuser postgres", async () => {
    const who = (url: string) =>
      withClient(url, async (client) => (await client.query<{ user: string; superuser: string }>("select current_user as user, current_setting('is_superuser') as superuser")).rows[0]);
    expect(await who(db.url)).toEqual({ user: "postgres", superuser: "off" });
    expect(await withCronDatabase((url) => who(url))).toEqual({ user: "postgres", superuser: "off" });
  });

  it("sets the platform's statement_timeout on the API roles: 3s anon, 8s authenticated and authenticator", async () => {
    const settings = await withClient(db.url, async (client) => {
      const { rows } = await client.query<{ role: string; setting: string }>(
        `select r.rolname as role, s.setting
         from pg_catalog.pg_db_role_setting d
         join pg_catalog.pg_roles r on r.oid = d.setrole
         cross join lateral unnest(d.setconfig) as s(setting)
         where d.setdatabase = 0 and s.setting like 'statement_timeout=%'
         order by r.rolname`,
      );
      return rows;
    });
    expect(settings).toEqual([
      { role: "anon", setting: "statement_timeout=3s" },
      { role: "authenticated", setting: "statement_timeout=8s" },
      { role: "authenticator", setting: "statement_timeout=8s" },
    ]);
  });

  it("does not let the deployer create an untrusted extension or a superuser (what Supabase refuses too)", async () => {
    const errors = await withClient(db.url, async (client) => {
      const refused: string[] = [];
      for (const sql of ["create extension file_fdw", "create role probe_superuser superuser"]) {
        try {
          await client.query(sql);
          refused.push(`${sql}: allowed`);
        } catch (error) {
          refused.push(`${sql}: ${(error as { code?: string }).code}`);
        }
      }
      return refused;
    });
    expect(errors).toEqual(["create extension file_fdw: 42501", "create role probe_superuser superuser: 42501"]);
  });

  it("lets the deployer set what supautils allows it (session_replication_role), not other superuser settings", async () => {
    const result = await withClient(db.url, async (client) => {
      await client.query("begin");
      await client.query("set local session_replication_role = replica");
      let other = "allowed";
      try {
        await client.query("set local log_statement = 'all'");
      } catch (error) {
        other = (error as { code?: string }).code ?? "?";
      }
      await client.query("rollback");
      return other;
    });
    expect(result).toBe("42501");
  });

  it("lets the deployer act as the API roles and the auth admin (set role), as the platform's grants do", async () => {
    const roles = await withClient(db.url, async (client) => {
      const seen: string[] = [];
      for (const role of ["anon", "authenticated", "service_role", "supabase_auth_admin"]) {
        await client.query(`set role ${role}`);
        seen.push((await client.query<{ role: string }>("select current_user as role")).rows[0].role);
        await client.query("reset role");
      }
      return seen;
    });
    expect(roles).toEqual(["anon", "authenticated", "service_role", "supabase_auth_admin"]);
  });
});

describe("the cron database", () => {
  it("has pg_cron in pg_catalog, owned by the cluster owner, and lets the deployer schedule a job", async () => {
    const result = await withCronDatabase((url) =>
      withClient(url, async (client) => {
        // What the Extension resource runs: a no-op once the platform has installed it.
        await client.query("create extension if not exists pg_cron with schema pg_catalog");
        await client.query("select cron.schedule('bootstrap-probe', '*/5 * * * *', 'select 1')");
        const jobs = await client.query<{ jobname: string; schedule: string; username: string }>("select jobname, schedule, username from cron.job");
        const extension = await client.query<{ schema: string; owner: string }>(
          "select extnamespace::regnamespace::text as schema, extowner::regrole::text as owner from pg_catalog.pg_extension where extname = 'pg_cron'",
        );
        return { jobs: jobs.rows, extension: extension.rows };
      }),
    );
    expect(result.extension).toEqual([{ schema: "pg_catalog", owner: "supabase_admin" }]);
    expect(result.jobs).toEqual([{ jobname: "bootstrap-probe", schedule: "*/5 * * * *", username: "postgres" }]);
  });

  it("grants the deployer what pg_cron's after-create script grants, and no more: select on cron.job, not update", async () => {
    const result = await withCronDatabase((url) =>
      withClient(url, async (client) => {
        const { rows } = await client.query<{ privilege: string; granted: boolean }>(
          `select p as privilege, has_table_privilege('cron.job', p) as granted
           from unnest(array['select', 'insert', 'update', 'delete']) as p`,
        );
        const details = await client.query<{ granted: boolean }>("select has_table_privilege('cron.job_run_details', 'select, delete') as granted");
        let update = "allowed";
        try {
          await client.query("update cron.job set active = false");
        } catch (error) {
          update = (error as { code?: string }).code ?? "?";
        }
        return { rows, details: details.rows[0].granted, update };
      }),
    );
    expect(result.rows).toEqual([
      { privilege: "select", granted: true },
      { privilege: "insert", granted: false },
      { privilege: "update", granted: false },
      { privilege: "delete", granted: false },
    ]);
    expect(result.details).toBe(true);
    expect(result.update).toBe("42501");
  });

  it("keeps creating pg_cron on plain PostgreSQL a superuser's job: the deployer cannot, the cluster owner can", async () => {
    const result = await withCronDatabase((url, adminUrl) =>
      withClient(adminUrl, async (admin) => {
        await admin.query("drop extension pg_cron");
        let deployer = "allowed";
        await withClient(url, async (client) => {
          try {
            await client.query("create extension pg_cron with schema pg_catalog");
          } catch (error) {
            deployer = (error as { code?: string }).code ?? "?";
          }
        });
        await admin.query("create extension pg_cron with schema pg_catalog");
        const { rows } = await admin.query<{ n: number }>("select count(*)::int as n from pg_catalog.pg_extension where extname = 'pg_cron'");
        return { deployer, installed: rows[0].n };
      }),
    );
    expect(result).toEqual({ deployer: "42501", installed: 1 });
  });
});
