// The Extension provider with the real pg_cron 1.4, in the cron database (the only one where
// pg_cron can be created). Leaves pg_cron installed or not, as it found it.
//
// Two paths: the deployer (`postgres`, demoted as on Supabase) adopts the pg_cron the
// platform installed; creating and dropping pg_cron on plain PostgreSQL is a superuser's
// job, so those tests run the provider as the cluster owner.
import { extensionProvider, ExtensionInputs, ExtensionOutputs } from "../../infra/postgres";
import { createFreshDatabase, withClient, withCronDatabase } from "../support/db";
import { queryRows, rejectionOf } from "./support";

async function installed(url: string): Promise<Array<{ version: string; schema: string }>> {
  return queryRows(url, "select extversion as version, extnamespace::regnamespace::text as schema from pg_extension where extname = 'pg_cron'");
}

/** Runs fn in the cron database starting without pg_cron (fn gets the superuser's URL), and puts back what was there. */
async function withoutPgCron(fn: (url: string) => Promise<void>): Promise<void> {
  await withCronDatabase(async (_deployerUrl, url) => {
    const before = (await installed(url)).length > 0;
    await withClient(url, (client) => client.query("drop extension if exists pg_cron"));
    try {
      await fn(url);
    } finally {
      await withClient(url, (client) =>
        client.query(before ? "create extension if not exists pg_cron with schema pg_catalog" : "drop extension if exists pg_cron"),
      );
    }
  });
}

function pgCron(url: string): ExtensionInputs {
  return { connection: url, name: "pg_cron", schema: "pg_catalog" };
}

describe("Extension: as the demoted deployer", () => {
  it("adopts the pg_cron the platform installed: create is a no-op, read reports it", async () => {
    await withCronDatabase(async (url) => {
      const { id, outs } = await extensionProvider.create(pgCron(url));
      expect({ id, outs }).toEqual({ id: "pg_cron", outs: { ...pgCron(url), version: "1.4-1", adopted: true } });
      expect(await extensionProvider.read!("pg_cron", outs as ExtensionOutputs)).toEqual({ id: "pg_cron", props: outs });
    });
  });

  it("leaves the adopted pg_cron installed on delete: the stack drops only what it created", async () => {
    await withCronDatabase(async (url) => {
      const { outs } = await extensionProvider.create(pgCron(url));
      await extensionProvider.delete!("pg_cron", outs as ExtensionOutputs);
      expect(await installed(url)).toEqual([{ version: "1.4-1", schema: "pg_catalog" }]);
    });
  });

  it("says which superuser step is missing when pg_cron is not installed on plain PostgreSQL", async () => {
    await withCronDatabase(async (url, adminUrl) => {
      await withClient(adminUrl, (client) => client.query("drop extension pg_cron"));
      const error = await rejectionOf(extensionProvider.create(pgCron(url)));
      expect(error.message).toContain("the deploying role may not create it (it is not a superuser)");
      expect(error.message).toContain('have a superuser run "create extension pg_cron with schema pg_catalog"');
      expect(error.code).toBe("42501");
    });
  });
});

describe("Extension: create, read, diff, update, delete (superuser path)", () => {
  it("creates pg_cron in pg_catalog, reads its version, and drops it (with its jobs)", async () => {
    await withoutPgCron(async (url) => {
      const inputs = pgCron(url);
      const checked = await extensionProvider.check!({} as ExtensionInputs, { connection: url, name: "pg_cron" } as ExtensionInputs);
      expect(checked).toEqual({ inputs, failures: [] });
      const { id, outs } = await extensionProvider.create(inputs);
      expect(id).toBe("pg_cron");
      expect(outs).toEqual({ ...inputs, version: "1.4-1", adopted: false });
      expect(await installed(url)).toEqual([{ version: "1.4-1", schema: "pg_catalog" }]);

      // Adopts an installed extension.
      expect((await extensionProvider.create(inputs)).outs).toEqual({ ...outs, adopted: true });

      const output = outs as ExtensionOutputs;
      expect(await extensionProvider.read!("pg_cron", output)).toEqual({ id: "pg_cron", props: output });
      expect(await extensionProvider.diff!("pg_cron", output, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
      expect(await extensionProvider.diff!("pg_cron", output, { ...inputs, schema: "extensions" })).toEqual({
        changes: true,
        replaces: ["schema"],
        deleteBeforeReplace: true,
      });
      const moved = { ...inputs, connection: `${url}?application_name=moved` };
      expect(await extensionProvider.diff!("pg_cron", output, moved)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
      expect((await extensionProvider.update!("pg_cron", output, moved)).outs).toEqual({ ...moved, version: "1.4-1", adopted: false });

      await withClient(url, (client) => client.query("select cron.schedule('doomed', '* * * * *', 'select 1')"));
      await extensionProvider.delete!("pg_cron", output);
      expect(await installed(url)).toEqual([]);
      // Its jobs went with it: the warning in docs/troubleshooting.md#deploying.
      expect(await queryRows(url, "select to_regclass('cron.job') as job")).toEqual([{ job: null }]);
    });
  });

  it("reads a dropped extension as gone, and create restores it", async () => {
    await withoutPgCron(async (url) => {
      const { outs } = await extensionProvider.create(pgCron(url));
      await withClient(url, (client) => client.query("drop extension pg_cron"));
      expect((await extensionProvider.read!("pg_cron", outs as ExtensionOutputs)).id).toBeFalsy();
      await extensionProvider.create(pgCron(url));
      expect(await installed(url)).toEqual([{ version: "1.4-1", schema: "pg_catalog" }]);
    });
  });

  it("refuses an extension already installed in another schema", async () => {
    await withoutPgCron(async (url) => {
      await withClient(url, (client) => client.query("create extension pg_cron with schema public"));
      const error = await rejectionOf(extensionProvider.create(pgCron(url)));
      expect(error.message).toContain("extension pg_cron is already installed in schema public, not pg_catalog");
      const read = await extensionProvider.read!("pg_cron", { ...pgCron(url), version: "1.4-1" });
      expect(read.props?.schema).toBe("public");
    });
  });

  it("passes on pg_cron's own refusal outside the cron database", async () => {
    const db = await createFreshDatabase("pg_extension");
    try {
      const error = await rejectionOf(extensionProvider.create(pgCron(db.adminUrl)));
      expect(error.message).toContain("can only create extension in database");
    } finally {
      await db.drop();
    }
  });
});

describe("Extension: check", () => {
  const good = (): ExtensionInputs => pgCron("postgresql://u:p@db.example.com/postgres?sslmode=require");

  it.each([
    ["name", { name: "postgis" }, 'unknown extension "postgis"; this stack supports pg_cron'],
    ["name", { name: "constructor" }, "unknown extension"],
    ["name", { name: "" }, "required"],
    ["schema", { schema: "extensions" }, "pg_cron must be installed in schema pg_catalog, not extensions"],
    ["schema", { schema: "x".repeat(64) }, "longer than 63 bytes"],
    ["connection", { connection: "" }, "required"],
    ["connection", { connection: "postgresql://u:p@db.abcdefghij.supabase.co:5432/postgres?sslmode=disable" }, "Supabase requires TLS"],
  ])("fails on %s %j", async (property, change, reason) => {
    const checked = await extensionProvider.check!({} as ExtensionInputs, { ...good(), ...change } as ExtensionInputs);
    expect(checked.failures).toEqual([{ property, reason: expect.stringContaining(reason) }]);
  });
});
