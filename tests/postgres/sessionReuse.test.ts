// Sessions are kept for the next operation on the same database (a deploy runs dozens), but a
// reused session starts clean, a failed one is never reused, and one the server ended while
// idle is replaced without the caller noticing.
import { IDLE_SESSION_MS, LOCK_TIMEOUT, withDatabase } from "../../infra/postgres/connection";
import { queryRows, rejectionOf, useFreshDatabase } from "./support";

async function backendPid(url: string): Promise<number> {
  return withDatabase(url, "probe", async (client) => (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0].pid);
}

describe("deploy sessions", () => {
  const database = useFreshDatabase("pg_sessions");

  it("reuses the session of the previous operation on the same database", async () => {
    const first = await backendPid(database().url);
    expect(await backendPid(database().url)).toBe(first);
    expect(IDLE_SESSION_MS).toBeGreaterThan(0);
  });

  it("resets what an operation changed in its session before the next one", async () => {
    const url = database().url;
    await withDatabase(url, "changing settings", async (client) => {
      await client.query("set lock_timeout = '1h'; set search_path = nowhere");
    });
    const settings = await withDatabase(url, "probe", async (client) => {
      const { rows } = await client.query<{ lock_timeout: string; search_path: string }>(
        "select current_setting('lock_timeout') as lock_timeout, current_setting('search_path') as search_path",
      );
      return rows[0];
    });
    // The deployer's own default search_path, as Supabase sets it for postgres.
    expect(settings).toEqual({ lock_timeout: LOCK_TIMEOUT, search_path: '"$user", public, extensions' });
  });

  it("never reuses a session whose operation failed", async () => {
    const url = database().url;
    const before = await backendPid(url);
    await rejectionOf(withDatabase(url, "failing", (client) => client.query("select 1/0")));
    expect(await backendPid(url)).not.toBe(before);
  });

  it("replaces a session the server ended while it was idle", async () => {
    const url = database().url;
    const before = await backendPid(url);
    await queryRows(url, "select pg_terminate_backend($1)", [before]);
    const after = await backendPid(url);
    expect(after).not.toBe(before);
    const [{ alive }] = await queryRows<{ alive: boolean }>(url, "select exists (select 1 from pg_stat_activity where pid = $1) as alive", [before]);
    expect(alive).toBe(false);
  });

  it("reports a session the server ends during an operation as that operation's error, without ending the process", async () => {
    const url = database().url;
    let pid = 0;
    const error = await rejectionOf(
      withDatabase(url, "terminated", async (client) => {
        pid = (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0].pid;
        await queryRows(url, "select pg_terminate_backend($1)", [pid]);
        // The server's goodbye arrives while no query runs: the session emits 'error' then.
        await waitUntilGone(url, pid);
        await new Promise((resolve) => setImmediate(resolve));
        await client.query("select 1");
      }),
    );
    expect(error.message).toMatch(/^terminated on \S+: .*(not queryable|terminat)/);
    expect(await backendPid(url)).not.toBe(pid);
  });
});

async function waitUntilGone(url: string, pid: number): Promise<void> {
  for (;;) {
    const [{ alive }] = await queryRows<{ alive: boolean }>(url, "select exists (select 1 from pg_stat_activity where pid = $1) as alive", [pid]);
    if (!alive) return;
  }
}
