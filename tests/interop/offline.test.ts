// The Supabase CLI runs offline in these tests: its own switches turn telemetry and the release
// check off, and the proxy trap (tests/interop/supabaseCli.ts) fails any run that still sends
// a request. Without the switches the same command is caught calling out.
import { createFreshDatabase, FreshDatabase } from "../support/db";
import { SupabaseCli } from "./supabaseCli";

describe("the Supabase CLI in the tests never reaches the network", () => {
  let database: FreshDatabase;
  const clis: SupabaseCli[] = [];

  beforeAll(async () => {
    database = await createFreshDatabase("offline");
  });
  afterAll(async () => {
    for (const cli of clis) await cli.close();
    await database?.drop();
  });

  async function start(offline: boolean): Promise<SupabaseCli> {
    const cli = await SupabaseCli.start({ offline });
    clis.push(cli);
    return cli;
  }

  it("with telemetry and the release check off, a command sends no request", async () => {
    const cli = await start(true);
    await expect(cli.migrationList(database.url)).resolves.toEqual(expect.any(Array));
  });

  it("without them, the trap catches the telemetry and release-check requests", async () => {
    const cli = await start(false);
    await expect(cli.migrationList(database.url)).rejects.toThrow(
      /^supabase migration tried to reach the network: CONNECT api\.github\.com:443, CONNECT [\w.-]*posthog\.com:443$/,
    );
  });
});
