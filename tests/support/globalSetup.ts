// jest globalSetup: a PostgreSQL 15 + pg_cron cluster for the whole run, unless
// TEST_DATABASE_URL names one already: then it must be the superuser URL of the cron database,
// and TEST_DEPLOYER_URL the same database as the non-superuser deployer `postgres`.
import * as fs from "node:fs";
import { ClusterState, STATE_FILE, startCluster } from "./cluster";
import { prepareTemplateDatabase } from "./db";

function externalCluster(adminUrl: string): ClusterState {
  const deployerUrl = process.env.TEST_DEPLOYER_URL;
  if (!deployerUrl) {
    throw new Error("TEST_DATABASE_URL is set but TEST_DEPLOYER_URL is not: give the URL of the same database as the demoted deployer `postgres`");
  }
  return { adminUrl, deployerUrl };
}

export default async function globalSetup(): Promise<void> {
  const external = process.env.TEST_DATABASE_URL;
  const state: ClusterState = external ? externalCluster(external) : await startCluster();
  await prepareTemplateDatabase(state.adminUrl);
  fs.writeFileSync(STATE_FILE, JSON.stringify(state), { mode: 0o600 });
  // Workers are forked after globalSetup and inherit this environment.
  process.env.TEST_DATABASE_URL = state.adminUrl;
  process.env.TEST_DEPLOYER_URL = state.deployerUrl;
  process.env.SUPABASE_ANALYTICS_TEST_STATE = STATE_FILE;
}
