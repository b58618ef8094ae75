// jest globalSetup: a PostgreSQL 15 + pg_cron cluster for the whole run, unless
// TEST_DATABASE_URL names one already (it must be a superuser URL of the cron database).
import * as fs from "node:fs";
import { ClusterState, STATE_FILE, startCluster } from "./cluster";
import { prepareTemplateDatabase } from "./db";

export default async function globalSetup(): Promise<void> {
  const external = process.env.TEST_DATABASE_URL;
  const state: ClusterState = external ? { adminUrl: external } : await startCluster();
  await prepareTemplateDatabase(state.adminUrl);
  fs.writeFileSync(STATE_FILE, JSON.stringify(state), { mode: 0o600 });
  // Workers are forked after globalSetup and inherit this environment.
  process.env.TEST_DATABASE_URL = state.adminUrl;
  process.env.SUPABASE_ANALYTICS_TEST_STATE = STATE_FILE;
}
