// Database helpers for tests: fresh bootstrapped databases, and serial access to the cron
// database (pg_cron lives only in the database named by cron.database_name).
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { REPO_ROOT } from "./cluster";

/** Every fresh test database is a copy of this one: the Supabase look-alike bootstrap applied. */
export const TEMPLATE_DATABASE = "supabase_analytics_test_template";
/** Session advisory lock that serialises the test files using the cron database. */
export const CRON_DATABASE_TEST_LOCK = 7_406_001;
const BOOTSTRAP_DIR = path.join(REPO_ROOT, "sql/local");

export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set: run the tests through jest (globalSetup starts a cluster)");
  return url;
}

export function urlForDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function bootstrapSql(): string {
  return fs
    .readdirSync(BOOTSTRAP_DIR)
    .filter((file) => file.endsWith(".sql"))
    .sort()
    .map((file) => fs.readFileSync(path.join(BOOTSTRAP_DIR, file), "utf8"))
    .join("\n");
}

/** Recreates the template database with the bootstrap; globalSetup calls it once per run. */
export async function prepareTemplateDatabase(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(`drop database if exists ${TEMPLATE_DATABASE}`);
    await client.query(`create database ${TEMPLATE_DATABASE}`);
  });
  await withClient(urlForDatabase(url, TEMPLATE_DATABASE), async (client) => {
    await client.query("set client_min_messages = warning");
    await client.query(bootstrapSql());
  });
}

export interface FreshDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new database copied from the bootstrapped template. No pg_cron there: use the cron database for that. */
export async function createFreshDatabase(prefix = "t"): Promise<FreshDatabase> {
  const name = `${prefix.replace(/[^a-z0-9_]/g, "_")}_${randomBytes(5).toString("hex")}`;
  await withClient(adminUrl(), (client) => client.query(`create database ${name} template ${TEMPLATE_DATABASE}`));
  return {
    name,
    url: urlForDatabase(adminUrl(), name),
    drop: () => withClient(adminUrl(), (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** The cron database's URL (the one cron.database_name names, where pg_cron can be created). */
export async function cronDatabaseUrl(): Promise<string> {
  const name = await withClient(adminUrl(), async (client) => {
    const { rows } = await client.query<{ name: string }>("select current_setting('cron.database_name') as name");
    return rows[0].name;
  });
  return urlForDatabase(adminUrl(), name);
}

/**
 * Drops everything the project creates in the cron database and restores the bootstrap,
 * so each cron test file starts from the same state as a fresh database plus pg_cron.
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
  url: string;
  /** Ends exclusive use; the next holder resets the database. */
  release(): Promise<void>;
}

/**
 * Exclusive use of the cron database, reset first. The session advisory lock makes test files
 * take turns across workers; hold it from beforeAll to afterAll to span several tests.
 */
export async function acquireCronDatabase(): Promise<CronDatabase> {
  const url = await cronDatabaseUrl();
  const lock = new Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query("select pg_advisory_lock($1)", [CRON_DATABASE_TEST_LOCK]);
    await resetCronDatabase(url);
  } catch (error) {
    await lock.end();
    throw error;
  }
  return { url, release: () => lock.end() };
}

/** Runs fn with exclusive use of the cron database, reset before it runs. */
export async function withCronDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const database = await acquireCronDatabase();
  try {
    return await fn(database.url);
  } finally {
    await database.release();
  }
}
