// The bench's own throwaway cluster and databases, through the shared local-cluster helpers
// (scripts/lib/localCluster.ts): same scripts/local-postgres settings and Supabase look-alike bootstrap.
import { Client } from "pg";
import { ALL_GRANTS, grantStatement } from "../infra/adminSurface";
import type { MigrationFile } from "../infra/migrations";
import {
  createFreshDatabase,
  FreshDatabase,
  LocalCluster,
  prepareTemplateDatabase,
  startCluster,
  stopCluster,
} from "../scripts/lib/localCluster";

export type { FreshDatabase };

export interface BenchCluster {
  adminUrl: string;
  /** The cron database (`cron.database_name`) as the deployer: the local stack deploys there. */
  deployerUrl: string;
  /** The server log (pg_ctl -l), where log_lock_waits lines land. */
  logFile?: string;
  stop(): void;
}

/** Starts a cluster in a temp folder and prepares the bootstrapped template databases are copied from. */
export async function startBenchCluster(): Promise<BenchCluster> {
  const state: LocalCluster = await startCluster();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    stopCluster(state);
  };
  try {
    await prepareTemplateDatabase(state.adminUrl);
    benchCluster = state;
  } catch (error) {
    stop();
    throw error;
  }
  return { adminUrl: state.adminUrl, deployerUrl: state.deployerUrl, logFile: state.clusterDir ? `${state.clusterDir}/server.log` : undefined, stop };
}

/** The cluster startBenchCluster() started; fresh databases are copied in it. */
let benchCluster: LocalCluster | undefined;

/**
 * A fresh database; `url` is the cluster owner's, as the bench measured before the deployer was
 * demoted (its reader instrumentation sets deadlock_timeout, a superuser setting). The
 * deployer's URL is `deployerUrl`.
 */
export async function freshDatabase(prefix: string): Promise<FreshDatabase & { deployerUrl: string }> {
  if (!benchCluster) throw new Error("freshDatabase: call startBenchCluster() first");
  const db = await createFreshDatabase(benchCluster, prefix);
  return { ...db, url: db.adminUrl, deployerUrl: db.url };
}

export async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

export async function withConnection<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Applies migration files as plain SQL, in order (the data set-up; the deploy comparison uses the provider and psql). */
export async function applyMigrationFiles(client: Client, migrations: readonly MigrationFile[]): Promise<void> {
  await client.query("set client_min_messages = warning");
  for (const migration of migrations) {
    try {
      await client.query(migration.sql);
    } catch (error) {
      throw new Error(`applying ${migration.file} for the bench failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The stack's declared grants (infra/adminSurface.ts), as the Grant resources would apply them. */
export async function applyStackGrants(client: Client): Promise<void> {
  for (const grant of ALL_GRANTS) await client.query(grantStatement(grant));
}
