// The throwaway test cluster: started by jest's globalSetup through scripts/local-postgres
// (same settings and bootstrap as the `local` stack), on a free port in a temp folder.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "../..");
const LOCAL_POSTGRES = path.join(REPO_ROOT, "scripts/local-postgres");
/** Where globalSetup leaves the facts that globalTeardown and the workers need. */
export const STATE_FILE = path.join(os.tmpdir(), `supabase-analytics-jest-${process.ppid}-${process.pid}.json`);

export interface ClusterState {
  /** Superuser URL of the cron database (`cron.database_name`). */
  adminUrl: string;
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

function runLocalPostgres(command: "start" | "stop" | "url", env: NodeJS.ProcessEnv): string {
  return execFileSync(LOCAL_POSTGRES, [command], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

export async function startCluster(): Promise<ClusterState> {
  const clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), "supabase-analytics-pg-"));
  // mkdtemp makes the folder 0700; the server runs as `postgres` when we are root.
  fs.chmodSync(clusterDir, 0o755);
  const env = { LOCAL_PG_DIR: clusterDir, LOCAL_PG_PORT: String(await freePort()) };
  runLocalPostgres("start", env);
  return { adminUrl: runLocalPostgres("url", env), clusterDir };
}

export function stopCluster(state: ClusterState): void {
  if (!state.clusterDir) return;
  runLocalPostgres("stop", { LOCAL_PG_DIR: state.clusterDir });
  fs.rmSync(state.clusterDir, { recursive: true, force: true });
}
