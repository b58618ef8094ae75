// Supavisor's session-mode client limit, on the session pooler stand-in and on the providers'
// connections: the stand-in refuses the client beyond its pool size exactly as Supavisor does,
// and the providers never open more sessions than MAX_SESSIONS, however many operations the
// engine runs at once (--parallel 16 by default on a 4-vCPU runner, 32 here too).
import { Client } from "pg";
import { MAX_SESSIONS, withDatabase } from "../../infra/postgres";
import { deployerUrl } from "../support/db";
import { maxClientsMessage, SUPAVISOR_DEFAULT_POOL_SIZE } from "../support/fakeManagementApi/pooler";
import { rejectionOf, useFakeManagementApi } from "./helpers";

const ctx = useFakeManagementApi();
/** Long enough that every operation started at once is still running when the last one starts. */
const HOLD_SECONDS = 0.3;

describe("the session pooler's client limit", () => {
  it("refuses the client beyond pool_size 15 with Supavisor's EMAXCONNSESSION error, and admits one again once a client leaves", async () => {
    const project = ctx.fake.seedProject();
    const pooler = await ctx.fake.startPooler(deployerUrl());
    const clients: Client[] = [];
    try {
      for (let index = 0; index < SUPAVISOR_DEFAULT_POOL_SIZE; index += 1) {
        const client = new Client({ connectionString: pooler.url(project.ref, project.dbPass) });
        await client.connect();
        clients.push(client);
      }
      const extra = new Client({ connectionString: pooler.url(project.ref, project.dbPass) });
      const refused = (await rejectionOf(extra.connect())) as Error & { code?: string; severity?: string };
      expect({ message: refused.message, code: refused.code, severity: refused.severity }).toEqual({
        message: "(EMAXCONNSESSION) max clients reached in session mode - max clients are limited to pool_size: 15",
        code: "XX000",
        severity: "FATAL",
      });
      expect(maxClientsMessage(15)).toBe(refused.message);
      await clients.pop()!.end();
      const again = new Client({ connectionString: pooler.url(project.ref, project.dbPass) });
      await again.connect();
      clients.push(again);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });
});

describe("the providers' sessions are bounded", () => {
  it.each([16, 32])("%i operations at once through a pool of 15 all succeed, on at most MAX_SESSIONS sessions", async (parallel) => {
    expect(MAX_SESSIONS).toBeLessThan(SUPAVISOR_DEFAULT_POOL_SIZE);
    const project = ctx.fake.seedProject();
    const pooler = await ctx.fake.startPooler(deployerUrl());
    const url = pooler.url(project.ref, project.dbPass);
    const results = await Promise.all(
      Array.from({ length: parallel }, (_, index) =>
        withDatabase(url, `read ${index}`, async (client) => (await client.query<{ n: number }>("select $1::int as n, pg_sleep($2)", [index, HOLD_SECONDS])).rows[0].n),
      ),
    );
    expect(results).toEqual(Array.from({ length: parallel }, (_, index) => index));
    expect(pooler.refusals).toEqual([]);
    expect(pooler.peakClients).toBe(MAX_SESSIONS);
  });
});
