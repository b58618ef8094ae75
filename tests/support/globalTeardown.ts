// jest globalTeardown: stops and removes the cluster that globalSetup started.
import * as fs from "node:fs";
import { ClusterState, STATE_FILE, stopCluster } from "./cluster";

export default async function globalTeardown(): Promise<void> {
  if (!fs.existsSync(STATE_FILE)) return;
  const state = JSON.parse(fs.readFileSync(STATE_FILE, "utf8")) as ClusterState;
  fs.rmSync(STATE_FILE);
  stopCluster(state);
}
