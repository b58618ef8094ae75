// The incremental refresh (sql/migrations 20261202110000+, docs/incremental-refresh.md),
// measured on the loaded database of the data phase, in one run:
//   1. first build: applying the incremental migrations to the loaded database while a writer
//      inserts into the event tables (one row per statement, and two-table transactions):
//      the writer's slowest statement, against the same writer with nothing else running;
//   2. per round, after a 30-minute-like batch (0.5% new events, a tenth backdated uniformly
//      over the whole history, updates, a lesson moved, one learner erased):
//      analytics.refresh_all_views() (incremental, with its time per maintenance step)
//      against today's full concurrent refresh, i.e. `refresh materialized view concurrently`
//      of the seven views by their ORIGINAL definitions (captured from the database before the
//      migrations replaced them, kept in schema bench_reference) on the same data; readers of
//      every view sampled for lock waits during the incremental refresh;
//   3. the same with a batch of constant size (CONSTANT_BATCH_EVENTS) for growth across scales;
//   4. the admin functions through the Data-API path (role authenticated, its 8 s statement
//      timeout, JWT claims): manual_refresh() after a batch, health_check(), get_cron_job_status();
//   5. writers: single-row inserts and 10,000-row inserts into the event tables with the
//      change-log triggers enabled against disabled (alternating blocks; the rows inserted
//      while disabled are deleted again while disabled, so the state stays exact);
//   6. analytics.rebuild_incremental_state() with the same writer running (its slowest
//      statement, as in 1).
import * as fs from "node:fs";
import * as path from "node:path";
import type { Client } from "pg";
import type { MigrationFile } from "../infra/migrations";
import { applyMigrationFiles, connect } from "./database";
import { BENCH_ADMIN_ID } from "./readersBench";
import { viewDefinitions } from "./refreshBench";
import { LatencySummary, median, summarizeLatencies, timed } from "./stats";

/** Events of the constant-size batch (growth across scales). */
export const CONSTANT_BATCH_EVENTS = 5_000;
/** Share of the loaded events that a 30-minute batch inserts. */
export const BATCH_SHARE = 0.005;
const SINGLE_ROW_INSERTS = 100;
/** Pairs of adjacent blocks (with, without): many short pairs, so load changes on the shared machine hit both sides alike. */
const WRITER_PAIRS = { single: 15, bulk: 8 };
const BULK_ROWS = 10_000;
const EVENT_TABLES = ["lesson_completions", "quiz_attempts", "review_sessions", "explanation_views"] as const;
type EventTable = (typeof EVENT_TABLES)[number];
/** What the Data API applies for role authenticated on Supabase. */
export const AUTHENTICATED_STATEMENT_TIMEOUT = "8s";

const VIEW_KEYS: Record<string, string> = {
  active_learning_days: "activity_date",
  popular_tracks: "track_id",
  streak_dropoffs: "streak_length",
  quiz_completion_rates: "quiz_id",
  review_session_usage: "session_date",
  explanation_engagement: "explanation_id",
  summary_stats: "id",
};

export interface IncrementalOptions {
  url: string;
  views: readonly string[];
  /** The migrations newer than the loaded baseline (the incremental ones among them). */
  fixes: readonly MigrationFile[];
  events: number;
  rounds: number;
  log: (message: string) => void;
}

export interface BatchRound {
  batch: "30-minute" | "constant";
  batchEvents: number;
  applyBatchMs: number;
  incrementalMs: number;
  /** The maintenance part of the incremental refresh (refresh_runs.incremental.ms). */
  maintenanceMs: number;
  /** Its steps (refresh_runs.incremental.applied.steps_ms). */
  maintenanceSteps: Record<string, number>;
  incrementalPerView: Record<string, number>;
  fullConcurrentMs: number;
  fullPerView: Record<string, number>;
  readsDuringRefresh: number;
  /** Samples (every ~5 ms) in which the reader waited for a lock. */
  blockedSamples: number;
}

export interface WriterCost {
  what: string;
  withMaintenanceMs: number[];
  withoutMaintenanceMs: number[];
  /** with / without, per adjacent pair of blocks */
  pairRatios: number[];
  /** median of pairRatios */
  ratio: number;
}

/** A writer's statements (single-row inserts and two-table transactions) while something ran. */
export interface WriterLatency {
  during: string;
  durationMs: number;
  statements: LatencySummary;
}

export interface IncrementalResult {
  /** Applying the incremental migrations to the loaded database: the back-fill is analytics.rebuild_incremental_state(). */
  firstBuildMs: number;
  /** The writer during the first build, during a rebuild, and alone. */
  writerLatency: WriterLatency[];
  rounds: BatchRound[];
  medians: { batch: string; incrementalMs: number; fullConcurrentMs: number; ratio: number; batchEvents: number }[];
  dataApi: { manualRefresh: DataApiCall; healthCheck: DataApiCall; cronJobStatus: DataApiCall; statementTimeout: string };
  writers: WriterCost[];
  stateRows: Record<string, number>;
}

const ADMIN_CLAIMS = JSON.stringify({ sub: BENCH_ADMIN_ID, role: "authenticated", aud: "authenticated", user_role: "admin" });

/** The seven views by their original definitions, in schema bench_reference, populated. */
async function createReference(client: Client, definitions: Record<string, string>): Promise<void> {
  await client.query("drop schema if exists bench_reference cascade; create schema bench_reference");
  for (const [view, definition] of Object.entries(definitions)) {
    await client.query(`create materialized view bench_reference.${view} as ${definition}`);
    await client.query(`create unique index on bench_reference.${view} (${VIEW_KEYS[view]})`);
  }
}

async function fullConcurrentRefresh(client: Client, views: readonly string[]): Promise<{ total: number; perView: Record<string, number> }> {
  const perView: Record<string, number> = {};
  for (const view of views) perView[view] = (await timed(() => client.query(`refresh materialized view concurrently bench_reference.${view}`))).ms;
  return { total: Object.values(perView).reduce((a, b) => a + b, 0), perView };
}

/** The ids the batches and writers draw from (again before each use: a batch erases a learner). */
const BENCH_IDS_SQL = `
    drop table if exists pg_temp.bench_ids;
    create temp table bench_ids as
      select (select array_agg(id order by id) from auth.users) as users,
             (select array_agg(id order by id) from public.lessons) as lessons,
             (select array_agg(id order by id) from public.quizzes) as quizzes,
             (select array_agg(id order by id) from public.explanations) as explanations,
             (select array_agg(id order by id) from public.tracks) as tracks,
             (select min(completed_at) from public.lesson_completions) as oldest;`;

/** The batch's SQL: inserts (a tenth backdated uniformly over the whole history), updates, a lesson moved, one learner erased. */
export function batchSql(newEvents: number, seed: number): string {
  const share = (part: number) => Math.max(1, Math.round(newEvents * part));
  const updates = Math.max(1, Math.round(newEvents / 20));
  const when = "case when g % 10 = 0 then i.oldest + random() * (now() - i.oldest) else now() - random() * interval '30 minutes' end";
  const pick = (ids: string) => `${ids}[1 + floor(random() * cardinality(${ids}))::int]`;
  return `
    select setseed(${(seed % 1000) / 1000});
    ${BENCH_IDS_SQL}
    insert into public.lesson_completions (user_id, lesson_id, completed_at)
      select ${pick("i.users")}, ${pick("i.lessons")}, ${when} from bench_ids as i, generate_series(1, ${share(0.35)}) as g;
    insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at, score)
      select ${pick("i.users")}, ${pick("i.quizzes")}, t, case when g % 5 = 0 then null else t + interval '3 minutes' end, round((random() * 100)::numeric, 1)
        from bench_ids as i, generate_series(1, ${share(0.25)}) as g, lateral (select ${when} as t) as w;
    insert into public.review_sessions (user_id, started_at, ended_at, cards_reviewed)
      select ${pick("i.users")}, t, case when g % 12 = 0 then null else t + interval '4 minutes' end, (random() * 40)::int
        from bench_ids as i, generate_series(1, ${share(0.1)}) as g, lateral (select ${when} as t) as w;
    insert into public.explanation_views (user_id, explanation_id, viewed_at, dwell_seconds, helpful)
      select ${pick("i.users")}, ${pick("i.explanations")}, ${when}, (random() * 300)::int, case when g % 3 = 0 then null else g % 2 = 0 end
        from bench_ids as i, generate_series(1, ${share(0.3)}) as g;
    update public.quiz_attempts set completed_at = started_at + interval '7 minutes', score = 64
     where id in (select id from public.quiz_attempts where completed_at is null order by id desc limit ${updates});
    update public.review_sessions set ended_at = started_at + interval '9 minutes'
     where id in (select id from public.review_sessions where ended_at is null order by id desc limit ${updates});
    update public.explanation_views set helpful = not coalesce(helpful, false)
     where id in (select id from public.explanation_views order by id desc limit ${updates});
    update public.lessons set track_id = (select ${pick("i.tracks")} from bench_ids as i)
     where id = (select ${pick("i.lessons")} from bench_ids as i);
    delete from auth.users
     where id = (select lc.user_id from public.lesson_completions as lc where lc.user_id <> '${BENCH_ADMIN_ID}' order by lc.id desc limit 1);
  `;
}

/** Samples whether `readerPid` waits for a lock, every few ms, until stopped. */
function lockSampler(observer: Client, readerPid: number): { stop(): Promise<{ samples: number; blocked: number }> } {
  let running = true;
  let samples = 0;
  let blocked = 0;
  const loop = (async () => {
    while (running) {
      const { rows } = await observer.query<{ blocked: boolean }>(
        "select cardinality(pg_blocking_pids($1)) > 0 as blocked",
        [readerPid],
      );
      samples += 1;
      if (rows[0].blocked) blocked += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, blocked };
    },
  };
}

/** Reads every view through its wrapper as the bench admin until stopped; counts reads that had to wait (seen by the sampler). */
function readerLoop(reader: Client, views: readonly string[]): { stop(): Promise<number> } {
  let running = true;
  let reads = 0;
  const loop = (async () => {
    await reader.query("select set_config('request.jwt.claims', $1, false)", [ADMIN_CLAIMS]);
    while (running) {
      for (const view of views) {
        await reader.query(`select count(*) from analytics.get_${view}()`);
        reads += 1;
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return reads;
    },
  };
}

interface RecordedRun {
  status: string;
  view_durations: Record<string, number>;
  incremental: { ms?: number; error?: string; applied?: { steps_ms?: Record<string, number> } } | null;
  error_message: string | null;
}

async function incrementalRefresh(client: Client, options: IncrementalOptions): Promise<Omit<BatchRound, "batch" | "batchEvents" | "applyBatchMs" | "fullConcurrentMs" | "fullPerView">> {
  const reader = await connect(options.url);
  const observer = await connect(options.url);
  try {
    const { rows: pid } = await reader.query<{ pid: number }>("select pg_backend_pid() as pid");
    const sampler = lockSampler(observer, pid[0].pid);
    const reads = readerLoop(reader, options.views);
    const { ms } = await timed(() => client.query("select analytics.refresh_all_views()"));
    const readsDuringRefresh = await reads.stop();
    const sampled = await sampler.stop();
    const { rows } = await client.query<RecordedRun>(
      "select status, view_durations, incremental, error_message from analytics.refresh_runs order by id desc limit 1",
    );
    if (rows[0]?.status !== "succeeded") throw new Error(`the incremental refresh did not succeed: ${rows[0]?.error_message}`);
    return {
      incrementalMs: ms,
      maintenanceMs: Number(rows[0].incremental?.ms ?? NaN),
      maintenanceSteps: rows[0].incremental?.applied?.steps_ms ?? {},
      incrementalPerView: rows[0].view_durations,
      readsDuringRefresh,
      blockedSamples: sampled.blocked,
    };
  } finally {
    await reader.end();
    await observer.end();
  }
}

async function batchRound(client: Client, options: IncrementalOptions, batch: BatchRound["batch"], events: number, index: number): Promise<BatchRound> {
  const { ms: applyBatchMs } = await timed(() => client.query(batchSql(events, 7919 * (index + 1))));
  // Alternate which refresh goes first, so neither always meets a cold cache.
  let incremental: Awaited<ReturnType<typeof incrementalRefresh>>;
  let full: { total: number; perView: Record<string, number> };
  if (index % 2 === 0) {
    incremental = await incrementalRefresh(client, options);
    full = await fullConcurrentRefresh(client, options.views);
  } else {
    full = await fullConcurrentRefresh(client, options.views);
    incremental = await incrementalRefresh(client, options);
  }
  return { batch, batchEvents: events, applyBatchMs, ...incremental, fullConcurrentMs: full.total, fullPerView: full.perView };
}

/** A pause between the writer's statements: an app's steady trickle, not a load test. */
const WRITER_PAUSE_MS = 5;

/**
 * A writer on its own connection until stopped: one single-row insert per event table in
 * turn (autocommit), and every fifth round a transaction writing two event tables; the time
 * of each statement (a transaction counts as one).
 */
async function startWriter(url: string): Promise<{ stop(): Promise<number[]> }> {
  const writer = await connect(url);
  await writer.query(BENCH_IDS_SQL);
  const { rows } = await writer.query<{ u: string; l: string; q: string; e: string }>(
    "select users[1] as u, lessons[1] as l, quizzes[1] as q, explanations[1] as e from bench_ids",
  );
  const { u, l, q, e } = rows[0];
  const params: Record<EventTable, string[]> = { lesson_completions: [u, l], quiz_attempts: [u, q], review_sessions: [u], explanation_views: [u, e] };
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let round = 0; running; round += 1) {
      for (const table of EVENT_TABLES) {
        latencies.push((await timed(() => writer.query(INSERT_ONE[table], params[table]))).ms);
        await new Promise((resolve) => setTimeout(resolve, WRITER_PAUSE_MS));
      }
      if (round % 5 === 0) {
        latencies.push(
          (
            await timed(async () => {
              await writer.query("begin");
              await writer.query(INSERT_ONE.review_sessions, params.review_sessions);
              await writer.query(INSERT_ONE.lesson_completions, params.lesson_completions);
              await writer.query("commit");
            })
          ).ms,
        );
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await writer.end();
      return latencies;
    },
  };
}

/** Runs `work` with the writer running; the writer's statement latencies. */
async function writerDuring(url: string, during: string, work: () => Promise<unknown>): Promise<WriterLatency> {
  const writer = await startWriter(url);
  const { ms } = await timed(work);
  return { during, durationMs: ms, statements: summarizeLatencies(await writer.stop()) };
}

export interface DataApiCall {
  ms: number;
  /** null when it succeeded; else the SQLSTATE (57014: cancelled by the statement timeout). */
  error: string | null;
}

/** Runs sql in a transaction the way PostgREST runs a request of an admin: claims, role, the role's statement timeout. */
async function asDataApiAdmin(client: Client, sql: string): Promise<DataApiCall> {
  await client.query("begin");
  const started = process.hrtime.bigint();
  try {
    await client.query("select set_config('request.jwt.claims', $1, true)", [ADMIN_CLAIMS]);
    await client.query("set local role authenticated");
    await client.query(`set local statement_timeout = '${AUTHENTICATED_STATEMENT_TIMEOUT}'`);
    const { ms } = await timed(() => client.query(sql));
    await client.query("commit");
    return { ms, error: null };
  } catch (error) {
    await client.query("rollback");
    const code = (error as { code?: string }).code;
    if (typeof code !== "string") throw error;
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, error: code };
  }
}

async function writerCost(client: Client, what: string, pairs: number, insert: (table: EventTable) => Promise<number>): Promise<WriterCost> {
  const withMaintenanceMs: number[] = [];
  const withoutMaintenanceMs: number[] = [];
  for (let block = 0; block < pairs * 2; block += 1) {
    // Alternate which side of a pair goes first.
    const enabled = (block % 2 === 0) === (Math.floor(block / 2) % 2 === 0);
    const marks: Record<string, string> = {};
    if (!enabled) {
      for (const table of EVENT_TABLES) {
        marks[table] = (await client.query<{ id: string }>(`select coalesce(max(id), 0) as id from public.${table}`)).rows[0].id;
        await client.query(`alter table public.${table} disable trigger user`);
      }
    }
    let ms = 0;
    for (const table of EVENT_TABLES) ms += await insert(table);
    if (!enabled) {
      for (const table of EVENT_TABLES) {
        await client.query(`delete from public.${table} where id > $1`, [marks[table]]);
        await client.query(`alter table public.${table} enable trigger user`);
      }
    }
    (enabled ? withMaintenanceMs : withoutMaintenanceMs).push(ms);
  }
  const pairRatios = withMaintenanceMs.map((ms, i) => ms / withoutMaintenanceMs[i]);
  return { what, withMaintenanceMs, withoutMaintenanceMs, pairRatios, ratio: median(pairRatios) };
}

const INSERT_ONE: Record<EventTable, string> = {
  lesson_completions: "insert into public.lesson_completions (user_id, lesson_id, completed_at) values ($1, $2, now())",
  quiz_attempts: "insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at, score) values ($1, $2, now(), now(), 50)",
  review_sessions: "insert into public.review_sessions (user_id, started_at, ended_at, cards_reviewed) values ($1, now(), now(), 3)",
  explanation_views: "insert into public.explanation_views (user_id, explanation_id, viewed_at, dwell_seconds, helpful) values ($1, $2, now(), 30, true)",
};

function insertMany(table: EventTable, rows: number): string {
  const user = "i.users[1 + (g % cardinality(i.users))]";
  const select: Record<EventTable, string> = {
    lesson_completions: `select ${user}, i.lessons[1 + (g % cardinality(i.lessons))], now() - (g % 90) * interval '1 hour'`,
    quiz_attempts: `select ${user}, i.quizzes[1 + (g % cardinality(i.quizzes))], now(), now(), 50`,
    review_sessions: `select ${user}, now() - (g % 90) * interval '1 hour', now(), 3`,
    explanation_views: `select ${user}, i.explanations[1 + (g % cardinality(i.explanations))], now(), 30, true`,
  };
  const columns: Record<EventTable, string> = {
    lesson_completions: "user_id, lesson_id, completed_at",
    quiz_attempts: "user_id, quiz_id, started_at, completed_at, score",
    review_sessions: "user_id, started_at, ended_at, cards_reviewed",
    explanation_views: "user_id, explanation_id, viewed_at, dwell_seconds, helpful",
  };
  return `insert into public.${table} (${columns[table]}) ${select[table]} from bench_ids as i, generate_series(1, ${rows}) as g`;
}

async function writers(client: Client): Promise<WriterCost[]> {
  await client.query(BENCH_IDS_SQL);
  const { rows } = await client.query<{ u: string; l: string; q: string; e: string }>(
    "select users[1] as u, lessons[1] as l, quizzes[1] as q, explanations[1] as e from bench_ids",
  );
  const ids = [rows[0].u, rows[0].l, rows[0].q, rows[0].e];
  const params = (table: EventTable) => ({
    lesson_completions: [ids[0], ids[1]],
    quiz_attempts: [ids[0], ids[2]],
    review_sessions: [ids[0]],
    explanation_views: [ids[0], ids[3]],
  })[table];
  const single = await writerCost(client, `single-row inserts (${SINGLE_ROW_INSERTS} per event table per block, autocommit)`, WRITER_PAIRS.single, async (table) => {
    const { ms } = await timed(async () => {
      for (let i = 0; i < SINGLE_ROW_INSERTS; i += 1) await client.query(INSERT_ONE[table], params(table));
    });
    return ms;
  });
  const bulk = await writerCost(client, `${BULK_ROWS}-row inserts (one statement per event table per block)`, WRITER_PAIRS.bulk, async (table) => {
    return (await timed(() => client.query(insertMany(table, BULK_ROWS)))).ms;
  });
  return [single, bulk];
}

async function stateRows(client: Client): Promise<Record<string, number>> {
  const tables = ["learner_days", "day_totals", "learner_activity", "learner_streaks", "learner_dropped_lengths", "track_learners", "quiz_totals", "explanation_viewers"];
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = Number((await client.query<{ n: string }>(`select count(*) as n from analytics.${table}`)).rows[0].n);
  return counts;
}

function medianRows(rounds: readonly BatchRound[]): IncrementalResult["medians"] {
  return (["30-minute", "constant"] as const).map((batch) => {
    const of = rounds.filter((r) => r.batch === batch);
    const incrementalMs = median(of.map((r) => r.incrementalMs));
    const fullConcurrentMs = median(of.map((r) => r.fullConcurrentMs));
    return { batch, batchEvents: of[0]?.batchEvents ?? 0, incrementalMs, fullConcurrentMs, ratio: fullConcurrentMs / incrementalMs };
  });
}

export async function measureIncremental(client: Client, options: IncrementalOptions): Promise<IncrementalResult> {
  const { log } = options;
  const definitions = await viewDefinitions(client, options.views);
  log(`incremental: first build: applying ${options.fixes.map((m) => m.version).join(", ")} to the loaded database`);
  const deployWriter = await writerDuring(options.url, "first build (applying the incremental migrations)", () => applyMigrationFiles(client, options.fixes));
  const firstBuildMs = deployWriter.durationMs;
  await client.query("analyze");
  log(`incremental: first build took ${(firstBuildMs / 1000).toFixed(1)} s; ${describeWriter(deployWriter)}`);
  const aloneWriter = await writerDuring(options.url, "nothing else running", () => new Promise((resolve) => setTimeout(resolve, Math.min(firstBuildMs, WRITER_ALONE_MAX_MS))));
  log(`incremental: ${describeWriter(aloneWriter)}`);
  log("incremental: the original view definitions in schema bench_reference");
  await createReference(client, definitions);
  const rounds: BatchRound[] = [];
  const batches: [BatchRound["batch"], number][] = [
    ["30-minute", Math.round(options.events * BATCH_SHARE)],
    ["constant", CONSTANT_BATCH_EVENTS],
  ];
  for (const [batch, events] of batches) {
    for (let i = 0; i < options.rounds; i += 1) {
      const round = await batchRound(client, options, batch, events, rounds.length);
      log(
        `incremental: ${batch} batch of ${events} events, round ${i + 1}/${options.rounds}: incremental ${round.incrementalMs.toFixed(0)} ms ` +
          `(maintenance ${round.maintenanceMs.toFixed(0)} ms), full concurrent ${round.fullConcurrentMs.toFixed(0)} ms, ` +
          `${round.readsDuringRefresh} reads, ${round.blockedSamples} blocked samples`,
      );
      rounds.push(round);
    }
  }
  log("incremental: the admin functions through the Data-API path");
  await client.query(batchSql(Math.round(options.events * BATCH_SHARE), 104729));
  const dataApi = {
    manualRefresh: await asDataApiAdmin(client, "select analytics.manual_refresh()"),
    healthCheck: await asDataApiAdmin(client, "select * from analytics.health_check()"),
    cronJobStatus: await asDataApiAdmin(client, "select * from analytics.get_cron_job_status()"),
    statementTimeout: AUTHENTICATED_STATEMENT_TIMEOUT,
  };
  log(`incremental: manual_refresh() as authenticated (statement_timeout ${AUTHENTICATED_STATEMENT_TIMEOUT}): ${describeCall(dataApi.manualRefresh)}`);
  // A cancelled manual refresh left its batch logged: apply it before the writers' measurement.
  if (dataApi.manualRefresh.error) await client.query("select analytics.refresh_all_views()");
  log("incremental: writers with and without the change-log triggers");
  const writerCosts = await writers(client);
  for (const w of writerCosts) log(`incremental: ${w.what}: ${w.ratio.toFixed(3)}x`);
  log("incremental: analytics.rebuild_incremental_state() with the writer running");
  const rebuildWriter = await writerDuring(options.url, "analytics.rebuild_incremental_state()", () => client.query("select analytics.rebuild_incremental_state()"));
  log(`incremental: rebuild took ${(rebuildWriter.durationMs / 1000).toFixed(1)} s; ${describeWriter(rebuildWriter)}`);
  return {
    firstBuildMs,
    writerLatency: [deployWriter, rebuildWriter, aloneWriter],
    rounds,
    medians: medianRows(rounds),
    dataApi,
    writers: writerCosts,
    stateRows: await stateRows(client),
  };
}

/** The writer alone runs as long as the first build did, up to this. */
const WRITER_ALONE_MAX_MS = 60_000;

function describeWriter(w: WriterLatency): string {
  const s = w.statements;
  return `writer during ${w.during}: ${s.count} statements, median ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, slowest ${s.max.toFixed(1)} ms`;
}

/** Median time of each maintenance step over the rounds of one batch kind. */
function medianSteps(rounds: readonly BatchRound[]): Record<string, number> {
  const names = [...new Set(rounds.flatMap((r) => Object.keys(r.maintenanceSteps)))];
  return Object.fromEntries(names.map((name) => [name, median(rounds.map((r) => r.maintenanceSteps[name] ?? 0))]));
}

function describeCall(call: DataApiCall): string {
  return call.error === null ? `${call.ms.toFixed(0)} ms` : `failed with SQLSTATE ${call.error} after ${call.ms.toFixed(0)} ms`;
}

/** The maintenance steps in the order apply_pending_changes() runs them. */
const STEP_ORDER = ["lock_and_build", "take", "learner_days", "streaks", "tracks", "quizzes", "explanations"];

function stepNames(rounds: readonly BatchRound[]): string[] {
  const seen = new Set(rounds.flatMap((r) => Object.keys(r.maintenanceSteps)));
  return [...STEP_ORDER.filter((name) => seen.has(name)), ...[...seen].filter((name) => !STEP_ORDER.includes(name))];
}

/** The Markdown of bench/results/incremental-<scale>.md. */
export function renderIncrementalMarkdown(meta: { scale: string; events: number; startedAt: string; commit: string; notes: string[] }, result: IncrementalResult): string {
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const lines = [
    `# Incremental refresh, ${meta.scale} (${meta.events.toLocaleString("en-US")} events)`,
    "",
    `Run ${meta.startedAt}, commit ${meta.commit}. Medians of the rounds; method in docs/incremental-refresh.md.`,
    "",
    ...meta.notes.map((note) => `- ${note}`),
    "",
    "| batch | events | incremental refresh_all_views() | full concurrent refresh (original views) | full / incremental |",
    "|---|---|---|---|---|",
    ...result.medians.map((m) => `| ${m.batch} | ${m.batchEvents} | ${ms(m.incrementalMs)} | ${ms(m.fullConcurrentMs)} | ${m.ratio.toFixed(1)}× |`),
    "",
    "| round | batch | apply batch | incremental (maintenance) | full concurrent | reads during refresh | blocked samples |",
    "|---|---|---|---|---|---|---|",
    ...result.rounds.map(
      (r, i) =>
        `| ${i + 1} | ${r.batch} | ${ms(r.applyBatchMs)} | ${ms(r.incrementalMs)} (${ms(r.maintenanceMs)}) | ${ms(r.fullConcurrentMs)} | ${r.readsDuringRefresh} | ${r.blockedSamples} |`,
    ),
    "",
    "Maintenance steps, median ms over the rounds (refresh_runs.incremental.applied.steps_ms):",
    "",
    "| batch | " + stepNames(result.rounds).join(" | ") + " |",
    "|---|" + stepNames(result.rounds).map(() => "---").join("|") + "|",
    ...(["30-minute", "constant"] as const).map((batch) => {
      const steps = medianSteps(result.rounds.filter((r) => r.batch === batch));
      return `| ${batch} | ${stepNames(result.rounds).map((name) => ms(steps[name] ?? 0)).join(" | ")} |`;
    }),
    "",
    "| writer statements during | duration | statements | median | p99 | slowest |",
    "|---|---|---|---|---|---|",
    ...result.writerLatency.map(
      (w) => `| ${w.during} | ${ms(w.durationMs)} | ${w.statements.count} | ${w.statements.p50.toFixed(1)} ms | ${w.statements.p99.toFixed(1)} ms | ${w.statements.max.toFixed(1)} ms |`,
    ),
    "",
    "| writers | with maintenance (median block) | without (median block) | median of paired ratios |",
    "|---|---|---|---|",
    ...result.writers.map((w) => `| ${w.what} | ${ms(median(w.withMaintenanceMs))} | ${ms(median(w.withoutMaintenanceMs))} | ${w.ratio.toFixed(3)}× |`),
    "",
    `First build (applying the incremental migrations to the loaded database, the writer running): ${ms(result.firstBuildMs)}.`,
    "",
    `Data-API path (role authenticated, statement_timeout ${result.dataApi.statementTimeout}, admin JWT claims): ` +
      `manual_refresh() after a 30-minute batch ${describeCall(result.dataApi.manualRefresh)}, health_check() ${describeCall(result.dataApi.healthCheck)}, ` +
      `get_cron_job_status() ${describeCall(result.dataApi.cronJobStatus)}.`,
    "",
    `State rows: ${Object.entries(result.stateRows).map(([t, n]) => `${t} ${n}`).join(", ")}.`,
    "",
  ];
  return lines.join("\n");
}

export interface IncrementalRecord {
  scale: string;
  events: number;
  command: string;
  startedAt: string;
  finishedAt: string;
  git: { commit: string; dirty: boolean };
  machine: unknown;
  postgres: unknown;
  load: unknown;
  notes: string[];
  result: IncrementalResult;
}

/** Writes bench/results/incremental-<scale>.{json,md}; returns the paths. */
export function writeIncrementalResults(outDir: string, record: IncrementalRecord): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `incremental-${record.scale}`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(record, null, 2)}\n`);
  const meta = { scale: record.scale, events: record.events, startedAt: record.startedAt, commit: record.git.commit, notes: record.notes };
  fs.writeFileSync(`${base}.md`, renderIncrementalMarkdown(meta, record.result));
  return [`${base}.json`, `${base}.md`];
}
