// Grants wait for the migration lock: a GRANT and a migration altering the same object would
// otherwise race on the object's catalog row ("tuple concurrently updated", XX000) when the
// engine runs them in parallel. Proven with lock states, not timing.
import { Client } from "pg";
import { MIGRATION_LOCK_KEY } from "../../infra/migrations";
import { grantProvider, GrantInputs } from "../../infra/postgres";
import { queryRows, useFreshDatabase } from "./support";

const SETUP_SQL = "create schema probe; create table probe.facts (id int);";

/**
 * Sessions of this test's own database waiting for the migration lock. Advisory locks are per
 * database, and other test files wait on the same key in theirs: counting the whole cluster
 * could end the loop below on someone else's waiter.
 */
async function waitersOnMigrationLock(url: string): Promise<number> {
  const [{ waiting }] = await queryRows<{ waiting: number }>(
    url,
    `select count(*)::int as waiting from pg_catalog.pg_locks
     where locktype = 'advisory' and not granted and ((classid::bigint << 32) | objid::bigint) = $1
       and database = (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database())`,
    [MIGRATION_LOCK_KEY],
  );
  return waiting;
}

describe("Grant and the migration lock", () => {
  const database = useFreshDatabase("pg_grant_lock", SETUP_SQL);

  it("a grant waits while a migration holds the lock, then applies", async () => {
    const url = database().url;
    const inputs: GrantInputs = {
      connection: url,
      role: "authenticated",
      privilege: "select",
      objectType: "table",
      object: "probe.facts",
      
    };
    await queryRows(url, "revoke all on probe.facts from authenticated");
    const migration = new Client({ connectionString: url });
    await migration.connect();
    try {
      await migration.query("select pg_advisory_lock($1::bigint)", [MIGRATION_LOCK_KEY]);
      const granting = grantProvider.create(inputs);
      let waiting = 0;
      for (let attempt = 0; attempt < 400 && waiting === 0; attempt++) {
        waiting = await waitersOnMigrationLock(url);
        if (waiting === 0) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(waiting).toBe(1);
      const [{ ok: grantedWhileLocked }] = await queryRows<{ ok: boolean }>(
        url,
        "select has_table_privilege('authenticated', 'probe.facts', 'select') as ok",
      );
      expect(grantedWhileLocked).toBe(false);
      await migration.query("select pg_advisory_unlock($1::bigint)", [MIGRATION_LOCK_KEY]);
      await granting;
    } finally {
      await migration.end();
    }
    const [{ ok }] = await queryRows<{ ok: boolean }>(url, "select has_table_privilege('authenticated', 'probe.facts', 'select') as ok");
    expect(ok).toBe(true);
  });
});
