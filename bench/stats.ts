// Summary statistics for the bench: medians of repeated runs, latency percentiles of reader
// loops, ratios and growth. Pure functions, unit-tested in tests/bench/stats.test.ts.

/**
 * The p-th percentile (0 ≤ p ≤ 100) by linear interpolation between the closest ranks
 * (Hyndman & Fan type 7, numpy's default): p0 is the minimum, p100 the maximum, p50 the median.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of an empty sample: the measurement produced no values");
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile ${p} is outside 0..100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.ceil(rank);
  return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  return { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: percentile(values, 100) };
}

/** a / b, or null when b is zero or either side is missing (a ratio that cannot be computed is not 0). */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || b === 0) return null;
  return a / b;
}

/**
 * How the per-item cost grows from the smallest to the largest sample: the exponent k in
 * cost ∝ n^k fitted through the end points (1 = linear, 2 = quadratic). Needs n to grow.
 */
export function growthExponent(points: readonly { n: number; value: number }[]): number | null {
  if (points.length < 2) return null;
  const sorted = [...points].sort((a, b) => a.n - b.n);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first.n <= 0 || last.n === first.n || first.value <= 0 || last.value <= 0) return null;
  return Math.log(last.value / first.value) / Math.log(last.n / first.n);
}

/** Milliseconds since `start` (a process.hrtime.bigint() reading). */
export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs fn and returns its result with its duration in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: elapsedMs(start), result };
}
