// The bench's targets (defined at medium scale on the 2-core machine), checked against a
// result. Pure: the run and the Markdown writer both use it.
import type { BenchResult, DriftResult, ReaderCall, ReaderPhaseResult, RefreshVariant, TargetCheck } from "./types";

export const TARGETS = {
  concurrentToPlain: 2.0,
  concurrentToFloor: 3.0,
  readerP99ToIdle: 3.0,
  deployToPsql: 1.5,
  driftQueriesPerResource: 2,
  /** Time ∝ N^k with k at most this counts as linear (measurement noise on small N allowed). */
  linearGrowthExponent: 1.2,
} as const;

export const READER_CALLS: readonly ReaderCall[] = ["get_popular_tracks", "health_check"];

export function fmtRatio(value: number | null | undefined): string {
  return value == null ? "n/a" : `${value.toFixed(2)}×`;
}

function atMost(name: string, target: number, measured: number | null | undefined, note?: string): TargetCheck {
  return {
    name,
    target: `≤ ${target.toFixed(1)}×`,
    measured: fmtRatio(measured),
    met: measured == null ? null : measured <= target,
    ...(note ? { note } : {}),
  };
}

/** The variant the targets are judged on: the stack's latest (after a shipped fix), never a candidate. */
export function judgedVariant(variants: readonly RefreshVariant[]): RefreshVariant | undefined {
  return variants.filter((v) => !v.candidate).pop();
}

function refreshTargets(variant: RefreshVariant): TargetCheck[] {
  const worst = Object.entries(variant.ratios.perView)
    .filter(([, r]) => r.concurrentToPlain != null)
    .sort(([, a], [, b]) => (b.concurrentToPlain ?? 0) - (a.concurrentToPlain ?? 0))[0];
  const worstNote = worst ? `worst view ${worst[0]} ${fmtRatio(worst[1].concurrentToPlain)}` : undefined;
  const paired = (value: number) => `per-round median ${fmtRatio(value)}`;
  return [
    atMost(
      "refresh: concurrent / plain (total)",
      TARGETS.concurrentToPlain,
      variant.ratios.concurrentToPlain,
      [paired(variant.ratios.paired.concurrentToPlain), worstNote].filter(Boolean).join("; "),
    ),
    atMost("refresh: concurrent / floor (total)", TARGETS.concurrentToFloor, variant.ratios.concurrentToFloor, paired(variant.ratios.paired.concurrentToFloor)),
  ];
}

function phase(phases: readonly ReaderPhaseResult[], name: ReaderPhaseResult["phase"]): ReaderPhaseResult | undefined {
  return phases.find((p) => p.phase === name);
}

function readerTargets(phases: readonly ReaderPhaseResult[]): TargetCheck[] {
  const idle = phase(phases, "idle");
  const concurrent = phase(phases, "concurrent");
  const plain = phase(phases, "plain");
  const checks: TargetCheck[] = [];
  if (concurrent) {
    const blocked = READER_CALLS.reduce((sum, call) => sum + concurrent.blockedReads[call], 0);
    checks.push({ name: "readers: blocked reads during concurrent refresh", target: "0", measured: String(blocked), met: blocked === 0 });
  }
  if (idle && concurrent) {
    const cpu = phase(phases, "cpu");
    for (const call of READER_CALLS) {
      const idleP99 = idle.latency[call].p99;
      const during = concurrent.latency[call].p99;
      const value = idleP99 > 0 ? during / idleP99 : null;
      const control = cpu && idleP99 > 0 ? `; CPU control (a busy loop outside PostgreSQL) ${fmtRatio(cpu.latency[call].p99 / idleP99)}` : "";
      checks.push(
        atMost(`readers: ${call} p99 during concurrent / idle p99`, TARGETS.readerP99ToIdle, value, `${during.toFixed(2)} ms vs ${idleP99.toFixed(2)} ms${control}`),
      );
    }
  }
  if (plain) {
    const blocked = READER_CALLS.reduce((sum, call) => sum + plain.blockedReads[call], 0);
    checks.push({
      name: "readers: plain refresh (counter-example) blocks readers",
      target: "> 0 blocked",
      measured: String(blocked),
      met: blocked > 0,
      note: `longest block ${plain.longestBlockMs.toFixed(0)} ms`,
    });
  }
  return checks;
}

function driftTargets(drift: DriftResult): TargetCheck[] {
  const largest = [...drift.points].sort((a, b) => b.resources - a.resources)[0];
  const smallest = [...drift.points].sort((a, b) => a.resources - b.resources)[0];
  if (!largest) return [];
  const perResource = largest.read.queriesPerResource;
  const constantQueries = largest.read.queriesPerResource <= smallest.read.queriesPerResource + 1e-9;
  const exponent = drift.growth.read;
  return [
    {
      name: "drift check: SQL round trips per resource (read)",
      target: `≤ ${TARGETS.driftQueriesPerResource}`,
      measured: `${perResource.toFixed(2)} (+ ${largest.read.connectionsPerResource.toFixed(2)} connections)`,
      met: perResource <= TARGETS.driftQueriesPerResource,
    },
    {
      name: "drift check: growth with N (read)",
      target: `linear: time ∝ N^k, k ≤ ${TARGETS.linearGrowthExponent}; round trips per resource constant`,
      measured: `k = ${exponent == null ? "n/a" : exponent.toFixed(2)}; ${smallest.read.queriesPerResource.toFixed(2)} → ${perResource.toFixed(2)} per resource`,
      met: exponent == null ? null : exponent <= TARGETS.linearGrowthExponent && constantQueries,
    },
  ];
}

export function evaluateTargets(result: Pick<BenchResult, "refresh" | "readers" | "deploy" | "drift">): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const variant = result.refresh ? judgedVariant(result.refresh.variants) : undefined;
  if (variant) checks.push(...refreshTargets(variant));
  if (result.readers) checks.push(...readerTargets(result.readers.phases));
  if (result.deploy) checks.push(atMost("deploy: Migration provider / psql -1", TARGETS.deployToPsql, result.deploy.ratio));
  if (result.drift) checks.push(...driftTargets(result.drift));
  return checks;
}
