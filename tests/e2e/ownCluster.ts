// A PostgreSQL 15 + pg_cron cluster of a test file's own, started like the local stack's
// (scripts/local-postgres through tests/support/cluster.ts). The end-to-end files deploy for
// minutes; with a cluster each they never hold the shared cron database that the other test
// files take in turns (pg_cron works only in the database cron.database_name names).
import { startCluster, stopCluster } from "../support/cluster";

export interface OwnCluster {
  /** URL of the cluster's cron database as the deployer: `postgres`, demoted as on Supabase. */
  url: string;
  /** The same database as the cluster-owning superuser, for fixtures only. */
  adminUrl: string;
  stop(): void;
}

export async function startOwnCluster(): Promise<OwnCluster> {
  const state = await startCluster();
  return { url: state.deployerUrl, adminUrl: state.adminUrl, stop: () => stopCluster(state) };
}
