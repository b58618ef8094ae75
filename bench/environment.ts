// What a result depends on besides the code: the machine, the PostgreSQL server and its
// settings, the git commit, and the load on the (shared) machine while the bench ran.
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import type { Client } from "pg";
import type { LoadAverage, MachineInfo, PostgresInfo } from "./types";

/** The settings that decide refresh and deploy speed, recorded in every result. */
export const RECORDED_SETTINGS = [
  "shared_buffers",
  "work_mem",
  "maintenance_work_mem",
  "effective_cache_size",
  "max_parallel_workers_per_gather",
  "max_parallel_workers",
  "max_worker_processes",
  "jit",
  "fsync",
  "synchronous_commit",
  "wal_level",
  "random_page_cost",
] as const;

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryBytes: os.totalmem(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

export function loadAverage(): LoadAverage {
  const [one, five, fifteen] = os.loadavg();
  return { one, five, fifteen };
}

export async function postgresInfo(client: Client): Promise<PostgresInfo> {
  const { rows: version } = await client.query<{ version: string }>("select version()");
  const { rows } = await client.query<{ name: string; setting: string }>(
    "select name, current_setting(name) as setting from pg_catalog.pg_settings where name = any($1::text[]) order by name",
    [RECORDED_SETTINGS],
  );
  return { version: version[0].version, settings: Object.fromEntries(rows.map((r) => [r.name, r.setting])) };
}

export function gitState(cwd: string): { commit: string; dirty: boolean } {
  const git = (...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    return { commit: git("rev-parse", "HEAD"), dirty: git("status", "--porcelain", "--untracked-files=no").length > 0 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as { status?: number }).status !== undefined) {
      return { commit: "unknown", dirty: true };
    }
    throw error;
  }
}

/** Samples the 1-minute load average every `intervalMs` until stopped; returns max and mean. */
export function sampleLoad(intervalMs = 2000): { stop(): { max: number; mean: number } } {
  const values: number[] = [os.loadavg()[0]];
  const timer = setInterval(() => values.push(os.loadavg()[0]), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      values.push(os.loadavg()[0]);
      return { max: Math.max(...values), mean: values.reduce((a, b) => a + b, 0) / values.length };
    },
  };
}
