// A throwaway local cluster and databases copied from a bootstrapped template: the one home
// for what the test harness (tests/support) and the bench (bench/database.ts) both need.
//
// The cluster comes from scripts/local-postgres (same settings and sql/local/ bootstrap as
// the `local` stack), in a temp folder on a free port. It has two users, as on Supabase:
//   * adminUrl: `supabase_admin`, the superuser that owns the cluster (creates databases,
//     applies the bootstrap, resets fixtures);
//   * deployerUrl: `postgres`, demoted (NOSUPERUSER CREATEROLE CREATEDB REPLICATION
//     BYPASSRLS). Everything that deploys connects as this one.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";

export const REPO_ROOT = path.resolve(__dirname, "../..");
const LOCAL_POSTGRES = path.join(REPO_ROOT, "scripts/local-postgres");
const BOOTSTRAP_DIR = path.join(REPO_ROOT, "sql/local");
/** Every fresh database is a copy of this one: the Supabase look-alike bootstrap applied. */
export const TEMPLATE_DATABASE = "supabase_analytics_test_template";
/** The deployer role: owns the fresh databases, as `postgres` owns database postgres on Supabase. */
export const DEPLOYER_ROLE = "postgres";

export interface LocalCluster {
  /** Superuser (`supabase_admin`) URL of the cron database (`cron.database_name`). */
  adminUrl: string;
  /** The demoted deployer's (`postgres`) URL of the same database. */
  deployerUrl: string;
  /** Set when the cluster was started here and must be removed at the end. */
  clusterDir?: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

function runLocalPostgres(command: "start" | "stop" | "url" | "admin-url", env: NodeJS.ProcessEnv): string {
  return execFileSync(LOCAL_POSTGRES, [command], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

export async function startCluster(): Promise<LocalCluster> {
  const clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), "supabase-analytics-pg-"));
  // mkdtemp makes the folder 0700; the server runs as `postgres` when we are root.
  fs.chmodSync(clusterDir, 0o755);
  const env = { LOCAL_PG_DIR: clusterDir, LOCAL_PG_PORT: String(await freePort()) };
  runLocalPostgres("start", env);
  return { adminUrl: runLocalPostgres("admin-url", env), deployerUrl: runLocalPostgres("url", env), clusterDir };
}

export function stopCluster(cluster: LocalCluster): void {
  if (!cluster.clusterDir) return;
  runLocalPostgres("stop", { LOCAL_PG_DIR: cluster.clusterDir });
  fs.rmSync(cluster.clusterDir, { recursive: true, force: true });
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

/** sql/local/*.sql in order, as one script; applied by the cluster owner. */
export function bootstrapSql(): string {
  return fs
    .readdirSync(BOOTSTRAP_DIR)
    .filter((file) => file.endsWith(".sql"))
    .sort()
    .map((file) => fs.readFileSync(path.join(BOOTSTRAP_DIR, file), "utf8"))
    .join("\n");
}

/** Recreates the template database with the bootstrap (superuser URL); once per run. */
export async function prepareTemplateDatabase(adminUrl: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    await client.query(`drop database if exists ${TEMPLATE_DATABASE}`);
    await client.query(`create database ${TEMPLATE_DATABASE}`);
  });
  await withClient(urlForDatabase(adminUrl, TEMPLATE_DATABASE), async (client) => {
    await client.query("set client_min_messages = warning");
    await client.query(bootstrapSql());
  });
}

export interface FreshDatabase {
  name: string;
  /** As the demoted deployer `postgres`, who owns the database. */
  url: string;
  /** As the cluster owner, for fixtures a deployer could not make. */
  adminUrl: string;
  drop(): Promise<void>;
}

/** A new database copied from the bootstrapped template, owned by the deployer. No pg_cron there. */
export async function createFreshDatabase(cluster: Pick<LocalCluster, "adminUrl" | "deployerUrl">, prefix = "t"): Promise<FreshDatabase> {
  const name = `${prefix.replace(/[^a-z0-9_]/g, "_")}_${randomBytes(5).toString("hex")}`;
  await withClient(cluster.adminUrl, (client) =>
    client.query(`create database ${name} owner ${DEPLOYER_ROLE} template ${TEMPLATE_DATABASE}`),
  );
  return {
    name,
    url: urlForDatabase(cluster.deployerUrl, name),
    adminUrl: urlForDatabase(cluster.adminUrl, name),
    drop: () =>
      withClient(cluster.adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
