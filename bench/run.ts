// `npm run bench -- --scale small|medium|large`: the four measurements of issue 9, each side by
// side with its baseline in the same run, on a throwaway PostgreSQL 15 cluster that this
// process starts and always stops. Writes bench/results/<scale>.{json,md,svg}.
// docs/readme/bench.md explains what each figure means.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Client } from "pg";
import { ANALYTICS_VIEWS } from "../infra/adminSurface";
import { loadMigrations, MigrationFile } from "../infra/migrations";
import { BenchOptions, Measurement, parseArgs, USAGE, UsageError } from "./args";
import { applyMigrationFiles, applyStackGrants, BenchCluster, connect, freshDatabase, startBenchCluster } from "./database";
import { measureDeploy } from "./deployBench";
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
import type { BenchResult, LoadRecord, RefreshVariant } from "./types";

const REPO_ROOT = path.resolve(__dirname, "..");
/** Above this 1-minute load before the start, other work competes for the 2 cores: the run says so. */
const BUSY_LOAD = 1.0;
const DRIFT_REPETITIONS = 3;

const runStart = process.hrtime.bigint();
function log(message: string): void {
  process.stderr.write(`[bench ${(elapsedMs(runStart) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

interface Context {
  options: BenchOptions;
  cluster: BenchCluster;
  counter: RoundTripCounter;
  migrations: MigrationFile[];
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
 * The data database: the baseline migrations (as a deploy applies them, views populated empty),
 * the stack's grants, the bench admin, the generated data. When newer migrations (fixes) exist,
 * the refresh is measured before and after applying them to the loaded database, the way a
 * deploy would apply them in production.
 */
async function dataPhase(context: Context, client: Client): Promise<{ data: BenchResult["data"]; variants: RefreshVariant[]; fixNotes: string[] }> {
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
  const variants: RefreshVariant[] = [];
  const fixNotes: string[] = [];
  const rounds = options.rounds ?? scale.refreshRepetitions;
  const refreshOptions = { views: ANALYTICS_VIEWS, rounds, events: generated.events, explain: options.explain, log };
  if (options.measurements.includes("refresh")) {
    const label = fixes.length ? `before: as shipped (migrations up to ${options.baselineVersion})` : "as shipped";
    const before = await measured(context, "refresh", () => measureRefresh(client, { ...refreshOptions, label, migrations: versions(baseline) }));
    if (before) variants.push(before);
  }
  if (fixes.length) {
    log(`data: applying ${fixes.length} newer migration(s) to the loaded database: ${versions(fixes).join(", ")}`);
    const { ms } = await timed(() => applyMigrationFiles(client, fixes));
    await client.query("analyze");
    fixNotes.push(`Applying ${versions(fixes).join(", ")} to the loaded ${options.scale} database took ${(ms / 1000).toFixed(1)} s.`);
    if (options.measurements.includes("refresh")) {
      const label = `after: with ${versions(fixes).join(", ")}`;
      const after = await measured(
        context,
        "refresh",
        () => measureRefresh(client, { ...refreshOptions, label, migrations: versions([...baseline, ...fixes]) }),
        "refresh (after)",
      );
      if (after) variants.push(after);
    }
  }
  return { data: { ...generated, loadMs }, variants, fixNotes };
}

/** The latest results of the other scales in the folder, for the growth table. */
function otherScaleResults(outDir: string, scale: string): BenchResult[] {
  return SCALE_NAMES.filter((name) => name !== scale)
    .map((name) => path.join(outDir, `${name}.json`))
    .filter((file) => fs.existsSync(file))
    .map((file) => JSON.parse(fs.readFileSync(file, "utf8")) as BenchResult)
    .filter((other) => other.formatVersion === 1);
}

function writeResults(result: BenchResult, outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, result.scale);
  const files = [`${base}.json`, `${base}.md`];
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, renderMarkdown(result, otherScaleResults(outDir, result.scale)));
  if (result.refresh) {
    fs.writeFileSync(`${base}.svg`, renderRefreshChart(result.refresh, { scale: result.scale, events: result.data.events }));
    files.push(`${base}.svg`);
  }
  return files;
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
  let data: BenchResult["data"];
  let variants: RefreshVariant[];
  let readers: BenchResult["readers"];
  try {
    const phase = await dataPhase(context, client);
    data = phase.data;
    variants = phase.variants;
    notes.push(...phase.fixNotes);
    const concurrentMs = variants.length ? variants[variants.length - 1].median.total.concurrent : 5000;
    const scale = SCALES[options.scale];
    readers = await measured(context, "readers", () =>
      measureReaders(dataDb.url, {
        views: ANALYTICS_VIEWS,
        refreshes: scale.readerRefreshes,
        // Idle as long as the refresh phases last, within reason, for comparable sample counts.
        idleMs: Math.min(30_000, Math.max(5_000, concurrentMs * scale.readerRefreshes)),
        logFile: cluster.logFile,
        log,
      }),
    );
  } finally {
    await client.end();
    await dataDb.drop();
  }

  const deploy = await measured(context, "deploy", () =>
    measureDeploy({ migrations: context.migrations, repetitions: SCALES[options.scale].deployRepetitions, counter: context.counter, log }),
  );
  const drift = await measured(context, "drift", () => measureDrift({ sizes: DRIFT_SIZES, repetitions: DRIFT_REPETITIONS, counter: context.counter, log }));

  context.load.after = loadAverage();
  const partial = {
    ...(variants.length ? { refresh: { views: [...ANALYTICS_VIEWS], variants } } : {}),
    ...(readers ? { readers } : {}),
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
  const load: LoadRecord = { before: loadAverage(), after: loadAverage(), perMeasurement: {} };
  log(`load average before the run: ${load.before.one.toFixed(2)} ${load.before.five.toFixed(2)} ${load.before.fifteen.toFixed(2)}`);
  const migrations = loadMigrations();
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
    const result = await runBench({ options, cluster, counter, migrations, load });
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
