// A small, hand-made BenchResult for the writer tests: two views, every measurement.
import type { BenchResult, RefreshVariant } from "../../bench/types";
import { evaluateTargets } from "../../bench/targets";

export function variant(label: string, concurrent: Record<string, number>, plain: Record<string, number>): RefreshVariant {
  const floor = Object.fromEntries(Object.entries(plain).map(([view, ms]) => [view, ms / 2]));
  const compute = Object.fromEntries(Object.entries(plain).map(([view, ms]) => [view, ms * 0.8]));
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const perView = { concurrent, plain, floor, compute };
  const total = { concurrent: sum(concurrent) + 1, plain: sum(plain), floor: sum(floor), compute: sum(compute) };
  const views = Object.keys(concurrent);
  return {
    label,
    migrations: ["20260128100000_learning_core", "20260128100009_populate_analytics_views"],
    warmup: { perView, total, order: ["concurrent", "plain", "floor", "compute"] },
    warmupAfter: "loading",
    rounds: [{ perView, total, order: ["concurrent", "plain", "floor", "compute"] }],
    median: { perView, total },
    ratios: {
      perView: Object.fromEntries(
        views.map((v) => [v, { concurrentToPlain: concurrent[v] / plain[v], concurrentToFloor: concurrent[v] / floor[v], concurrentToCompute: concurrent[v] / compute[v] }]),
      ),
      concurrentToPlain: total.concurrent / total.plain,
      concurrentToFloor: total.concurrent / total.floor,
      concurrentToCompute: total.concurrent / total.compute,
      paired: {
        concurrentToPlain: total.concurrent / total.plain,
        concurrentToFloor: total.concurrent / total.floor,
        concurrentToCompute: total.concurrent / total.compute,
      },
    },
    concurrentMsPerMillionEvents: total.concurrent * 10,
    plainMsPerMillionEvents: total.plain * 10,
    viewRows: Object.fromEntries(views.map((v) => [v, 12])),
  };
}

export function benchResult(overrides: Partial<BenchResult> = {}): BenchResult {
  const latency = (p50: number, p99: number, count = 100) => ({ count, p50, p99, max: p99 * 1.5 });
  const partial: Pick<BenchResult, "refresh" | "readers" | "deploy" | "drift"> = {
    refresh: {
      views: ["streak_dropoffs", "popular_tracks"],
      variants: [variant("as shipped", { streak_dropoffs: 300, popular_tracks: 100 }, { streak_dropoffs: 200, popular_tracks: 90 })],
    },
    readers: {
      plainMode: "one transaction",
      samplerIntervalMs: 5,
      phases: [
        { phase: "idle", durationMs: 5000, refreshes: 0, refreshMs: [], latency: { get_popular_tracks: latency(1, 2), health_check: latency(2, 4) }, blockedReads: { get_popular_tracks: 0, health_check: 0 }, longestBlockMs: 0, samples: 900, blockedOn: [], loggedLockWaits: 0 },
        { phase: "concurrent", durationMs: 4000, refreshes: 2, refreshMs: [2000, 2000], latency: { get_popular_tracks: latency(1.2, 3), health_check: latency(2.5, 5) }, blockedReads: { get_popular_tracks: 0, health_check: 0 }, longestBlockMs: 0, samples: 700, blockedOn: [], loggedLockWaits: 0 },
        { phase: "plain", durationMs: 4000, refreshes: 2, refreshMs: [1900, 1900], latency: { get_popular_tracks: latency(900, 1800, 4), health_check: latency(900, 1800, 4) }, blockedReads: { get_popular_tracks: 2, health_check: 2 }, longestBlockMs: 1850, samples: 700, blockedOn: ["AccessShareLock on analytics.popular_tracks"], loggedLockWaits: 4 },
      ],
    },
    deploy: {
      migrations: ["20260128100000_learning_core"],
      provider: { runsMs: [300, 310], medianMs: 305 },
      providerWithCheck: { runsMs: [320, 330], medianMs: 325 },
      psql: { runsMs: [100, 110], medianMs: 105 },
      ratio: 305 / 105,
      ratioWithCheck: 325 / 105,
      providerQueries: 150,
      providerConnections: 10,
      connectionSetupMs: 8,
      statements: 120,
      coldMs: { provider: 900, psql: 120 },
    },
    drift: {
      points: [10, 100].map((n) => {
        const cost = { medianMs: n * 10, runsMs: [n * 10], queries: 2 * n, connections: n, queriesPerResource: 2, connectionsPerResource: 1, msPerResource: 10 };
        return { resources: n, read: cost, noopDeploy: cost, noopDeployWithRefresh: cost };
      }),
      growth: { read: 1, noopDeploy: 1, noopDeployWithRefresh: 1 },
    },
  };
  return {
    formatVersion: 1,
    scale: "small",
    command: "npm run bench -- --scale small",
    startedAt: "2026-01-28T10:00:00.000Z",
    finishedAt: "2026-01-28T10:05:00.000Z",
    git: { commit: "0123456789abcdef0123", dirty: false },
    seed: 1,
    machine: { cpus: 2, cpuModel: "Test CPU", memoryBytes: 8 * 2 ** 30, platform: "Linux", node: "v22.0.0" },
    postgres: { version: "PostgreSQL 15.x", settings: { shared_buffers: "128MB", fsync: "off" } },
    load: { before: { one: 0.5, five: 0.4, fifteen: 0.3 }, after: { one: 1.5, five: 1, fifteen: 0.5 }, perMeasurement: { refresh: { max: 1.6, mean: 1.2 } } },
    data: {
      params: { seed: 1, users: 10, tracks: 2, windowDays: 30, anchorDate: "2026-01-28" },
      rows: { users: 10, tracks: 2, lessons: 20, quizzes: 16, explanations: 30, lesson_completions: 500, quiz_attempts: 200, review_sessions: 100, explanation_views: 200 },
      events: 1000,
      loadMs: 1234,
    },
    ...partial,
    targets: evaluateTargets(partial),
    notes: ["a note | with a pipe"],
    ...overrides,
  };
}
