// Measurement 2: readers during refresh. Three connections on the populated database:
// - the reader calls analytics.get_popular_tracks() and analytics.health_check() in turn, as
//   an admin the way PostgREST would run them (role authenticated, request.jwt.claims with
//   user_role admin), timing each call;
// - the refresher alternates idle windows (nothing runs), analytics.refresh_all_views()
//   (concurrent) and a control window (a busy loop outside PostgreSQL, as long as the
//   refresh: what any CPU-bound work does to the readers), so that outside load that comes
//   and goes hits all alike; then it runs the counter-example: plain
//   `refresh materialized view` of every view in one transaction, which is what the function
//   would do without `concurrently`;
// - the sampler polls the reader's backend in pg_stat_activity every few milliseconds and,
//   when it waits on a lock, pg_blocking_pids and the lock it waits for.
// The reader's session also sets log_lock_waits with deadlock_timeout = 1ms, so the server log
// records every lock wait longer than 1 ms, even one the sampler missed.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import type { Client } from "pg";
import { connect } from "./database";
import { analyzePhase, countLockWaitLines, LockSample, Read, Window } from "./readerAnalysis";
import { elapsedMs } from "./stats";
import type { ReaderCall, ReaderPhase, ReaderPhaseResult, ReadersResult } from "./types";

export const READ_SQL: Record<ReaderCall, string> = {
  get_popular_tracks: "select * from analytics.get_popular_tracks()",
  health_check: "select * from analytics.health_check()",
};
export const SAMPLER_INTERVAL_MS = 5;
const GAP_BETWEEN_REFRESHES_MS = 300;
const WARMUP_READS = 100;
export const PLAIN_MODE = "refresh materialized view (no concurrently) of all 7 views in one transaction, as refresh_all_views() would run without concurrently";

/** The admin whose JWT claims the reader presents; added to public.user_roles as admin. */
export const BENCH_ADMIN_ID = "00000000-0000-4000-8000-00000000ad01";
const ADMIN_CLAIMS = JSON.stringify({ sub: BENCH_ADMIN_ID, role: "authenticated", user_role: "admin" });

const SAMPLE_SQL = `
  select a.wait_event_type = 'Lock' and pg_catalog.cardinality(pg_catalog.pg_blocking_pids(a.pid)) > 0 as blocked,
    case when a.wait_event_type = 'Lock' then
      (select pg_catalog.array_agg(l.mode || ' on ' || coalesce(l.relation::regclass::text, l.locktype))
         from pg_catalog.pg_locks as l where l.pid = a.pid and not l.granted)
    end as waiting_for
  from pg_catalog.pg_stat_activity as a
  where a.pid = $1`;

export interface ReadersOptions {
  views: readonly string[];
  /** Concurrent refreshes (each after an idle window), then as many plain ones. */
  refreshes: number;
  /** The first idle window; later ones last as long as the refresh before them. */
  idleMs: number;
  /** The server log, for log_lock_waits lines; undefined when not readable. */
  logFile?: string;
  log: (message: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One process that spins on a core for `ms`, then is ended by its pid (the control phase). */
export async function busyLoop(ms: number): Promise<void> {
  const child = spawn("sh", ["-c", "while :; do :; done"], { stdio: "ignore" });
  const exited = new Promise<void>((resolve, reject) => {
    child.once("exit", () => resolve());
    child.once("error", reject);
  });
  try {
    await sleep(ms);
  } finally {
    child.kill("SIGKILL");
  }
  await exited;
}

async function adminReader(url: string): Promise<{ client: Client; pid: number }> {
  const client = await connect(url);
  await client.query("set deadlock_timeout = '1ms'; set log_lock_waits = on");
  await client.query("set role authenticated");
  await client.query("select pg_catalog.set_config('request.jwt.claims', $1, false)", [ADMIN_CLAIMS]);
  const { rows } = await client.query<{ pid: number }>("select pg_catalog.pg_backend_pid() as pid");
  return { client, pid: rows[0].pid };
}

function logSize(file: string | undefined): number | undefined {
  if (!file) return undefined;
  try {
    return fs.statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "EACCES") return undefined;
    throw error;
  }
}

function logSince(file: string | undefined, offset: number | undefined): string | undefined {
  if (!file || offset === undefined) return undefined;
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes the bench admin an admin in public.user_roles, as the custom access token hook would read it. */
export async function ensureBenchAdmin(client: Client): Promise<void> {
  await client.query("insert into auth.users (id, email) values ($1, 'bench-admin@bench.example') on conflict (id) do nothing", [BENCH_ADMIN_ID]);
  await client.query("insert into public.user_roles (user_id, role) values ($1, 'admin') on conflict (user_id) do update set role = 'admin'", [
    BENCH_ADMIN_ID,
  ]);
}

export async function measureReaders(url: string, options: ReadersOptions): Promise<ReadersResult> {
  const { log } = options;
  const origin = process.hrtime.bigint();
  const now = () => elapsedMs(origin);
  const reader = await adminReader(url);
  const refresher = await connect(url);
  const sampler = await connect(url);
  const reads: Read[] = [];
  const samples: LockSample[] = [];
  let running = true;

  const readLoop = async () => {
    for (let i = 0; running; i++) {
      const call: ReaderCall = i % 2 === 0 ? "get_popular_tracks" : "health_check";
      const start = now();
      await reader.client.query(READ_SQL[call]);
      if (i >= WARMUP_READS) reads.push({ call, start, end: now() });
    }
  };
  const sampleLoop = async () => {
    while (running) {
      const sent = now();
      const { rows } = await sampler.query<{ blocked: boolean | null; waiting_for: string[] | null }>(SAMPLE_SQL, [reader.pid]);
      samples.push({ at: (sent + now()) / 2, blocked: rows[0]?.blocked === true, waitingFor: rows[0]?.waiting_for ?? [] });
      await sleep(SAMPLER_INTERVAL_MS);
    }
  };

  const phases: ReaderPhaseResult[] = [];
  let loopFailure: unknown;
  const loops = Promise.all([readLoop(), sampleLoop()]).catch((error: unknown) => {
    loopFailure ??= error;
    running = false;
  });
  const throwIfLoopFailed = () => {
    if (loopFailure !== undefined) throw loopFailure;
  };
  try {
    while (reads.length < 10) {
      throwIfLoopFailed();
      await sleep(20);
    }
    // Each phase is a set of windows; the server log of each window is kept for lock waits.
    const recorded: Record<ReaderPhase, { windows: Window[]; refreshMs: number[]; log: string[]; logReadable: boolean }> = {
      idle: { windows: [], refreshMs: [], log: [], logReadable: true },
      concurrent: { windows: [], refreshMs: [], log: [], logReadable: true },
      cpu: { windows: [], refreshMs: [], log: [], logReadable: true },
      plain: { windows: [], refreshMs: [], log: [], logReadable: true },
    };
    const window = async (name: ReaderPhase, run: () => Promise<unknown>, isRefresh: boolean) => {
      const logOffset = logSize(options.logFile);
      const start = now();
      await run();
      const end = now();
      const phase = recorded[name];
      phase.windows.push({ start, end });
      if (isRefresh) phase.refreshMs.push(end - start);
      const logText = logSince(options.logFile, logOffset);
      if (logText === undefined) phase.logReadable = false;
      else phase.log.push(logText);
      throwIfLoopFailed();
    };
    // Idle, concurrent and CPU-control windows alternate, each idle and control window as long
    // as the refresh before it, so that load from outside the bench that comes and goes hits
    // all three alike.
    let idleMs = options.idleMs;
    for (let i = 0; i < options.refreshes; i++) {
      await window("idle", () => sleep(idleMs), false);
      await sleep(GAP_BETWEEN_REFRESHES_MS);
      await window("concurrent", () => refresher.query("select analytics.refresh_all_views()"), true);
      idleMs = recorded.concurrent.refreshMs[recorded.concurrent.refreshMs.length - 1];
      await sleep(GAP_BETWEEN_REFRESHES_MS);
      await window("cpu", () => busyLoop(idleMs), false);
      await sleep(GAP_BETWEEN_REFRESHES_MS);
    }
    const plain = options.views.map((view) => `refresh materialized view analytics.${view};`).join(" ");
    for (let i = 0; i < options.refreshes; i++) {
      await window("plain", () => refresher.query(`begin; ${plain} commit;`), true);
      await sleep(GAP_BETWEEN_REFRESHES_MS);
    }
    for (const name of ["idle", "concurrent", "cpu", "plain"] as const) {
      const phase = recorded[name];
      const analysis = analyzePhase(reads, samples, phase.windows);
      phases.push({
        phase: name,
        durationMs: phase.windows.reduce((sum, w) => sum + (w.end - w.start), 0),
        refreshes: phase.refreshMs.length,
        refreshMs: phase.refreshMs,
        ...analysis,
        loggedLockWaits: phase.logReadable ? countLockWaitLines(phase.log.join(""), reader.pid) : null,
      });
      log(
        `readers: ${name}: ${analysis.latency.get_popular_tracks.count + analysis.latency.health_check.count} reads, p99 get_popular_tracks ${analysis.latency.get_popular_tracks.p99.toFixed(2)} ms, health_check ${analysis.latency.health_check.p99.toFixed(2)} ms, blocked ${analysis.blockedReads.get_popular_tracks + analysis.blockedReads.health_check}`,
      );
    }
  } finally {
    running = false;
    await loops;
    await Promise.all([reader.client.end(), refresher.end(), sampler.end()]);
  }
  throwIfLoopFailed();
  return { plainMode: PLAIN_MODE, samplerIntervalMs: SAMPLER_INTERVAL_MS, phases };
}
