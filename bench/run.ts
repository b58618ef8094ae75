// `npm run bench -- --scale small|medium|large`: the four measurements (refresh, readers, deploy, drift), each side by
// side with its baseline in the same run, on a throwaway PostgreSQL 15 cluster that this
// process starts and always stops. Writes bench/results/<scale>.{json,md,svg}.
// bench/README.md explains what each figure means.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Client } from "pg";
import { ANALYTICS_VIEWS } from "../infra/adminSurface";
import { loadMigrations, MigrationFile } from "../infra/migrations";
import { BenchOptions, Measurement, parseArgs, USAGE, UsageError } from "./args";
import { applyMigrationFiles, applyStackGrants, BenchCluster, connect, freshDatabase, startBenchCluster } from "./database";
import { measureDeploy } from "./deployBench";
import { measureStackDeploy, stackNotes, writeStackResults } from "./stackBench";
import { measureIncremental, writeIncrementalResults } from "./incrementalBench";
import { DRIFT_SIZES, measureDrift } from "./driftBench";
import { gitState, loadAverage, machineInfo, postgresInfo, sampleLoad } from "./environment";
import { GeneratedData, generatorParams, loadLearningData } from "./generator";
import { renderMarkdown } from "./markdown";
import { ensureBenchAdmin, measureReaders } from "./readersBench";
import { measureRefresh } from "./refreshBench";
import { installRoundTripCounter, RoundTripCounter } from "./roundTrips";
import { SCALE_NAMES, SCALES } from "./scales";
import { elapsedMs, timed } from "./stats";
import { renderRefreshChart } from "./svgChart";
import { evaluateTargets } from "./targets";
import type { BenchResult, CandidateReaders, LoadRecord, RefreshVariant } from "./types";

const REPO_ROOT = path.resolve(__dirname, "..");
/** Above this 1-minute load before the start, other work competes for the 2 cores: the run says so. */
const BUSY_LOAD = 1.0;
const DRIFT_REPETITIONS = 3;
/** At least this many rounds of each stack operation (--rounds raises it). */
const STACK_ROUNDS = 3;
const CANDIDATES_DIR = path.join(REPO_ROOT, "bench/candidates");

const runStart = process.hrtime.bigint();
function log(message: string): void {
  process.stderr.write(`[bench ${(elapsedMs(runStart) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

interface Context {
  options: BenchOptions;
  cluster: BenchCluster;
  counter: RoundTripCounter;
  migrations: MigrationFile[];
  /** Proposed fixes in bench/candidates: measured, not part of the stack. */
  candidates: MigrationFile[];
  load: LoadRecord;
}

async function measured<T>(context: Context, name: Measurement, fn: () => Promise<T>, loadKey: string = name): Promise<T | undefined> {
  if (!context.options.measurements.includes(name)) return undefined;
  const sampler = sampleLoad();
  try {
    return await fn();
  } finally {
    context.load.perMeasurement[loadKey] = sampler.stop();
  }
}

function splitAtBaseline(migrations: MigrationFile[], baselineVersion: string): { baseline: MigrationFile[]; fixes: MigrationFile[] } {
  if (baselineVersion === "none") return { baseline: migrations, fixes: [] };
  return {
    baseline: migrations.filter((m) => m.version <= baselineVersion),
    fixes: migrations.filter((m) => m.version > baselineVersion),
  };
}

const versions = (files: readonly MigrationFile[]) => files.map((m) => `${m.version}_${m.name}`);

/**
 * bench/candidates: proposed migrations (e.g. an index) that the bench measures after all of
 * the stack's, so a fix can be judged before it goes into sql/migrations. A candidate's version
 * is the one it would take there; one whose version a stack migration has taken since (it was
 * adopted, or another file got there first) is skipped, and the run says so.
 */
function loadCandidates(migrations: readonly MigrationFile[]): { candidates: MigrationFile[]; skipped: string[] } {
  if (!fs.existsSync(CANDIDATES_DIR) || !fs.readdirSync(CANDIDATES_DIR).some((f) => f.endsWith(".sql"))) return { candidates: [], skipped: [] };
  const taken = new Map(migrations.map((m) => [m.version, m.file]));
  const candidates: MigrationFile[] = [];
  const skipped: string[] = [];
  for (const candidate of loadMigrations(CANDIDATES_DIR, REPO_ROOT)) {
    const owner = taken.get(candidate.version);
    if (owner) skipped.push(`${candidate.file} was not measured: version ${candidate.version} is taken by ${owner} (remove the candidate if it was adopted, or give it a later timestamp).`);
    else candidates.push(candidate);
  }
  return { candidates, skipped };
}

/** Applies migrations to the loaded database as a deploy would, then re-analyzes; returns a note with the time it took. */
async function applyToLoadedDatabase(client: Client, files: MigrationFile[], what: string, scale: string): Promise<string> {
  log(`data: applying ${what} to the loaded database: ${versions(files).join(", ")}`);
  const { ms } = await timed(() => applyMigrationFiles(client, files));
  await client.query("analyze");
  return `Applying ${what} ${versions(files).join(", ")} to the loaded ${scale} database took ${(ms / 1000).toFixed(1)} s.`;
}

interface DataPhaseResult {
  data: BenchResult["data"];
  variants: RefreshVariant[];
  readers?: BenchResult["readers"];
  candidateReaders: CandidateReaders[];
  notes: string[];
}

/**
 * Everything measured on the data database: the baseline migrations (as a deploy applies
 * them, views populated empty), the stack's grants, the bench admin and the generated data,
 * then
 *   1. the refresh as of the baseline version;
 *   2. when sql/migrations has newer files (fixes), the refresh again after applying them to
 *      the loaded database, the way a deploy would in production;
 *   3. the readers, on the shipped state (every file of sql/migrations);
 *   4. for each file of bench/candidates (proposed fixes not in the stack), in order and
 *      cumulatively: apply it, then the refresh and the readers again. Recorded for
 *      comparison, never judged against the targets.
 */
async function dataPhase(context: Context, client: Client, url: string): Promise<DataPhaseResult> {
  const { options } = context;
  const scale = SCALES[options.scale];
  const { baseline, fixes } = splitAtBaseline(context.migrations, options.baselineVersion);
  await applyMigrationFiles(client, baseline);
  await applyStackGrants(client);
  await ensureBenchAdmin(client);
  const params = generatorParams(scale, options.seed, options.anchorDate);
  log(`data: generating ${options.scale} (${scale.users} learners, ${scale.tracks} tracks, ${scale.windowDays} days, seed ${options.seed}, anchor ${options.anchorDate})`);
  const { ms: loadMs, result: generated } = await timed<GeneratedData>(() =>
    loadLearningData(client, params, { skipForeignKeyChecks: true, onStep: (label) => log(`data: ${label}`) }),
  );
  log(`data: ${generated.events} events in ${(loadMs / 1000).toFixed(1)} s`);
  if (options.measurements.includes("incremental")) {
    await measured(context, "incremental", () => incrementalPhase(context, client, url, fixes, generated.events));
    return { data: { ...generated, loadMs }, variants: [], candidateReaders: [], notes: [] };
  }
  const variants: RefreshVariant[] = [];
  const notes: string[] = [];
  const rounds = options.rounds ?? scale.refreshRepetitions;
  const refreshOptions = { views: ANALYTICS_VIEWS, rounds, events: generated.events, explain: options.explain, log };
  const refresh = async (label: string, migrations: MigrationFile[], warmupAfter: string, loadKey: string, candidate = false) => {
    const variant = await measured(
      context,
      "refresh",
      () => measureRefresh(client, { ...refreshOptions, label, migrations: versions(migrations), warmupAfter }),
      loadKey,
    );
    if (variant) variants.push(candidate ? { ...variant, candidate: true } : variant);
  };

  const afterLoading = "loading, the deploy's views populated but empty";
  await refresh(fixes.length ? `before: as shipped up to ${options.baselineVersion}` : "as shipped", baseline, afterLoading, "refresh");
  if (fixes.length) {
    notes.push(await applyToLoadedDatabase(client, fixes, "the newer migrations", options.scale));
    await refresh(`after: with ${versions(fixes).join(", ")}`, [...baseline, ...fixes], `applying ${versions(fixes).join(", ")}`, "refresh (after)");
  }
  const readersOn = (idleMs: number) =>
    measureReaders(url, { views: ANALYTICS_VIEWS, refreshes: scale.readerRefreshes, idleMs, logFile: context.cluster.logFile, log });
  const lastConcurrentMs = () => (variants.length ? variants[variants.length - 1].median.total.concurrent : 5000);
  // The first idle window as long as a refresh; later ones follow the refresh before them.
  const readers = await measured(context, "readers", () => readersOn(lastConcurrentMs()));
  // Candidates one at a time, cumulatively: the refresh and the readers after each.
  const candidateReaders: CandidateReaders[] = [];
  const applied: MigrationFile[] = [];
  for (const candidate of context.candidates) {
    if (!options.measurements.includes("refresh") && !options.measurements.includes("readers")) break;
    notes.push(await applyToLoadedDatabase(client, [candidate], "the candidate migration of bench/candidates", options.scale));
    applied.push(candidate);
    const label = `${applied.length > 1 ? "and " : ""}candidate ${versions([candidate])[0]} (bench/candidates, not in the stack${applied.length > 1 ? "; with the ones above" : ""})`;
    await refresh(label, [...baseline, ...fixes, ...applied], `applying ${versions([candidate]).join(", ")}`, `refresh (candidate ${candidate.version})`, true);
    const result = await measured(context, "readers", () => readersOn(lastConcurrentMs()), `readers (candidate ${candidate.version})`);
    if (result) candidateReaders.push({ label, result });
  }
  return { data: { ...generated, loadMs }, variants, ...(readers ? { readers } : {}), candidateReaders, notes };
}

/** `--only incremental`: bench/incrementalBench.ts on the loaded database; writes bench/results/incremental-<scale>.*. */
async function incrementalPhase(context: Context, client: Client, url: string, fixes: MigrationFile[], events: number): Promise<void> {
  const { options } = context;
  const startedAt = new Date().toISOString();
  const result = await measureIncremental(client, { url, views: ANALYTICS_VIEWS, fixes, events, rounds: options.rounds ?? SCALES[options.scale].refreshRepetitions, log });
  const busy = context.load.before.one > BUSY_LOAD ? [`The 1-minute load average was ${context.load.before.one.toFixed(2)} before the run: other work shared the ${machineInfo().cpus} cores.`] : [];
  const files = writeIncrementalResults(options.outDir, {
    scale: options.scale,
    events,
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
    startedAt,
    finishedAt: new Date().toISOString(),
    git: gitState(REPO_ROOT),
    machine: machineInfo(),
    postgres: await postgresInfo(client),
    load: { before: context.load.before, after: loadAverage() },
    notes: [...options.notes, ...busy],
    result,
  });
  log(`wrote ${files.map((f) => path.relative(REPO_ROOT, f)).join(", ")}`);
}

/** The local stack through the real runtime (bench/stackBench.ts) on the cluster's cron database; writes bench/results/deploy-stack.*. */
async function stackPhase(context: Context): Promise<void> {
  const { options } = context;
  const startedAt = new Date().toISOString();
  const before = loadAverage();
  const uptimeBefore = uptime();
  const rounds = Math.max(STACK_ROUNDS, options.rounds ?? 0);
  const result = await measureStackDeploy({ databaseUrl: context.cluster.deployerUrl, rounds, log });
  const files = writeStackResults(options.outDir, {
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
    startedAt,
    finishedAt: new Date().toISOString(),
    git: gitState(REPO_ROOT),
    machine: machineInfo(),
    load: { before, after: loadAverage(), uptime: `${uptimeBefore} (before); ${uptime()} (after)` },
    rounds,
    notes: [...options.notes, ...stackNotes(before)],
    result,
  });
  log(`wrote ${files.map((f) => path.relative(REPO_ROOT, f)).join(", ")}`);
}

/** `uptime`'s line (load averages as the shell shows them), recorded with the stack figures. */
function uptime(): string {
  return execFileSync("uptime", { encoding: "utf8" }).trim();
}

/** The latest results of the other scales in the folder, for the growth table. */
function otherScaleResults(outDir: string, scale: string): BenchResult[] {
  return SCALE_NAMES.filter((name) => name !== scale)
    .map((name) => path.join(outDir, `${name}.json`))
    .filter((file) => fs.existsSync(file))
    .map((file) => JSON.parse(fs.readFileSync(file, "utf8")) as BenchResult)
    .filter((other) => other.formatVersion === 1);
}

function renderResults(result: BenchResult, outDir: string): string[] {
  const base = path.join(outDir, result.scale);
  const files = [`${base}.md`];
  fs.writeFileSync(`${base}.md`, renderMarkdown(result, otherScaleResults(outDir, result.scale)));
  if (result.refresh) {
    fs.writeFileSync(`${base}.svg`, renderRefreshChart(result.refresh, { scale: result.scale, events: result.data.events }));
    files.push(`${base}.svg`);
  }
  return files;
}

function writeResults(result: BenchResult, outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, `${result.scale}.json`);
  fs.writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  return [json, ...renderResults(result, outDir)];
}

function renderOnly(options: BenchOptions): void {
  const json = path.join(options.outDir, `${options.scale}.json`);
  if (!fs.existsSync(json)) throw new UsageError(`--render needs ${path.relative(REPO_ROOT, json)}: run the bench at that scale first`);
  const files = renderResults(JSON.parse(fs.readFileSync(json, "utf8")) as BenchResult, options.outDir);
  log(`rendered ${files.map((f) => path.relative(REPO_ROOT, f)).join(", ")}`);
}

async function runBench(context: Context): Promise<BenchResult> {
  const { options, cluster } = context;
  const startedAt = new Date().toISOString();
  const postgres = await (async () => {
    const admin = await connect(cluster.adminUrl);
    try {
      return await postgresInfo(admin);
    } finally {
      await admin.end();
    }
  })();
  const notes = [...options.notes];
  if (context.load.before.one > BUSY_LOAD) {
    notes.push(`The 1-minute load average was ${context.load.before.one.toFixed(2)} before the run: other work shared the ${machineInfo().cpus} cores.`);
  }

  const dataDb = await freshDatabase("bench_data");
  const client = await connect(dataDb.url);
  let phase: DataPhaseResult;
  try {
    phase = await dataPhase(context, client, dataDb.url);
  } finally {
    await client.end();
    await dataDb.drop();
  }
  const { data, variants, readers, candidateReaders } = phase;
  notes.push(...phase.notes);

  const deploy = await measured(context, "deploy", () =>
    measureDeploy({ migrations: context.migrations, repetitions: SCALES[options.scale].deployRepetitions, counter: context.counter, log }),
  );
  await measured(context, "deploy", () => stackPhase(context), "deploy (stack)");
  const drift = await measured(context, "drift", () => measureDrift({ sizes: DRIFT_SIZES, repetitions: DRIFT_REPETITIONS, counter: context.counter, log }));

  context.load.after = loadAverage();
  const partial = {
    ...(variants.length ? { refresh: { views: [...ANALYTICS_VIEWS], variants } } : {}),
    ...(readers ? { readers } : {}),
    ...(candidateReaders.length ? { candidateReaders } : {}),
    ...(deploy ? { deploy } : {}),
    ...(drift ? { drift } : {}),
  };
  return {
    formatVersion: 1,
    scale: options.scale,
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
    startedAt,
    finishedAt: new Date().toISOString(),
    git: gitState(REPO_ROOT),
    seed: options.seed,
    machine: machineInfo(),
    postgres,
    load: context.load,
    data,
    ...partial,
    targets: evaluateTargets(partial),
    notes,
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2), new Date(), path.join(REPO_ROOT, "bench/results"));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (options.renderOnly) {
    renderOnly(options);
    return;
  }
  const load: LoadRecord = { before: loadAverage(), after: loadAverage(), perMeasurement: {} };
  log(`load average before the run: ${load.before.one.toFixed(2)} ${load.before.five.toFixed(2)} ${load.before.fifteen.toFixed(2)}`);
  const migrations = loadMigrations();
  const { candidates, skipped } = loadCandidates(migrations);
  for (const line of skipped) log(line);
  log("starting a throwaway PostgreSQL cluster");
  const cluster = await startBenchCluster();
  // Stop the cluster on Ctrl-C or kill too: it is a real server in a temp folder.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the cluster`);
    cluster.stop();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const counter = installRoundTripCounter();
  try {
    const result = await runBench({ options: { ...options, notes: [...options.notes, ...skipped] }, cluster, counter, migrations, candidates, load });
    // incremental alone wrote its own files: keep <scale>.* of the full bench as they are.
    if (options.measurements.every((m) => m === "incremental")) return;
    const files = writeResults(result, options.outDir);
    for (const target of result.targets) log(`target ${target.met === null ? "n/a" : target.met ? "met" : "MISSED"}: ${target.name}: ${target.measured} (wanted ${target.target})`);
    log(`wrote ${files.map((f) => path.relative(REPO_ROOT, f)).join(", ")}`);
  } finally {
    counter.uninstall();
    log("stopping the cluster");
    cluster.stop();
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
