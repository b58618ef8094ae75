// The first database connection to a just-provisioned project, through the fake API's real
// session pooler (in front of the test cluster): retried with bounded backoff on what a new
// project gives (connection refused, "Tenant or user not found", authentication failures),
// and on nothing else. The clock is virtual: the delays asked for are recorded, never waited.
import { classifyConnectFailure, CONNECT_RETRY, installConnectRetryRuntime } from "../../infra/postgres/connectRetry";
import { withDatabase } from "../../infra/postgres/connection";
import { deployerUrl } from "../support/db";
import { rejectionOf, useFakeManagementApi } from "./helpers";

const ctx = useFakeManagementApi();

let sleeps: number[];
let onSleep: (() => Promise<void>) | undefined;
let restoreRuntime: () => void;

beforeEach(() => {
  sleeps = [];
  onSleep = undefined;
  let now = 1_800_000_000_000;
  restoreRuntime = installConnectRetryRuntime({
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
      await onSleep?.();
    },
  });
});

afterEach(() => restoreRuntime());


async function currentUser(url: string): Promise<string> {
  return withDatabase(url, "probe", async (client) => (await client.query<{ user: string }>("select current_user as user")).rows[0].user);
}

describe("first connection to a new project", () => {
  it("retries while the pooler does not know the tenant yet, then connects as postgres", async () => {
    const project = ctx.fake.seedProject();
    const pooler = await ctx.fake.startPooler(deployerUrl(), { refuseLogins: 3 });
    expect(await currentUser(pooler.url(project.ref, project.dbPass))).toBe("postgres");
    expect(pooler.refused).toBe(3);
    expect(sleeps).toEqual([1000, 2000, 4000]);
  });

  it("retries connection refused until the pooler listens", async () => {
    const project = ctx.fake.seedProject();
    const pooler = await ctx.fake.startPooler(deployerUrl(), { listening: false });
    onSleep = async () => {
      if (sleeps.length === 2) await pooler.listen();
    };
    expect(await currentUser(pooler.url(project.ref, project.dbPass))).toBe("postgres");
    expect(sleeps).toEqual([1000, 2000]);
  });

  it("gives up on authentication failures after a few, before the pooler would ban the deployer", async () => {
    const project = ctx.fake.seedProject();
    const pooler = await ctx.fake.startPooler(deployerUrl(), { refuseLogins: 100, refusal: "authentication failed" });
    const error = await rejectionOf(currentUser(pooler.url(project.ref, project.dbPass)));
    expect(error.message).toContain("password authentication failed");
    expect(pooler.refused).toBe(CONNECT_RETRY.maxAuthenticationFailures);
  });

  it("is bounded: stops retrying once the window of the first minutes has passed", async () => {
    const project = ctx.fake.seedProject();
    const pooler = await ctx.fake.startPooler(deployerUrl(), { refuseLogins: 1_000 });
    const error = await rejectionOf(currentUser(pooler.url(project.ref, project.dbPass)));
    expect(error.message).toContain("Tenant or user not found");
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(CONNECT_RETRY.maxElapsedMs);
    expect(Math.max(...sleeps)).toBe(CONNECT_RETRY.maxDelayMs);
  });

  it("fails at once on any other error (here: a database that does not exist)", async () => {
    const project = ctx.fake.seedProject();
    const pooler = await ctx.fake.startPooler(deployerUrl());
    const error = await rejectionOf(currentUser(pooler.url(project.ref, project.dbPass, "no_such_database")));
    expect(error.message).toContain('database "no_such_database" does not exist');
    expect(sleeps).toEqual([]);
    expect(pooler.passed).toBe(1);
  });

  it("never retries a database that is not a Supabase project's (a local server that is down fails at once)", async () => {
    const project = ctx.fake.seedProject();
    const pooler = await ctx.fake.startPooler(deployerUrl(), { listening: false });
    const local = `postgresql://postgres:${encodeURIComponent(project.dbPass)}@127.0.0.1:${pooler.port}/postgres?sslmode=disable`;
    const error = await rejectionOf(currentUser(local));
    expect(error.message).toContain("ECONNREFUSED");
    expect(sleeps).toEqual([]);
  });

  it("classifies only the failures of a just-provisioned project as retryable", () => {
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: "FATAL" });
    expect(classifyConnectFailure(pgError("XX000", "Tenant or user not found"))).toBe("tenant not found");
    expect(classifyConnectFailure(pgError("28P01", 'password authentication failed for user "postgres"'))).toBe("authentication failed");
    expect(classifyConnectFailure(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe("connection refused");
    expect(classifyConnectFailure(pgError("3D000", 'database "x" does not exist'))).toBeUndefined();
    expect(classifyConnectFailure(Object.assign(new Error("getaddrinfo ENOTFOUND db.example"), { code: "ENOTFOUND" }))).toBeUndefined();
  });
});
