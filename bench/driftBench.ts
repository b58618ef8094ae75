// Measurement 4: drift-check cost. N synthetic trivial Migration resources are applied through
// the provider (as a stack with N files would have), then, for N = 10, 100, 1000:
// - read() of every resource, in order: what `pulumi refresh` and
//   `pulumi preview --refresh --expect-no-changes` (the CI drift check) call;
// - check() + diff() of every resource: a no-op `pulumi up`;
// - read() + check() + diff(): a no-op `pulumi up --refresh`.
// Round trips are counted by wrapping pg.Client.prototype (bench/roundTrips.ts).
import { sha256Hex } from "../infra/migrations";
import { migrationProvider } from "../infra/postgres";
import type { MigrationInputs, MigrationOutputs } from "../infra/postgres";
import { migrationInputs } from "./deployBench";
import { freshDatabase } from "./database";
import { countRoundTrips, RoundTripCounter } from "./roundTrips";
import { growthExponent, median, timed } from "./stats";
import type { DriftPoint, DriftResult, OperationCost } from "./types";

export const DRIFT_SIZES = [10, 100, 1000] as const;
const SYNTHETIC_EPOCH_MS = Date.UTC(2025, 0, 1);

/** The i-th synthetic migration: one minute after the previous one, trivially cheap to apply. */
export function syntheticMigration(i: number): { version: string; name: string; sql: string; checksum: string } {
  const version = new Date(SYNTHETIC_EPOCH_MS + i * 60_000).toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const sql = `-- bench: synthetic trivial migration ${i}\nselect 1;\n`;
  return { version, name: `bench_trivial_${i}`, sql, checksum: sha256Hex(sql) };
}

interface Resource {
  id: string;
  inputs: MigrationInputs;
  outs: MigrationOutputs;
}

function provider() {
  const { check, diff, read, create } = migrationProvider;
  if (!check || !diff || !read || !create) throw new Error("migrationProvider lacks check, diff, read or create");
  return { check, diff, read, create };
}

async function readAll(resources: readonly Resource[]): Promise<void> {
  for (const resource of resources) {
    const result = await provider().read(resource.id, resource.outs);
    if (result.id !== resource.id) throw new Error(`read lost migration ${resource.id}: the drift bench expects no drift`);
  }
}

async function checkAndDiffAll(resources: readonly Resource[]): Promise<void> {
  for (const resource of resources) {
    const checked = await provider().check(resource.inputs, resource.inputs);
    const diff = await provider().diff(resource.id, resource.outs, (checked.inputs ?? resource.inputs) as MigrationInputs);
    if (diff.changes) throw new Error(`diff of unchanged migration ${resource.id} reported changes`);
  }
}

async function refreshAndDiffAll(resources: readonly Resource[]): Promise<void> {
  for (const resource of resources) {
    const read = await provider().read(resource.id, resource.outs);
    const outs = (read.props ?? resource.outs) as MigrationOutputs;
    const checked = await provider().check(resource.inputs, resource.inputs);
    const diff = await provider().diff(resource.id, outs, (checked.inputs ?? resource.inputs) as MigrationInputs);
    if (diff.changes) throw new Error(`diff of unchanged migration ${resource.id} reported changes after read`);
  }
}

async function cost(counter: RoundTripCounter, n: number, repetitions: number, fn: () => Promise<void>): Promise<OperationCost> {
  const counted = await countRoundTrips(counter, fn);
  const runsMs: number[] = [];
  for (let i = 0; i < repetitions; i++) runsMs.push((await timed(fn)).ms);
  const medianMs = median(runsMs);
  return {
    medianMs,
    runsMs,
    queries: counted.queries,
    connections: counted.connections,
    queriesPerResource: counted.queries / n,
    connectionsPerResource: counted.connections / n,
    msPerResource: medianMs / n,
  };
}

export interface DriftOptions {
  sizes: readonly number[];
  repetitions: number;
  counter: RoundTripCounter;
  log: (message: string) => void;
}

export async function measureDrift(options: DriftOptions): Promise<DriftResult> {
  const db = await freshDatabase("bench_drift");
  const resources: Resource[] = [];
  const points: DriftPoint[] = [];
  try {
    for (const n of [...options.sizes].sort((a, b) => a - b)) {
      options.log(`drift: applying synthetic migrations up to ${n}`);
      const applyStart = process.hrtime.bigint();
      const alreadyApplied = resources.length;
      while (resources.length < n) {
        const inputs = migrationInputs(syntheticMigration(resources.length), db.url);
        const created = await provider().create(inputs);
        resources.push({ id: created.id, inputs, outs: created.outs as MigrationOutputs });
      }
      options.log(`drift: applied ${n - alreadyApplied} in ${(Number(process.hrtime.bigint() - applyStart) / 1e6).toFixed(0)} ms`);
      const point: DriftPoint = {
        resources: n,
        read: await cost(options.counter, n, options.repetitions, () => readAll(resources)),
        noopDeploy: await cost(options.counter, n, options.repetitions, () => checkAndDiffAll(resources)),
        noopDeployWithRefresh: await cost(options.counter, n, options.repetitions, () => refreshAndDiffAll(resources)),
      };
      options.log(
        `drift: N=${n}: read ${point.read.medianMs.toFixed(0)} ms (${point.read.queriesPerResource.toFixed(2)} queries, ${point.read.connectionsPerResource.toFixed(2)} connections per resource), no-op deploy ${point.noopDeploy.medianMs.toFixed(0)} ms, with refresh ${point.noopDeployWithRefresh.medianMs.toFixed(0)} ms`,
      );
      points.push(point);
    }
  } finally {
    await db.drop();
  }
  const growth = (pick: (p: DriftPoint) => OperationCost) => growthExponent(points.map((p) => ({ n: p.resources, value: pick(p).medianMs })));
  return {
    points,
    growth: { read: growth((p) => p.read), noopDeploy: growth((p) => p.noopDeploy), noopDeployWithRefresh: growth((p) => p.noopDeployWithRefresh) },
  };
}
