// The throwaway test cluster: started by jest's globalSetup through the shared local-cluster
// helpers (scripts/lib/localCluster.ts, also used by the bench), on a free port in a temp folder.
import * as os from "node:os";
import * as path from "node:path";
import type { LocalCluster } from "../../scripts/lib/localCluster";

export { freePort, REPO_ROOT, startCluster, stopCluster } from "../../scripts/lib/localCluster";

/** Where globalSetup leaves the facts that globalTeardown and the workers need. */
export const STATE_FILE = path.join(os.tmpdir(), `supabase-analytics-jest-${process.ppid}-${process.pid}.json`);

/** The cluster's superuser and deployer URLs (and its folder when started here). */
export type ClusterState = LocalCluster;
