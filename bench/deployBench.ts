// Measurement 3: deploy overhead. All migrations on a fresh database through the real
// Migration provider (create() per file, in order: its own connection, advisory lock, history
// checks, statements one by one, history row) against psql applying the same files in one
// transaction (`psql -1 -v ON_ERROR_STOP=1 -f … -f …`). Sides alternate which goes first.
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { MigrationFile, splitStatements } from "../infra/migrations";
import { migrationProvider } from "../infra/postgres";
import type { MigrationInputs } from "../infra/postgres";
import { connect, freshDatabase } from "./database";
import { countRoundTrips, RoundTripCounter } from "./roundTrips";
import { median, ratio, timed } from "./stats";
import type { DeployResult, DeploySide } from "./types";

const execFileAsync = promisify(execFile);
export const PSQL = "/usr/lib/postgresql/15/bin/psql";
const REPO_ROOT = path.resolve(__dirname, "..");
export const POSTGRES_PROVIDER_DIR = path.join(REPO_ROOT, "infra/postgres");

/** The inputs the Migration resource gives its provider for a file (as infra/analyticsFoundation.ts builds them). */
export function migrationInputs(file: Pick<MigrationFile, "version" | "name" | "sql" | "checksum" | "downSql">, connection: string): MigrationInputs {
  return {
    connection,
    version: file.version,
    name: file.name,
    sql: file.sql,
    checksum: file.checksum,
    allowOutOfOrder: false,
    ...(file.downSql === undefined ? {} : { downSql: file.downSql }),
  };
}

async function createAll(migrations: readonly MigrationFile[], url: string, withCheck: boolean): Promise<void> {
  if (!migrationProvider.create || !migrationProvider.check) throw new Error("migrationProvider lacks create or check");
  for (const file of migrations) {
    let inputs = migrationInputs(file, url);
    if (withCheck) {
      const checked = await migrationProvider.check({} as MigrationInputs, inputs);
      if (checked.failures && checked.failures.length > 0) {
        throw new Error(`check refused ${file.file}: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
      }
      inputs = (checked.inputs ?? inputs) as MigrationInputs;
    }
    await migrationProvider.create(inputs);
  }
}

export function psqlArgs(url: string, migrations: readonly Pick<MigrationFile, "file">[]): string[] {
  return [url, "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", ...migrations.flatMap((m) => ["-f", path.join(REPO_ROOT, m.file)])];
}

async function psqlAll(migrations: readonly MigrationFile[], url: string): Promise<void> {
  try {
    await execFileAsync(PSQL, psqlArgs(url, migrations), { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`psql -1 of the migrations failed: ${stderr.trim().split("\n").slice(-5).join(" ")}`, { cause: error });
  }
}

type Side = "provider" | "providerWithCheck" | "psql";

async function onFreshDatabase(side: Side, migrations: readonly MigrationFile[]): Promise<number> {
  const db = await freshDatabase("bench_deploy");
  try {
    const run = side === "psql" ? () => psqlAll(migrations, db.url) : () => createAll(migrations, db.url, side === "providerWithCheck");
    return (await timed(run)).ms;
  } finally {
    await db.drop();
  }
}

function summarize(runs: number[]): DeploySide {
  return { runsMs: runs, medianMs: median(runs) };
}

/** Median time to open and close one session (TCP, startup, SCRAM authentication, backend start): what each provider operation pays first. */
export async function measureConnectionSetup(url: string, samples = 21): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < samples; i++) {
    runs.push((await timed(async () => (await connect(url)).end())).ms);
  }
  return median(runs);
}

export interface DeployOptions {
  migrations: readonly MigrationFile[];
  repetitions: number;
  counter: RoundTripCounter;
  log: (message: string) => void;
}

export async function measureDeploy(options: DeployOptions): Promise<DeployResult> {
  const { migrations, log } = options;
  const sides: Side[] = ["provider", "providerWithCheck", "psql"];
  // Warm-up: the first provider call in a process loads the SQL parser (libpg-query WASM);
  // that one-time cost is in the cold figure, not in the comparison.
  const coldProvider = await onFreshDatabase("providerWithCheck", migrations);
  const coldPsql = await onFreshDatabase("psql", migrations);
  log(`deploy: cold run provider ${coldProvider.toFixed(0)} ms, psql ${coldPsql.toFixed(0)} ms`);
  const runs: Record<Side, number[]> = { provider: [], providerWithCheck: [], psql: [] };
  for (let i = 0; i < options.repetitions; i++) {
    const order = i % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) runs[side].push(await onFreshDatabase(side, migrations));
    log(`deploy: run ${i + 1}/${options.repetitions}: provider ${runs.provider[i].toFixed(0)} ms, with check ${runs.providerWithCheck[i].toFixed(0)} ms, psql ${runs.psql[i].toFixed(0)} ms`);
  }
  const db = await freshDatabase("bench_deploy");
  let counted: { queries: number; connections: number };
  let connectionSetupMs: number;
  try {
    counted = await countRoundTrips(options.counter, () => createAll(migrations, db.url, true));
    connectionSetupMs = await measureConnectionSetup(db.url);
  } finally {
    await db.drop();
  }
  let statements = 0;
  for (const file of migrations) statements += (await splitStatements(file.sql, file.file)).length;
  const provider = summarize(runs.provider);
  const providerWithCheck = summarize(runs.providerWithCheck);
  const psql = summarize(runs.psql);
  return {
    migrations: migrations.map((m) => `${m.version}_${m.name}`),
    provider,
    providerWithCheck,
    psql,
    ratio: ratio(provider.medianMs, psql.medianMs),
    ratioWithCheck: ratio(providerWithCheck.medianMs, psql.medianMs),
    providerQueries: counted.queries,
    providerConnections: counted.connections,
    connectionSetupMs,
    statements,
    coldMs: { provider: coldProvider, psql: coldPsql },
  };
}
