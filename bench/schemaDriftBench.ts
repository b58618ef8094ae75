// `npm run bench:schema-drift`: what the Schema resource adds to a drift check, per owned
// function. For N = 0 (the real migrations), 10, 100 and 1,000 extra functions in schema
// analytics (a synthetic migration after the real ones, in the expected schema too), the
// Schema provider's read() (what `pulumi refresh` and the CI drift check call) is run on a
// database deployed as the demoted `postgres`: round trips (bench/roundTrips.ts) and median
// time. Writes bench/results/schema-drift.{json,md}. Noisy on a shared machine: the 1-minute
// load is recorded with each point.
import * as fs from "node:fs";
import * as path from "node:path";
import { ALL_GRANTS, grantStatement } from "../infra/adminSurface";
import { migrationFingerprints } from "../infra/expectedSchema";
import { loadMigrations, MigrationFile, parseMigrationFile } from "../infra/migrations";
import { ExpectedSchema, packExpectedSchema, schemaProvider, SchemaInputs, SchemaOutputs } from "../infra/postgres";
import { generateExpectedSchema } from "../scripts/lib/expectedSchema";
import { createFreshDatabase, LocalCluster, prepareTemplateDatabase, startCluster, stopCluster, withClient } from "../scripts/lib/localCluster";
import { gitState, loadAverage, machineInfo } from "./environment";
import { countRoundTrips, installRoundTripCounter, RoundTripCounter } from "./roundTrips";
import { median, timed } from "./stats";

const REPO_ROOT = path.resolve(__dirname, "..");
const OUT_DIR = path.join(REPO_ROOT, "bench/results");
export const SCHEMA_DRIFT_SIZES = [0, 10, 100, 1000] as const;
const REPETITIONS = 21;

/** A migration after the real ones that creates `n` small functions in schema analytics. */
export function syntheticFunctions(n: number): MigrationFile {
  const statements = Array.from({ length: n }, (_, i) =>
    [
      `create or replace function analytics.bench_function_${i}() returns integer language sql stable set search_path = '' as 'select ${i}';`,
      `revoke execute on function analytics.bench_function_${i}() from public;`,
    ].join("\n"),
  );
  return parseMigrationFile("sql/migrations/29990101000000_bench_functions.sql", `-- bench: ${n} synthetic functions\n${statements.join("\n")}\n`);
}

interface Point {
  functions: number;
  /** Objects in the expected schema. */
  objects: number;
  queries: number;
  connections: number;
  medianMs: number;
  runsMs: number[];
  load1: number;
}

async function deployed(cluster: LocalCluster, migrations: readonly MigrationFile[]): Promise<{ url: string; drop(): Promise<void> }> {
  const database = await createFreshDatabase(cluster, "bench_schema");
  await withClient(database.url, async (client) => {
    await client.query("set client_min_messages = warning");
    for (const migration of migrations) await client.query(migration.sql);
    for (const grant of ALL_GRANTS) await client.query(grantStatement(grant));
  });
  return database;
}

async function measure(cluster: LocalCluster, counter: RoundTripCounter, n: number): Promise<Point> {
  const migrations = [...loadMigrations(), ...(n > 0 ? [syntheticFunctions(n)] : [])];
  const expected: ExpectedSchema = await generateExpectedSchema(cluster, migrations);
  const database = await deployed(cluster, migrations);
  try {
    const inputs: SchemaInputs = {
      connection: database.url,
      expected: packExpectedSchema(expected),
      managedGrants: ALL_GRANTS.map(({ role, privilege, objectType, object }) => ({ role, privilege, objectType, object })),
      migrations: migrationFingerprints(migrations),
      drift: [],
      securityDrift: [],
    };
    const read = async () => {
      const result = await schemaProvider.read!("schema", inputs as SchemaOutputs);
      const drift = (result.props as SchemaOutputs).drift;
      if (drift.length > 0) throw new Error(`the bench expects no drift, read found: ${drift.join("; ")}`);
    };
    await read(); // a warm session, as in a drift check after the first resource
    const counted = await countRoundTrips(counter, read);
    const runsMs: number[] = [];
    for (let i = 0; i < REPETITIONS; i++) runsMs.push((await timed(read)).ms);
    return { functions: n, objects: expected.objects.length, queries: counted.queries, connections: counted.connections, medianMs: median(runsMs), runsMs, load1: loadAverage().one };
  } finally {
    await database.drop();
  }
}

function markdown(points: Point[], when: string, commit: string): string {
  const base = points[0];
  const rows = points.map((point) => {
    const added = point.functions === 0 ? "—" : ((point.medianMs - base.medianMs) / point.functions).toFixed(3);
    return `| ${point.functions.toLocaleString("en")} | ${point.objects.toLocaleString("en")} | ${point.queries} | ${point.connections} | ${point.medianMs.toFixed(1)} | ${added} | ${point.load1.toFixed(2)} |`;
  });
  return [
    "# Schema drift check: cost per owned function",
    "",
    `Run ${when} at ${commit.slice(0, 12)} (\`npm run bench:schema-drift\`, ${REPETITIONS} timed reads per point after a warm-up read).`,
    "One `read()` of the Schema resource against a database deployed as the demoted `postgres`, with N extra functions in `analytics`.",
    "",
    "| owned functions added | objects compared | round trips per read | new connections | median read (ms) | added ms per function | 1-min load |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "Round trips per read stay constant whatever N is: the catalog statement, plus the session reset that infra/postgres/connection.ts sends when it reuses a pooled session. The time grows with the catalog rows returned and compared; the added cost per function is the slope against N = 0 (at N = 10 it is within the noise).",
    "The machine is shared (2 cores): the load column is the 1-minute load average when the point finished.",
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const cluster = await startCluster();
  const counter = installRoundTripCounter();
  try {
    await prepareTemplateDatabase(cluster.adminUrl);
    const points: Point[] = [];
    for (const n of SCHEMA_DRIFT_SIZES) {
      points.push(await measure(cluster, counter, n));
      process.stderr.write(`[schema-drift bench] ${n} functions: ${points.at(-1)!.medianMs.toFixed(1)} ms, ${points.at(-1)!.queries} queries\n`);
    }
    const when = new Date().toISOString();
    const git = gitState(REPO_ROOT);
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUT_DIR, "schema-drift.json"), `${JSON.stringify({ when, git, machine: machineInfo(), repetitions: REPETITIONS, points }, null, 2)}\n`);
    fs.writeFileSync(path.join(OUT_DIR, "schema-drift.md"), markdown(points, when, git.commit));
  } finally {
    counter.uninstall();
    stopCluster(cluster);
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.stack : error);
      process.exit(1);
    },
  );
}
