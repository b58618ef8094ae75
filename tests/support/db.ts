// Database helpers for tests: fresh bootstrapped databases, and serial access to the cron
// database (pg_cron lives only in the database named by cron.database_name).
import { Client } from "pg";
import {
  bootstrapSql,
  createFreshDatabase as createDatabaseFromTemplate,
  FreshDatabase,
  urlForDatabase,
  withClient,
} from "../../scripts/lib/localCluster";

export { bootstrapSql, prepareTemplateDatabase, TEMPLATE_DATABASE, urlForDatabase, withClient } from "../../scripts/lib/localCluster";
export type { FreshDatabase };

/** Session advisory lock that serialises the test files using the cron database. */
export const CRON_DATABASE_TEST_LOCK = 7_406_001;

function requiredEnv(name: string): string {
  const url = process.env[name];
  if (!url) throw new Error(`${name} is not set: run the tests through jest (globalSetup starts a cluster)`);
  return url;
}

/** The cluster owner's (superuser) URL of the cron database: fixtures and the superuser path only. */
export function adminUrl(): string {
  return requiredEnv("TEST_DATABASE_URL");
}

/** The demoted deployer's (`postgres`) URL of the cron database: what deploys use. */
export function deployerUrl(): string {
  return requiredEnv("TEST_DEPLOYER_URL");
}

/** A new database copied from the bootstrapped template, owned by the deployer; `url` is the deployer's. No pg_cron there. */
export function createFreshDatabase(prefix = "t"): Promise<FreshDatabase> {
  return createDatabaseFromTemplate({ adminUrl: adminUrl(), deployerUrl: deployerUrl() }, prefix);
}

async function cronDatabaseName(): Promise<string> {
  return withClient(adminUrl(), async (client) => {
    const { rows } = await client.query<{ name: string }>("select current_setting('cron.database_name') as name");
    return rows[0].name;
  });
}

/** The cron database's URL as the deployer (the database cron.database_name names; pg_cron is installed there). */
export async function cronDatabaseUrl(): Promise<string> {
  return urlForDatabase(deployerUrl(), await cronDatabaseName());
}

/** The cron database's URL as the cluster owner. */
export async function cronDatabaseAdminUrl(): Promise<string> {
  return urlForDatabase(adminUrl(), await cronDatabaseName());
}

/**
 * Drops everything the project creates in the cron database and restores the bootstrap
 * (pg_cron included, as the platform installs it), so each cron test file starts from the
 * same state. `url` must be the cluster owner's.
 */
export async function resetCronDatabase(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query("set client_min_messages = warning");
    await client.query(`
      do $$
      begin
        if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
          perform cron.unschedule(jobid) from cron.job;
        end if;
      end
      $$;
      drop schema if exists analytics cascade;
      drop schema if exists supabase_migrations cascade;
      drop schema public cascade;
      create schema public;
      alter schema public owner to pg_database_owner;
      grant usage on schema public to public;
      drop type if exists public.app_role;
    `);
    await client.query(bootstrapSql());
  });
}

export interface CronDatabase {
  /** As the deployer. */
  url: string;
  /** As the cluster owner. */
  adminUrl: string;
  /** Ends exclusive use; the next holder resets the database. */
  release(): Promise<void>;
}

/**
 * Exclusive use of the cron database, reset first. The session advisory lock makes test files
 * take turns across workers; hold it from beforeAll to afterAll to span several tests.
 */
export async function acquireCronDatabase(): Promise<CronDatabase> {
  const admin = await cronDatabaseAdminUrl();
  const lock = new Client({ connectionString: admin });
  await lock.connect();
  try {
    await lock.query("select pg_advisory_lock($1)", [CRON_DATABASE_TEST_LOCK]);
    await resetCronDatabase(admin);
  } catch (error) {
    await lock.end();
    throw error;
  }
  return { url: await cronDatabaseUrl(), adminUrl: admin, release: () => lock.end() };
}

/** Runs fn with exclusive use of the cron database, reset before it runs; fn gets the deployer's URL and the owner's. */
export async function withCronDatabase<T>(fn: (url: string, adminUrl: string) => Promise<T>): Promise<T> {
  const database = await acquireCronDatabase();
  try {
    return await fn(database.url, database.adminUrl);
  } finally {
    await database.release();
  }
}

export async function backendPid(client: Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
  return rows[0].pid;
}

export async function blockingPids(observer: Client, pid: number): Promise<number[]> {
  const { rows } = await observer.query<{ pids: number[] }>("select pg_blocking_pids($1) as pids", [pid]);
  return rows[0].pids;
}

/** Polls (bounded) until the backend `pid` waits for a lock held by `holder`. */
export async function waitUntilBlockedBy(observer: Client, pid: number, holder: number): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if ((await blockingPids(observer, pid)).includes(holder)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`backend ${pid} never waited for backend ${holder}`);
}

/**
 * Polls (bounded) until some session of this database waits for a lock on `relation`; for a
 * waiter whose connection the test does not hold. Other databases of the cluster (copies of one
 * template, so with the same oids) do not count.
 */
export async function waitUntilRelationLockWaited(observer: Client, relation: string): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    const { rows } = await observer.query<{ waiting: boolean }>(
      `select exists (select 1 from pg_catalog.pg_locks
        where not granted and relation = $1::regclass
          and database = (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database())) as waiting`,
      [relation],
    );
    if (rows[0].waiting) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no session of this database ever waited for a lock on ${relation}`);
}
